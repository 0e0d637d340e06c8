//! A notification can be removed by its producer, when what it was about is taken back (a
//! withdrawn notice). The row stays as the record of the user's feed, marked `removed_at`, so a
//! replay tells the client to drop it instead of serving it again; the inbox no longer lists or
//! counts it. Removal finds every row of one subject in one statement, hence the index.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Notification::Table)
                    .add_column(
                        ColumnDef::new(Notification::RemovedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_notification_subject")
                    .table(Notification::Table)
                    .col(Notification::SubjectType)
                    .col(Notification::SubjectId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_notification_subject")
                    .table(Notification::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Notification::Table)
                    .drop_column(Notification::RemovedAt)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Notification {
    Table,
    SubjectType,
    SubjectId,
    RemovedAt,
}
