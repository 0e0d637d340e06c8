//! GraphQL types of volunteers and the time bank, built from the stored rows.

use async_graphql::{ComplexObject, Context, ID, SimpleObject};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::loaders::ShiftsByOpportunity;
use crate::{
    domains::catalogue::types::CatalogueCategory,
    error::{AppError, AppResult},
    graphql::{
        ContextExt,
        loaders::{ByColumn, ById},
        pagination::CountedConnection,
    },
    text_enum,
};
use entity::{
    service_category, time_bank_entry, user, volunteer_opportunity, volunteer_profile,
    volunteer_shift, volunteer_sign_up,
};

text_enum! {
    /// What kind of volunteer work an opportunity is.
    pub enum OpportunityKind {
        /// Visiting elders who live alone.
        ElderVisiting => "ELDER_VISITING",
        /// Tutoring children.
        Tutoring => "TUTORING",
        /// Environment days: clean-ups, planting, sorting waste.
        Environment => "ENVIRONMENT",
        /// Helping at a community activity.
        EventSupport => "EVENT_SUPPORT",
        /// Anything else.
        Other => "OTHER",
    }
}

text_enum! {
    /// Whether an opportunity takes sign-ups.
    pub enum OpportunityStatus {
        /// Taking sign-ups.
        Open => "OPEN",
        /// Called off.
        Cancelled => "CANCELLED",
    }
}

text_enum! {
    /// Where a sign-up for a shift stands.
    pub enum SignUpStatus {
        /// Signed up: holds a place.
        SignedUp => "SIGNED_UP",
        /// Cancelled by the volunteer or a coordinator: the place is free again.
        Cancelled => "CANCELLED",
        /// Attendance verified by staff: the verified minutes went to the time bank.
        Attended => "ATTENDED",
        /// Staff recorded that the volunteer did not come.
        Absent => "ABSENT",
    }
}

text_enum! {
    /// What moved a time-bank balance.
    pub enum TimeBankKind {
        /// Verified volunteer time (in).
        Earned => "EARNED",
        /// Given to a neighbour (out).
        Donated => "DONATED",
        /// Received from a neighbour (in).
        Received => "RECEIVED",
        /// Spent on a partner perk (out; the partners domain writes these).
        Redeemed => "REDEEMED",
    }
}

/// `minutes` as hours with two decimals, rounded towards zero (`90` → `"1.50"`, `-20` →
/// `"-0.33"`).
pub fn hours_text(minutes: i32) -> String {
    let sign = if minutes < 0 { "-" } else { "" };
    let m = minutes.unsigned_abs();
    format!("{sign}{}.{:02}", m / 60, (m % 60) * 100 / 60)
}

fn id_of(id: Uuid) -> ID {
    ID(id.to_string())
}

/// A resident's volunteer profile.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct VolunteerProfile {
    /// Id.
    pub id: ID,
    /// Skills they offer (`"first aid"`, `"maths tutoring"`).
    pub skills: Vec<String>,
    /// When they are available, in their own words.
    pub availability: String,
    /// Staff checked who they are and what they offer.
    pub verified: bool,
    /// When staff last verified (or unverified) them.
    pub verified_at: Option<DateTime<Utc>>,
    /// Created at.
    pub created_at: DateTime<Utc>,
    /// Last changed at.
    pub updated_at: DateTime<Utc>,
    #[graphql(skip)]
    user_uuid: Uuid,
}

impl VolunteerProfile {
    /// From a row.
    pub fn try_from_model(model: volunteer_profile::Model) -> AppResult<Self> {
        Ok(VolunteerProfile {
            id: id_of(model.id),
            skills: serde_json::from_str(&model.skills).map_err(AppError::internal)?,
            availability: model.availability,
            verified: model.verified,
            verified_at: model.verified_at,
            created_at: model.created_at,
            updated_at: model.updated_at,
            user_uuid: model.user_id,
        })
    }
}

#[ComplexObject]
impl VolunteerProfile {
    /// The volunteer's user id.
    async fn user_id(&self) -> ID {
        id_of(self.user_uuid)
    }

    /// The volunteer's display name (no contact details: staff reach volunteers through the
    /// service).
    async fn display_name(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        display_name(ctx, self.user_uuid).await
    }
}

/// The display name of `user_id`, through the request's user loader.
async fn display_name(ctx: &Context<'_>, user_id: Uuid) -> async_graphql::Result<Option<String>> {
    let found = ctx
        .loaders()?
        .load_one::<ById<user::Entity>>(user_id)
        .await?;
    Ok(found.map(|u| u.display_name))
}

/// A call for volunteers: standalone or supporting an activity, with its shifts.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct VolunteerOpportunity {
    /// Id.
    pub id: ID,
    /// Title.
    pub title: String,
    /// What volunteers do.
    pub description: String,
    /// Kind of work.
    pub kind: OpportunityKind,
    /// The community activity it supports, if any.
    pub activity_id: Option<ID>,
    /// Where.
    pub place: Option<String>,
    /// Whether it takes sign-ups.
    pub status: OpportunityStatus,
    /// Created at.
    pub created_at: DateTime<Utc>,
    #[graphql(skip)]
    uuid: Uuid,
    #[graphql(skip)]
    category_uuid: Option<Uuid>,
    #[graphql(skip)]
    activity_uuid: Option<Uuid>,
}

impl VolunteerOpportunity {
    /// From a row.
    pub fn try_from_model(model: volunteer_opportunity::Model) -> AppResult<Self> {
        Ok(VolunteerOpportunity {
            id: id_of(model.id),
            title: model.title,
            description: model.description,
            kind: OpportunityKind::from_stored(&model.kind)?,
            activity_id: model.activity_id.map(id_of),
            place: model.place,
            status: OpportunityStatus::from_stored(&model.status)?,
            created_at: model.created_at,
            uuid: model.id,
            category_uuid: model.category_id,
            activity_uuid: model.activity_id,
        })
    }
}

#[ComplexObject]
impl VolunteerOpportunity {
    /// The activity it supports, as you may see it (null when there is none or you may not).
    async fn activity(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<crate::domains::activities::types::Activity>> {
        match self.activity_uuid {
            Some(id) => crate::domains::activities::types::visible_activity(ctx, id).await,
            None => Ok(None),
        }
    }

    /// The catalogue category of the work, if any.
    async fn category(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<CatalogueCategory>> {
        let Some(id) = self.category_uuid else {
            return Ok(None);
        };
        let found = ctx
            .loaders()?
            .load_one::<ById<service_category::Entity>>(id)
            .await?;
        Ok(found.map(CatalogueCategory::try_from_model).transpose()?)
    }

    /// Its shifts, earliest first.
    async fn shifts(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<VolunteerShift>> {
        let mut rows = ctx
            .loaders()?
            .load_one::<ByColumn<ShiftsByOpportunity>>(self.uuid)
            .await?
            .unwrap_or_default();
        rows.sort_by_key(|s| (s.starts_at, s.id));
        Ok(rows.into_iter().map(VolunteerShift::from).collect())
    }
}

/// One shift of an opportunity.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct VolunteerShift {
    /// Id.
    pub id: ID,
    /// Starts at.
    pub starts_at: DateTime<Utc>,
    /// Ends at.
    pub ends_at: DateTime<Utc>,
    /// Volunteers it takes.
    pub places: i32,
    /// Places still free.
    pub places_left: i32,
    #[graphql(skip)]
    opportunity_uuid: Uuid,
}

impl From<volunteer_shift::Model> for VolunteerShift {
    fn from(model: volunteer_shift::Model) -> Self {
        VolunteerShift {
            id: id_of(model.id),
            starts_at: model.starts_at,
            ends_at: model.ends_at,
            places: model.places,
            places_left: (model.places - model.taken).max(0),
            opportunity_uuid: model.opportunity_id,
        }
    }
}

#[ComplexObject]
impl VolunteerShift {
    /// The opportunity it belongs to.
    async fn opportunity(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<VolunteerOpportunity>> {
        let found = ctx
            .loaders()?
            .load_one::<ById<volunteer_opportunity::Entity>>(self.opportunity_uuid)
            .await?;
        Ok(found
            .map(VolunteerOpportunity::try_from_model)
            .transpose()?)
    }
}

/// A resident's sign-up for a shift.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct VolunteerSignUp {
    /// Id.
    pub id: ID,
    /// Where it stands.
    pub status: SignUpStatus,
    /// Verified minutes (once attended).
    pub minutes: Option<i32>,
    /// Verified hours, a decimal string (`"2.50"`), once attended.
    pub hours: Option<String>,
    /// When staff verified the attendance.
    pub verified_at: Option<DateTime<Utc>>,
    /// Signed up at.
    pub created_at: DateTime<Utc>,
    #[graphql(skip)]
    shift_uuid: Uuid,
    #[graphql(skip)]
    user_uuid: Uuid,
}

impl VolunteerSignUp {
    /// From a row.
    pub fn try_from_model(model: volunteer_sign_up::Model) -> AppResult<Self> {
        Ok(VolunteerSignUp {
            id: id_of(model.id),
            status: SignUpStatus::from_stored(&model.status)?,
            minutes: model.minutes,
            hours: model.minutes.map(hours_text),
            verified_at: model.verified_at,
            created_at: model.created_at,
            shift_uuid: model.shift_id,
            user_uuid: model.user_id,
        })
    }
}

#[ComplexObject]
impl VolunteerSignUp {
    /// The shift.
    async fn shift(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<VolunteerShift>> {
        let found = ctx
            .loaders()?
            .load_one::<ById<volunteer_shift::Entity>>(self.shift_uuid)
            .await?;
        Ok(found.map(VolunteerShift::from))
    }

    /// The volunteer's user id.
    async fn volunteer_id(&self) -> ID {
        id_of(self.user_uuid)
    }

    /// The volunteer's display name (the volunteer and coordinators see sign-ups; no contact
    /// details).
    async fn volunteer_name(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        display_name(ctx, self.user_uuid).await
    }
}

/// One movement of a time bank.
#[derive(SimpleObject, Clone)]
pub struct TimeBankEntry {
    /// Id.
    pub id: ID,
    /// What moved the balance.
    pub kind: TimeBankKind,
    /// Minutes moved: positive in, negative out.
    pub minutes: i32,
    /// The same in hours, a decimal string (`"-1.50"`).
    pub hours: String,
    /// The balance after it, in minutes.
    pub balance_after: i32,
    /// The neighbour of a donation (the giver or the receiver).
    pub counterpart_id: Option<ID>,
    /// The sign-up an `EARNED` entry pays for.
    pub sign_up_id: Option<ID>,
    /// What a redemption bought.
    pub reference: Option<String>,
    /// A note.
    pub note: Option<String>,
    /// At.
    pub created_at: DateTime<Utc>,
}

impl TimeBankEntry {
    /// From a row.
    pub fn try_from_model(model: time_bank_entry::Model) -> AppResult<Self> {
        Ok(TimeBankEntry {
            id: id_of(model.id),
            kind: TimeBankKind::from_stored(&model.kind)?,
            minutes: model.minutes,
            hours: hours_text(model.minutes),
            balance_after: model.balance_after,
            counterpart_id: model.counterpart_id.map(id_of),
            sign_up_id: model.sign_up_id.map(id_of),
            reference: model.reference,
            note: model.note,
            created_at: model.created_at,
        })
    }
}

/// A resident's time bank: the balance and its history, newest first.
#[derive(SimpleObject)]
pub struct VolunteerHours {
    /// Whose (a user id).
    pub user_id: ID,
    /// Minutes held.
    pub balance_minutes: i32,
    /// The same in hours, a decimal string (`"12.50"`).
    pub balance_hours: String,
    /// Every movement, newest first.
    pub history: CountedConnection<TimeBankEntry>,
}
