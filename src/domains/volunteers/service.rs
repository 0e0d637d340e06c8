//! Volunteer rules: profiles and their verification, opportunities with shifts (never work that
//! needs a certificate), sign-ups that never overfill a shift, attendance verified by staff, and
//! the time bank (earned, donated, received; redemption plugs in through [`debit`]).
//!
//! Every change runs in one [`Write`]; places and balances move only by conditional updates
//! (`taken < places`, `balance >= minutes`), so concurrent sign-ups and donations can neither
//! overfill a shift nor overdraw an account.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    sea_query::{Expr, ExprTrait, OnConflict},
};
use uuid::Uuid;

use super::types::{OpportunityKind, OpportunityStatus, SignUpStatus, TimeBankKind, hours_text};
use crate::{
    app::AppState,
    domains::{
        estate::access::{Resident, Scope, current_residency},
        qualifications::service::GROUP,
    },
    error::{AppError, AppResult},
    events::outbox::Write,
    graphql::pagination::{Keyset, Page, PageRequest},
    notifications::{
        notifier::{Draft, Notifier},
        types::{NotificationCategory, NotificationPriority, NotificationSubject, SubjectRef},
    },
    store::find_or_not_found,
};
use entity::{
    qualification_requirement, residency, service_category, time_bank_account, time_bank_entry,
    volunteer_opportunity, volunteer_profile, volunteer_shift, volunteer_sign_up,
};

/// Notification subject type of a sign-up.
pub const SIGN_UP_SUBJECT: &str = "VOLUNTEER_SIGN_UP";
/// Notification subject type of a volunteer profile.
pub const PROFILE_SUBJECT: &str = "VOLUNTEER_PROFILE";
/// Notification subject type of a time-bank entry.
pub const ENTRY_SUBJECT: &str = "TIME_BANK_ENTRY";

/// A new opportunity, checked.
#[derive(Clone, Debug)]
pub struct NewOpportunity {
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Kind.
    pub kind: OpportunityKind,
    /// The activity it supports.
    pub activity_id: Option<Uuid>,
    /// Catalogue category of the work.
    pub category_id: Option<Uuid>,
    /// Where.
    pub place: Option<String>,
    /// Shifts: (start, end, places), each end after its start, places ≥ 1.
    pub shifts: Vec<(DateTime<Utc>, DateTime<Utc>, i32)>,
}

/// A profile as the resident writes it.
#[derive(Clone, Debug)]
pub struct ProfileInput {
    /// Skills.
    pub skills: Vec<String>,
    /// Availability.
    pub availability: String,
}

/// Staff's verdict on a sign-up.
#[derive(Clone, Copy, Debug)]
pub struct Attendance {
    /// Came.
    pub attended: bool,
    /// Minutes to credit (the shift's length when `None`); only with `attended`.
    pub minutes: Option<i32>,
}

/// The viewer's coordination right: administrators and active staff manage volunteers.
async fn coordinator(scope: &Scope) -> AppResult<()> {
    scope.require_user()?;
    if scope.admin || scope.staff().await?.active {
        return Ok(());
    }
    Err(AppError::Forbidden(
        "only staff and administrators coordinate volunteers".to_owned(),
    ))
}

/// The viewer as a resident who may volunteer (a current residency), else `FORBIDDEN`.
async fn volunteer(scope: &Scope) -> AppResult<(Uuid, Arc<Resident>)> {
    let me = scope.require_user()?;
    let home = scope.resident().await?;
    if home.units.is_empty() {
        return Err(AppError::Forbidden(
            "only residents volunteer and hold time-bank hours".to_owned(),
        ));
    }
    Ok((me, home))
}

/// Whether `user_id` lives on the estate now.
async fn is_resident<C: ConnectionTrait>(db: &C, user_id: Uuid, scope: &Scope) -> AppResult<bool> {
    Ok(residency::Entity::find()
        .filter(residency::Column::UserId.eq(user_id))
        .filter(current_residency(scope.today()))
        .count(db)
        .await?
        > 0)
}

/// Credits `minutes` to `user_id`'s account inside the caller's transaction (opening the
/// account on first use) and returns the new balance.
pub async fn credit<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
    minutes: i32,
    now: DateTime<Utc>,
) -> AppResult<i32> {
    open_account(db, user_id, now).await?;
    time_bank_account::Entity::update_many()
        .col_expr(
            time_bank_account::Column::BalanceMinutes,
            Expr::col(time_bank_account::Column::BalanceMinutes).add(minutes),
        )
        .col_expr(time_bank_account::Column::UpdatedAt, Expr::value(now))
        .filter(time_bank_account::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    balance_in(db, user_id).await
}

/// Takes `minutes` from `user_id`'s account inside the caller's transaction, only if they hold
/// that many (one conditional update, so concurrent debits never take the balance below zero):
/// the new balance, or `None` when the balance is too low (nothing changed). Donations use it;
/// the partners domain redeems hours through it with a `REDEEMED` entry.
pub async fn debit<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
    minutes: i32,
    now: DateTime<Utc>,
) -> AppResult<Option<i32>> {
    let taken = time_bank_account::Entity::update_many()
        .col_expr(
            time_bank_account::Column::BalanceMinutes,
            Expr::col(time_bank_account::Column::BalanceMinutes).sub(minutes),
        )
        .col_expr(time_bank_account::Column::UpdatedAt, Expr::value(now))
        .filter(time_bank_account::Column::UserId.eq(user_id))
        .filter(time_bank_account::Column::BalanceMinutes.gte(minutes))
        .exec(db)
        .await?;
    if taken.rows_affected != 1 {
        return Ok(None);
    }
    Ok(Some(balance_in(db, user_id).await?))
}

async fn open_account<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<()> {
    time_bank_account::Entity::insert(time_bank_account::ActiveModel {
        user_id: Set(user_id),
        balance_minutes: Set(0),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(time_bank_account::Column::UserId)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

async fn balance_in<C: ConnectionTrait>(db: &C, user_id: Uuid) -> AppResult<i32> {
    Ok(time_bank_account::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .map_or(0, |a| a.balance_minutes))
}

/// A new time-bank entry (not yet written).
#[allow(clippy::too_many_arguments)]
pub fn entry(
    user_id: Uuid,
    kind: TimeBankKind,
    minutes: i32,
    balance_after: i32,
    counterpart_id: Option<Uuid>,
    sign_up_id: Option<Uuid>,
    note: Option<String>,
    created_by: Uuid,
    now: DateTime<Utc>,
) -> time_bank_entry::Model {
    time_bank_entry::Model {
        id: Uuid::now_v7(),
        user_id,
        kind: kind.as_str().to_owned(),
        minutes,
        balance_after,
        counterpart_id,
        sign_up_id,
        reference: None,
        note,
        created_by,
        created_at: now,
    }
}

async fn notify(
    write: &mut Write<'_>,
    user: Uuid,
    kind: &str,
    title: String,
    text: String,
    subject: (&'static str, Uuid),
) -> AppResult<usize> {
    Notifier::notify(
        write,
        [user],
        &Draft {
            category: NotificationCategory::Volunteer,
            priority: NotificationPriority::Normal,
            kind: kind.to_owned(),
            title,
            text,
            subject: SubjectRef {
                kind: subject.0,
                id: subject.1,
            },
        },
    )
    .await
}

/// The volunteer service.
pub struct VolunteerService<'a> {
    state: &'a AppState,
}

impl<'a> VolunteerService<'a> {
    /// The service over `state`.
    pub fn new(state: &'a AppState) -> Self {
        VolunteerService { state }
    }

    /// The volunteer subjects among `ids` of type `kind` the viewer may see, added to `found`:
    /// sign-ups and profiles their own or (coordinators) anyone's, time-bank entries their own
    /// or (administrators) anyone's. One statement.
    pub async fn subjects_among(
        &self,
        scope: &Scope,
        kind: &str,
        ids: std::collections::HashSet<Uuid>,
        found: &mut std::collections::HashMap<(String, Uuid), NotificationSubject>,
    ) -> AppResult<()> {
        use super::types::{TimeBankEntry, VolunteerProfile, VolunteerSignUp};
        let me = scope.require_user()?;
        let coordinates = coordinator(scope).await.is_ok();
        let key = |id: Uuid| (kind.to_owned(), id);
        match kind {
            SIGN_UP_SUBJECT => {
                for model in volunteer_sign_up::Entity::find()
                    .filter(volunteer_sign_up::Column::Id.is_in(ids))
                    .all(&self.state.db)
                    .await?
                {
                    if model.user_id != me && !coordinates {
                        continue;
                    }
                    let id = model.id;
                    if let Ok(item) = VolunteerSignUp::try_from_model(model) {
                        found.insert(
                            key(id),
                            NotificationSubject::VolunteerSignUp(Box::new(item)),
                        );
                    }
                }
            }
            PROFILE_SUBJECT => {
                for model in volunteer_profile::Entity::find()
                    .filter(volunteer_profile::Column::Id.is_in(ids))
                    .all(&self.state.db)
                    .await?
                {
                    if model.user_id != me && !coordinates {
                        continue;
                    }
                    let id = model.id;
                    if let Ok(item) = VolunteerProfile::try_from_model(model) {
                        found.insert(
                            key(id),
                            NotificationSubject::VolunteerProfile(Box::new(item)),
                        );
                    }
                }
            }
            _ => {
                for model in time_bank_entry::Entity::find()
                    .filter(time_bank_entry::Column::Id.is_in(ids))
                    .all(&self.state.db)
                    .await?
                {
                    if model.user_id != me && !scope.admin {
                        continue;
                    }
                    let id = model.id;
                    if let Ok(item) = TimeBankEntry::try_from_model(model) {
                        found.insert(key(id), NotificationSubject::TimeBankEntry(Box::new(item)));
                    }
                }
            }
        }
        Ok(())
    }

    /// The viewer's own profile, if they made one.
    pub async fn my_profile(&self, scope: &Scope) -> AppResult<Option<volunteer_profile::Model>> {
        let me = scope.require_user()?;
        Ok(volunteer_profile::Entity::find()
            .filter(volunteer_profile::Column::UserId.eq(me))
            .one(&self.state.db)
            .await?)
    }

    /// Creates or replaces the viewer's profile (residents). A verified profile stays verified.
    pub async fn save_profile(
        &self,
        scope: &Scope,
        input: ProfileInput,
    ) -> AppResult<volunteer_profile::Model> {
        let (me, _) = volunteer(scope).await?;
        let skills = serde_json::to_string(&input.skills).map_err(AppError::internal)?;
        let write = Write::begin(self.state).await?;
        let now = write.now();
        volunteer_profile::Entity::insert(volunteer_profile::ActiveModel {
            id: Set(Uuid::now_v7()),
            user_id: Set(me),
            skills: Set(skills.clone()),
            availability: Set(input.availability.clone()),
            verified: Set(false),
            verified_by: Set(None),
            verified_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .on_conflict(
            OnConflict::column(volunteer_profile::Column::UserId)
                .update_columns([
                    volunteer_profile::Column::Skills,
                    volunteer_profile::Column::Availability,
                    volunteer_profile::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(write.txn())
        .await?;
        let saved = volunteer_profile::Entity::find()
            .filter(volunteer_profile::Column::UserId.eq(me))
            .one(write.txn())
            .await?
            .ok_or_else(|| AppError::internal("a volunteer profile vanished"))?;
        write.commit().await?;
        Ok(saved)
    }

    /// Sets a profile's verified flag (coordinators; never one's own) and tells its resident.
    pub async fn verify_profile(
        &self,
        scope: &Scope,
        id: Uuid,
        verified: bool,
    ) -> AppResult<volunteer_profile::Model> {
        let me = scope.require_user()?;
        coordinator(scope).await?;
        let mut write = Write::begin(self.state).await?;
        let profile = volunteer_profile::Entity::find_by_id(id)
            .one(write.txn())
            .await?
            .ok_or_else(|| AppError::unknown_id("input.id", "volunteer profile"))?;
        if profile.user_id == me {
            return Err(AppError::Forbidden(
                "you may not verify your own volunteer profile".to_owned(),
            ));
        }
        let now = write.now();
        let mut next = profile.clone();
        next.verified = verified;
        next.verified_by = Some(me);
        next.verified_at = Some(now);
        next.updated_at = now;
        volunteer_profile::Entity::update(volunteer_profile::ActiveModel {
            id: Set(next.id),
            verified: Set(next.verified),
            verified_by: Set(next.verified_by),
            verified_at: Set(next.verified_at),
            updated_at: Set(now),
            ..Default::default()
        })
        .exec(write.txn())
        .await?;
        if verified != profile.verified {
            let title = if verified {
                "You are a verified volunteer".to_owned()
            } else {
                "Your volunteer profile is no longer verified".to_owned()
            };
            notify(
                &mut write,
                profile.user_id,
                "VOLUNTEER_VERIFIED",
                title,
                "Staff reviewed your volunteer profile.".to_owned(),
                (PROFILE_SUBJECT, profile.id),
            )
            .await?;
        }
        write.commit().await?;
        Ok(next)
    }

    /// Volunteer profiles (coordinators), newest first, optionally only (un)verified ones.
    pub async fn profiles(
        &self,
        scope: &Scope,
        verified: Option<bool>,
        page: &PageRequest,
    ) -> AppResult<Page<volunteer_profile::Model>> {
        coordinator(scope).await?;
        let mut query = volunteer_profile::Entity::find();
        if let Some(verified) = verified {
            query = query.filter(volunteer_profile::Column::Verified.eq(verified));
        }
        Keyset::new()
            .desc(volunteer_profile::Column::Id)
            .fetch(&self.state.db, query, page)
            .await
    }

    /// Opportunities, newest first (every signed-in user: a call for volunteers is public).
    pub async fn opportunities(
        &self,
        scope: &Scope,
        kind: Option<OpportunityKind>,
        status: Option<OpportunityStatus>,
        page: &PageRequest,
    ) -> AppResult<Page<volunteer_opportunity::Model>> {
        scope.require_user()?;
        let mut query = volunteer_opportunity::Entity::find();
        if let Some(kind) = kind {
            query = query.filter(volunteer_opportunity::Column::Kind.eq(kind.as_str()));
        }
        if let Some(status) = status {
            query = query.filter(volunteer_opportunity::Column::Status.eq(status.as_str()));
        }
        Keyset::new()
            .desc(volunteer_opportunity::Column::Id)
            .fetch(&self.state.db, query, page)
            .await
    }

    /// One opportunity.
    pub async fn opportunity(
        &self,
        scope: &Scope,
        id: Uuid,
    ) -> AppResult<volunteer_opportunity::Model> {
        scope.require_user()?;
        find_or_not_found::<volunteer_opportunity::Entity, _>(&self.state.db, id).await
    }

    /// Creates an opportunity with its shifts (coordinators). A category whose work needs a
    /// certificate is refused (`BAD_USER_INPUT` on `input.categoryId`): volunteers never take
    /// work that needs a qualification.
    pub async fn create_opportunity(
        &self,
        scope: &Scope,
        new: NewOpportunity,
    ) -> AppResult<volunteer_opportunity::Model> {
        let me = scope.require_user()?;
        coordinator(scope).await?;
        // A supported activity must be one the coordinator may see.
        if let Some(activity) = new.activity_id {
            crate::domains::activities::service::ActivityService::new(self.state)
                .get(scope, activity)
                .await
                .map_err(|err| err.on_field("input.activityId"))?;
        }
        let write = Write::begin(self.state).await?;
        if let Some(category_id) = new.category_id {
            let category = service_category::Entity::find_by_id(category_id)
                .one(write.txn())
                .await?
                .ok_or_else(|| AppError::unknown_id("input.categoryId", "service category"))?;
            let required = qualification_requirement::Entity::find()
                .filter(qualification_requirement::Column::Kind.eq(GROUP))
                .filter(qualification_requirement::Column::Value.eq(category.group_kind.as_str()))
                .count(write.txn())
                .await?;
            if required > 0 {
                return Err(AppError::bad_input(
                    "input.categoryId",
                    format!(
                        "work in {} needs a certificate: it is for qualified staff, not volunteers",
                        category.name
                    ),
                ));
            }
        }
        let now = write.now();
        let model = volunteer_opportunity::Model {
            id: Uuid::now_v7(),
            title: new.title,
            description: new.description,
            kind: new.kind.as_str().to_owned(),
            activity_id: new.activity_id,
            category_id: new.category_id,
            place: new.place,
            status: OpportunityStatus::Open.as_str().to_owned(),
            created_by: me,
            created_at: now,
            updated_at: now,
        };
        volunteer_opportunity::Entity::insert(volunteer_opportunity::ActiveModel::from(
            model.clone(),
        ))
        .exec_without_returning(write.txn())
        .await?;
        volunteer_shift::Entity::insert_many(new.shifts.iter().map(|(starts, ends, places)| {
            volunteer_shift::ActiveModel {
                id: Set(Uuid::now_v7()),
                opportunity_id: Set(model.id),
                starts_at: Set(*starts),
                ends_at: Set(*ends),
                places: Set(*places),
                taken: Set(0),
                created_at: Set(now),
            }
        }))
        .exec_without_returning(write.txn())
        .await?;
        write.commit().await?;
        Ok(model)
    }

    /// Signs the viewer (a resident) up for a shift: one place, taken with a conditional update
    /// in the same transaction as the sign-up, so a shift never takes more volunteers than it
    /// has places. Full: `CONFLICT`; twice: `CONFLICT`; started or called off: `INVALID_STATE`.
    pub async fn sign_up(
        &self,
        scope: &Scope,
        shift_id: Uuid,
    ) -> AppResult<volunteer_sign_up::Model> {
        let (me, _) = volunteer(scope).await?;
        let write = Write::begin(self.state).await?;
        let now = write.now();
        let shift = volunteer_shift::Entity::find_by_id(shift_id)
            .one(write.txn())
            .await?
            .ok_or_else(|| AppError::unknown_id("input.shiftId", "volunteer shift"))?;
        let opportunity = find_or_not_found::<volunteer_opportunity::Entity, _>(
            write.txn(),
            shift.opportunity_id,
        )
        .await?;
        if opportunity.status != OpportunityStatus::Open.as_str() {
            return Err(AppError::InvalidState(
                "this opportunity was called off".to_owned(),
            ));
        }
        if shift.starts_at <= now {
            return Err(AppError::InvalidState(
                "this shift has already started".to_owned(),
            ));
        }
        let model = volunteer_sign_up::Model {
            id: Uuid::now_v7(),
            shift_id,
            opportunity_id: shift.opportunity_id,
            user_id: me,
            status: SignUpStatus::SignedUp.as_str().to_owned(),
            active_shift_id: Some(shift_id),
            minutes: None,
            verified_by: None,
            verified_at: None,
            created_at: now,
            updated_at: now,
        };
        let inserted =
            volunteer_sign_up::Entity::insert(volunteer_sign_up::ActiveModel::from(model.clone()))
                .on_conflict(
                    OnConflict::columns([
                        volunteer_sign_up::Column::UserId,
                        volunteer_sign_up::Column::ActiveShiftId,
                    ])
                    .do_nothing()
                    .to_owned(),
                )
                .exec_without_returning(write.txn())
                .await?;
        if inserted == 0 {
            return Err(AppError::Conflict {
                field: Some("input.shiftId".to_owned()),
                message: "you are already signed up for this shift".to_owned(),
            });
        }
        let taken = volunteer_shift::Entity::update_many()
            .col_expr(
                volunteer_shift::Column::Taken,
                Expr::col(volunteer_shift::Column::Taken).add(1),
            )
            .filter(volunteer_shift::Column::Id.eq(shift_id))
            .filter(
                Expr::col(volunteer_shift::Column::Taken)
                    .lt(Expr::col(volunteer_shift::Column::Places)),
            )
            .exec(write.txn())
            .await?;
        if taken.rows_affected != 1 {
            // Dropping the write rolls the sign-up back.
            return Err(AppError::Conflict {
                field: Some("input.shiftId".to_owned()),
                message: "this shift is full".to_owned(),
            });
        }
        write.commit().await?;
        Ok(model)
    }

    /// Cancels a sign-up before its shift starts (its volunteer or a coordinator); the place is
    /// free again.
    pub async fn cancel_sign_up(
        &self,
        scope: &Scope,
        id: Uuid,
    ) -> AppResult<volunteer_sign_up::Model> {
        let me = scope.require_user()?;
        let coordinates = coordinator(scope).await.is_ok();
        let mut write = Write::begin(self.state).await?;
        let now = write.now();
        let sign_up = volunteer_sign_up::Entity::find_by_id(id)
            .one(write.txn())
            .await?
            .filter(|s| s.user_id == me || coordinates)
            .ok_or_else(|| AppError::unknown_id("input.id", "volunteer sign-up"))?;
        let shift =
            find_or_not_found::<volunteer_shift::Entity, _>(write.txn(), sign_up.shift_id).await?;
        if sign_up.status != SignUpStatus::SignedUp.as_str() {
            return Err(AppError::InvalidState(format!(
                "a {} sign-up cannot be cancelled",
                sign_up.status.to_lowercase()
            )));
        }
        if shift.starts_at <= now {
            return Err(AppError::InvalidState(
                "the shift has started: it can no longer be cancelled".to_owned(),
            ));
        }
        let changed = volunteer_sign_up::Entity::update_many()
            .col_expr(
                volunteer_sign_up::Column::Status,
                Expr::value(SignUpStatus::Cancelled.as_str()),
            )
            .col_expr(
                volunteer_sign_up::Column::ActiveShiftId,
                Expr::value(Option::<Uuid>::None),
            )
            .col_expr(volunteer_sign_up::Column::UpdatedAt, Expr::value(now))
            .filter(volunteer_sign_up::Column::Id.eq(id))
            .filter(volunteer_sign_up::Column::Status.eq(SignUpStatus::SignedUp.as_str()))
            .exec(write.txn())
            .await?;
        if changed.rows_affected != 1 {
            return Err(changed_meanwhile());
        }
        volunteer_shift::Entity::update_many()
            .col_expr(
                volunteer_shift::Column::Taken,
                Expr::col(volunteer_shift::Column::Taken).sub(1),
            )
            .filter(volunteer_shift::Column::Id.eq(shift.id))
            .filter(volunteer_shift::Column::Taken.gt(0))
            .exec(write.txn())
            .await?;
        if sign_up.user_id != me {
            notify(
                &mut write,
                sign_up.user_id,
                "VOLUNTEER_SIGN_UP_CANCELLED",
                "Your volunteer sign-up was cancelled".to_owned(),
                format!(
                    "A coordinator cancelled your place on the shift of {}.",
                    shift.starts_at.format("%Y-%m-%d %H:%M UTC")
                ),
                (SIGN_UP_SUBJECT, sign_up.id),
            )
            .await?;
        }
        write.commit().await?;
        let mut next = sign_up;
        next.status = SignUpStatus::Cancelled.as_str().to_owned();
        next.active_shift_id = None;
        next.updated_at = now;
        Ok(next)
    }

    /// Records attendance (coordinators, after the shift started; never one's own): attended
    /// sign-ups earn their minutes (the shift's length unless given, at most that) in the same
    /// transaction, as an `EARNED` entry. A sign-up is verified once (`INVALID_STATE` after).
    pub async fn verify_attendance(
        &self,
        scope: &Scope,
        id: Uuid,
        attendance: Attendance,
    ) -> AppResult<volunteer_sign_up::Model> {
        let me = scope.require_user()?;
        coordinator(scope).await?;
        let mut write = Write::begin(self.state).await?;
        let now = write.now();
        let sign_up = volunteer_sign_up::Entity::find_by_id(id)
            .one(write.txn())
            .await?
            .ok_or_else(|| AppError::unknown_id("input.signUpId", "volunteer sign-up"))?;
        if sign_up.user_id == me {
            return Err(AppError::Forbidden(
                "you may not verify your own attendance".to_owned(),
            ));
        }
        let shift =
            find_or_not_found::<volunteer_shift::Entity, _>(write.txn(), sign_up.shift_id).await?;
        if sign_up.status != SignUpStatus::SignedUp.as_str() {
            return Err(AppError::InvalidState(format!(
                "this sign-up is {} already",
                sign_up.status.to_lowercase()
            )));
        }
        if shift.starts_at > now {
            return Err(AppError::InvalidState(
                "attendance is verified once the shift has started".to_owned(),
            ));
        }
        let length = i32::try_from((shift.ends_at - shift.starts_at).num_minutes()).unwrap_or(0);
        let minutes = match (attendance.attended, attendance.minutes) {
            (true, Some(m)) if m > length => {
                return Err(AppError::bad_input(
                    "input.minutes",
                    format!("at most the shift's {length} minutes"),
                ));
            }
            (true, Some(m)) => Some(m),
            (true, None) => Some(length),
            (false, _) => None,
        };
        let status = if attendance.attended {
            SignUpStatus::Attended
        } else {
            SignUpStatus::Absent
        };
        let changed = volunteer_sign_up::Entity::update_many()
            .col_expr(
                volunteer_sign_up::Column::Status,
                Expr::value(status.as_str()),
            )
            .col_expr(volunteer_sign_up::Column::Minutes, Expr::value(minutes))
            .col_expr(volunteer_sign_up::Column::VerifiedBy, Expr::value(Some(me)))
            .col_expr(
                volunteer_sign_up::Column::VerifiedAt,
                Expr::value(Some(now)),
            )
            .col_expr(volunteer_sign_up::Column::UpdatedAt, Expr::value(now))
            .filter(volunteer_sign_up::Column::Id.eq(id))
            .filter(volunteer_sign_up::Column::Status.eq(SignUpStatus::SignedUp.as_str()))
            .exec(write.txn())
            .await?;
        if changed.rows_affected != 1 {
            return Err(changed_meanwhile());
        }
        if let Some(minutes) = minutes.filter(|m| *m > 0) {
            let balance = credit(write.txn(), sign_up.user_id, minutes, now).await?;
            let earned = entry(
                sign_up.user_id,
                TimeBankKind::Earned,
                minutes,
                balance,
                None,
                Some(sign_up.id),
                None,
                me,
                now,
            );
            time_bank_entry::Entity::insert(time_bank_entry::ActiveModel::from(earned))
                .exec_without_returning(write.txn())
                .await?;
            notify(
                &mut write,
                sign_up.user_id,
                "VOLUNTEER_HOURS_EARNED",
                format!("{} volunteer hours verified", hours_text(minutes)),
                format!(
                    "Thank you! Your time bank now holds {} hours.",
                    hours_text(balance)
                ),
                (SIGN_UP_SUBJECT, sign_up.id),
            )
            .await?;
        }
        write.commit().await?;
        let mut next = sign_up;
        next.status = status.as_str().to_owned();
        next.minutes = minutes;
        next.verified_by = Some(me);
        next.verified_at = Some(now);
        next.updated_at = now;
        Ok(next)
    }

    /// Sign-ups of a shift (coordinators), in sign-up order.
    pub async fn shift_sign_ups(
        &self,
        scope: &Scope,
        shift_id: Uuid,
        page: &PageRequest,
    ) -> AppResult<Page<volunteer_sign_up::Model>> {
        coordinator(scope).await?;
        find_or_not_found::<volunteer_shift::Entity, _>(&self.state.db, shift_id)
            .await
            .map_err(|e| e.on_field("shiftId"))?;
        Keyset::new()
            .asc(volunteer_sign_up::Column::Id)
            .fetch(
                &self.state.db,
                volunteer_sign_up::Entity::find()
                    .filter(volunteer_sign_up::Column::ShiftId.eq(shift_id)),
                page,
            )
            .await
    }

    /// The viewer's own sign-ups, newest first.
    pub async fn my_sign_ups(
        &self,
        scope: &Scope,
        page: &PageRequest,
    ) -> AppResult<Page<volunteer_sign_up::Model>> {
        let me = scope.require_user()?;
        Keyset::new()
            .desc(volunteer_sign_up::Column::Id)
            .fetch(
                &self.state.db,
                volunteer_sign_up::Entity::find().filter(volunteer_sign_up::Column::UserId.eq(me)),
                page,
            )
            .await
    }

    /// A time bank: the viewer's own, or anyone's for administrators (others `FORBIDDEN`).
    pub async fn hours(
        &self,
        scope: &Scope,
        user_id: Option<Uuid>,
        page: &PageRequest,
    ) -> AppResult<(Uuid, i32, Page<time_bank_entry::Model>)> {
        let me = scope.require_user()?;
        let user_id = user_id.unwrap_or(me);
        if user_id != me && !scope.admin {
            return Err(AppError::Forbidden(
                "you see only your own time bank".to_owned(),
            ));
        }
        if user_id != me
            && entity::user::Entity::find_by_id(user_id)
                .one(&self.state.db)
                .await?
                .is_none()
        {
            return Err(AppError::unknown_id("userId", "user"));
        }
        let balance = balance_in(&self.state.db, user_id).await?;
        let entries = Keyset::new()
            .desc(time_bank_entry::Column::Id)
            .fetch(
                &self.state.db,
                time_bank_entry::Entity::find().filter(time_bank_entry::Column::UserId.eq(user_id)),
                page,
            )
            .await?;
        Ok((user_id, balance, entries))
    }

    /// Gives `minutes` of the viewer's time bank to a neighbour (another current resident):
    /// never more than held (`INVALID_STATE`, nothing written), in one transaction with the
    /// `DONATED` and `RECEIVED` entries. The two accounts are changed in id order, so donations
    /// crossing each other cannot deadlock.
    pub async fn donate(
        &self,
        scope: &Scope,
        to: Uuid,
        minutes: i32,
        note: Option<String>,
    ) -> AppResult<time_bank_entry::Model> {
        let (me, _) = volunteer(scope).await?;
        if to == me {
            return Err(AppError::bad_input(
                "input.toUserId",
                "donate to a neighbour, not to yourself",
            ));
        }
        if !is_resident(&self.state.db, to, scope).await? {
            return Err(AppError::unknown_id("input.toUserId", "resident"));
        }
        let mut write = Write::begin(self.state).await?;
        let now = write.now();
        let low = || {
            AppError::InvalidState(format!(
                "you hold fewer than the {} hours you want to give",
                hours_text(minutes)
            ))
        };
        // Both accounts exist first; then the row with the lower id is changed first.
        open_account(write.txn(), me, now).await?;
        open_account(write.txn(), to, now).await?;
        let (given, received) = if me < to {
            let given = debit(write.txn(), me, minutes, now)
                .await?
                .ok_or_else(low)?;
            (given, credit(write.txn(), to, minutes, now).await?)
        } else {
            let received = credit(write.txn(), to, minutes, now).await?;
            (
                debit(write.txn(), me, minutes, now)
                    .await?
                    .ok_or_else(low)?,
                received,
            )
        };
        let out = entry(
            me,
            TimeBankKind::Donated,
            -minutes,
            given,
            Some(to),
            None,
            note.clone(),
            me,
            now,
        );
        let into = entry(
            to,
            TimeBankKind::Received,
            minutes,
            received,
            Some(me),
            None,
            note,
            me,
            now,
        );
        time_bank_entry::Entity::insert_many([
            time_bank_entry::ActiveModel::from(out.clone()),
            time_bank_entry::ActiveModel::from(into.clone()),
        ])
        .exec_without_returning(write.txn())
        .await?;
        notify(
            &mut write,
            to,
            "TIME_BANK_RECEIVED",
            format!(
                "A neighbour gave you {} volunteer hours",
                hours_text(minutes)
            ),
            format!("Your time bank now holds {} hours.", hours_text(received)),
            (ENTRY_SUBJECT, into.id),
        )
        .await?;
        write.commit().await?;
        Ok(out)
    }
}

fn changed_meanwhile() -> AppError {
    AppError::Conflict {
        field: None,
        message: "the sign-up changed meanwhile; reload it".to_owned(),
    }
}
