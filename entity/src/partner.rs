//! A partner: a merchant or an institution (shop, clinic, care agency, …) serving some buildings
//! under a contract.

use sea_orm::entity::prelude::*;

/// One row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "partner")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    /// UUID v7.
    pub id: Uuid,
    /// Name (unique).
    pub name: String,
    /// `PartnerKind` (SHOP, RESTAURANT, CLINIC, PHARMACY, SCHOOL, CARE_AGENCY, PET_SERVICE, OTHER).
    pub kind: String,
    /// What the partner offers.
    pub description: String,
    /// Contact person.
    pub contact_name: Option<String>,
    /// Contact phone.
    pub contact_phone: Option<String>,
    /// Contact email.
    pub contact_email: Option<String>,
    /// The contract starts.
    pub contract_from: DateTimeUtc,
    /// The contract ends (open-ended when absent).
    pub contract_until: Option<DateTimeUtc>,
    /// `PartnerStatus` (ACTIVE, SUSPENDED, ENDED).
    pub status: String,
    /// Who registered it.
    pub created_by: Uuid,
    /// Created at.
    pub created_at: DateTimeUtc,
    /// Last changed at.
    pub updated_at: DateTimeUtc,
}

/// Relations are followed with explicit queries and DataLoaders, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
