//! Activity enums and GraphQL types.

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{
    access::{Relation, relation},
    loaders::{
        AudienceByActivity, FeedbackBySignUp, FeedbackSummaryLoader, MembersBySignUp,
        WaitlistByActivity,
    },
    service::ActivityService,
};
use crate::{
    domains::{
        estate::types::HouseholdMember,
        identity::{loaders::UserById, types::User},
        notices::{audience::Audience, types::NoticeAudience},
    },
    error::{AppError, AppResult},
    graphql::{
        ContextExt,
        loaders::ById,
        pagination::{CountedConnection, PageRequest},
    },
    text_enum,
};
use entity::{activity, activity_feedback, activity_sign_up, household_member};

text_enum! {
    /// What kind of activity.
    pub enum ActivityKind {
        /// Culture: music, painting, calligraphy, film.
        Culture => "CULTURE",
        /// Sports and games.
        Sports => "SPORTS",
        /// A lecture or class.
        Lecture => "LECTURE",
        /// A health talk.
        HealthTalk => "HEALTH_TALK",
        /// A physical-examination day.
        PhysicalExamDay => "PHYSICAL_EXAM_DAY",
        /// A festival celebration.
        Festival => "FESTIVAL",
        /// Volunteer service.
        Volunteer => "VOLUNTEER",
        /// Anything else.
        Other => "OTHER",
    }
}

text_enum! {
    /// How an activity is stored: the rest of its status follows from its seats and the clock.
    pub enum StoredStatus {
        /// Being prepared; seen by those who run it only.
        Draft => "DRAFT",
        /// Published to its audience.
        Published => "PUBLISHED",
        /// Called off.
        Cancelled => "CANCELLED",
    }
}

text_enum! {
    /// Where an activity stands.
    pub enum ActivityStatus {
        /// Being prepared (seen by those who run it only).
        Draft => "DRAFT",
        /// Published, seats left (sign-up may not have opened yet: see `signUpOpen`).
        Open => "OPEN",
        /// Published, every seat taken: new sign-ups join the waitlist.
        Full => "FULL",
        /// Sign-up has closed; the activity has not ended.
        Closed => "CLOSED",
        /// Called off.
        Cancelled => "CANCELLED",
        /// Over.
        Done => "DONE",
    }
}

text_enum! {
    /// Where a sign-up stands.
    pub enum ActivitySignUpStatus {
        /// Holds its seats.
        Confirmed => "CONFIRMED",
        /// Waits for seats (see `waitlistPosition`); promoted automatically, first come first served.
        Waitlisted => "WAITLISTED",
        /// Cancelled by the resident, or with the activity.
        Cancelled => "CANCELLED",
        /// Came: checked in with its code.
        CheckedIn => "CHECKED_IN",
        /// Held seats and did not come (marked when the activity ended).
        NoShow => "NO_SHOW",
    }
}

/// The statuses that hold or wait for seats (a resident has at most one such sign-up per
/// activity).
pub const LIVE: [ActivitySignUpStatus; 4] = [
    ActivitySignUpStatus::Confirmed,
    ActivitySignUpStatus::Waitlisted,
    ActivitySignUpStatus::CheckedIn,
    ActivitySignUpStatus::NoShow,
];

/// The statuses that hold seats.
pub const SEATED: [ActivitySignUpStatus; 3] = [
    ActivitySignUpStatus::Confirmed,
    ActivitySignUpStatus::CheckedIn,
    ActivitySignUpStatus::NoShow,
];

/// The status of `model` at `now`.
pub fn status_at(model: &activity::Model, now: DateTime<Utc>) -> ActivityStatus {
    match StoredStatus::parse(&model.status) {
        Some(StoredStatus::Draft) => ActivityStatus::Draft,
        Some(StoredStatus::Cancelled) | None => ActivityStatus::Cancelled,
        Some(StoredStatus::Published) => {
            if now >= model.ends_at {
                ActivityStatus::Done
            } else if now >= model.sign_up_closes_at || now >= model.starts_at {
                ActivityStatus::Closed
            } else if model.seats_taken >= model.capacity {
                ActivityStatus::Full
            } else {
                ActivityStatus::Open
            }
        }
    }
}

/// Whether sign-up is open at `now`.
pub fn sign_up_open(model: &activity::Model, now: DateTime<Utc>) -> bool {
    model.status == StoredStatus::Published.as_str()
        && now >= model.sign_up_opens_at
        && now < model.sign_up_closes_at
        && now < model.starts_at
}

/// A community activity.
#[derive(Clone)]
pub struct Activity {
    id: ID,
    pub(crate) model: activity::Model,
    pub(crate) rel: Relation,
    /// The viewer's live sign-up, when already known (lists fetch them for a whole page).
    pub(crate) mine: Option<Option<activity_sign_up::Model>>,
    pub(crate) now: DateTime<Utc>,
}

impl Activity {
    /// The activity as `rel` sees it at `now`.
    pub fn new(model: activity::Model, rel: Relation, now: DateTime<Utc>) -> Activity {
        Activity {
            id: ID(model.id.to_string()),
            model,
            rel,
            mine: None,
            now,
        }
    }

    /// The activity's id.
    pub fn uuid(&self) -> Uuid {
        self.model.id
    }
}

/// A community activity: culture and sports events, lectures, health talks, physical-exam days,
/// festivals, volunteer services.
#[Object]
impl Activity {
    /// Id.
    pub async fn id(&self) -> &ID {
        &self.id
    }

    /// Kind.
    async fn kind(&self) -> async_graphql::Result<ActivityKind> {
        Ok(ActivityKind::from_stored(&self.model.kind)?)
    }

    /// Title.
    async fn title(&self) -> &str {
        &self.model.title
    }

    /// Description.
    async fn description(&self) -> &str {
        &self.model.description
    }

    /// Who runs it, as shown: the partner's name when one runs it, else the organiser's name.
    async fn organiser_name(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        if let Some(name) = &self.model.organiser_name {
            return Ok(name.clone());
        }
        let user = ctx
            .loaders()?
            .load_one::<UserById>(self.model.organiser_id)
            .await?;
        Ok(user.map(|u| u.display_name).unwrap_or_default())
    }

    /// The staff user who organises it: for those who run it or check it in; null for others.
    async fn organiser(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        if !self.rel.checks_in {
            return Ok(None);
        }
        let user = ctx
            .loaders()?
            .load_one::<UserById>(self.model.organiser_id)
            .await?;
        Ok(user.map(User::from))
    }

    /// Where, in words.
    async fn place(&self) -> &str {
        &self.model.place
    }

    /// The service centre it takes place at, if any.
    async fn service_centre_id(&self) -> Option<ID> {
        self.model.service_centre_id.map(|id| ID(id.to_string()))
    }

    /// That service centre (centres are public to every signed-in user).
    async fn service_centre(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<crate::domains::service_centres::types::ServiceCentre>> {
        let Some(id) = self.model.service_centre_id else {
            return Ok(None);
        };
        let centre = ctx
            .loaders()?
            .load_one::<ById<entity::service_centre::Entity>>(id)
            .await?;
        Ok(centre.map(Into::into))
    }

    /// Start.
    async fn starts_at(&self) -> DateTime<Utc> {
        self.model.starts_at
    }

    /// End.
    async fn ends_at(&self) -> DateTime<Utc> {
        self.model.ends_at
    }

    /// Seats in all.
    async fn capacity(&self) -> i32 {
        self.model.capacity
    }

    /// Seats held.
    async fn seats_taken(&self) -> i32 {
        self.model.seats_taken
    }

    /// Seats left.
    async fn seats_left(&self) -> i32 {
        (self.model.capacity - self.model.seats_taken).max(0)
    }

    /// Sign-ups waiting for seats.
    async fn waitlist_length(&self) -> i32 {
        self.model.waitlist_length
    }

    /// Sign-up opens.
    async fn sign_up_opens_at(&self) -> DateTime<Utc> {
        self.model.sign_up_opens_at
    }

    /// Sign-up closes.
    async fn sign_up_closes_at(&self) -> DateTime<Utc> {
        self.model.sign_up_closes_at
    }

    /// Residents may cancel their sign-up until then.
    async fn cancel_until(&self) -> DateTime<Utc> {
        self.model.cancel_until
    }

    /// Most seats one household may hold.
    async fn household_limit(&self) -> i32 {
        self.model.household_limit
    }

    /// Whether household members (children, elders) may be signed up.
    async fn members_allowed(&self) -> bool {
        self.model.members_allowed
    }

    /// Where it stands now.
    async fn status(&self) -> ActivityStatus {
        status_at(&self.model, self.now)
    }

    /// Whether you could sign up now (published, within the sign-up window, not started).
    async fn sign_up_open(&self) -> bool {
        sign_up_open(&self.model, self.now)
    }

    /// Published at.
    async fn published_at(&self) -> Option<DateTime<Utc>> {
        self.model.published_at
    }

    /// Cancelled at.
    async fn cancelled_at(&self) -> Option<DateTime<Utc>> {
        self.model.cancelled_at
    }

    /// Why it was cancelled.
    async fn cancel_reason(&self) -> Option<&str> {
        self.model.cancel_reason.as_deref()
    }

    /// Created at.
    async fn created_at(&self) -> DateTime<Utc> {
        self.model.created_at
    }

    /// Last change.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.model.updated_at
    }

    /// Whether you run it (edit the draft, publish, cancel, read sign-ups and feedback).
    async fn viewer_runs(&self) -> bool {
        self.rel.runs
    }

    /// Whether you may check its sign-ups in.
    async fn viewer_checks_in(&self) -> bool {
        self.rel.checks_in
    }

    /// Your sign-up (live or the latest), if any.
    async fn my_sign_up(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<ActivitySignUp>> {
        let model = match &self.mine {
            Some(known) => known.clone(),
            None => {
                let scope = ctx.scope().await?;
                ActivityService::new(ctx.state())
                    .mine_among(scope, &[self.model.id])
                    .await?
                    .remove(&self.model.id)
            }
        };
        Ok(model.map(|m| ActivitySignUp::new(m, true, self.rel.checks_in)))
    }

    /// Who it is for: for those who run it; null for others.
    async fn audience(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<NoticeAudience>> {
        if !self.rel.runs {
            return Ok(None);
        }
        let rows = ctx
            .loaders()?
            .load_one::<AudienceByActivity>(self.model.id)
            .await?
            .unwrap_or_default();
        let audience = Audience::from_targets(rows.iter().map(|r| {
            (
                r.scope.as_str(),
                r.building_id,
                r.floor,
                r.unit_id,
                r.role.as_deref(),
            )
        }));
        Ok(Some(NoticeAudience::view(ctx, &audience).await?))
    }

    /// The sign-ups, oldest first (those who run it and check it in; `FORBIDDEN` for others).
    async fn sign_ups(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        statuses: Option<Vec<ActivitySignUpStatus>>,
    ) -> async_graphql::Result<CountedConnection<ActivitySignUp>> {
        let page = PageRequest::parse(first, after, last, before)?;
        if !self.rel.checks_in {
            return Err(AppError::Forbidden(
                "only those who run or check in an activity see its sign-ups".to_owned(),
            )
            .into());
        }
        let scope = ctx.scope().await?;
        let me = scope.require_user()?;
        let page = ActivityService::new(ctx.state())
            .sign_ups_of(self.model.id, statuses, &page)
            .await?;
        super::graphql::prime_sign_ups(
            ctx,
            &page.items,
            ctx.look_ahead().field("edges").field("node"),
        )
        .await?;
        Ok(page.into_counted_connection(|m| {
            let own = m.user_id == me;
            ActivitySignUp::new(m, own, true)
        }))
    }

    /// Feedback from those who attended: counts and the average (those who run it; null for
    /// others).
    async fn feedback(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<ActivityFeedbackSummary>> {
        if !self.rel.runs {
            return Ok(None);
        }
        let summary = ctx
            .loaders()?
            .load_one::<FeedbackSummaryLoader>(self.model.id)
            .await?
            .unwrap_or_default();
        Ok(Some(summary))
    }

    /// The feedback itself, newest first (those who run it; `FORBIDDEN` for others).
    async fn feedback_entries(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<CountedConnection<ActivityFeedback>> {
        let page = PageRequest::parse(first, after, last, before)?;
        if !self.rel.runs {
            return Err(AppError::Forbidden(
                "only those who run an activity read its feedback".to_owned(),
            )
            .into());
        }
        let page = ActivityService::new(ctx.state())
            .feedback_of(self.model.id, &page)
            .await?;
        Ok(page.into_counted_connection(ActivityFeedback::from))
    }
}

/// Feedback on an activity in numbers.
#[derive(SimpleObject, Clone, Debug, Default)]
pub struct ActivityFeedbackSummary {
    /// How many gave feedback.
    pub count: i32,
    /// Their average rating (1–5); null before the first.
    pub average_rating: Option<f64>,
    /// How many gave each rating: five numbers, for 1 to 5.
    pub ratings: Vec<i32>,
}

/// One piece of feedback.
#[derive(SimpleObject, Clone)]
pub struct ActivityFeedback {
    /// Id.
    pub id: ID,
    /// 1–5.
    pub rating: i32,
    /// Comment.
    pub comment: Option<String>,
    /// Given at.
    pub created_at: DateTime<Utc>,
}

impl From<activity_feedback::Model> for ActivityFeedback {
    fn from(model: activity_feedback::Model) -> Self {
        ActivityFeedback {
            id: ID(model.id.to_string()),
            rating: model.rating,
            comment: model.comment,
            created_at: model.created_at,
        }
    }
}

/// A resident's sign-up for an activity: for themselves and household members.
#[derive(Clone)]
pub struct ActivitySignUp {
    id: ID,
    pub(crate) model: activity_sign_up::Model,
    /// The viewer signed up (sees the code and their feedback).
    pub(crate) own: bool,
    /// The viewer checks the activity in (sees who signed up).
    pub(crate) staff: bool,
}

impl ActivitySignUp {
    /// The sign-up as a viewer sees it: `own` for the resident who made it, `staff` for those who
    /// check the activity in.
    pub fn new(model: activity_sign_up::Model, own: bool, staff: bool) -> ActivitySignUp {
        ActivitySignUp {
            id: ID(model.id.to_string()),
            model,
            own,
            staff,
        }
    }
}

/// A resident's sign-up for an activity, for themselves and household members: seats or a
/// place on the waitlist, and a one-time check-in code.
#[Object]
impl ActivitySignUp {
    /// Id.
    pub async fn id(&self) -> &ID {
        &self.id
    }

    /// The activity's id.
    async fn activity_id(&self) -> ID {
        ID(self.model.activity_id.to_string())
    }

    /// The activity, as you may see it (null when you may no longer see it).
    async fn activity(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Activity>> {
        let scope = ctx.scope().await?;
        let loaders = ctx.loaders()?;
        let id = self.model.activity_id;
        let Some(model) = loaders.load_one::<ById<activity::Entity>>(id).await? else {
            return Ok(None);
        };
        let audience = loaders
            .load_one::<AudienceByActivity>(id)
            .await?
            .unwrap_or_default();
        let rel = relation(scope, &model, &audience).await?;
        if !rel.sees {
            return Ok(None);
        }
        let mut activity = Activity::new(model, rel, ctx.state().clock.now());
        // A live sign-up is the viewer's only live one for the activity.
        if self.own && self.model.status != ActivitySignUpStatus::Cancelled.as_str() {
            activity.mine = Some(Some(self.model.clone()));
        }
        Ok(Some(activity))
    }

    /// Where it stands.
    async fn status(&self) -> async_graphql::Result<ActivitySignUpStatus> {
        Ok(ActivitySignUpStatus::from_stored(&self.model.status)?)
    }

    /// Place in the waitlist (1 is next) while waitlisted; null otherwise.
    async fn waitlist_position(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<i32>> {
        if self.model.status != ActivitySignUpStatus::Waitlisted.as_str() {
            return Ok(None);
        }
        let line = ctx
            .loaders()?
            .load_one::<WaitlistByActivity>(self.model.activity_id)
            .await?
            .unwrap_or_default();
        Ok(line
            .iter()
            .position(|id| *id == self.model.id)
            .and_then(|i| i32::try_from(i + 1).ok()))
    }

    /// Seats it holds or waits for.
    async fn seats(&self) -> i32 {
        self.model.seats
    }

    /// Whether the resident who signed up comes too.
    async fn include_self(&self) -> bool {
        self.model.include_self
    }

    /// The household members it brings.
    async fn household_members(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<HouseholdMember>> {
        let members: Vec<household_member::Model> = ctx
            .loaders()?
            .load_one::<MembersBySignUp>(self.model.id)
            .await?
            .unwrap_or_default();
        Ok(members
            .into_iter()
            .map(HouseholdMember::try_from_model)
            .collect::<AppResult<_>>()?)
    }

    /// The resident who signed up: their display name (for you and for check-in staff).
    async fn resident_name(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        if !self.own && !self.staff {
            return Ok(None);
        }
        let user = ctx
            .loaders()?
            .load_one::<UserById>(self.model.user_id)
            .await?;
        Ok(user.map(|u| u.display_name))
    }

    /// The one-time check-in code to show at the door: yours only (null for anyone else).
    async fn check_in_code(&self) -> Option<&str> {
        self.own.then_some(self.model.check_in_code.as_str())
    }

    /// Signed up at.
    async fn created_at(&self) -> DateTime<Utc> {
        self.model.created_at
    }

    /// When it got its seats.
    async fn confirmed_at(&self) -> Option<DateTime<Utc>> {
        self.model.confirmed_at
    }

    /// Checked in at.
    async fn checked_in_at(&self) -> Option<DateTime<Utc>> {
        self.model.checked_in_at
    }

    /// Cancelled at.
    async fn cancelled_at(&self) -> Option<DateTime<Utc>> {
        self.model.cancelled_at
    }

    /// Your feedback, once given (yours only).
    async fn feedback(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<ActivityFeedback>> {
        if !self.own {
            return Ok(None);
        }
        Ok(ctx
            .loaders()?
            .load_one::<FeedbackBySignUp>(self.model.id)
            .await?
            .flatten()
            .map(ActivityFeedback::from))
    }
}

/// Seats and waitlist of one activity, live.
#[derive(SimpleObject, Clone, Debug, PartialEq, Eq)]
pub struct ActivitySeats {
    /// The activity.
    pub activity_id: ID,
    /// Seats in all.
    pub capacity: i32,
    /// Seats held.
    pub seats_taken: i32,
    /// Seats left.
    pub seats_left: i32,
    /// Sign-ups waiting.
    pub waitlist_length: i32,
    /// Where the activity stands.
    pub status: ActivityStatus,
}

impl ActivitySeats {
    /// The seats of `model` at `now`.
    pub fn of(model: &activity::Model, now: DateTime<Utc>) -> ActivitySeats {
        ActivitySeats {
            activity_id: ID(model.id.to_string()),
            capacity: model.capacity,
            seats_taken: model.seats_taken,
            seats_left: (model.capacity - model.seats_taken).max(0),
            waitlist_length: model.waitlist_length,
            status: status_at(model, now),
        }
    }
}

/// The activity `id` as the viewer may see it, or `None` (for objects that link to one).
pub async fn visible_activity(
    ctx: &Context<'_>,
    id: Uuid,
) -> async_graphql::Result<Option<Activity>> {
    let scope = ctx.scope().await?;
    let loaders = ctx.loaders()?;
    let Some(model) = loaders.load_one::<ById<activity::Entity>>(id).await? else {
        return Ok(None);
    };
    let audience = loaders
        .load_one::<AudienceByActivity>(id)
        .await?
        .unwrap_or_default();
    let rel = relation(scope, &model, &audience).await?;
    Ok(rel
        .sees
        .then(|| Activity::new(model, rel, ctx.state().clock.now())))
}
