//! Community activities: culture and sports events, lectures, health talks, physical-exam days,
//! festivals and volunteer services, with their seats, sign-up window and audience.

use sea_orm::entity::prelude::*;

/// One activity.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "activity")]
pub struct Model {
    /// UUID v7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `CULTURE`, `SPORTS`, `LECTURE`, `HEALTH_TALK`, `PHYSICAL_EXAM_DAY`, `FESTIVAL`,
    /// `VOLUNTEER` or `OTHER`.
    pub kind: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// The staff user who organises it (and answers for it).
    pub organiser_id: Uuid,
    /// The organiser's name as shown, when a partner runs it.
    pub organiser_name: Option<String>,
    /// Where, in words.
    pub place: String,
    /// The service centre it takes place at, if any.
    pub service_centre_id: Option<Uuid>,
    /// Start.
    pub starts_at: DateTimeUtc,
    /// End.
    pub ends_at: DateTimeUtc,
    /// Seats.
    pub capacity: i32,
    /// Sign-up opens.
    pub sign_up_opens_at: DateTimeUtc,
    /// Sign-up closes.
    pub sign_up_closes_at: DateTimeUtc,
    /// Residents may cancel their sign-up until then.
    pub cancel_until: DateTimeUtc,
    /// Most seats one household may hold.
    pub household_limit: i32,
    /// Whether household members (children, elders) may be signed up.
    pub members_allowed: bool,
    /// `DRAFT`, `PUBLISHED` or `CANCELLED` (open, full, closed and done follow from the clock
    /// and the seats).
    pub status: String,
    /// Seats held by confirmed (and checked-in, and no-show) sign-ups.
    pub seats_taken: i32,
    /// Sign-ups on the waitlist.
    pub waitlist_length: i32,
    /// The next waitlist number (first come, first served).
    pub waitlist_next: i32,
    /// Bumped by every change.
    pub version: i32,
    /// Who created it.
    pub created_by: Uuid,
    /// Created at.
    pub created_at: DateTimeUtc,
    /// Last change.
    pub updated_at: DateTimeUtc,
    /// Published at.
    pub published_at: Option<DateTimeUtc>,
    /// Cancelled at.
    pub cancelled_at: Option<DateTimeUtc>,
    /// Why it was cancelled.
    pub cancel_reason: Option<String>,
    /// When the no-show job marked those who did not come.
    pub no_shows_marked_at: Option<DateTimeUtc>,
}

/// Relations are followed with explicit queries and DataLoaders, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
