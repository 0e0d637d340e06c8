//! Activity rules: drafting, publishing, cancelling, sign-ups with their seats and waitlist,
//! check-in, no-shows and feedback.
//!
//! Every change runs in one [`Write`]. A change that touches the seats first locks the activity
//! row (`UPDATE … SET version = version + 1 … RETURNING`): on PostgreSQL concurrent sign-ups for
//! one activity queue on that row lock, on SQLite writes are serialised anyway, so every
//! decision reads counts no other writer can move until it commits. Nothing is half-written:
//! an error anywhere rolls back the whole change.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait},
};
use uuid::Uuid;

use super::{
    access::{Relation, relation, visible},
    types::{ActivityKind, ActivitySeats, ActivitySignUpStatus, LIVE, StoredStatus, sign_up_open},
};
use crate::{
    app::AppState,
    auth::guard,
    domains::{
        estate::{access::Scope, types::StaffPost},
        notices::audience::{Audience, check_targets, recipients},
    },
    error::{AppError, AppResult},
    events::{Topic, outbox::Write},
    graphql::pagination::{Keyset, Page, PageRequest},
    notifications::{
        notifier::{Draft, Notifier},
        types::{NotificationCategory, NotificationPriority, SubjectRef},
    },
};
use entity::{
    activity, activity_audience, activity_feedback, activity_sign_up, activity_sign_up_member,
    household_member, staff_building, staff_record, unit, user,
};

/// Subject type of activity notifications.
pub const SUBJECT: &str = "ACTIVITY";
/// Check-in opens this long before the start.
pub const CHECK_IN_EARLY_MINUTES: i64 = 120;
/// Letters of a check-in code (no 0/O, 1/I/L: read out at a door).
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
/// Characters in a check-in code.
pub const CODE_LENGTH: usize = 8;

/// What an activity says (a new one, or a draft after changes).
#[derive(Clone, Debug)]
pub struct ActivityFields {
    /// Kind.
    pub kind: ActivityKind,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// The staff user who organises it (the creator when absent).
    pub organiser_id: Option<Uuid>,
    /// A partner's name, shown as the organiser.
    pub organiser_name: Option<String>,
    /// Where.
    pub place: String,
    /// The service centre, if any.
    pub service_centre_id: Option<Uuid>,
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// End.
    pub ends_at: DateTime<Utc>,
    /// Seats.
    pub capacity: i32,
    /// Sign-up opens (now when absent).
    pub sign_up_opens_at: Option<DateTime<Utc>>,
    /// Sign-up closes (the start when absent).
    pub sign_up_closes_at: Option<DateTime<Utc>>,
    /// Cancellation cut-off (the start when absent).
    pub cancel_until: Option<DateTime<Utc>>,
    /// Seats per household (the capacity, at most 4, when absent).
    pub household_limit: Option<i32>,
    /// Household members may be signed up.
    pub members_allowed: bool,
    /// Who it is for.
    pub audience: Audience,
}

/// Changes to a draft: `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct ActivityChanges {
    /// Kind.
    pub kind: Option<ActivityKind>,
    /// Title.
    pub title: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Partner name (`Some(None)` clears it).
    pub organiser_name: Option<Option<String>>,
    /// Place.
    pub place: Option<String>,
    /// Service centre (`Some(None)` clears it).
    pub service_centre_id: Option<Option<Uuid>>,
    /// Start.
    pub starts_at: Option<DateTime<Utc>>,
    /// End.
    pub ends_at: Option<DateTime<Utc>>,
    /// Seats.
    pub capacity: Option<i32>,
    /// Sign-up opens.
    pub sign_up_opens_at: Option<DateTime<Utc>>,
    /// Sign-up closes.
    pub sign_up_closes_at: Option<DateTime<Utc>>,
    /// Cancellation cut-off.
    pub cancel_until: Option<DateTime<Utc>>,
    /// Seats per household.
    pub household_limit: Option<i32>,
    /// Household members may be signed up.
    pub members_allowed: Option<bool>,
    /// Audience (replaces the whole audience).
    pub audience: Option<Audience>,
}

/// A sign-up as asked for.
#[derive(Clone, Debug)]
pub struct NewSignUp {
    /// The activity.
    pub activity_id: Uuid,
    /// Household members to bring.
    pub household_member_ids: Vec<Uuid>,
    /// Whether the resident comes too.
    pub include_self: bool,
}

/// The times and numbers of an activity after defaults, checked together.
struct Schedule {
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    opens: DateTime<Utc>,
    closes: DateTime<Utc>,
    cancel_until: DateTime<Utc>,
    capacity: i32,
    household_limit: i32,
}

impl Schedule {
    fn of(fields: &ActivityFields, now: DateTime<Utc>) -> Schedule {
        Schedule {
            starts_at: fields.starts_at,
            ends_at: fields.ends_at,
            opens: fields.sign_up_opens_at.unwrap_or(now),
            closes: fields.sign_up_closes_at.unwrap_or(fields.starts_at),
            cancel_until: fields.cancel_until.unwrap_or(fields.starts_at),
            capacity: fields.capacity,
            household_limit: fields
                .household_limit
                .unwrap_or(Ord::min(fields.capacity, 4)),
        }
    }

    /// Every rule across fields, each reported on its field.
    fn check(&self, now: DateTime<Utc>) -> AppResult<()> {
        let mut check = crate::graphql::checks::Checks::new();
        check.rule(
            self.starts_at > now,
            "input.startsAt",
            "must be in the future",
        );
        check.rule(
            self.ends_at > self.starts_at,
            "input.endsAt",
            "must be after startsAt",
        );
        check.rule(
            self.closes > self.opens,
            "input.signUpClosesAt",
            "must be after signUpOpensAt",
        );
        check.rule(
            self.closes <= self.starts_at,
            "input.signUpClosesAt",
            "must not be after startsAt",
        );
        check.rule(
            self.cancel_until <= self.starts_at,
            "input.cancelUntil",
            "must not be after startsAt",
        );
        check.rule(
            self.household_limit <= self.capacity,
            "input.householdLimit",
            "must not exceed capacity",
        );
        check.done()
    }
}

/// A fresh one-time check-in code.
pub(crate) fn new_code() -> String {
    let mut rng = rand::rng();
    (0..CODE_LENGTH)
        .map(|_| char::from(CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())]))
        .collect()
}

/// The code as typed at the door: case and spaces or dashes do not matter.
pub fn normalise_code(raw: &str) -> String {
    raw.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_uppercase)
        .collect()
}

fn subject(id: Uuid) -> SubjectRef {
    SubjectRef { kind: SUBJECT, id }
}

fn live_statuses() -> impl Iterator<Item = &'static str> {
    LIVE.iter().map(|s| s.as_str())
}

/// Activity rules over the application state.
pub struct ActivityService<'a> {
    state: &'a AppState,
}

impl<'a> ActivityService<'a> {
    /// The service over `state`.
    pub fn new(state: &'a AppState) -> Self {
        ActivityService { state }
    }

    fn db(&self) -> &DatabaseConnection {
        &self.state.db
    }

    // ----- reads ---------------------------------------------------------------------------

    /// The audience rows of `ids`, grouped.
    async fn audiences<C: ConnectionTrait>(
        db: &C,
        ids: impl IntoIterator<Item = Uuid>,
    ) -> AppResult<HashMap<Uuid, Vec<activity_audience::Model>>> {
        let mut out: HashMap<Uuid, Vec<activity_audience::Model>> = HashMap::new();
        for row in activity_audience::Entity::find()
            .filter(activity_audience::Column::ActivityId.is_in(ids))
            .all(db)
            .await?
        {
            out.entry(row.activity_id).or_default().push(row);
        }
        Ok(out)
    }

    /// The stored audience of one activity.
    pub async fn audience_of<C: ConnectionTrait>(db: &C, id: Uuid) -> AppResult<Audience> {
        let rows = Self::audiences(db, [id])
            .await?
            .remove(&id)
            .unwrap_or_default();
        Ok(Audience::from_targets(rows.iter().map(|r| {
            (
                r.scope.as_str(),
                r.building_id,
                r.floor,
                r.unit_id,
                r.role.as_deref(),
            )
        })))
    }

    /// A service centre named as the place must exist (`NOT_FOUND` on `input.serviceCentreId`).
    async fn check_centre(&self, centre: Uuid) -> AppResult<()> {
        entity::service_centre::Entity::find_by_id(centre)
            .one(self.db())
            .await?
            .map(|_| ())
            .ok_or_else(|| AppError::unknown_id("input.serviceCentreId", "service centre"))
    }

    /// One activity the viewer may see, with how they relate to it; `NOT_FOUND` otherwise.
    pub async fn get(&self, scope: &Scope, id: Uuid) -> AppResult<(activity::Model, Relation)> {
        scope.require_user()?;
        let model = activity::Entity::find_by_id(id)
            .one(self.db())
            .await?
            .ok_or(AppError::NotFound("activity"))?;
        let audience = Self::audiences(self.db(), [id])
            .await?
            .remove(&id)
            .unwrap_or_default();
        let rel = relation(scope, &model, &audience).await?;
        if !rel.sees {
            return Err(AppError::NotFound("activity"));
        }
        Ok((model, rel))
    }

    /// The activities among `ids` the viewer may see (notification subjects, node).
    pub async fn visible_among(
        &self,
        scope: &Scope,
        ids: impl IntoIterator<Item = Uuid>,
    ) -> AppResult<Vec<(activity::Model, Relation)>> {
        let ids: Vec<Uuid> = ids.into_iter().collect();
        let models = activity::Entity::find()
            .filter(activity::Column::Id.is_in(ids.iter().copied()))
            .all(self.db())
            .await?;
        let audiences = Self::audiences(self.db(), ids).await?;
        let mut out = Vec::new();
        for model in models {
            let rows = audiences.get(&model.id).map(Vec::as_slice).unwrap_or(&[]);
            let rel = relation(scope, &model, rows).await?;
            if rel.sees {
                out.push((model, rel));
            }
        }
        Ok(out)
    }

    /// The activities the viewer may see, soonest first (ended ones only when asked).
    pub async fn list(
        &self,
        scope: &Scope,
        filter: ListFilter,
        page: &PageRequest,
    ) -> AppResult<Page<activity::Model>> {
        let me = scope.require_user()?;
        let now = self.state.clock.now();
        let mut query = activity::Entity::find();
        if let Some(condition) = visible(scope).await? {
            query = query.filter(condition);
        }
        if !filter.include_past {
            query = query.filter(activity::Column::EndsAt.gt(now));
        }
        if let Some(kinds) = filter.kinds {
            query = query.filter(activity::Column::Kind.is_in(kinds.iter().map(|k| k.as_str())));
        }
        if let Some(statuses) = filter.statuses {
            query = query.filter(status_condition(&statuses, now));
        }
        if let Some(from) = filter.starts_after {
            query = query.filter(activity::Column::StartsAt.gte(from));
        }
        if let Some(to) = filter.starts_before {
            query = query.filter(activity::Column::StartsAt.lt(to));
        }
        if filter.organised_by_me {
            query = query.filter(activity::Column::OrganiserId.eq(me));
        }
        Keyset::<activity::Entity>::new()
            .asc(activity::Column::StartsAt)
            .asc(activity::Column::Id)
            .fetch(self.db(), query, page)
            .await
    }

    /// The viewer's sign-up for each of `ids` that has one: the live one, else the latest.
    pub async fn mine_among(
        &self,
        scope: &Scope,
        ids: &[Uuid],
    ) -> AppResult<HashMap<Uuid, activity_sign_up::Model>> {
        let me = scope.require_user()?;
        let mut out: HashMap<Uuid, activity_sign_up::Model> = HashMap::new();
        if ids.is_empty() {
            return Ok(out);
        }
        let rows = activity_sign_up::Entity::find()
            .filter(activity_sign_up::Column::UserId.eq(me))
            .filter(activity_sign_up::Column::ActivityId.is_in(ids.iter().copied()))
            .order_by_asc(activity_sign_up::Column::Id)
            .all(self.db())
            .await?;
        for row in rows {
            let live = row.status != ActivitySignUpStatus::Cancelled.as_str();
            let keep = out
                .get(&row.activity_id)
                .is_none_or(|held| live || held.status == ActivitySignUpStatus::Cancelled.as_str());
            if keep {
                out.insert(row.activity_id, row);
            }
        }
        Ok(out)
    }

    /// The viewer's own sign-ups, newest first.
    pub async fn my_sign_ups(
        &self,
        scope: &Scope,
        statuses: Option<Vec<ActivitySignUpStatus>>,
        page: &PageRequest,
    ) -> AppResult<Page<activity_sign_up::Model>> {
        let me = scope.require_user()?;
        let mut query =
            activity_sign_up::Entity::find().filter(activity_sign_up::Column::UserId.eq(me));
        if let Some(statuses) = statuses {
            query = query.filter(
                activity_sign_up::Column::Status.is_in(statuses.iter().map(|s| s.as_str())),
            );
        }
        Keyset::<activity_sign_up::Entity>::new()
            .desc(activity_sign_up::Column::Id)
            .fetch(self.db(), query, page)
            .await
    }

    /// One sign-up the viewer may see: their own, or one of an activity they check in.
    /// Returns it with (own, staff).
    pub async fn sign_up(
        &self,
        scope: &Scope,
        id: Uuid,
    ) -> AppResult<(activity_sign_up::Model, bool, bool)> {
        let me = scope.require_user()?;
        let model = activity_sign_up::Entity::find_by_id(id)
            .one(self.db())
            .await?
            .ok_or(AppError::NotFound("sign-up"))?;
        let own = model.user_id == me;
        let staff = match self.get(scope, model.activity_id).await {
            Ok((_, rel)) => rel.checks_in,
            Err(AppError::NotFound(_)) => false,
            Err(err) => return Err(err),
        };
        if !own && !staff {
            return Err(AppError::NotFound("sign-up"));
        }
        Ok((model, own, staff))
    }

    /// The sign-ups of an activity, oldest first (the caller checked the viewer's rights).
    pub async fn sign_ups_of(
        &self,
        activity_id: Uuid,
        statuses: Option<Vec<ActivitySignUpStatus>>,
        page: &PageRequest,
    ) -> AppResult<Page<activity_sign_up::Model>> {
        let mut query = activity_sign_up::Entity::find()
            .filter(activity_sign_up::Column::ActivityId.eq(activity_id));
        if let Some(statuses) = statuses {
            query = query.filter(
                activity_sign_up::Column::Status.is_in(statuses.iter().map(|s| s.as_str())),
            );
        }
        Keyset::<activity_sign_up::Entity>::new()
            .asc(activity_sign_up::Column::Id)
            .fetch(self.db(), query, page)
            .await
    }

    /// The feedback on an activity, newest first (the caller checked the viewer's rights).
    pub async fn feedback_of(
        &self,
        activity_id: Uuid,
        page: &PageRequest,
    ) -> AppResult<Page<activity_feedback::Model>> {
        let query = activity_feedback::Entity::find()
            .filter(activity_feedback::Column::ActivityId.eq(activity_id));
        Keyset::<activity_feedback::Entity>::new()
            .desc(activity_feedback::Column::Id)
            .fetch(self.db(), query, page)
            .await
    }

    /// The seats of an activity the viewer may see.
    pub async fn seats(&self, scope: &Scope, id: Uuid) -> AppResult<ActivitySeats> {
        let (model, _) = self.get(scope, id).await?;
        Ok(ActivitySeats::of(&model, self.state.clock.now()))
    }

    // ----- running an activity -------------------------------------------------------------

    /// The buildings a manager serves, `None` for administrators; `FORBIDDEN` for everyone else.
    async fn creator(&self, scope: &Scope) -> AppResult<Option<HashSet<Uuid>>> {
        scope.require_user()?;
        if scope.admin {
            return Ok(None);
        }
        let staff = guard::require_active_post(
            scope,
            StaffPost::Manager,
            "only administrators and managers create activities",
        )
        .await?;
        Ok(Some(staff.served_buildings.clone()))
    }

    /// Checks the organiser named: an active staff member (for a manager: themselves or staff
    /// serving one of their buildings).
    async fn check_organiser(
        &self,
        me: Uuid,
        organiser: Uuid,
        served: Option<&HashSet<Uuid>>,
    ) -> AppResult<()> {
        if organiser == me {
            return Ok(());
        }
        const FIELD: &str = "input.organiserId";
        if user::Entity::find_by_id(organiser)
            .one(self.db())
            .await?
            .is_none()
        {
            return Err(AppError::unknown_id(FIELD, "user"));
        }
        let record = staff_record::Entity::find()
            .filter(staff_record::Column::UserId.eq(organiser))
            .filter(staff_record::Column::Status.eq(crate::domains::estate::access::ACTIVE_STAFF))
            .one(self.db())
            .await?
            .ok_or_else(|| AppError::bad_input(FIELD, "must be an active staff member"))?;
        if let Some(served) = served {
            let buildings: Vec<Uuid> = staff_building::Entity::find()
                .select_only()
                .column(staff_building::Column::BuildingId)
                .filter(staff_building::Column::StaffId.eq(record.id))
                .into_tuple()
                .all(self.db())
                .await?;
            if !buildings.iter().any(|b| served.contains(b)) {
                return Err(AppError::Forbidden(
                    "managers name organisers from the staff of their buildings".to_owned(),
                ));
            }
        }
        Ok(())
    }

    /// Audience rows for `id`; unit targets carry their building, so the building's managers
    /// find the activity.
    pub(crate) async fn audience_rows<C: ConnectionTrait>(
        db: &C,
        id: Uuid,
        audience: &Audience,
    ) -> AppResult<Vec<activity_audience::ActiveModel>> {
        let unit_buildings: HashMap<Uuid, Uuid> = if audience.unit_ids.is_empty() {
            HashMap::new()
        } else {
            unit::Entity::find()
                .select_only()
                .column(unit::Column::Id)
                .column(unit::Column::BuildingId)
                .filter(unit::Column::Id.is_in(audience.unit_ids.iter().copied()))
                .into_tuple::<(Uuid, Uuid)>()
                .all(db)
                .await?
                .into_iter()
                .collect()
        };
        Ok(audience
            .targets()
            .into_iter()
            .map(|t| activity_audience::ActiveModel {
                id: Set(Uuid::now_v7()),
                activity_id: Set(id),
                scope: Set(t.scope.to_owned()),
                building_id: Set(t
                    .building_id
                    .or_else(|| t.unit_id.and_then(|u| unit_buildings.get(&u).copied()))),
                floor: Set(t.floor),
                unit_id: Set(t.unit_id),
                role: Set(t.role),
            })
            .collect())
    }

    /// Creates a draft (administrators anywhere; managers for the buildings they serve).
    pub async fn create(
        &self,
        scope: &Scope,
        fields: ActivityFields,
    ) -> AppResult<activity::Model> {
        let me = scope.require_user()?;
        let served = self.creator(scope).await?;
        let now = self.state.clock.now();
        let schedule = Schedule::of(&fields, now);
        schedule.check(now)?;
        check_targets(self.db(), &fields.audience, served.as_ref()).await?;
        let organiser = fields.organiser_id.unwrap_or(me);
        self.check_organiser(me, organiser, served.as_ref()).await?;
        if let Some(centre) = fields.service_centre_id {
            self.check_centre(centre).await?;
        }
        let id = Uuid::now_v7();
        let model = activity::ActiveModel {
            id: Set(id),
            kind: Set(fields.kind.as_str().to_owned()),
            title: Set(fields.title),
            description: Set(fields.description),
            organiser_id: Set(organiser),
            organiser_name: Set(fields.organiser_name),
            place: Set(fields.place),
            service_centre_id: Set(fields.service_centre_id),
            starts_at: Set(schedule.starts_at),
            ends_at: Set(schedule.ends_at),
            capacity: Set(schedule.capacity),
            sign_up_opens_at: Set(schedule.opens),
            sign_up_closes_at: Set(schedule.closes),
            cancel_until: Set(schedule.cancel_until),
            household_limit: Set(schedule.household_limit),
            members_allowed: Set(fields.members_allowed),
            status: Set(StoredStatus::Draft.as_str().to_owned()),
            seats_taken: Set(0),
            waitlist_length: Set(0),
            waitlist_next: Set(1),
            version: Set(1),
            created_by: Set(me),
            created_at: Set(now),
            updated_at: Set(now),
            published_at: Set(None),
            cancelled_at: Set(None),
            cancel_reason: Set(None),
            no_shows_marked_at: Set(None),
        };
        let write = Write::begin(self.state).await?;
        let model = activity::Entity::insert(model)
            .exec_with_returning(write.txn())
            .await?;
        let rows = Self::audience_rows(write.txn(), id, &fields.audience).await?;
        activity_audience::Entity::insert_many(rows)
            .exec_without_returning(write.txn())
            .await?;
        write.commit().await?;
        Ok(model)
    }

    /// The activity `id` when the viewer runs it; `NOT_FOUND` when they may not see it,
    /// `FORBIDDEN` when they see but do not run it.
    async fn run(&self, scope: &Scope, id: Uuid) -> AppResult<activity::Model> {
        let (model, rel) = self.get(scope, id).await?;
        if !rel.runs {
            return Err(AppError::Forbidden(
                "only the organiser and administrators run an activity".to_owned(),
            ));
        }
        Ok(model)
    }

    /// Changes a draft (those who run it).
    pub async fn update(
        &self,
        scope: &Scope,
        id: Uuid,
        changes: ActivityChanges,
    ) -> AppResult<activity::Model> {
        let current = self.run(scope, id).await?;
        if current.status != StoredStatus::Draft.as_str() {
            return Err(AppError::InvalidState(
                "only a draft changes; cancel a published activity and create another".to_owned(),
            ));
        }
        let now = self.state.clock.now();
        let schedule = Schedule {
            starts_at: changes.starts_at.unwrap_or(current.starts_at),
            ends_at: changes.ends_at.unwrap_or(current.ends_at),
            opens: changes.sign_up_opens_at.unwrap_or(current.sign_up_opens_at),
            closes: changes
                .sign_up_closes_at
                .unwrap_or(current.sign_up_closes_at),
            cancel_until: changes.cancel_until.unwrap_or(current.cancel_until),
            capacity: changes.capacity.unwrap_or(current.capacity),
            household_limit: changes.household_limit.unwrap_or(current.household_limit),
        };
        schedule.check(now)?;
        if let Some(audience) = &changes.audience {
            let served = if scope.admin {
                None
            } else {
                let staff = guard::holds_active_post(scope, StaffPost::Manager).await?;
                match staff {
                    Some(staff) => Some(staff.served_buildings.clone()),
                    // An organiser who is not a manager keeps to the buildings already named.
                    None => Some(Self::audience_of(self.db(), id).await?.named_buildings()),
                }
            };
            check_targets(self.db(), audience, served.as_ref()).await?;
        }
        if let Some(Some(centre)) = changes.service_centre_id {
            self.check_centre(centre).await?;
        }
        let write = Write::begin(self.state).await?;
        let mut model: activity::ActiveModel = current.clone().into();
        if let Some(kind) = changes.kind {
            model.kind = Set(kind.as_str().to_owned());
        }
        if let Some(title) = changes.title {
            model.title = Set(title);
        }
        if let Some(description) = changes.description {
            model.description = Set(description);
        }
        if let Some(name) = changes.organiser_name {
            model.organiser_name = Set(name);
        }
        if let Some(place) = changes.place {
            model.place = Set(place);
        }
        if let Some(centre) = changes.service_centre_id {
            model.service_centre_id = Set(centre);
        }
        if let Some(members) = changes.members_allowed {
            model.members_allowed = Set(members);
        }
        model.starts_at = Set(schedule.starts_at);
        model.ends_at = Set(schedule.ends_at);
        model.sign_up_opens_at = Set(schedule.opens);
        model.sign_up_closes_at = Set(schedule.closes);
        model.cancel_until = Set(schedule.cancel_until);
        model.capacity = Set(schedule.capacity);
        model.household_limit = Set(schedule.household_limit);
        model.version = Set(current.version + 1);
        model.updated_at = Set(now);
        // Conditional on the version read: of two edits at once, one wins.
        let updated = activity::Entity::update_many()
            .set(model)
            .filter(activity::Column::Id.eq(id))
            .filter(activity::Column::Version.eq(current.version))
            .filter(activity::Column::Status.eq(StoredStatus::Draft.as_str()))
            .exec_with_returning(write.txn())
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| AppError::Conflict {
                field: None,
                message: "the activity changed meanwhile; read it again".to_owned(),
            })?;
        if let Some(audience) = &changes.audience {
            activity_audience::Entity::delete_many()
                .filter(activity_audience::Column::ActivityId.eq(id))
                .exec(write.txn())
                .await?;
            let rows = Self::audience_rows(write.txn(), id, audience).await?;
            activity_audience::Entity::insert_many(rows)
                .exec_without_returning(write.txn())
                .await?;
        }
        write.commit().await?;
        Ok(updated)
    }

    /// Publishes a draft to its audience, notifying every member of it.
    pub async fn publish(&self, scope: &Scope, id: Uuid) -> AppResult<activity::Model> {
        let current = self.run(scope, id).await?;
        if current.status != StoredStatus::Draft.as_str() {
            return Err(AppError::InvalidState(
                "only a draft is published".to_owned(),
            ));
        }
        let now = self.state.clock.now();
        if current.starts_at <= now {
            return Err(AppError::InvalidState(
                "the activity's start has passed; change the draft's times first".to_owned(),
            ));
        }
        let audience = Self::audience_of(self.db(), id).await?;
        let users = recipients(self.db(), &audience, self.state.clock.today()).await?;
        let mut write = Write::begin(self.state).await?;
        let model = activity::Entity::update_many()
            .col_expr(
                activity::Column::Status,
                Expr::value(StoredStatus::Published.as_str()),
            )
            .col_expr(activity::Column::PublishedAt, Expr::value(now))
            .col_expr(activity::Column::UpdatedAt, Expr::value(now))
            .col_expr(
                activity::Column::Version,
                Expr::col(activity::Column::Version).add(1),
            )
            .filter(activity::Column::Id.eq(id))
            .filter(activity::Column::Status.eq(StoredStatus::Draft.as_str()))
            .exec_with_returning(write.txn())
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| AppError::InvalidState("only a draft is published".to_owned()))?;
        let when = model.starts_at.format("%Y-%m-%d %H:%M UTC");
        Notifier::notify(
            &mut write,
            users,
            &Draft {
                category: NotificationCategory::Activity,
                priority: NotificationPriority::Normal,
                kind: "ACTIVITY_PUBLISHED".to_owned(),
                title: model.title.clone(),
                text: format!("{when}, {}. {}", model.place, model.description),
                subject: subject(id),
            },
        )
        .await?;
        write.signal(Topic::ActivitySeats(id));
        write.commit().await?;
        Ok(model)
    }

    /// Cancels an activity (a draft, or a published one that has not ended): every sign-up
    /// holding or waiting for seats is cancelled and its resident told; the announcement leaves
    /// the audience's inboxes.
    pub async fn cancel(
        &self,
        scope: &Scope,
        id: Uuid,
        reason: Option<String>,
    ) -> AppResult<activity::Model> {
        let current = self.run(scope, id).await?;
        let now = self.state.clock.now();
        let published = current.status == StoredStatus::Published.as_str();
        if current.status == StoredStatus::Cancelled.as_str()
            || (published && now >= current.ends_at)
        {
            return Err(AppError::InvalidState(
                "only a draft or an activity that has not ended is cancelled".to_owned(),
            ));
        }
        if published && reason.is_none() {
            return Err(AppError::bad_input(
                "input.reason",
                "say why: the residents signed up are told",
            ));
        }
        let mut write = Write::begin(self.state).await?;
        let model = Self::lock(&write, id).await?;
        if model.status == StoredStatus::Cancelled.as_str() {
            return Err(AppError::InvalidState("already cancelled".to_owned()));
        }
        let model = activity::Entity::update_many()
            .col_expr(
                activity::Column::Status,
                Expr::value(StoredStatus::Cancelled.as_str()),
            )
            .col_expr(activity::Column::CancelledAt, Expr::value(now))
            .col_expr(activity::Column::CancelReason, Expr::value(reason.clone()))
            .col_expr(activity::Column::SeatsTaken, Expr::value(0))
            .col_expr(activity::Column::WaitlistLength, Expr::value(0))
            .col_expr(activity::Column::UpdatedAt, Expr::value(now))
            .filter(activity::Column::Id.eq(id))
            .exec_with_returning(write.txn())
            .await?
            .into_iter()
            .next()
            .ok_or(AppError::NotFound("activity"))?;
        let affected = activity_sign_up::Entity::update_many()
            .col_expr(
                activity_sign_up::Column::Status,
                Expr::value(ActivitySignUpStatus::Cancelled.as_str()),
            )
            .col_expr(activity_sign_up::Column::CancelledAt, Expr::value(now))
            .col_expr(activity_sign_up::Column::UpdatedAt, Expr::value(now))
            .col_expr(
                activity_sign_up::Column::WaitlistSeq,
                Expr::value(Option::<i32>::None),
            )
            .filter(activity_sign_up::Column::ActivityId.eq(id))
            .filter(activity_sign_up::Column::Status.is_in([
                ActivitySignUpStatus::Confirmed.as_str(),
                ActivitySignUpStatus::Waitlisted.as_str(),
            ]))
            .exec_with_returning(write.txn())
            .await?;
        if published {
            Notifier::remove(&mut write, subject(id)).await?;
            Notifier::notify(
                &mut write,
                affected.iter().map(|s| s.user_id),
                &Draft {
                    category: NotificationCategory::Activity,
                    priority: NotificationPriority::Important,
                    kind: "ACTIVITY_CANCELLED".to_owned(),
                    title: format!("Cancelled: {}", model.title),
                    text: reason.unwrap_or_default(),
                    subject: subject(id),
                },
            )
            .await?;
        }
        write.signal(Topic::ActivitySeats(id));
        write.commit().await?;
        Ok(model)
    }

    // ----- seats ---------------------------------------------------------------------------

    /// Locks the activity row for this write and returns it as it now stands.
    async fn lock(write: &Write<'_>, id: Uuid) -> AppResult<activity::Model> {
        activity::Entity::update_many()
            .col_expr(
                activity::Column::Version,
                Expr::col(activity::Column::Version).add(1),
            )
            .filter(activity::Column::Id.eq(id))
            .exec_with_returning(write.txn())
            .await?
            .into_iter()
            .next()
            .ok_or(AppError::NotFound("activity"))
    }

    /// Signs the viewer (and household members) up: seats when they fit and nobody waits,
    /// otherwise a place on the waitlist.
    pub async fn sign_up_for(
        &self,
        scope: &Scope,
        new: NewSignUp,
    ) -> AppResult<activity_sign_up::Model> {
        let me = scope.require_user()?;
        const MEMBERS: &str = "input.householdMemberIds";
        // Access first, on the pool: never inside the write (SQLite would wait on itself).
        self.get(scope, new.activity_id)
            .await
            .map_err(|e| e.on_field("input.activityId"))?;
        let home = scope.resident().await?;
        if home.units.is_empty() {
            return Err(AppError::Forbidden(
                "only residents sign up for activities".to_owned(),
            ));
        }
        let members = if new.household_member_ids.is_empty() {
            Vec::new()
        } else {
            household_member::Entity::find()
                .filter(
                    household_member::Column::Id.is_in(new.household_member_ids.iter().copied()),
                )
                .all(self.db())
                .await?
        };
        // Another household's member is as unknown as one that does not exist.
        if members.len() != new.household_member_ids.len()
            || members.iter().any(|m| !home.units.contains(&m.unit_id))
        {
            return Err(AppError::unknown_id(MEMBERS, "household member"));
        }
        if members
            .iter()
            .any(|m| m.kind == crate::domains::estate::types::HouseholdMemberKind::Pet.as_str())
        {
            return Err(AppError::bad_input(
                MEMBERS,
                "pets do not take seats: sign up children and elders",
            ));
        }
        let unit_id = match members.first() {
            Some(first) => {
                if members.iter().any(|m| m.unit_id != first.unit_id) {
                    return Err(AppError::bad_input(
                        MEMBERS,
                        "members of one household only; sign up once per household",
                    ));
                }
                first.unit_id
            }
            None => home
                .units
                .iter()
                .min()
                .copied()
                .ok_or_else(|| AppError::internal("a resident without a home"))?,
        };
        let seats = i32::from(new.include_self)
            + i32::try_from(members.len()).map_err(AppError::internal)?;
        if seats == 0 {
            return Err(AppError::bad_input(
                "input.includeSelf",
                "names nobody: come yourself or bring household members",
            ));
        }
        let now = self.state.clock.now();
        let write = Write::begin(self.state).await?;
        let activity = Self::lock(&write, new.activity_id).await?;
        if activity.status != StoredStatus::Published.as_str() {
            return Err(AppError::InvalidState(
                "the activity is not open for sign-up".to_owned(),
            ));
        }
        if now < activity.sign_up_opens_at {
            return Err(AppError::InvalidState(format!(
                "sign-up opens at {}",
                activity.sign_up_opens_at.to_rfc3339()
            )));
        }
        if !sign_up_open(&activity, now) {
            return Err(AppError::InvalidState("sign-up has closed".to_owned()));
        }
        if !members.is_empty() && !activity.members_allowed {
            return Err(AppError::bad_input(
                MEMBERS,
                "this activity takes no household members",
            ));
        }
        let live: Vec<activity_sign_up::Model> = activity_sign_up::Entity::find()
            .filter(activity_sign_up::Column::ActivityId.eq(activity.id))
            .filter(activity_sign_up::Column::UnitId.eq(unit_id))
            .filter(activity_sign_up::Column::Status.is_in(live_statuses()))
            .all(write.txn())
            .await?;
        let mine = activity_sign_up::Entity::find()
            .filter(activity_sign_up::Column::ActivityId.eq(activity.id))
            .filter(activity_sign_up::Column::UserId.eq(me))
            .filter(activity_sign_up::Column::Status.is_in(live_statuses()))
            .count(write.txn())
            .await?;
        if mine > 0 {
            return Err(AppError::Conflict {
                field: Some("input.activityId".to_owned()),
                message: "you are signed up already; cancel that sign-up to change it".to_owned(),
            });
        }
        if !members.is_empty() {
            let taken = activity_sign_up_member::Entity::find()
                .filter(activity_sign_up_member::Column::ActivityId.eq(activity.id))
                .filter(
                    activity_sign_up_member::Column::HouseholdMemberId
                        .is_in(members.iter().map(|m| m.id)),
                )
                .filter(activity_sign_up_member::Column::SignUpId.is_in(live.iter().map(|s| s.id)))
                .count(write.txn())
                .await?;
            if taken > 0 {
                return Err(AppError::Conflict {
                    field: Some(MEMBERS.to_owned()),
                    message: "a member named is signed up already".to_owned(),
                });
            }
        }
        let held: i32 = live.iter().map(|s| s.seats).sum();
        if held + seats > activity.household_limit {
            return Err(AppError::bad_input(
                MEMBERS,
                format!(
                    "at most {} seats per household; yours holds {held}",
                    activity.household_limit
                ),
            ));
        }
        // First come, first served: while anyone waits, newcomers wait too.
        let confirmed =
            activity.waitlist_length == 0 && activity.seats_taken + seats <= activity.capacity;
        let id = Uuid::now_v7();
        let model = activity_sign_up::Entity::insert(activity_sign_up::ActiveModel {
            id: Set(id),
            activity_id: Set(activity.id),
            user_id: Set(me),
            unit_id: Set(unit_id),
            include_self: Set(new.include_self),
            seats: Set(seats),
            status: Set(if confirmed {
                ActivitySignUpStatus::Confirmed
            } else {
                ActivitySignUpStatus::Waitlisted
            }
            .as_str()
            .to_owned()),
            waitlist_seq: Set((!confirmed).then_some(activity.waitlist_next)),
            check_in_code: Set(new_code()),
            created_at: Set(now),
            updated_at: Set(now),
            confirmed_at: Set(confirmed.then_some(now)),
            checked_in_at: Set(None),
            checked_in_by: Set(None),
            cancelled_at: Set(None),
        })
        .exec_with_returning(write.txn())
        .await?;
        if !members.is_empty() {
            activity_sign_up_member::Entity::insert_many(members.iter().map(|m| {
                activity_sign_up_member::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    sign_up_id: Set(id),
                    activity_id: Set(activity.id),
                    household_member_id: Set(m.id),
                }
            }))
            .exec_without_returning(write.txn())
            .await?;
        }
        let mut update = activity::Entity::update_many()
            .col_expr(activity::Column::UpdatedAt, Expr::value(now))
            .filter(activity::Column::Id.eq(activity.id));
        update = if confirmed {
            update.col_expr(
                activity::Column::SeatsTaken,
                Expr::value(activity.seats_taken + seats),
            )
        } else {
            update
                .col_expr(
                    activity::Column::WaitlistLength,
                    Expr::value(activity.waitlist_length + 1),
                )
                .col_expr(
                    activity::Column::WaitlistNext,
                    Expr::value(activity.waitlist_next + 1),
                )
        };
        update.exec(write.txn()).await?;
        let mut write = write;
        write.signal(Topic::ActivitySeats(activity.id));
        write.commit().await?;
        Ok(model)
    }

    /// Promotes the head of the waitlist while it fits, telling each promoted resident. Runs in
    /// the write that freed the seats, with the activity locked; `activity` is the row as that
    /// write left it. Returns the row's new counts.
    async fn promote(
        write: &mut Write<'_>,
        mut activity: activity::Model,
    ) -> AppResult<activity::Model> {
        let now = write.now();
        if activity.status != StoredStatus::Published.as_str() || now >= activity.starts_at {
            return Ok(activity);
        }
        let line = activity_sign_up::Entity::find()
            .filter(activity_sign_up::Column::ActivityId.eq(activity.id))
            .filter(activity_sign_up::Column::Status.eq(ActivitySignUpStatus::Waitlisted.as_str()))
            .order_by_asc(activity_sign_up::Column::WaitlistSeq)
            .all(write.txn())
            .await?;
        let mut promoted = Vec::new();
        for waiting in line {
            if activity.seats_taken + waiting.seats > activity.capacity {
                break;
            }
            activity.seats_taken += waiting.seats;
            activity.waitlist_length -= 1;
            promoted.push(waiting);
        }
        if promoted.is_empty() {
            return Ok(activity);
        }
        activity_sign_up::Entity::update_many()
            .col_expr(
                activity_sign_up::Column::Status,
                Expr::value(ActivitySignUpStatus::Confirmed.as_str()),
            )
            .col_expr(activity_sign_up::Column::ConfirmedAt, Expr::value(now))
            .col_expr(activity_sign_up::Column::UpdatedAt, Expr::value(now))
            .col_expr(
                activity_sign_up::Column::WaitlistSeq,
                Expr::value(Option::<i32>::None),
            )
            .filter(activity_sign_up::Column::Id.is_in(promoted.iter().map(|s| s.id)))
            .exec(write.txn())
            .await?;
        let when = activity.starts_at.format("%Y-%m-%d %H:%M UTC");
        Notifier::notify(
            write,
            promoted.iter().map(|s| s.user_id),
            &Draft {
                category: NotificationCategory::Activity,
                priority: NotificationPriority::Important,
                kind: "ACTIVITY_SEAT_CONFIRMED".to_owned(),
                title: format!("You have a seat: {}", activity.title),
                text: format!(
                    "A seat freed up and your waitlisted sign-up is confirmed: {when}, {}.",
                    activity.place
                ),
                subject: subject(activity.id),
            },
        )
        .await?;
        Ok(activity)
    }

    /// Cancels the viewer's sign-up before the cut-off; freed seats go to the waitlist.
    pub async fn cancel_sign_up(
        &self,
        scope: &Scope,
        id: Uuid,
    ) -> AppResult<activity_sign_up::Model> {
        let me = scope.require_user()?;
        let (current, own, _) = self.sign_up(scope, id).await?;
        if !own {
            return Err(AppError::Forbidden(
                "only the resident who signed up cancels".to_owned(),
            ));
        }
        let now = self.state.clock.now();
        let mut write = Write::begin(self.state).await?;
        let activity = Self::lock(&write, current.activity_id).await?;
        if now >= activity.cancel_until {
            return Err(AppError::InvalidState(format!(
                "cancellation closed at {}",
                activity.cancel_until.to_rfc3339()
            )));
        }
        let cancelled = activity_sign_up::Entity::update_many()
            .col_expr(
                activity_sign_up::Column::Status,
                Expr::value(ActivitySignUpStatus::Cancelled.as_str()),
            )
            .col_expr(activity_sign_up::Column::CancelledAt, Expr::value(now))
            .col_expr(activity_sign_up::Column::UpdatedAt, Expr::value(now))
            .col_expr(
                activity_sign_up::Column::WaitlistSeq,
                Expr::value(Option::<i32>::None),
            )
            .filter(activity_sign_up::Column::Id.eq(id))
            .filter(activity_sign_up::Column::UserId.eq(me))
            .filter(activity_sign_up::Column::Status.is_in([
                ActivitySignUpStatus::Confirmed.as_str(),
                ActivitySignUpStatus::Waitlisted.as_str(),
            ]))
            .exec_with_returning(write.txn())
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| {
                AppError::InvalidState(
                    "only a confirmed or waitlisted sign-up is cancelled".to_owned(),
                )
            })?;
        // Only confirmed sign-ups have `confirmed_at` (promotion sets it as it confirms), so
        // it tells which of the two statuses the conditional update found.
        let mut after = activity.clone();
        if cancelled.confirmed_at.is_some() {
            after.seats_taken -= cancelled.seats;
        } else {
            after.waitlist_length -= 1;
        }
        let after = Self::promote(&mut write, after).await?;
        activity::Entity::update_many()
            .col_expr(activity::Column::SeatsTaken, Expr::value(after.seats_taken))
            .col_expr(
                activity::Column::WaitlistLength,
                Expr::value(after.waitlist_length),
            )
            .col_expr(activity::Column::UpdatedAt, Expr::value(now))
            .filter(activity::Column::Id.eq(activity.id))
            .exec(write.txn())
            .await?;
        write.signal(Topic::ActivitySeats(activity.id));
        write.commit().await?;
        Ok(cancelled)
    }

    /// Checks a sign-up in by its code (those who run or check in the activity), from two hours
    /// before the start until the end. A code works once.
    pub async fn check_in(&self, scope: &Scope, code: &str) -> AppResult<activity_sign_up::Model> {
        let me = scope.require_user()?;
        const FIELD: &str = "input.code";
        let code = normalise_code(code);
        let found = activity_sign_up::Entity::find()
            .filter(activity_sign_up::Column::CheckInCode.eq(code.as_str()))
            .one(self.db())
            .await?
            .ok_or_else(|| AppError::unknown_id(FIELD, "check-in code"))?;
        let (activity, rel) = self
            .get(scope, found.activity_id)
            .await
            .map_err(|e| match e {
                AppError::NotFound(_) => AppError::unknown_id(FIELD, "check-in code"),
                other => other,
            })?;
        if !rel.checks_in {
            return Err(AppError::Forbidden(
                "only the organiser, administrators and the buildings' managers check in"
                    .to_owned(),
            ));
        }
        let now = self.state.clock.now();
        match ActivitySignUpStatus::from_stored(&found.status)? {
            ActivitySignUpStatus::CheckedIn => {
                return Err(AppError::InvalidState(
                    "this code has been used: checked in already".to_owned(),
                ));
            }
            ActivitySignUpStatus::Confirmed | ActivitySignUpStatus::NoShow => {}
            ActivitySignUpStatus::Waitlisted => {
                return Err(AppError::InvalidState(
                    "this sign-up is on the waitlist, without a seat".to_owned(),
                ));
            }
            ActivitySignUpStatus::Cancelled => {
                return Err(AppError::InvalidState(
                    "this sign-up was cancelled".to_owned(),
                ));
            }
        }
        if activity.status != StoredStatus::Published.as_str()
            || activity
                .starts_at
                .checked_sub_signed(Duration::minutes(CHECK_IN_EARLY_MINUTES))
                .is_some_and(|opens| now < opens)
            || now >= activity.ends_at
        {
            return Err(AppError::InvalidState(format!(
                "check-in is open from {CHECK_IN_EARLY_MINUTES} minutes before the start until the end"
            )));
        }
        let write = Write::begin(self.state).await?;
        // Conditional: of two check-ins with one code, one wins.
        let model = activity_sign_up::Entity::update_many()
            .col_expr(
                activity_sign_up::Column::Status,
                Expr::value(ActivitySignUpStatus::CheckedIn.as_str()),
            )
            .col_expr(activity_sign_up::Column::CheckedInAt, Expr::value(now))
            .col_expr(activity_sign_up::Column::CheckedInBy, Expr::value(me))
            .col_expr(activity_sign_up::Column::UpdatedAt, Expr::value(now))
            .filter(activity_sign_up::Column::Id.eq(found.id))
            .filter(activity_sign_up::Column::Status.eq(found.status.as_str()))
            .exec_with_returning(write.txn())
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| {
                AppError::InvalidState("this code has been used: checked in already".to_owned())
            })?;
        write.commit().await?;
        Ok(model)
    }

    /// Feedback from a resident who attended, once per sign-up.
    pub async fn leave_feedback(
        &self,
        scope: &Scope,
        activity_id: Uuid,
        rating: i32,
        comment: Option<String>,
    ) -> AppResult<activity_feedback::Model> {
        self.get(scope, activity_id)
            .await
            .map_err(|e| e.on_field("input.activityId"))?;
        let mine = self
            .mine_among(scope, &[activity_id])
            .await?
            .remove(&activity_id);
        let Some(sign_up) = mine.filter(|s| s.status == ActivitySignUpStatus::CheckedIn.as_str())
        else {
            return Err(AppError::InvalidState(
                "only those who attended (were checked in) give feedback".to_owned(),
            ));
        };
        let now = self.state.clock.now();
        let write = Write::begin(self.state).await?;
        let exists = activity_feedback::Entity::find()
            .filter(activity_feedback::Column::SignUpId.eq(sign_up.id))
            .count(write.txn())
            .await?;
        if exists > 0 {
            return Err(AppError::Conflict {
                field: Some("input.activityId".to_owned()),
                message: "you gave feedback on this activity already".to_owned(),
            });
        }
        let model = activity_feedback::Entity::insert(activity_feedback::ActiveModel {
            id: Set(Uuid::now_v7()),
            activity_id: Set(activity_id),
            sign_up_id: Set(sign_up.id),
            user_id: Set(sign_up.user_id),
            rating: Set(rating),
            comment: Set(comment),
            created_at: Set(now),
        })
        .exec_with_returning(write.txn())
        .await
        .map_err(|err| match AppError::from(err) {
            AppError::Conflict { .. } => AppError::Conflict {
                field: Some("input.activityId".to_owned()),
                message: "you gave feedback on this activity already".to_owned(),
            },
            other => other,
        })?;
        write.commit().await?;
        Ok(model)
    }

    /// The no-show sweep: for every published activity that has ended and is not marked yet,
    /// claims it (a conditional update only one instance wins) and marks its confirmed sign-ups
    /// that never checked in `NO_SHOW`, in the same transaction. Returns the activities marked.
    pub async fn mark_no_shows(&self) -> AppResult<usize> {
        let now = self.state.clock.now();
        let due: Vec<Uuid> = activity::Entity::find()
            .select_only()
            .column(activity::Column::Id)
            .filter(activity::Column::Status.eq(StoredStatus::Published.as_str()))
            .filter(activity::Column::NoShowsMarkedAt.is_null())
            .filter(activity::Column::EndsAt.lte(now))
            .limit(100)
            .into_tuple()
            .all(self.db())
            .await?;
        let mut done = 0;
        for id in due {
            let mut write = Write::begin(self.state).await?;
            let claimed = activity::Entity::update_many()
                .col_expr(activity::Column::NoShowsMarkedAt, Expr::value(now))
                .filter(activity::Column::Id.eq(id))
                .filter(activity::Column::NoShowsMarkedAt.is_null())
                .exec(write.txn())
                .await?;
            if claimed.rows_affected == 0 {
                continue;
            }
            activity_sign_up::Entity::update_many()
                .col_expr(
                    activity_sign_up::Column::Status,
                    Expr::value(ActivitySignUpStatus::NoShow.as_str()),
                )
                .col_expr(activity_sign_up::Column::UpdatedAt, Expr::value(now))
                .filter(activity_sign_up::Column::ActivityId.eq(id))
                .filter(
                    activity_sign_up::Column::Status.eq(ActivitySignUpStatus::Confirmed.as_str()),
                )
                .exec(write.txn())
                .await?;
            write.signal(Topic::ActivitySeats(id));
            write.commit().await?;
            done += 1;
        }
        Ok(done)
    }
}

/// Narrowing of `activities`.
#[derive(Clone, Debug, Default)]
pub struct ListFilter {
    /// Only these kinds.
    pub kinds: Option<Vec<ActivityKind>>,
    /// Only these statuses (as they stand now).
    pub statuses: Option<Vec<super::types::ActivityStatus>>,
    /// Starting at or after.
    pub starts_after: Option<DateTime<Utc>>,
    /// Starting before.
    pub starts_before: Option<DateTime<Utc>>,
    /// Ended ones too.
    pub include_past: bool,
    /// Only those the viewer organises.
    pub organised_by_me: bool,
}

/// The rows whose status at `now` is one of `statuses` (the same rule as
/// [`super::types::status_at`], in SQL).
fn status_condition(
    statuses: &[super::types::ActivityStatus],
    now: DateTime<Utc>,
) -> sea_orm::Condition {
    use super::types::ActivityStatus as S;
    use sea_orm::Condition;
    let published = || activity::Column::Status.eq(StoredStatus::Published.as_str());
    let running = || {
        Condition::all()
            .add(published())
            .add(activity::Column::EndsAt.gt(now))
    };
    let signing = || {
        running()
            .add(activity::Column::SignUpClosesAt.gt(now))
            .add(activity::Column::StartsAt.gt(now))
    };
    let mut any = Condition::any();
    for status in statuses {
        any = any.add(match status {
            S::Draft => {
                Condition::all().add(activity::Column::Status.eq(StoredStatus::Draft.as_str()))
            }
            S::Cancelled => {
                Condition::all().add(activity::Column::Status.eq(StoredStatus::Cancelled.as_str()))
            }
            S::Done => Condition::all()
                .add(published())
                .add(activity::Column::EndsAt.lte(now)),
            S::Closed => running().add(
                Condition::any()
                    .add(activity::Column::SignUpClosesAt.lte(now))
                    .add(activity::Column::StartsAt.lte(now)),
            ),
            S::Full => signing().add(
                Expr::col(activity::Column::SeatsTaken).gte(Expr::col(activity::Column::Capacity)),
            ),
            S::Open => signing().add(
                Expr::col(activity::Column::SeatsTaken).lt(Expr::col(activity::Column::Capacity)),
            ),
        });
    }
    any
}
