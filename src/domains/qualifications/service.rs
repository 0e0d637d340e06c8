//! Qualification rules: who reads the catalogue and whose certificates, the administrators'
//! changes, the certificate steps (one table, each a conditional update), the expiry sweep, and
//! the eligibility functions work orders call ([`missing_certificates`], [`certified_for`]).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Months, NaiveDate, NaiveTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait,
    DatabaseConnection, EntityTrait, QueryFilter, QuerySelect, sea_query::Expr,
};
use uuid::Uuid;

use super::types::CertificateStatus;
use crate::{
    app::AppState,
    apply_changes,
    auth::{Role, guard},
    domains::{
        catalogue::input::CategoryCode,
        estate::{
            access::{Scope, StaffOversight},
            types::{ServiceCategory, StaffPost, StaffStatus},
        },
    },
    error::{AppError, AppResult},
    events::outbox::Write,
    graphql::{
        pagination::{Keyset, Page, PageRequest},
        text::Text,
    },
    notifications::{
        notifier::{Draft, Notifier},
        types::{NotificationCategory, NotificationPriority, SubjectRef},
    },
    store::{find_or_not_found, replace_links},
};
use entity::{
    qualification, qualification_requirement, staff_building, staff_certificate, staff_record,
};

/// Subject type of certificate notifications.
pub const SUBJECT: &str = "CERTIFICATE";
/// Requirement kind: a staff post.
pub const POST: &str = "POST";
/// Requirement kind: a service-category group.
pub const GROUP: &str = "GROUP";
/// Days before expiry of the first reminder.
pub const FIRST_REMINDER_DAYS: i64 = 30;
/// Days before expiry of the second reminder.
pub const SECOND_REMINDER_DAYS: i64 = 7;
/// Longest validity, in months (50 years).
pub const VALIDITY_MAX: i32 = 600;

/// A qualification's or certificate's name-like text.
pub type Name = Text<100>;
/// A certificate number.
pub type CertificateNumber = Text<64>;
/// Why a certificate was revoked.
pub type Reason = Text<500>;

/// What an administrator may do to a certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CertificateAction {
    /// Checked the evidence: `verifyCertificate`.
    Verify,
    /// Withdrew it: `revokeCertificate`.
    Revoke,
}

/// Every allowed step: (status now, action, status after). `EXPIRED` and `REVOKED` are final.
pub const TRANSITIONS: &[(CertificateStatus, CertificateAction, CertificateStatus)] = &[
    (
        CertificateStatus::PendingVerification,
        CertificateAction::Verify,
        CertificateStatus::Valid,
    ),
    (
        CertificateStatus::PendingVerification,
        CertificateAction::Revoke,
        CertificateStatus::Revoked,
    ),
    (
        CertificateStatus::Valid,
        CertificateAction::Revoke,
        CertificateStatus::Revoked,
    ),
];

/// The first instant a certificate expiring on `expires_on` counts as expired: midnight UTC
/// after that day (it is valid through the whole day).
pub fn expired_from(expires_on: NaiveDate) -> DateTime<Utc> {
    (expires_on + Duration::days(1))
        .and_time(NaiveTime::MIN)
        .and_utc()
}

/// Whether a certificate expiring on `expires_on` has expired by `today` (UTC).
pub fn is_expired(expires_on: Option<NaiveDate>, today: NaiveDate) -> bool {
    expires_on.is_some_and(|day| day < today)
}

/// A certificate's status on `today`: a pending or valid one past its expiry date is `EXPIRED`.
pub fn effective_status(
    model: &staff_certificate::Model,
    today: NaiveDate,
) -> AppResult<CertificateStatus> {
    let stored = CertificateStatus::from_stored(&model.status)?;
    Ok(match stored {
        CertificateStatus::PendingVerification | CertificateStatus::Valid
            if is_expired(model.expires_on, today) =>
        {
            CertificateStatus::Expired
        }
        other => other,
    })
}

/// A new qualification.
pub struct NewQualification {
    /// Unique code.
    pub code: CategoryCode,
    /// Name.
    pub name: Name,
    /// Usual issuer.
    pub issuer: Name,
    /// Months of validity; `None`: never expires.
    pub validity_months: Option<i32>,
    /// Posts that require it.
    pub posts: Vec<StaffPost>,
    /// Groups that require it.
    pub groups: Vec<ServiceCategory>,
}

/// Qualification changes; `None` leaves a field as it is (`validity_months: Some(None)` makes
/// it never expire; given lists replace the old ones). Certificates already submitted keep
/// their expiry dates.
#[derive(Default)]
pub struct QualificationChanges {
    /// Code.
    pub code: Option<CategoryCode>,
    /// Name.
    pub name: Option<Name>,
    /// Issuer.
    pub issuer: Option<Name>,
    /// Validity.
    pub validity_months: Option<Option<i32>>,
    /// Posts (the whole list).
    pub posts: Option<Vec<StaffPost>>,
    /// Groups (the whole list).
    pub groups: Option<Vec<ServiceCategory>>,
}

/// A certificate a staff member submits.
pub struct NewCertificate {
    /// The qualification.
    pub qualification_id: Uuid,
    /// Number.
    pub number: CertificateNumber,
    /// Issuer; the qualification's when `None`.
    pub issuer: Option<Name>,
    /// Issue date.
    pub issued_on: NaiveDate,
    /// Expiry date (not before `issued_on`; checked at the edge); from the qualification's
    /// validity when `None`.
    pub expires_on: Option<NaiveDate>,
    /// Evidence (an https URL, checked at the edge).
    pub evidence_url: Option<String>,
}

/// Which certificates a list shows.
#[derive(Default)]
pub struct CertificateFilter {
    /// Only this staff record's.
    pub staff_id: Option<Uuid>,
    /// Only those with this status now.
    pub status: Option<CertificateStatus>,
}

/// The SQL condition "has this status on `today`", matching [`effective_status`].
fn status_condition(status: CertificateStatus, today: NaiveDate) -> Condition {
    use staff_certificate::Column as C;
    let live = [
        CertificateStatus::PendingVerification.as_str(),
        CertificateStatus::Valid.as_str(),
    ];
    let unexpired = Condition::any()
        .add(C::ExpiresOn.is_null())
        .add(C::ExpiresOn.gte(today));
    match status {
        CertificateStatus::PendingVerification | CertificateStatus::Valid => Condition::all()
            .add(C::Status.eq(status.as_str()))
            .add(unexpired),
        CertificateStatus::Revoked => Condition::all().add(C::Status.eq(status.as_str())),
        CertificateStatus::Expired => Condition::any().add(C::Status.eq(status.as_str())).add(
            Condition::all()
                .add(C::Status.is_in(live))
                .add(C::ExpiresOn.lt(today)),
        ),
    }
}

const CODE_TAKEN: &str = "another qualification has this code";

async fn check_code<C: ConnectionTrait>(db: &C, code: &str, except: Option<Uuid>) -> AppResult<()> {
    let mut query = qualification::Entity::find().filter(qualification::Column::Code.eq(code));
    if let Some(id) = except {
        query = query.filter(qualification::Column::Id.ne(id));
    }
    if query.one(db).await?.is_some() {
        return Err(AppError::Conflict {
            field: Some("input.code".to_owned()),
            message: CODE_TAKEN.to_owned(),
        });
    }
    Ok(())
}

async fn set_requirements(
    txn: &sea_orm::DatabaseTransaction,
    id: Uuid,
    posts: &[StaffPost],
    groups: &[ServiceCategory],
) -> AppResult<()> {
    let rows = posts
        .iter()
        .map(|p| (POST, p.as_str()))
        .chain(groups.iter().map(|g| (GROUP, g.as_str())));
    replace_links(
        txn,
        qualification_requirement::Column::QualificationId,
        id,
        rows,
        |(kind, value)| qualification_requirement::ActiveModel {
            qualification_id: Set(id),
            kind: Set(kind.to_owned()),
            value: Set(value.to_owned()),
        },
    )
    .await
}

/// Replaces the requirements of one kind only, keeping the other kind's rows.
async fn set_requirement_kind(
    txn: &sea_orm::DatabaseTransaction,
    id: Uuid,
    kind: &'static str,
    values: Vec<&'static str>,
) -> AppResult<()> {
    qualification_requirement::Entity::delete_many()
        .filter(qualification_requirement::Column::QualificationId.eq(id))
        .filter(qualification_requirement::Column::Kind.eq(kind))
        .exec(txn)
        .await?;
    let unique: HashSet<&str> = values.into_iter().collect();
    if unique.is_empty() {
        return Ok(());
    }
    qualification_requirement::Entity::insert_many(unique.into_iter().map(|value| {
        qualification_requirement::ActiveModel {
            qualification_id: Set(id),
            kind: Set(kind.to_owned()),
            value: Set(value.to_owned()),
        }
    }))
    .exec_without_returning(txn)
    .await?;
    Ok(())
}

/// The user accounts of the active managers serving any building `staff_id` serves.
async fn managers_of_staff<C: ConnectionTrait>(db: &C, staff_id: Uuid) -> AppResult<Vec<Uuid>> {
    let buildings: Vec<Uuid> = staff_building::Entity::find()
        .select_only()
        .column(staff_building::Column::BuildingId)
        .filter(staff_building::Column::StaffId.eq(staff_id))
        .into_tuple()
        .all(db)
        .await?;
    if buildings.is_empty() {
        return Ok(Vec::new());
    }
    let serving: Vec<Uuid> = staff_building::Entity::find()
        .select_only()
        .column(staff_building::Column::StaffId)
        .filter(staff_building::Column::BuildingId.is_in(buildings))
        .into_tuple()
        .all(db)
        .await?;
    Ok(staff_record::Entity::find()
        .filter(staff_record::Column::Id.is_in(serving))
        .filter(staff_record::Column::Post.eq(StaffPost::Manager.as_str()))
        .filter(staff_record::Column::Status.eq(StaffStatus::Active.as_str()))
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.user_id)
        .collect())
}

async fn notify(
    write: &mut Write<'_>,
    users: Vec<Uuid>,
    certificate: &staff_certificate::Model,
    kind: &str,
    title: String,
    priority: NotificationPriority,
) -> AppResult<()> {
    Notifier::notify(
        write,
        users,
        &Draft {
            category: NotificationCategory::Certificate,
            priority,
            kind: kind.to_owned(),
            title,
            text: format!("Certificate {}", certificate.number),
            subject: SubjectRef {
                kind: SUBJECT,
                id: certificate.id,
            },
        },
    )
    .await?;
    Ok(())
}

/// The staff record ids among `staff` that lack a `VALID`, unexpired (at `now`) certificate for
/// some qualification required by the service-category group `group` or by their post. Two
/// statements for any number of staff (none when nothing is required).
pub async fn missing_certificates<C: ConnectionTrait>(
    db: &C,
    staff: &[staff_record::Model],
    group: &str,
    now: DateTime<Utc>,
) -> AppResult<HashSet<Uuid>> {
    if staff.is_empty() {
        return Ok(HashSet::new());
    }
    let posts: HashSet<&str> = staff.iter().map(|s| s.post.as_str()).collect();
    let requirements = qualification_requirement::Entity::find()
        .filter(
            Condition::any()
                .add(
                    Condition::all()
                        .add(qualification_requirement::Column::Kind.eq(GROUP))
                        .add(qualification_requirement::Column::Value.eq(group)),
                )
                .add(
                    Condition::all()
                        .add(qualification_requirement::Column::Kind.eq(POST))
                        .add(qualification_requirement::Column::Value.is_in(posts)),
                ),
        )
        .all(db)
        .await?;
    if requirements.is_empty() {
        return Ok(HashSet::new());
    }
    let mut for_group: HashSet<Uuid> = HashSet::new();
    let mut for_post: HashMap<&str, HashSet<Uuid>> = HashMap::new();
    for row in &requirements {
        if row.kind == GROUP {
            for_group.insert(row.qualification_id);
        } else {
            for_post
                .entry(row.value.as_str())
                .or_default()
                .insert(row.qualification_id);
        }
    }
    let wanted: HashSet<Uuid> = requirements.iter().map(|r| r.qualification_id).collect();
    let today = now.date_naive();
    let held: HashSet<(Uuid, Uuid)> = staff_certificate::Entity::find()
        .select_only()
        .column(staff_certificate::Column::StaffId)
        .column(staff_certificate::Column::QualificationId)
        .filter(staff_certificate::Column::StaffId.is_in(staff.iter().map(|s| s.id)))
        .filter(staff_certificate::Column::QualificationId.is_in(wanted))
        .filter(status_condition(CertificateStatus::Valid, today))
        .into_tuple::<(Uuid, Uuid)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    Ok(staff
        .iter()
        .filter(|s| {
            for_group
                .iter()
                .chain(for_post.get(s.post.as_str()).into_iter().flatten())
                .any(|q| !held.contains(&(s.id, *q)))
        })
        .map(|s| s.id)
        .collect())
}

/// Whether staff record `staff_id` holds every certificate the group `group` and their post
/// require, valid at `now`. An unknown staff record is not certified.
pub async fn certified_for<C: ConnectionTrait>(
    db: &C,
    staff_id: Uuid,
    group: &str,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let Some(record) = staff_record::Entity::find_by_id(staff_id).one(db).await? else {
        return Ok(false);
    };
    let missing = missing_certificates(db, std::slice::from_ref(&record), group, now).await?;
    Ok(missing.is_empty())
}

/// Qualifications and certificates.
pub struct QualificationService<'a> {
    state: &'a AppState,
}

impl<'a> QualificationService<'a> {
    /// The service over `state`.
    pub fn new(state: &'a AppState) -> Self {
        QualificationService { state }
    }

    fn db(&self) -> &DatabaseConnection {
        &self.state.db
    }

    /// Staff, supervisors and administrators read qualifications and certificates; anyone
    /// else is `FORBIDDEN`.
    fn require_reader(scope: &Scope) -> AppResult<()> {
        guard::require_any(scope, &[Role::Staff, Role::Supervisor, Role::Admin])
    }

    /// The qualification catalogue, by code.
    pub async fn qualifications(
        &self,
        scope: &Scope,
        page: &PageRequest,
    ) -> AppResult<Page<qualification::Model>> {
        Self::require_reader(scope)?;
        Keyset::new()
            .asc(qualification::Column::Code)
            .fetch(self.db(), qualification::Entity::find(), page)
            .await
    }

    /// One qualification.
    pub async fn qualification(&self, scope: &Scope, id: Uuid) -> AppResult<qualification::Model> {
        Self::require_reader(scope)?;
        find_or_not_found::<qualification::Entity, _>(self.db(), id).await
    }

    /// Adds a qualification (administrators).
    pub async fn create_qualification(
        &self,
        scope: &Scope,
        new: NewQualification,
    ) -> AppResult<qualification::Model> {
        guard::require_admin(scope)?;
        let mut write = Write::begin(self.state).await?;
        let txn = write.txn();
        check_code(txn, new.code.as_str(), None).await?;
        let now = write.now();
        let model = qualification::ActiveModel {
            id: Set(Uuid::now_v7()),
            code: Set(new.code.into()),
            name: Set(new.name.into()),
            issuer: Set(new.issuer.into()),
            validity_months: Set(new.validity_months),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(txn)
        .await
        .map_err(AppError::from)
        .map_err(code_conflict)?;
        set_requirements(txn, model.id, &new.posts, &new.groups).await?;
        // Whatever changes here may change someone's standing on the compliance board.
        write.signal(crate::events::Topic::StaffCompliance);
        write.commit().await?;
        Ok(model)
    }

    /// Changes a qualification (administrators).
    pub async fn update_qualification(
        &self,
        scope: &Scope,
        id: Uuid,
        changes: QualificationChanges,
    ) -> AppResult<qualification::Model> {
        guard::require_admin(scope)?;
        let mut write = Write::begin(self.state).await?;
        let txn = write.txn();
        let model = find_or_not_found::<qualification::Entity, _>(txn, id)
            .await
            .map_err(|err| err.on_field("input.id"))?;
        if let Some(code) = &changes.code {
            check_code(txn, code.as_str(), Some(id)).await?;
        }
        let mut active: qualification::ActiveModel = model.into();
        apply_changes!(active, {
            code: changes.code,
            name: changes.name,
            issuer: changes.issuer,
            validity_months: changes.validity_months,
        });
        active.updated_at = Set(write.now());
        let model = active
            .update(txn)
            .await
            .map_err(AppError::from)
            .map_err(code_conflict)?;
        if let Some(posts) = changes.posts {
            set_requirement_kind(txn, id, POST, posts.iter().map(|p| p.as_str()).collect()).await?;
        }
        if let Some(groups) = changes.groups {
            set_requirement_kind(txn, id, GROUP, groups.iter().map(|g| g.as_str()).collect())
                .await?;
        }
        // Whatever changes here may change someone's standing on the compliance board.
        write.signal(crate::events::Topic::StaffCompliance);
        write.commit().await?;
        Ok(model)
    }

    /// Certificates the viewer may read (their own; a manager's buildings' staff; everyone's
    /// for supervisors and administrators), newest first. A `staff_id` the viewer may not read
    /// gives an empty list.
    pub async fn certificates(
        &self,
        scope: &Scope,
        filter: &CertificateFilter,
        page: &PageRequest,
    ) -> AppResult<Page<staff_certificate::Model>> {
        Self::require_reader(scope)?;
        let oversight = scope.facet::<StaffOversight>().await?;
        let mut query = staff_certificate::Entity::find();
        if !oversight.all {
            query = query
                .filter(staff_certificate::Column::StaffId.is_in(oversight.staff.iter().copied()));
        }
        if let Some(staff_id) = filter.staff_id {
            query = query.filter(staff_certificate::Column::StaffId.eq(staff_id));
        }
        if let Some(status) = filter.status {
            query = query.filter(status_condition(status, self.state.clock.today()));
        }
        Keyset::new()
            .desc(staff_certificate::Column::Id)
            .fetch(self.db(), query, page)
            .await
    }

    /// One certificate the viewer may read; `NOT_FOUND` otherwise.
    pub async fn certificate(
        &self,
        scope: &Scope,
        id: Uuid,
    ) -> AppResult<staff_certificate::Model> {
        Self::require_reader(scope)?;
        let oversight = scope.facet::<StaffOversight>().await?;
        let model = find_or_not_found::<staff_certificate::Entity, _>(self.db(), id).await?;
        if oversight.sees(model.staff_id) {
            Ok(model)
        } else {
            Err(AppError::NotFound("certificate"))
        }
    }

    /// A staff member submits a certificate of their own (`PENDING_VERIFICATION`). An unknown
    /// qualification is `NOT_FOUND` on `input.qualificationId`.
    pub async fn submit(
        &self,
        scope: &Scope,
        new: NewCertificate,
    ) -> AppResult<staff_certificate::Model> {
        scope.require_user()?;
        let staff = scope.staff().await?;
        let staff_id = staff.id.ok_or_else(|| {
            AppError::Forbidden("only staff submit certificates of their own".to_owned())
        })?;
        let mut write = Write::begin(self.state).await?;
        let txn = write.txn();
        let qualification =
            find_or_not_found::<qualification::Entity, _>(txn, new.qualification_id)
                .await
                .map_err(|err| err.on_field("input.qualificationId"))?;
        let expires_on = match (new.expires_on, qualification.validity_months) {
            (Some(day), _) => Some(day),
            (None, Some(months)) => Some(
                new.issued_on
                    .checked_add_months(Months::new(months.unsigned_abs()))
                    .ok_or_else(|| {
                        AppError::bad_input("input.issuedOn", "is too far in the future")
                    })?,
            ),
            (None, None) => None,
        };
        let now = write.now();
        let model = staff_certificate::ActiveModel {
            id: Set(Uuid::now_v7()),
            staff_id: Set(staff_id),
            qualification_id: Set(qualification.id),
            number: Set(new.number.into()),
            issuer: Set(new.issuer.map(String::from).unwrap_or(qualification.issuer)),
            issued_on: Set(new.issued_on),
            expires_on: Set(expires_on),
            evidence_url: Set(new.evidence_url),
            status: Set(CertificateStatus::PendingVerification.as_str().to_owned()),
            verified_by: Set(None),
            verified_at: Set(None),
            revoked_reason: Set(None),
            revoked_at: Set(None),
            warned_30: Set(false),
            warned_7: Set(false),
            expiry_notified: Set(false),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(txn)
        .await?;
        // Whatever changes here may change someone's standing on the compliance board.
        write.signal(crate::events::Topic::StaffCompliance);
        write.commit().await?;
        Ok(model)
    }

    /// Verifies a pending certificate (administrators).
    pub async fn verify(&self, scope: &Scope, id: Uuid) -> AppResult<staff_certificate::Model> {
        self.step(scope, id, CertificateAction::Verify, None).await
    }

    /// Revokes a pending or valid certificate, with a reason (administrators).
    pub async fn revoke(
        &self,
        scope: &Scope,
        id: Uuid,
        reason: Reason,
    ) -> AppResult<staff_certificate::Model> {
        self.step(scope, id, CertificateAction::Revoke, Some(reason))
            .await
    }

    /// One step of [`TRANSITIONS`], conditional on the status read: a step the table does not
    /// hold, or one that lost a race, is `INVALID_STATE` and writes nothing. The staff member
    /// is told in the same transaction.
    async fn step(
        &self,
        scope: &Scope,
        id: Uuid,
        action: CertificateAction,
        reason: Option<Reason>,
    ) -> AppResult<staff_certificate::Model> {
        let admin = scope.require_user()?;
        guard::require_admin(scope)?;
        let mut write = Write::begin(self.state).await?;
        let model = find_or_not_found::<staff_certificate::Entity, _>(write.txn(), id)
            .await
            .map_err(|err| err.on_field("input.id"))?;
        let now = write.now();
        let from = effective_status(&model, now.date_naive())?;
        let Some((_, _, to)) = TRANSITIONS
            .iter()
            .find(|(f, a, _)| *f == from && *a == action)
        else {
            return Err(AppError::InvalidState(format!(
                "a {} certificate cannot be {}",
                from.as_str().to_lowercase().replace('_', " "),
                match action {
                    CertificateAction::Verify => "verified",
                    CertificateAction::Revoke => "revoked",
                }
            )));
        };
        let mut update = staff_certificate::Entity::update_many()
            .col_expr(staff_certificate::Column::Status, Expr::value(to.as_str()))
            .col_expr(staff_certificate::Column::UpdatedAt, Expr::value(now))
            .filter(staff_certificate::Column::Id.eq(id))
            .filter(staff_certificate::Column::Status.eq(model.status.as_str()));
        update = match action {
            CertificateAction::Verify => update
                .col_expr(staff_certificate::Column::VerifiedBy, Expr::value(admin))
                .col_expr(staff_certificate::Column::VerifiedAt, Expr::value(now)),
            CertificateAction::Revoke => update
                .col_expr(
                    staff_certificate::Column::RevokedReason,
                    Expr::value(reason.map(String::from)),
                )
                .col_expr(staff_certificate::Column::RevokedAt, Expr::value(now)),
        };
        if update.exec(write.txn()).await?.rows_affected != 1 {
            return Err(AppError::InvalidState(
                "the certificate changed meanwhile".to_owned(),
            ));
        }
        let model = find_or_not_found::<staff_certificate::Entity, _>(write.txn(), id).await?;
        if let Some(record) = staff_record::Entity::find_by_id(model.staff_id)
            .one(write.txn())
            .await?
        {
            let (kind, title) = match action {
                CertificateAction::Verify => ("CERTIFICATE_VERIFIED", "Certificate verified"),
                CertificateAction::Revoke => ("CERTIFICATE_REVOKED", "Certificate revoked"),
            };
            notify(
                &mut write,
                vec![record.user_id],
                &model,
                kind,
                title.to_owned(),
                NotificationPriority::Important,
            )
            .await?;
        }
        // Whatever changes here may change someone's standing on the compliance board.
        write.signal(crate::events::Topic::StaffCompliance);
        write.commit().await?;
        Ok(model)
    }

    /// The expiry sweep: for each valid certificate whose 30-day, 7-day or expiry moment has
    /// come, claims that reminder with a conditional update (earlier reminders not yet sent are
    /// claimed with it and skipped: only the most urgent goes out) and tells the staff member
    /// and the managers of their buildings. At expiry it also stores `EXPIRED`. Returns how
    /// many reminders it sent.
    pub async fn sweep(&self) -> AppResult<usize> {
        use staff_certificate::Column as C;
        let now = self.state.clock.now();
        let horizon = now.date_naive() + Duration::days(FIRST_REMINDER_DAYS);
        let candidates = staff_certificate::Entity::find()
            .filter(C::Status.eq(CertificateStatus::Valid.as_str()))
            .filter(C::ExpiresOn.is_not_null())
            .filter(C::ExpiresOn.lte(horizon))
            .filter(C::ExpiryNotified.eq(false))
            .all(self.db())
            .await?;
        let mut done = 0;
        for certificate in candidates {
            let Some(expires_on) = certificate.expires_on else {
                continue;
            };
            let at = expired_from(expires_on);
            let stages = [
                (at, C::ExpiryNotified, "CERTIFICATE_EXPIRED"),
                (
                    at - Duration::days(SECOND_REMINDER_DAYS),
                    C::Warned7,
                    "CERTIFICATE_EXPIRES_IN_7_DAYS",
                ),
                (
                    at - Duration::days(FIRST_REMINDER_DAYS),
                    C::Warned30,
                    "CERTIFICATE_EXPIRES_IN_30_DAYS",
                ),
            ];
            let Some(index) = stages.iter().position(|(from, _, _)| now >= *from) else {
                continue;
            };
            let (_, flag, kind) = stages[index];
            let mut write = Write::begin(self.state).await?;
            let mut claim = staff_certificate::Entity::update_many()
                .filter(C::Id.eq(certificate.id))
                .filter(C::Status.eq(CertificateStatus::Valid.as_str()))
                .filter(flag.eq(false));
            for (_, earlier, _) in &stages[index..] {
                claim = claim.col_expr(*earlier, Expr::value(true));
            }
            if index == 0 {
                claim = claim
                    .col_expr(C::Status, Expr::value(CertificateStatus::Expired.as_str()))
                    .col_expr(C::UpdatedAt, Expr::value(now));
            }
            if claim.exec(write.txn()).await?.rows_affected != 1 {
                continue;
            }
            let Some(record) = staff_record::Entity::find_by_id(certificate.staff_id)
                .one(write.txn())
                .await?
            else {
                continue;
            };
            let mut people = managers_of_staff(write.txn(), record.id).await?;
            people.push(record.user_id);
            let qualification = qualification::Entity::find_by_id(certificate.qualification_id)
                .one(write.txn())
                .await?
                .map(|q| q.name)
                .unwrap_or_default();
            let title = if index == 0 {
                format!("{qualification}: certificate expired")
            } else {
                format!("{qualification}: certificate expires on {expires_on}")
            };
            let priority = if index == 0 {
                NotificationPriority::Important
            } else {
                NotificationPriority::Normal
            };
            notify(&mut write, people, &certificate, kind, title, priority).await?;
            // Whatever changes here may change someone's standing on the compliance board.
            write.signal(crate::events::Topic::StaffCompliance);
            write.commit().await?;
            done += 1;
        }
        Ok(done)
    }
}

/// A unique-key violation on the code lost a race with a concurrent writer: `CONFLICT` on
/// `input.code`.
fn code_conflict(err: AppError) -> AppError {
    match err {
        AppError::Conflict { .. } => AppError::Conflict {
            field: Some("input.code".to_owned()),
            message: CODE_TAKEN.to_owned(),
        },
        other => other,
    }
}
