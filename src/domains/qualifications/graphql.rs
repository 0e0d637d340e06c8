//! GraphQL surface of qualifications and certificates: thin resolvers over
//! [`QualificationService`]. Every field of an input is checked at once here, so the service
//! sees only checked values.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};

use super::{
    service::{
        CertificateFilter, CertificateNumber, Name, NewCertificate, NewQualification,
        QualificationChanges, QualificationService, Reason, VALIDITY_MAX,
    },
    types::{CertificateStatus, Qualification, StaffCertificate},
};
use crate::{
    auth::{Role, guard::RoleGuard},
    domains::{
        catalogue::input::{CategoryCode, bounded},
        estate::types::{ServiceCategory, StaffPost},
    },
    error::{AppError, AppResult},
    graphql::{
        ContextExt,
        checks::Checks,
        ids::{parse_id, parse_opt_id},
        pagination::{CountedConnection, PageRequest},
        scalars::Date,
        text::{change, check_characters},
    },
};

/// Longest evidence URL.
pub const EVIDENCE_URL_MAX: usize = 500;

/// An evidence link: an absolute `https://` URL with a host, without spaces or control
/// characters, at most [`EVIDENCE_URL_MAX`] characters.
pub fn parse_evidence_url(field: &str, raw: &str) -> AppResult<String> {
    let url = raw.trim();
    check_characters(field, url, false)?;
    let host = url
        .get(..8)
        .filter(|scheme| scheme.eq_ignore_ascii_case("https://"))
        .map(|_| &url[8..])
        .map(|rest| rest.split(['/', '?', '#']).next().unwrap_or_default());
    let valid = url.chars().count() <= EVIDENCE_URL_MAX
        && !url.contains(char::is_whitespace)
        && host.is_some_and(|host| !host.is_empty() && !host.contains('@'));
    if valid {
        Ok(url.to_owned())
    } else {
        Err(AppError::bad_input(
            field,
            format!("must be an https:// link of at most {EVIDENCE_URL_MAX} characters"),
        ))
    }
}

fn parse_validity(value: i32) -> AppResult<i32> {
    bounded("input.validityMonths", value, 1, VALIDITY_MAX)
}

/// Input of `createQualification`.
#[derive(InputObject)]
pub struct CreateQualificationInput {
    /// Unique code: 2–40 characters of A–Z, 0–9 and _, starting with a letter (lower case is
    /// upper-cased).
    code: String,
    /// Name (1–100 characters).
    name: String,
    /// Who usually issues it (1–100 characters).
    issuer: String,
    /// Months a certificate stays valid from its issue date (1 to 600); omitted or null: it
    /// never expires.
    validity_months: Option<i32>,
    /// Staff posts that need it whatever work they do.
    #[graphql(default)]
    required_for_posts: Vec<StaffPost>,
    /// Service-category groups whose work orders need it.
    #[graphql(default)]
    required_for_groups: Vec<ServiceCategory>,
}

/// Input of `updateQualification`; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateQualificationInput {
    /// The qualification.
    id: ID,
    /// New code.
    code: Option<String>,
    /// New name.
    name: Option<String>,
    /// New usual issuer.
    issuer: Option<String>,
    /// New validity in months; null: it never expires. Certificates already submitted keep
    /// their expiry dates.
    validity_months: MaybeUndefined<i32>,
    /// The whole new list of posts that need it.
    required_for_posts: Option<Vec<StaffPost>>,
    /// The whole new list of groups that need it.
    required_for_groups: Option<Vec<ServiceCategory>>,
}

/// Result of a qualification mutation.
#[derive(SimpleObject)]
pub struct QualificationPayload {
    /// The qualification as stored.
    qualification: Qualification,
}

/// Input of `submitCertificate`.
#[derive(InputObject)]
pub struct SubmitCertificateInput {
    /// The qualification it certifies.
    qualification_id: ID,
    /// Certificate number, as printed (1–64 characters).
    number: String,
    /// Who issued it (1–100 characters); the qualification's usual issuer when omitted.
    issuer: Option<String>,
    /// Issue date; not after today.
    issued_on: Date,
    /// Last day it is valid; not before `issuedOn`. Omitted: `issuedOn` plus the
    /// qualification's validity (none when the qualification never expires).
    expires_on: Option<Date>,
    /// Link to the scanned certificate: `https://` only.
    evidence_url: Option<String>,
}

/// Input of `verifyCertificate`.
#[derive(InputObject)]
pub struct VerifyCertificateInput {
    /// A certificate waiting for verification.
    id: ID,
}

/// Input of `revokeCertificate`.
#[derive(InputObject)]
pub struct RevokeCertificateInput {
    /// A pending or valid certificate.
    id: ID,
    /// Why (1–500 characters); the staff member reads it.
    reason: String,
}

/// Result of a certificate mutation.
#[derive(SimpleObject)]
pub struct CertificatePayload {
    /// The certificate as stored, with its status now.
    certificate: StaffCertificate,
}

fn certificate(
    ctx: &Context<'_>,
    model: entity::staff_certificate::Model,
) -> async_graphql::Result<CertificatePayload> {
    Ok(CertificatePayload {
        certificate: StaffCertificate::try_from_model(model, ctx.state().clock.today())?,
    })
}

/// Qualification queries.
#[derive(Default)]
pub struct QualificationQuery;

#[Object]
impl QualificationQuery {
    /// The qualification catalogue, by code (staff, supervisors and administrators; others
    /// `FORBIDDEN`).
    async fn qualifications(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<CountedConnection<Qualification>> {
        ctx.require_user()?;
        let page = PageRequest::parse(first, after, None, None)?;
        let scope = ctx.scope().await?;
        let page = QualificationService::new(ctx.state())
            .qualifications(scope, &page)
            .await?;
        Ok(page.into_counted_connection(Qualification::from))
    }

    /// Certificates you may read, newest first: your own (staff), your buildings' staff's
    /// (managers), everyone's (supervisors, administrators); residents and others `FORBIDDEN`.
    async fn certificates(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only this staff record's (an empty list when you may not read them).")]
        staff_id: Option<ID>,
        #[graphql(
            desc = "Only those with this status now (`EXPIRED` includes those past \
                          their expiry date that were never marked)."
        )]
        status: Option<CertificateStatus>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<CountedConnection<StaffCertificate>> {
        ctx.require_user()?;
        let mut check = Checks::new();
        let staff_id = check.field(parse_opt_id("staffId", staff_id.as_ref()));
        let page = check.field(PageRequest::parse(first, after, None, None));
        let (staff_id, page) = check.finish(|| Some((staff_id?, page?)))?;
        let scope = ctx.scope().await?;
        let filter = CertificateFilter { staff_id, status };
        let page = QualificationService::new(ctx.state())
            .certificates(scope, &filter, &page)
            .await?;
        let today = ctx.state().clock.today();
        Ok(page.try_into_counted_connection(|m| StaffCertificate::try_from_model(m, today))?)
    }

    /// One certificate you may read; `NOT_FOUND` otherwise.
    async fn certificate(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<StaffCertificate> {
        ctx.require_user()?;
        let id = parse_id("id", &id)?;
        let scope = ctx.scope().await?;
        let model = QualificationService::new(ctx.state())
            .certificate(scope, id)
            .await?;
        Ok(StaffCertificate::try_from_model(
            model,
            ctx.state().clock.today(),
        )?)
    }
}

/// Qualification and certificate mutations.
#[derive(Default)]
pub struct QualificationMutation;

#[Object]
impl QualificationMutation {
    /// Adds a qualification (administrators). A code in use is `CONFLICT` on `input.code`.
    #[graphql(guard = "RoleGuard::any(&[Role::Admin])")]
    async fn create_qualification(
        &self,
        ctx: &Context<'_>,
        input: CreateQualificationInput,
    ) -> async_graphql::Result<QualificationPayload> {
        let scope = ctx.scope().await?;
        let mut check = Checks::new();
        let code = check.field(CategoryCode::parse("input.code", &input.code));
        let name = check.field(Name::parse("input.name", &input.name));
        let issuer = check.field(Name::parse("input.issuer", &input.issuer));
        let validity = check.field(input.validity_months.map(parse_validity).transpose());
        let new = check.finish(|| {
            Some(NewQualification {
                code: code?,
                name: name?,
                issuer: issuer?,
                validity_months: validity?,
                posts: input.required_for_posts,
                groups: input.required_for_groups,
            })
        })?;
        let model = QualificationService::new(ctx.state())
            .create_qualification(scope, new)
            .await?;
        Ok(QualificationPayload {
            qualification: model.into(),
        })
    }

    /// Changes a qualification (administrators); given lists replace the old ones.
    #[graphql(guard = "RoleGuard::any(&[Role::Admin])")]
    async fn update_qualification(
        &self,
        ctx: &Context<'_>,
        input: UpdateQualificationInput,
    ) -> async_graphql::Result<QualificationPayload> {
        let scope = ctx.scope().await?;
        let mut check = Checks::new();
        let id = check.field(parse_id("input.id", &input.id));
        let code = check.field(
            input
                .code
                .as_deref()
                .map(|c| CategoryCode::parse("input.code", c))
                .transpose(),
        );
        let name = check.field(Name::parse_opt("input.name", input.name.as_deref()));
        let issuer = check.field(Name::parse_opt("input.issuer", input.issuer.as_deref()));
        let validity = check.field(
            change(input.validity_months)
                .map(|v| v.map(parse_validity).transpose())
                .transpose(),
        );
        let (id, changes) = check.finish(|| {
            Some((
                id?,
                QualificationChanges {
                    code: code?,
                    name: name?,
                    issuer: issuer?,
                    validity_months: validity?,
                    posts: input.required_for_posts,
                    groups: input.required_for_groups,
                },
            ))
        })?;
        let model = QualificationService::new(ctx.state())
            .update_qualification(scope, id, changes)
            .await?;
        Ok(QualificationPayload {
            qualification: model.into(),
        })
    }

    /// Submits a certificate of your own (staff), waiting for verification. An unknown
    /// qualification is `NOT_FOUND` on `input.qualificationId`.
    #[graphql(guard = "RoleGuard::any(&[Role::Staff])")]
    async fn submit_certificate(
        &self,
        ctx: &Context<'_>,
        input: SubmitCertificateInput,
    ) -> async_graphql::Result<CertificatePayload> {
        let scope = ctx.scope().await?;
        let today = ctx.state().clock.today();
        let issued_on = input.issued_on.0;
        let expires_on = input.expires_on.map(|d| d.0);
        let mut check = Checks::new();
        let qualification_id =
            check.field(parse_id("input.qualificationId", &input.qualification_id));
        let number = check.field(CertificateNumber::parse("input.number", &input.number));
        let issuer = check.field(Name::parse_opt("input.issuer", input.issuer.as_deref()));
        let evidence_url = check.field(
            input
                .evidence_url
                .as_deref()
                .map(|url| parse_evidence_url("input.evidenceUrl", url))
                .transpose(),
        );
        check.rule(
            issued_on <= today,
            "input.issuedOn",
            "must not be after today",
        );
        check.rule(
            expires_on.is_none_or(|day| day >= issued_on),
            "input.expiresOn",
            "must not be before issuedOn",
        );
        let new = check.finish(|| {
            Some(NewCertificate {
                qualification_id: qualification_id?,
                number: number?,
                issuer: issuer?,
                issued_on,
                expires_on,
                evidence_url: evidence_url?,
            })
        })?;
        let model = QualificationService::new(ctx.state())
            .submit(scope, new)
            .await?;
        certificate(ctx, model)
    }

    /// Verifies a certificate waiting for verification (administrators); any other status is
    /// `INVALID_STATE`.
    #[graphql(guard = "RoleGuard::any(&[Role::Admin])")]
    async fn verify_certificate(
        &self,
        ctx: &Context<'_>,
        input: VerifyCertificateInput,
    ) -> async_graphql::Result<CertificatePayload> {
        let scope = ctx.scope().await?;
        let id = parse_id("input.id", &input.id)?;
        let model = QualificationService::new(ctx.state())
            .verify(scope, id)
            .await?;
        certificate(ctx, model)
    }

    /// Revokes a pending or valid certificate, with a reason (administrators); an expired or
    /// revoked one is `INVALID_STATE`.
    #[graphql(guard = "RoleGuard::any(&[Role::Admin])")]
    async fn revoke_certificate(
        &self,
        ctx: &Context<'_>,
        input: RevokeCertificateInput,
    ) -> async_graphql::Result<CertificatePayload> {
        let scope = ctx.scope().await?;
        let mut check = Checks::new();
        let id = check.field(parse_id("input.id", &input.id));
        let reason = check.field(Reason::parse("input.reason", &input.reason));
        let (id, reason) = check.finish(|| Some((id?, reason?)))?;
        let model = QualificationService::new(ctx.state())
            .revoke(scope, id, reason)
            .await?;
        certificate(ctx, model)
    }
}
