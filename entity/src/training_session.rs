//! A scheduled run of a training course. `enrolled` never passes `capacity`: an enrolment
//! raises it with a conditional update.

use sea_orm::entity::prelude::*;

/// One session.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "training_session")]
pub struct Model {
    /// UUID v7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The course.
    pub course_id: Uuid,
    /// Starts at.
    pub starts_at: DateTimeUtc,
    /// Ends at.
    pub ends_at: DateTimeUtc,
    /// Where it takes place (classroom, drill).
    pub place: Option<String>,
    /// Where to join it (online).
    pub link: Option<String>,
    /// The trainer's user account.
    pub trainer_id: Uuid,
    /// Most enrolments.
    pub capacity: i32,
    /// Enrolments taken.
    pub enrolled: i32,
    /// Created at.
    pub created_at: DateTimeUtc,
}

/// Relations are followed with explicit queries and DataLoaders, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
