//! One read of a health profile (or its exam results) by someone other than its subject's side.

use sea_orm::entity::prelude::*;

/// One row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "health_access_log")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    /// UUID v7.
    pub id: Uuid,
    /// The profile read.
    pub profile_id: Uuid,
    /// Its subject.
    pub subject_id: Uuid,
    /// Who read it.
    pub reader_id: Uuid,
    /// `HEALTH_STAFF` or `CLINIC`: under which consent.
    pub reader_role: String,
    /// The clinic, for `CLINIC`.
    pub partner_id: Option<Uuid>,
    /// `PROFILE` or `EXAM_RESULTS`.
    pub what: String,
    /// When.
    pub read_at: DateTimeUtc,
}

/// Relations are followed with explicit queries, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
