//! The staff posts a training course is required for.

use sea_orm::entity::prelude::*;

/// One course and post.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "training_course_post")]
pub struct Model {
    /// The course.
    #[sea_orm(primary_key, auto_increment = false)]
    pub course_id: Uuid,
    /// A staff post, e.g. `CLEANER`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub post: String,
}

/// Relations are followed with explicit queries and DataLoaders, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
