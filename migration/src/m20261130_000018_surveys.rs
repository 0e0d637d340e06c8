//! Satisfaction surveys and polls: the survey, its audience (the notices' audience model), its
//! questions and their choices, the responses (one per user or per unit) and their answers.
//!
//! A response stores the respondent's building at submission, so results per building and the
//! satisfaction facts are aggregates that name no one. On an anonymous survey the response keeps
//! no user and no unit: `respondent_key` and `author_key` (hashes of the respondent, user or
//! unit, and of the user who wrote it, under the survey's own salt, which is wiped when the
//! survey closes) are all that make "one per user or unit" and "edit until close" work, and they
//! are never exposed.

use sea_orm_migration::prelude::*;

use crate::support::{
    at, at_null, fk, fk_null, id, index, int, int_null, string, string_null, uuid, uuid_null,
};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Survey as S;
        use SurveyAnswer as A;
        use SurveyAudience as Au;
        use SurveyChoice as C;
        use SurveyQuestion as Q;
        use SurveyResponse as R;

        manager
            .create_table(
                Table::create()
                    .table(S::Table)
                    .if_not_exists()
                    .col(id(S::Id))
                    .col(string(S::Title, 200))
                    .col(ColumnDef::new(S::Description).text().not_null())
                    .col(ColumnDef::new(S::Anonymous).boolean().not_null())
                    .col(string(S::OncePer, 8))
                    .col(at(S::OpensAt))
                    .col(at(S::ClosesAt))
                    .col(at_null(S::RemindAt))
                    .col(string(S::Status, 16))
                    .col(string_null(S::RespondentSalt, 64))
                    .col(int(S::AudienceSize))
                    .col(int(S::Version))
                    .col(uuid(S::CreatedBy))
                    .col(at(S::CreatedAt))
                    .col(at(S::UpdatedAt))
                    .col(at_null(S::PublishedAt))
                    .col(at_null(S::RemindedAt))
                    .col(at_null(S::SealedAt))
                    .foreign_key(&mut fk(S::Table, S::CreatedBy, User::Table, User::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "survey_window_idx",
                S::Table,
                &["status", "closes_at", "opens_at"],
            ))
            .await?;
        manager
            .create_index(index("survey_list_idx", S::Table, &["created_at", "id"]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Au::Table)
                    .if_not_exists()
                    .col(id(Au::Id))
                    .col(uuid(Au::SurveyId))
                    .col(string(Au::Scope, 16))
                    .col(uuid_null(Au::BuildingId))
                    .col(int_null(Au::Floor))
                    .col(uuid_null(Au::UnitId))
                    .col(string_null(Au::Role, 32))
                    .foreign_key(&mut fk(Au::Table, Au::SurveyId, S::Table, S::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "survey_audience_survey_idx",
                Au::Table,
                &["survey_id"],
            ))
            .await?;
        manager
            .create_index(index(
                "survey_audience_building_idx",
                Au::Table,
                &["building_id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Q::Table)
                    .if_not_exists()
                    .col(id(Q::Id))
                    .col(uuid(Q::SurveyId))
                    .col(int(Q::Position))
                    .col(string(Q::Kind, 8))
                    .col(string(Q::Prompt, 500))
                    .col(ColumnDef::new(Q::Required).boolean().not_null())
                    .col(int_null(Q::ScaleMin))
                    .col(int_null(Q::ScaleMax))
                    .col(string_null(Q::Indicator, 32))
                    .col(string_null(Q::StaffPost, 64))
                    .col(uuid_null(Q::StaffId))
                    .foreign_key(&mut fk(Q::Table, Q::SurveyId, S::Table, S::Id))
                    .foreign_key(&mut fk_null(
                        Q::Table,
                        Q::StaffId,
                        StaffRecord::Table,
                        StaffRecord::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "survey_question_survey_idx",
                Q::Table,
                &["survey_id", "position"],
            ))
            .await?;
        manager
            .create_index(index("survey_question_staff_idx", Q::Table, &["staff_id"]))
            .await?;
        manager
            .create_index(index("survey_question_post_idx", Q::Table, &["staff_post"]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(C::Table)
                    .if_not_exists()
                    .col(id(C::Id))
                    .col(uuid(C::SurveyId))
                    .col(uuid(C::QuestionId))
                    .col(int(C::Position))
                    .col(string(C::Label, 200))
                    .foreign_key(&mut fk(C::Table, C::SurveyId, S::Table, S::Id))
                    .foreign_key(&mut fk(C::Table, C::QuestionId, Q::Table, Q::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "survey_choice_question_idx",
                C::Table,
                &["question_id", "position"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(R::Table)
                    .if_not_exists()
                    .col(id(R::Id))
                    .col(uuid(R::SurveyId))
                    .col(string(R::RespondentKey, 64))
                    .col(string(R::AuthorKey, 64))
                    .col(uuid_null(R::UserId))
                    .col(uuid_null(R::UnitId))
                    .col(uuid_null(R::BuildingId))
                    .col(at(R::SubmittedAt))
                    .col(ColumnDef::new(R::Week).date().not_null())
                    .col(at(R::UpdatedAt))
                    .foreign_key(&mut fk(R::Table, R::SurveyId, S::Table, S::Id))
                    .foreign_key(&mut fk_null(R::Table, R::UserId, User::Table, User::Id))
                    .foreign_key(&mut fk_null(R::Table, R::UnitId, Unit::Table, Unit::Id))
                    .foreign_key(&mut fk_null(
                        R::Table,
                        R::BuildingId,
                        Building::Table,
                        Building::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        // One response per respondent (user or unit) and survey, even under concurrency.
        manager
            .create_index(
                index(
                    "survey_response_respondent_key",
                    R::Table,
                    &["survey_id", "respondent_key"],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "survey_response_building_idx",
                R::Table,
                &["building_id", "submitted_at"],
            ))
            .await?;
        manager
            .create_index(index(
                "survey_response_submitted_idx",
                R::Table,
                &["submitted_at", "week"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(A::Table)
                    .if_not_exists()
                    .col(id(A::Id))
                    .col(uuid(A::SurveyId))
                    .col(uuid(A::ResponseId))
                    .col(uuid(A::QuestionId))
                    .col(uuid_null(A::ChoiceId))
                    .col(int_null(A::Scale))
                    .col(ColumnDef::new(A::Score).double().null())
                    .col(ColumnDef::new(A::Text).text().null())
                    .foreign_key(&mut fk(A::Table, A::SurveyId, S::Table, S::Id))
                    .foreign_key(&mut fk(A::Table, A::ResponseId, R::Table, R::Id))
                    .foreign_key(&mut fk(A::Table, A::QuestionId, Q::Table, Q::Id))
                    .foreign_key(&mut fk(A::Table, A::ChoiceId, C::Table, C::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "survey_answer_response_idx",
                A::Table,
                &["response_id"],
            ))
            .await?;
        manager
            .create_index(index(
                "survey_answer_question_idx",
                A::Table,
                &["question_id", "choice_id"],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            SurveyAnswer::Table.into_iden(),
            SurveyResponse::Table.into_iden(),
            SurveyChoice::Table.into_iden(),
            SurveyQuestion::Table.into_iden(),
            SurveyAudience::Table.into_iden(),
            Survey::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum User {
    #[sea_orm(iden = "user_account")]
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Building {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Unit {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum StaffRecord {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Survey {
    Table,
    Id,
    Title,
    Description,
    Anonymous,
    OncePer,
    OpensAt,
    ClosesAt,
    RemindAt,
    Status,
    RespondentSalt,
    AudienceSize,
    Version,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
    PublishedAt,
    RemindedAt,
    SealedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum SurveyAudience {
    Table,
    Id,
    SurveyId,
    Scope,
    BuildingId,
    Floor,
    UnitId,
    Role,
}

#[derive(DeriveIden, Clone, Copy)]
enum SurveyQuestion {
    Table,
    Id,
    SurveyId,
    Position,
    Kind,
    Prompt,
    Required,
    ScaleMin,
    ScaleMax,
    Indicator,
    StaffPost,
    StaffId,
}

#[derive(DeriveIden, Clone, Copy)]
enum SurveyChoice {
    Table,
    Id,
    SurveyId,
    QuestionId,
    Position,
    Label,
}

#[derive(DeriveIden, Clone, Copy)]
enum SurveyResponse {
    Table,
    Id,
    SurveyId,
    RespondentKey,
    AuthorKey,
    UserId,
    UnitId,
    BuildingId,
    SubmittedAt,
    Week,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum SurveyAnswer {
    Table,
    Id,
    SurveyId,
    ResponseId,
    QuestionId,
    ChoiceId,
    Scale,
    Score,
    Text,
}
