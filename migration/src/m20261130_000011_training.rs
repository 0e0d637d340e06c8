//! Staff training: courses (with the staff posts each is required for), sessions with a
//! capacity, one record per enrolment carrying its result and validity, and the history of
//! staff status changes the training rules make (onboarding to active).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

fn cascade(
    from_table: impl IntoIden,
    from: impl IntoIden,
    to_table: impl IntoIden,
    to: impl IntoIden,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from_table, from)
        .to(to_table, to)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

fn timestamp(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

fn text(column: impl IntoIden, len: u32) -> ColumnDef {
    ColumnDef::new(column).string_len(len).not_null().to_owned()
}

fn id(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column)
        .uuid()
        .not_null()
        .primary_key()
        .to_owned()
}

fn int(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column).integer().not_null().to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(TrainingCourse::Table)
                    .if_not_exists()
                    .col(id(TrainingCourse::Id))
                    .col(text(TrainingCourse::Code, 40).unique_key().to_owned())
                    .col(text(TrainingCourse::Title, 200))
                    .col(text(TrainingCourse::Topic, 32))
                    .col(text(TrainingCourse::Delivery, 16))
                    .col(text(TrainingCourse::Kind, 16))
                    .col(
                        ColumnDef::new(TrainingCourse::RecurrenceMonths)
                            .integer()
                            .null(),
                    )
                    .col(int(TrainingCourse::Hours))
                    .col(int(TrainingCourse::PassScore))
                    .col(timestamp(TrainingCourse::CreatedAt))
                    .col(timestamp(TrainingCourse::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TrainingCoursePost::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(TrainingCoursePost::CourseId)
                            .uuid()
                            .not_null(),
                    )
                    .col(text(TrainingCoursePost::Post, 32))
                    .primary_key(
                        Index::create()
                            .col(TrainingCoursePost::CourseId)
                            .col(TrainingCoursePost::Post),
                    )
                    .foreign_key(&mut cascade(
                        TrainingCoursePost::Table,
                        TrainingCoursePost::CourseId,
                        TrainingCourse::Table,
                        TrainingCourse::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_training_course_post_post")
                    .table(TrainingCoursePost::Table)
                    .col(TrainingCoursePost::Post)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TrainingSession::Table)
                    .if_not_exists()
                    .col(id(TrainingSession::Id))
                    .col(ColumnDef::new(TrainingSession::CourseId).uuid().not_null())
                    .col(timestamp(TrainingSession::StartsAt))
                    .col(timestamp(TrainingSession::EndsAt))
                    .col(
                        ColumnDef::new(TrainingSession::Place)
                            .string_len(200)
                            .null(),
                    )
                    .col(ColumnDef::new(TrainingSession::Link).string_len(500).null())
                    .col(ColumnDef::new(TrainingSession::TrainerId).uuid().not_null())
                    .col(int(TrainingSession::Capacity))
                    .col(int(TrainingSession::Enrolled))
                    .col(timestamp(TrainingSession::CreatedAt))
                    .foreign_key(&mut cascade(
                        TrainingSession::Table,
                        TrainingSession::CourseId,
                        TrainingCourse::Table,
                        TrainingCourse::Id,
                    ))
                    .foreign_key(&mut cascade(
                        TrainingSession::Table,
                        TrainingSession::TrainerId,
                        Alias::new("user_account"),
                        Alias::new("id"),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_training_session_course_starts")
                    .table(TrainingSession::Table)
                    .col(TrainingSession::CourseId)
                    .col(TrainingSession::StartsAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TrainingRecord::Table)
                    .if_not_exists()
                    .col(id(TrainingRecord::Id))
                    .col(ColumnDef::new(TrainingRecord::SessionId).uuid().not_null())
                    .col(ColumnDef::new(TrainingRecord::CourseId).uuid().not_null())
                    .col(ColumnDef::new(TrainingRecord::StaffId).uuid().not_null())
                    .col(text(TrainingRecord::Result, 16))
                    .col(ColumnDef::new(TrainingRecord::Attended).boolean().null())
                    .col(ColumnDef::new(TrainingRecord::Score).integer().null())
                    .col(
                        ColumnDef::new(TrainingRecord::IssuedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(TrainingRecord::ValidUntil)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new(TrainingRecord::RecordedBy).uuid().null())
                    .col(
                        ColumnDef::new(TrainingRecord::LapseRemindedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(timestamp(TrainingRecord::EnrolledAt))
                    .foreign_key(&mut cascade(
                        TrainingRecord::Table,
                        TrainingRecord::SessionId,
                        TrainingSession::Table,
                        TrainingSession::Id,
                    ))
                    .foreign_key(&mut cascade(
                        TrainingRecord::Table,
                        TrainingRecord::StaffId,
                        Alias::new("staff_record"),
                        Alias::new("id"),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_training_record_session_staff")
                    .table(TrainingRecord::Table)
                    .col(TrainingRecord::SessionId)
                    .col(TrainingRecord::StaffId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_training_record_staff_course")
                    .table(TrainingRecord::Table)
                    .col(TrainingRecord::StaffId)
                    .col(TrainingRecord::CourseId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_training_record_valid_until")
                    .table(TrainingRecord::Table)
                    .col(TrainingRecord::ValidUntil)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(StaffStatusChange::Table)
                    .if_not_exists()
                    .col(id(StaffStatusChange::Id))
                    .col(ColumnDef::new(StaffStatusChange::StaffId).uuid().not_null())
                    .col(text(StaffStatusChange::FromStatus, 16))
                    .col(text(StaffStatusChange::ToStatus, 16))
                    .col(text(StaffStatusChange::Reason, 500))
                    .col(ColumnDef::new(StaffStatusChange::ActorId).uuid().null())
                    .col(
                        ColumnDef::new(StaffStatusChange::TrainingRecordId)
                            .uuid()
                            .null(),
                    )
                    .col(timestamp(StaffStatusChange::At))
                    .foreign_key(&mut cascade(
                        StaffStatusChange::Table,
                        StaffStatusChange::StaffId,
                        Alias::new("staff_record"),
                        Alias::new("id"),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_staff_status_change_staff")
                    .table(StaffStatusChange::Table)
                    .col(StaffStatusChange::StaffId)
                    .col(StaffStatusChange::At)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            StaffStatusChange::Table.into_iden(),
            TrainingRecord::Table.into_iden(),
            TrainingSession::Table.into_iden(),
            TrainingCoursePost::Table.into_iden(),
            TrainingCourse::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum TrainingCourse {
    Table,
    Id,
    Code,
    Title,
    Topic,
    Delivery,
    Kind,
    RecurrenceMonths,
    Hours,
    PassScore,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum TrainingCoursePost {
    Table,
    CourseId,
    Post,
}

#[derive(DeriveIden)]
enum TrainingSession {
    Table,
    Id,
    CourseId,
    StartsAt,
    EndsAt,
    Place,
    Link,
    TrainerId,
    Capacity,
    Enrolled,
    CreatedAt,
}

#[derive(DeriveIden)]
enum TrainingRecord {
    Table,
    Id,
    SessionId,
    CourseId,
    StaffId,
    Result,
    Attended,
    Score,
    IssuedAt,
    ValidUntil,
    RecordedBy,
    LapseRemindedAt,
    EnrolledAt,
}

#[derive(DeriveIden)]
enum StaffStatusChange {
    Table,
    Id,
    StaffId,
    FromStatus,
    ToStatus,
    Reason,
    ActorId,
    TrainingRecordId,
    At,
}
