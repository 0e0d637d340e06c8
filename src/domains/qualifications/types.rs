//! GraphQL types of qualifications and certificates, built from the entity models.

use async_graphql::{ComplexObject, Context, ID, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::{
    loaders::{QualificationById, RequirementsByQualification},
    service::{GROUP, POST, effective_status},
};
use crate::{
    domains::estate::types::{ServiceCategory, StaffPost, StaffRecord},
    error::{AppError, AppResult},
    graphql::{ContextExt, loaders::ById, scalars::Date},
    text_enum,
};
use entity::{qualification, qualification_requirement, staff_certificate, staff_record};

text_enum! {
    /// Where a certificate stands.
    pub enum CertificateStatus {
        /// Submitted by the staff member; an administrator has not checked it yet.
        PendingVerification => "PENDING_VERIFICATION",
        /// Checked by an administrator and not past its expiry date.
        Valid => "VALID",
        /// Past its expiry date (from the first instant after that date, UTC).
        Expired => "EXPIRED",
        /// Withdrawn by an administrator, with a reason.
        Revoked => "REVOKED",
    }
}

/// Which posts and groups require a qualification.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Requirements {
    /// Staff posts that require it whatever work they do.
    pub posts: Vec<StaffPost>,
    /// Service-category groups whose work requires it.
    pub groups: Vec<ServiceCategory>,
}

impl Requirements {
    /// From stored rows; fails on a value the code does not know.
    pub fn from_rows(rows: &[qualification_requirement::Model]) -> AppResult<Requirements> {
        let mut requirements = Requirements::default();
        for row in rows {
            match row.kind.as_str() {
                POST => requirements.posts.push(StaffPost::from_stored(&row.value)?),
                GROUP => requirements
                    .groups
                    .push(ServiceCategory::from_stored(&row.value)?),
                other => {
                    return Err(AppError::internal(format!(
                        "unknown qualification requirement kind {other}"
                    )));
                }
            }
        }
        requirements.posts.sort_by_key(|p| p.as_str());
        requirements.groups.sort_by_key(|g| g.as_str());
        Ok(requirements)
    }
}

/// A qualification staff can hold, and who needs it.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct Qualification {
    /// Globally unique id.
    pub id: ID,
    /// Stable code, unique (`LOW_VOLTAGE_ELECTRICIAN`).
    pub code: String,
    /// Display name.
    pub name: String,
    /// Who usually issues it.
    pub issuer: String,
    /// Months a certificate stays valid from its issue date; null: it never expires.
    pub validity_months: Option<i32>,
    /// The qualification id as a UUID.
    #[graphql(skip)]
    pub uuid: Uuid,
}

impl From<qualification::Model> for Qualification {
    fn from(model: qualification::Model) -> Self {
        Qualification {
            id: ID(model.id.to_string()),
            code: model.code,
            name: model.name,
            issuer: model.issuer,
            validity_months: model.validity_months,
            uuid: model.id,
        }
    }
}

impl Qualification {
    async fn requirements(&self, ctx: &Context<'_>) -> async_graphql::Result<Requirements> {
        let rows = ctx
            .loaders()?
            .load_one::<RequirementsByQualification>(self.uuid)
            .await?
            .unwrap_or_default();
        Ok(Requirements::from_rows(&rows)?)
    }
}

#[ComplexObject]
impl Qualification {
    /// Staff posts that need it whatever work they do, by name.
    async fn required_for_posts(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<StaffPost>> {
        Ok(self.requirements(ctx).await?.posts)
    }

    /// Service-category groups whose work orders need it, by name.
    async fn required_for_groups(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<ServiceCategory>> {
        Ok(self.requirements(ctx).await?.groups)
    }
}

/// A certificate a staff member holds for a qualification.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct StaffCertificate {
    /// Globally unique id.
    pub id: ID,
    /// Certificate number, as printed.
    pub number: String,
    /// Who issued it.
    pub issuer: String,
    /// Issue date.
    pub issued_on: Date,
    /// Last day it is valid; null: it never expires.
    pub expires_on: Option<Date>,
    /// Where the scanned certificate is (https).
    pub evidence_url: Option<String>,
    /// Its status now: `EXPIRED` from the first instant after `expiresOn` (UTC), whatever was
    /// last written.
    pub status: CertificateStatus,
    /// Id of the administrator who verified it.
    pub verified_by_id: Option<ID>,
    /// When it was verified.
    pub verified_at: Option<DateTime<Utc>>,
    /// Why it was revoked.
    pub revoked_reason: Option<String>,
    /// When it was revoked.
    pub revoked_at: Option<DateTime<Utc>>,
    /// When it was submitted.
    pub submitted_at: DateTime<Utc>,
    #[graphql(skip)]
    staff_id: Uuid,
    #[graphql(skip)]
    qualification_id: Uuid,
}

impl StaffCertificate {
    /// From a model, with its status as of `today`; fails on a stored value the code does not
    /// know.
    pub fn try_from_model(
        model: staff_certificate::Model,
        today: NaiveDate,
    ) -> AppResult<StaffCertificate> {
        Ok(StaffCertificate {
            id: ID(model.id.to_string()),
            status: effective_status(&model, today)?,
            number: model.number,
            issuer: model.issuer,
            issued_on: model.issued_on.into(),
            expires_on: model.expires_on.map(Date::from),
            evidence_url: model.evidence_url,
            verified_by_id: model.verified_by.map(|id| ID(id.to_string())),
            verified_at: model.verified_at,
            revoked_reason: model.revoked_reason,
            revoked_at: model.revoked_at,
            submitted_at: model.created_at,
            staff_id: model.staff_id,
            qualification_id: model.qualification_id,
        })
    }
}

#[ComplexObject]
impl StaffCertificate {
    /// The staff record holding it (whoever may read the certificate may read the record).
    async fn staff(&self, ctx: &Context<'_>) -> async_graphql::Result<StaffRecord> {
        let record = ctx
            .loaders()?
            .load_one::<ById<staff_record::Entity>>(self.staff_id)
            .await?
            .ok_or(AppError::NotFound("staff record"))?;
        Ok(StaffRecord::try_from_model(record)?)
    }

    /// The qualification it certifies.
    async fn qualification(&self, ctx: &Context<'_>) -> async_graphql::Result<Qualification> {
        let model = ctx
            .loaders()?
            .load_one::<QualificationById>(self.qualification_id)
            .await?
            .ok_or(AppError::NotFound("qualification"))?;
        Ok(model.into())
    }
}
