//! The choices of a SINGLE or MULTI question, in order.

use sea_orm::entity::prelude::*;

/// One choice.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "survey_choice")]
pub struct Model {
    /// UUID v7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The survey.
    pub survey_id: Uuid,
    /// The question.
    pub question_id: Uuid,
    /// Order within the question, from 0.
    pub position: i32,
    /// The choice as shown.
    pub label: String,
}

/// Relations are followed with explicit queries, not through the entity.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
