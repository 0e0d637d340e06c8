//! Answers of survey responses: one row per answered question, and one per chosen choice for
//! SINGLE and MULTI questions.

use sea_orm::entity::prelude::*;

/// One answer (or one chosen choice).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "survey_answer")]
pub struct Model {
    /// UUID v4 (carries no time).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The survey.
    pub survey_id: Uuid,
    /// The response.
    pub response_id: Uuid,
    /// The question.
    pub question_id: Uuid,
    /// The chosen choice (SINGLE, MULTI).
    pub choice_id: Option<Uuid>,
    /// The value given (SCALE).
    pub scale: Option<i32>,
    /// The value normalised to 0..=100: `(scale - min) * 100 / (max - min)` (SCALE).
    pub score: Option<f64>,
    /// The text given (TEXT).
    pub text: Option<String>,
}

/// The question and the response, for the aggregate joins.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The question.
    #[sea_orm(
        belongs_to = "super::survey_question::Entity",
        from = "Column::QuestionId",
        to = "super::survey_question::Column::Id",
        on_delete = "Cascade"
    )]
    Question,
    /// The response.
    #[sea_orm(
        belongs_to = "super::survey_response::Entity",
        from = "Column::ResponseId",
        to = "super::survey_response::Column::Id",
        on_delete = "Cascade"
    )]
    Response,
}

impl Related<super::survey_question::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Question.def()
    }
}

impl Related<super::survey_response::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Response.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
