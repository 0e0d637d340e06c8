//! GraphQL surface of community activities, including the live seats.

use std::collections::HashSet;

use async_graphql::{
    Context, ID, InputObject, Lookahead, MaybeUndefined, Object, SimpleObject, Subscription,
};
use chrono::{DateTime, Utc};
use futures_util::{Stream, StreamExt};

use super::{
    access::relation,
    loaders::{AudienceByActivity, FeedbackSummaryLoader, MembersBySignUp, WaitlistByActivity},
    service::{ActivityChanges, ActivityFields, ActivityService, ListFilter, NewSignUp},
    types::{
        Activity, ActivityFeedback, ActivityKind, ActivitySeats, ActivitySignUp,
        ActivitySignUpStatus, ActivityStatus,
    },
};
use crate::{
    domains::{
        estate::{
            access::Scope,
            loaders::{BuildingById, UnitById},
        },
        identity::loaders::UserById,
        notices::graphql::NoticeAudienceInput,
    },
    error::{AppError, AppResult},
    events::Topic,
    graphql::{
        ContextExt,
        checks::Checks,
        ids::{parse_id, parse_ids, parse_opt_id},
        pagination::{CountedConnection, PageRequest},
        text::Text,
    },
};
use entity::activity;

/// Longest title or organiser name.
const MAX_TITLE: usize = 200;
/// Longest description.
const MAX_DESCRIPTION: usize = 4000;
/// Longest place.
const MAX_PLACE: usize = 300;
/// Longest feedback comment.
const MAX_COMMENT: usize = 2000;
/// Most seats an activity offers.
pub const MAX_CAPACITY: i32 = 10_000;
/// Most household members on one sign-up.
pub const MAX_MEMBERS: usize = 20;

fn text<const MAX: usize>(field: &str, raw: &str) -> AppResult<String> {
    Ok(Text::<MAX>::parse(field, raw)?.into_inner())
}

fn opt_text<const MAX: usize>(field: &str, raw: Option<&str>) -> AppResult<Option<String>> {
    Ok(Text::<MAX>::parse_opt(field, raw)?.map(Text::into_inner))
}

fn in_range(field: &str, value: i32, min: i32, max: i32) -> AppResult<i32> {
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(AppError::bad_input(
            field,
            format!("must be between {min} and {max}"),
        ))
    }
}

/// Input of `createActivity`.
#[derive(InputObject)]
pub struct CreateActivityInput {
    /// Kind.
    pub kind: ActivityKind,
    /// Title (1–200 characters).
    pub title: String,
    /// Description (1–4000 characters).
    pub description: String,
    /// The staff user who organises it; you when left out. Administrators name any active staff
    /// member, managers themselves or staff of their buildings.
    pub organiser_id: Option<ID>,
    /// A partner's name, shown as the organiser (partners have no accounts yet).
    pub organiser_name: Option<String>,
    /// Where, in words (1–300 characters).
    pub place: String,
    /// The service centre it takes place at, if any.
    pub service_centre_id: Option<ID>,
    /// Start (in the future).
    pub starts_at: DateTime<Utc>,
    /// End (after the start).
    pub ends_at: DateTime<Utc>,
    /// Seats (1–10,000).
    pub capacity: i32,
    /// Sign-up opens; at once when left out.
    pub sign_up_opens_at: Option<DateTime<Utc>>,
    /// Sign-up closes (no later than the start); the start when left out.
    pub sign_up_closes_at: Option<DateTime<Utc>>,
    /// Residents may cancel until then (no later than the start); the start when left out.
    pub cancel_until: Option<DateTime<Utc>>,
    /// Most seats one household may hold (1 to the capacity); the capacity, at most 4, when
    /// left out.
    pub household_limit: Option<i32>,
    /// Whether household members (children, elders) may be signed up; yes when left out.
    pub members_allowed: Option<bool>,
    /// Who it is for (the notices' audience model).
    pub audience: NoticeAudienceInput,
}

/// Input of `updateActivity`: a draft's fields to change; those left out stay.
#[derive(InputObject)]
pub struct UpdateActivityInput {
    /// The draft.
    pub id: ID,
    /// Kind.
    pub kind: Option<ActivityKind>,
    /// Title.
    pub title: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// A partner's name (`null` clears it).
    pub organiser_name: MaybeUndefined<String>,
    /// Where.
    pub place: Option<String>,
    /// The service centre (`null` clears it).
    pub service_centre_id: MaybeUndefined<ID>,
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
    /// Whether household members may be signed up.
    pub members_allowed: Option<bool>,
    /// Who it is for (replaces the whole audience).
    pub audience: Option<NoticeAudienceInput>,
}

/// Input naming one activity.
#[derive(InputObject)]
pub struct ActivityIdInput {
    /// The activity.
    pub id: ID,
}

/// Input of `cancelActivity`.
#[derive(InputObject)]
pub struct CancelActivityInput {
    /// The activity.
    pub id: ID,
    /// Why (required once published: everyone signed up is told).
    pub reason: Option<String>,
}

/// Input of `signUpForActivity`.
#[derive(InputObject)]
pub struct SignUpForActivityInput {
    /// The activity.
    pub activity_id: ID,
    /// Household members of your home to bring (children, elders), when the activity allows.
    pub household_member_ids: Option<Vec<ID>>,
    /// Whether you come too; yes when left out (leave it false to sign up only a child).
    pub include_self: Option<bool>,
}

/// Input of `cancelActivitySignUp`.
#[derive(InputObject)]
pub struct CancelActivitySignUpInput {
    /// The sign-up.
    pub id: ID,
}

/// Input of `checkInActivity`.
#[derive(InputObject)]
pub struct CheckInActivityInput {
    /// The code the resident shows (case, spaces and dashes do not matter).
    pub code: String,
}

/// Input of `leaveActivityFeedback`.
#[derive(InputObject)]
pub struct LeaveActivityFeedbackInput {
    /// The activity you attended.
    pub activity_id: ID,
    /// 1–5.
    pub rating: i32,
    /// Comment (up to 2000 characters).
    pub comment: Option<String>,
}

/// Filter of `activities`.
#[derive(InputObject, Default)]
pub struct ActivityFilter {
    /// Only these kinds.
    pub kinds: Option<Vec<ActivityKind>>,
    /// Only these statuses, as they stand now.
    pub statuses: Option<Vec<ActivityStatus>>,
    /// Starting at or after.
    pub starts_after: Option<DateTime<Utc>>,
    /// Starting before.
    pub starts_before: Option<DateTime<Utc>>,
    /// Ended activities too (left out otherwise).
    pub include_past: Option<bool>,
    /// Only those you organise.
    pub organised_by_me: Option<bool>,
}

/// Result of a change to an activity.
#[derive(SimpleObject)]
pub struct ActivityPayload {
    /// The activity after the change.
    pub activity: Activity,
}

/// Result of a change to a sign-up.
#[derive(SimpleObject)]
pub struct ActivitySignUpPayload {
    /// The sign-up after the change.
    pub sign_up: ActivitySignUp,
}

/// Result of `leaveActivityFeedback`.
#[derive(SimpleObject)]
pub struct ActivityFeedbackPayload {
    /// The feedback.
    pub feedback: ActivityFeedback,
}

/// Activities as the viewer sees them: relations judged from a batch of audiences, the viewer's
/// sign-ups fetched in one statement, and the loaders of the fields `node` selects primed with
/// the whole page at once (so a long page never spills into a second batch).
async fn views(
    ctx: &Context<'_>,
    scope: &Scope,
    models: Vec<activity::Model>,
    node: Lookahead<'_>,
) -> async_graphql::Result<Vec<Activity>> {
    let loaders = ctx.loaders()?;
    let ids: Vec<uuid::Uuid> = models.iter().map(|m| m.id).collect();
    let audiences = loaders
        .get::<AudienceByActivity>()
        .load_many(ids.iter().copied())
        .await?;
    let mut mine = ActivityService::new(ctx.state())
        .mine_among(scope, &ids)
        .await?;
    let now = ctx.state().clock.now();
    let mut out = Vec::with_capacity(models.len());
    for model in models {
        let rows = audiences.get(&model.id).map(Vec::as_slice).unwrap_or(&[]);
        let rel = relation(scope, &model, rows).await?;
        let id = model.id;
        let mut view = Activity::new(model, rel, now);
        view.mine = Some(mine.remove(&id));
        out.push(view);
    }
    if node.field("organiserName").exists() || node.field("organiser").exists() {
        loaders
            .get::<UserById>()
            .load_many(out.iter().map(|a| a.model.organiser_id))
            .await?;
    }
    if node.field("audience").exists() {
        let rows = out
            .iter()
            .filter(|a| a.rel.runs)
            .filter_map(|a| audiences.get(&a.uuid()))
            .flatten();
        let (mut buildings, mut units) = (Vec::new(), Vec::new());
        for row in rows {
            match (row.scope.as_str(), row.building_id, row.unit_id) {
                ("UNIT", _, Some(unit)) => units.push(unit),
                (_, Some(building), _) => buildings.push(building),
                _ => {}
            }
        }
        loaders.get::<BuildingById>().load_many(buildings).await?;
        loaders.get::<UnitById>().load_many(units).await?;
    }
    if node.field("feedback").exists() {
        loaders
            .get::<FeedbackSummaryLoader>()
            .load_many(out.iter().filter(|a| a.rel.runs).map(|a| a.uuid()))
            .await?;
    }
    let signed: Vec<&entity::activity_sign_up::Model> = out
        .iter()
        .filter_map(|a| a.mine.as_ref()?.as_ref())
        .collect();
    let sign_up = node.field("mySignUp");
    if !signed.is_empty() && sign_up.field("householdMembers").exists() {
        loaders
            .get::<MembersBySignUp>()
            .load_many(signed.iter().map(|s| s.id))
            .await?;
    }
    if sign_up.field("waitlistPosition").exists() {
        let waiting: Vec<uuid::Uuid> = signed
            .iter()
            .filter(|s| s.status == ActivitySignUpStatus::Waitlisted.as_str())
            .map(|s| s.activity_id)
            .collect();
        if !waiting.is_empty() {
            loaders
                .get::<WaitlistByActivity>()
                .load_many(waiting)
                .await?;
        }
    }
    Ok(out)
}

/// Primes the loaders of the fields `node` selects on a page of sign-ups, so the page costs the
/// same statements however long it is.
pub(crate) async fn prime_sign_ups(
    ctx: &Context<'_>,
    models: &[entity::activity_sign_up::Model],
    node: Lookahead<'_>,
) -> async_graphql::Result<()> {
    if models.is_empty() {
        return Ok(());
    }
    let loaders = ctx.loaders()?;
    if node.field("householdMembers").exists() {
        loaders
            .get::<MembersBySignUp>()
            .load_many(models.iter().map(|s| s.id))
            .await?;
    }
    if node.field("residentName").exists() {
        loaders
            .get::<UserById>()
            .load_many(models.iter().map(|s| s.user_id))
            .await?;
    }
    if node.field("feedback").exists() {
        loaders
            .get::<super::loaders::FeedbackBySignUp>()
            .load_many(models.iter().map(|s| s.id))
            .await?;
    }
    let waiting: Vec<uuid::Uuid> = models
        .iter()
        .filter(|s| s.status == ActivitySignUpStatus::Waitlisted.as_str())
        .map(|s| s.activity_id)
        .collect();
    if !waiting.is_empty() && node.field("waitlistPosition").exists() {
        loaders
            .get::<WaitlistByActivity>()
            .load_many(waiting)
            .await?;
    }
    if node.field("activity").exists() {
        let ids: Vec<uuid::Uuid> = models.iter().map(|s| s.activity_id).collect();
        let found = loaders
            .get::<crate::graphql::loaders::ById<activity::Entity>>()
            .load_many(ids.iter().copied())
            .await?;
        loaders.get::<AudienceByActivity>().load_many(ids).await?;
        let activity = node.field("activity");
        if activity.field("organiserName").exists() || activity.field("organiser").exists() {
            loaders
                .get::<UserById>()
                .load_many(found.values().map(|a| a.organiser_id))
                .await?;
        }
    }
    Ok(())
}

async fn view(
    ctx: &Context<'_>,
    model: activity::Model,
    node: Lookahead<'_>,
) -> async_graphql::Result<Activity> {
    let scope = ctx.scope().await?;
    Ok(views(ctx, scope, vec![model], node)
        .await?
        .pop()
        .ok_or(AppError::NotFound("activity"))?)
}

/// Activity queries.
#[derive(Default)]
pub struct ActivityQuery;

#[Object]
impl ActivityQuery {
    /// One activity you may see (see the README's who-sees-what table).
    async fn activity(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Activity> {
        let id = parse_id("id", &id)?;
        let scope = ctx.scope().await?;
        let (model, _) = ActivityService::new(ctx.state()).get(scope, id).await?;
        view(ctx, model, ctx.look_ahead()).await
    }

    /// The activities you may see, soonest first; ended ones only with
    /// `filter: { includePast: true }`. Pages both ways (at most 100).
    async fn activities(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<ActivityFilter>,
    ) -> async_graphql::Result<CountedConnection<Activity>> {
        let page = PageRequest::parse(first, after, last, before)?;
        let filter = filter.unwrap_or_default();
        let scope = ctx.scope().await?;
        let page = ActivityService::new(ctx.state())
            .list(
                scope,
                ListFilter {
                    kinds: filter.kinds,
                    statuses: filter.statuses,
                    starts_after: filter.starts_after,
                    starts_before: filter.starts_before,
                    include_past: filter.include_past.unwrap_or(false),
                    organised_by_me: filter.organised_by_me.unwrap_or(false),
                },
                &page,
            )
            .await?;
        let node = ctx.look_ahead().field("edges").field("node");
        let mut built = views(ctx, scope, page.items.clone(), node)
            .await?
            .into_iter();
        Ok(page.try_into_counted_connection(|_| {
            built
                .next()
                .ok_or_else(|| AppError::internal("an activity view went missing"))
        })?)
    }

    /// Your own sign-ups, newest first (cancelled ones included unless filtered out).
    async fn my_sign_ups(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        statuses: Option<Vec<ActivitySignUpStatus>>,
    ) -> async_graphql::Result<CountedConnection<ActivitySignUp>> {
        let page = PageRequest::parse(first, after, last, before)?;
        let scope = ctx.scope().await?;
        let page = ActivityService::new(ctx.state())
            .my_sign_ups(scope, statuses, &page)
            .await?;
        prime_sign_ups(
            ctx,
            &page.items,
            ctx.look_ahead().field("edges").field("node"),
        )
        .await?;
        Ok(page.into_counted_connection(|m| ActivitySignUp::new(m, true, false)))
    }
}

/// Activity mutations.
#[derive(Default)]
pub struct ActivityMutation;

#[Object]
impl ActivityMutation {
    /// Drafts an activity (administrators anywhere; managers for the buildings they serve).
    /// `publishActivity` announces it.
    async fn create_activity(
        &self,
        ctx: &Context<'_>,
        input: CreateActivityInput,
    ) -> async_graphql::Result<ActivityPayload> {
        let mut check = Checks::new();
        let title = check.field(text::<MAX_TITLE>("input.title", &input.title));
        let description = check.field(text::<MAX_DESCRIPTION>(
            "input.description",
            &input.description,
        ));
        let organiser_id = check.field(parse_opt_id(
            "input.organiserId",
            input.organiser_id.as_ref(),
        ));
        let organiser_name = check.field(opt_text::<MAX_TITLE>(
            "input.organiserName",
            input.organiser_name.as_deref(),
        ));
        let place = check.field(text::<MAX_PLACE>("input.place", &input.place));
        let centre = check.field(parse_opt_id(
            "input.serviceCentreId",
            input.service_centre_id.as_ref(),
        ));
        let capacity = check.field(in_range("input.capacity", input.capacity, 1, MAX_CAPACITY));
        let limit = check.field(
            input
                .household_limit
                .map(|l| in_range("input.householdLimit", l, 1, MAX_CAPACITY))
                .transpose(),
        );
        let audience = input.audience.parse(&mut check);
        let fields = check.finish(|| {
            Some(ActivityFields {
                kind: input.kind,
                title: title?,
                description: description?,
                organiser_id: organiser_id?,
                organiser_name: organiser_name?,
                place: place?,
                service_centre_id: centre?,
                starts_at: input.starts_at,
                ends_at: input.ends_at,
                capacity: capacity?,
                sign_up_opens_at: input.sign_up_opens_at,
                sign_up_closes_at: input.sign_up_closes_at,
                cancel_until: input.cancel_until,
                household_limit: limit?,
                members_allowed: input.members_allowed.unwrap_or(true),
                audience: audience?,
            })
        })?;
        let scope = ctx.scope().await?;
        let model = ActivityService::new(ctx.state())
            .create(scope, fields)
            .await?;
        Ok(ActivityPayload {
            activity: view(ctx, model, ctx.look_ahead().field("activity")).await?,
        })
    }

    /// Changes a draft (those who run it). Published activities do not change: cancel and
    /// create another.
    async fn update_activity(
        &self,
        ctx: &Context<'_>,
        input: UpdateActivityInput,
    ) -> async_graphql::Result<ActivityPayload> {
        let mut check = Checks::new();
        let id = check.field(parse_id("input.id", &input.id));
        let title = check.field(opt_text::<MAX_TITLE>("input.title", input.title.as_deref()));
        let description = check.field(opt_text::<MAX_DESCRIPTION>(
            "input.description",
            input.description.as_deref(),
        ));
        let organiser_name = check.field(
            Text::<MAX_TITLE>::parse_change("input.organiserName", input.organiser_name)
                .map(|c| c.map(|v| v.map(Text::into_inner))),
        );
        let place = check.field(opt_text::<MAX_PLACE>("input.place", input.place.as_deref()));
        let centre = check.field(match input.service_centre_id {
            MaybeUndefined::Undefined => Ok(None),
            MaybeUndefined::Null => Ok(Some(None)),
            MaybeUndefined::Value(id) => {
                parse_id("input.serviceCentreId", &id).map(|id| Some(Some(id)))
            }
        });
        let capacity = check.field(
            input
                .capacity
                .map(|c| in_range("input.capacity", c, 1, MAX_CAPACITY))
                .transpose(),
        );
        let limit = check.field(
            input
                .household_limit
                .map(|l| in_range("input.householdLimit", l, 1, MAX_CAPACITY))
                .transpose(),
        );
        let audience = match input.audience {
            Some(audience) => audience.parse(&mut check).map(Some),
            None => Some(None),
        };
        let (id, changes) = check.finish(|| {
            Some((
                id?,
                ActivityChanges {
                    kind: input.kind,
                    title: title?,
                    description: description?,
                    organiser_name: organiser_name?,
                    place: place?,
                    service_centre_id: centre?,
                    starts_at: input.starts_at,
                    ends_at: input.ends_at,
                    capacity: capacity?,
                    sign_up_opens_at: input.sign_up_opens_at,
                    sign_up_closes_at: input.sign_up_closes_at,
                    cancel_until: input.cancel_until,
                    household_limit: limit?,
                    members_allowed: input.members_allowed,
                    audience: audience?,
                },
            ))
        })?;
        let scope = ctx.scope().await?;
        let model = ActivityService::new(ctx.state())
            .update(scope, id, changes)
            .await?;
        Ok(ActivityPayload {
            activity: view(ctx, model, ctx.look_ahead().field("activity")).await?,
        })
    }

    /// Publishes a draft: its audience sees it and is notified (inbox and live).
    async fn publish_activity(
        &self,
        ctx: &Context<'_>,
        input: ActivityIdInput,
    ) -> async_graphql::Result<ActivityPayload> {
        let id = parse_id("input.id", &input.id)?;
        let scope = ctx.scope().await?;
        let model = ActivityService::new(ctx.state()).publish(scope, id).await?;
        Ok(ActivityPayload {
            activity: view(ctx, model, ctx.look_ahead().field("activity")).await?,
        })
    }

    /// Cancels an activity that has not ended: every sign-up holding or waiting for seats is
    /// cancelled and its resident notified.
    async fn cancel_activity(
        &self,
        ctx: &Context<'_>,
        input: CancelActivityInput,
    ) -> async_graphql::Result<ActivityPayload> {
        let mut check = Checks::new();
        let id = check.field(parse_id("input.id", &input.id));
        let reason = check.field(opt_text::<MAX_DESCRIPTION>(
            "input.reason",
            input.reason.as_deref(),
        ));
        let (id, reason) = check.finish(|| Some((id?, reason?)))?;
        let scope = ctx.scope().await?;
        let model = ActivityService::new(ctx.state())
            .cancel(scope, id, reason)
            .await?;
        Ok(ActivityPayload {
            activity: view(ctx, model, ctx.look_ahead().field("activity")).await?,
        })
    }

    /// Signs you up (and household members of your home): seats when they fit and nobody is
    /// waiting, else a place on the waitlist (promoted automatically, first come first served).
    async fn sign_up_for_activity(
        &self,
        ctx: &Context<'_>,
        input: SignUpForActivityInput,
    ) -> async_graphql::Result<ActivitySignUpPayload> {
        const MEMBERS: &str = "input.householdMemberIds";
        let mut check = Checks::new();
        let activity_id = check.field(parse_id("input.activityId", &input.activity_id));
        let raw = input.household_member_ids.unwrap_or_default();
        let members = check.field(parse_ids(MEMBERS, &raw));
        if let Some(members) = &members {
            let distinct: HashSet<_> = members.iter().collect();
            check.rule(
                distinct.len() == members.len(),
                MEMBERS,
                "names a member twice",
            );
            check.rule(members.len() <= MAX_MEMBERS, MEMBERS, "at most 20 members");
        }
        let new = check.finish(|| {
            Some(NewSignUp {
                activity_id: activity_id?,
                household_member_ids: members?,
                include_self: input.include_self.unwrap_or(true),
            })
        })?;
        let scope = ctx.scope().await?;
        let model = ActivityService::new(ctx.state())
            .sign_up_for(scope, new)
            .await?;
        Ok(ActivitySignUpPayload {
            sign_up: ActivitySignUp::new(model, true, false),
        })
    }

    /// Cancels your sign-up before the activity's cut-off; the seats go to the waitlist.
    async fn cancel_activity_sign_up(
        &self,
        ctx: &Context<'_>,
        input: CancelActivitySignUpInput,
    ) -> async_graphql::Result<ActivitySignUpPayload> {
        let id = parse_id("input.id", &input.id)?;
        let scope = ctx.scope().await?;
        let model = ActivityService::new(ctx.state())
            .cancel_sign_up(scope, id)
            .await
            .map_err(|e| e.on_field("input.id"))?;
        Ok(ActivitySignUpPayload {
            sign_up: ActivitySignUp::new(model, true, false),
        })
    }

    /// Checks a resident in by the code they show (the organiser, administrators, and managers
    /// of the activity's buildings; from two hours before the start until the end). A code works
    /// once.
    async fn check_in_activity(
        &self,
        ctx: &Context<'_>,
        input: CheckInActivityInput,
    ) -> async_graphql::Result<ActivitySignUpPayload> {
        let code = text::<32>("input.code", &input.code)?;
        let scope = ctx.scope().await?;
        let model = ActivityService::new(ctx.state())
            .check_in(scope, &code)
            .await?;
        let own = Some(model.user_id) == scope.user_id;
        Ok(ActivitySignUpPayload {
            sign_up: ActivitySignUp::new(model, own, true),
        })
    }

    /// Your feedback on an activity you attended (checked in): once.
    async fn leave_activity_feedback(
        &self,
        ctx: &Context<'_>,
        input: LeaveActivityFeedbackInput,
    ) -> async_graphql::Result<ActivityFeedbackPayload> {
        let mut check = Checks::new();
        let activity_id = check.field(parse_id("input.activityId", &input.activity_id));
        let rating = check.field(in_range("input.rating", input.rating, 1, 5));
        let comment = check.field(opt_text::<MAX_COMMENT>(
            "input.comment",
            input.comment.as_deref(),
        ));
        let (activity_id, rating, comment) =
            check.finish(|| Some((activity_id?, rating?, comment?)))?;
        let scope = ctx.scope().await?;
        let model = ActivityService::new(ctx.state())
            .leave_feedback(scope, activity_id, rating, comment)
            .await?;
        Ok(ActivityFeedbackPayload {
            feedback: model.into(),
        })
    }
}

/// Activity subscriptions.
#[derive(Default)]
pub struct ActivitySubscription;

#[Subscription]
impl ActivitySubscription {
    /// An activity's seats and waitlist, live: the current numbers first, then the numbers after
    /// every change (sign-ups, cancellations, promotions, publication, cancellation), judged
    /// with your rights at that moment (an activity you may no longer see ends the stream with
    /// `NOT_FOUND`).
    async fn activity_seats_changed(
        &self,
        ctx: &Context<'_>,
        activity_id: ID,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<ActivitySeats>> + use<>>
    {
        let me = ctx.require_user()?.id;
        let id = parse_id("activityId", &activity_id)?;
        let state = ctx.state();
        // Subscribed before the first read, so no change can fall between the two.
        let live = state.bus.subscribe(&Topic::ActivitySeats(id)).await;
        let scope = ctx.scope().await?;
        let current = ActivityService::new(state).seats(scope, id).await?;
        let state = state.clone();
        let updates = futures_util::stream::unfold(
            (live, false, Some(current.clone())),
            move |(mut live, ended, last)| {
                let state = state.clone();
                async move {
                    if ended {
                        return None;
                    }
                    loop {
                        live.next().await?;
                        let scope = match state.scopes.get(&state, me).await {
                            Ok(scope) => scope,
                            Err(err) => return Some((Err(err.into()), (live, true, last))),
                        };
                        match ActivityService::new(&state).seats(&scope, id).await {
                            // A signal that changed nothing visible (a version bump) is not news.
                            Ok(seats) if Some(&seats) == last.as_ref() => continue,
                            Ok(seats) => {
                                return Some((Ok(seats.clone()), (live, false, Some(seats))));
                            }
                            Err(err) => return Some((Err(err.into()), (live, true, last))),
                        }
                    }
                }
            },
        );
        Ok(futures_util::stream::once(async move { Ok(current) }).chain(updates))
    }
}
