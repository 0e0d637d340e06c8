//! Survey DataLoaders: audiences, questions and choices of a page of surveys, one statement
//! each.

use super::super::notices::audience::AudienceTable;
use crate::{
    graphql::loaders::{ByColumn, ColumnKey},
    store::Named,
};
use entity::{survey, survey_audience, survey_choice, survey_question};

impl Named for survey::Entity {
    const NOUN: &'static str = "survey";
}

impl AudienceTable for survey_audience::Entity {
    const OWNER: survey_audience::Column = survey_audience::Column::SurveyId;
    const SCOPE: survey_audience::Column = survey_audience::Column::Scope;
    const BUILDING_ID: survey_audience::Column = survey_audience::Column::BuildingId;
    const FLOOR: survey_audience::Column = survey_audience::Column::Floor;
    const UNIT_ID: survey_audience::Column = survey_audience::Column::UnitId;
    const ROLE: survey_audience::Column = survey_audience::Column::Role;
}

/// An audience row's survey.
pub struct AudienceSurvey;
impl ColumnKey for AudienceSurvey {
    type Entity = survey_audience::Entity;
    const COLUMN: survey_audience::Column = survey_audience::Column::SurveyId;
}
/// Each survey's audience rows.
pub type AudienceBySurvey = ByColumn<AudienceSurvey>;

/// A question's survey.
pub struct QuestionSurvey;
impl ColumnKey for QuestionSurvey {
    type Entity = survey_question::Entity;
    const COLUMN: survey_question::Column = survey_question::Column::SurveyId;
}
/// Each survey's questions (sorted by position where they are shown).
pub type QuestionsBySurvey = ByColumn<QuestionSurvey>;

/// A choice's survey.
pub struct ChoiceSurvey;
impl ColumnKey for ChoiceSurvey {
    type Entity = survey_choice::Entity;
    const COLUMN: survey_choice::Column = survey_choice::Column::SurveyId;
}
/// Each survey's choices (sorted by position where they are shown).
pub type ChoicesBySurvey = ByColumn<ChoiceSurvey>;
