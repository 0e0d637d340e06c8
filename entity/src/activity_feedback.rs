//! Feedback on an activity from those who attended: one per sign-up.

use sea_orm::entity::prelude::*;

/// One piece of feedback.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "activity_feedback")]
pub struct Model {
    /// UUID v7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The activity.
    pub activity_id: Uuid,
    /// The sign-up that attended.
    pub sign_up_id: Uuid,
    /// Who gave it.
    pub user_id: Uuid,
    /// 1–5.
    pub rating: i32,
    /// Comment.
    pub comment: Option<String>,
    /// Given at.
    pub created_at: DateTimeUtc,
}

/// Relations are followed with explicit queries and DataLoaders, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
