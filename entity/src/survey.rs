//! Satisfaction surveys and polls: title, audience, window, anonymity, one response per user or
//! per unit, and the reminder.

use sea_orm::entity::prelude::*;

/// One survey.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "survey")]
pub struct Model {
    /// UUID v7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Title.
    pub title: String,
    /// What it is about.
    pub description: String,
    /// Whether responses keep no user and no unit.
    pub anonymous: bool,
    /// `USER` or `UNIT`: who answers once.
    pub once_per: String,
    /// Answers are taken from then on.
    pub opens_at: DateTimeUtc,
    /// Answers are taken until then (exclusive); responses change until then.
    pub closes_at: DateTimeUtc,
    /// When the reminder goes out, if any.
    pub remind_at: Option<DateTimeUtc>,
    /// `DRAFT` or `PUBLISHED` (open and closed follow from the clock).
    pub status: String,
    /// The salt of respondent keys while the survey takes answers; wiped when it closes (never
    /// exposed).
    pub respondent_salt: Option<String>,
    /// How many users (or units) the audience held at publication.
    pub audience_size: i32,
    /// Bumped by every change.
    pub version: i32,
    /// Who created it (the publisher).
    pub created_by: Uuid,
    /// Created at.
    pub created_at: DateTimeUtc,
    /// Last change.
    pub updated_at: DateTimeUtc,
    /// Published at.
    pub published_at: Option<DateTimeUtc>,
    /// When the reminder job sent the reminder.
    pub reminded_at: Option<DateTimeUtc>,
    /// When the salt was wiped after closing.
    pub sealed_at: Option<DateTimeUtc>,
}

/// Relations are followed with explicit queries and DataLoaders, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
