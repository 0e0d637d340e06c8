//! Notices (the bulletin board), their audiences and receipts, and each user's notifications.

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

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Notice::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(Notice::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Notice::Title).string_len(200).not_null())
                    .col(ColumnDef::new(Notice::Body).text().not_null())
                    .col(ColumnDef::new(Notice::Kind).string_len(16).not_null())
                    .col(ColumnDef::new(Notice::Priority).string_len(16).not_null())
                    .col(ColumnDef::new(Notice::Status).string_len(16).not_null())
                    .col(
                        ColumnDef::new(Notice::PublishAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Notice::ExpiresAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new(Notice::Pinned).boolean().not_null())
                    .col(ColumnDef::new(Notice::RequiresAck).boolean().not_null())
                    .col(ColumnDef::new(Notice::AuthorId).uuid().not_null())
                    .col(ColumnDef::new(Notice::SupersedesId).uuid().null())
                    .col(
                        ColumnDef::new(Notice::AudienceSize)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(Notice::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(&mut cascade(
                        Notice::Table,
                        Notice::AuthorId,
                        User::Table,
                        User::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_notice_status_publish_at")
                    .table(Notice::Table)
                    .col(Notice::Status)
                    .col(Notice::PublishAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(NoticeAudience::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(NoticeAudience::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(NoticeAudience::NoticeId).uuid().not_null())
                    .col(
                        ColumnDef::new(NoticeAudience::Scope)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(ColumnDef::new(NoticeAudience::BuildingId).uuid().null())
                    .col(ColumnDef::new(NoticeAudience::Floor).integer().null())
                    .col(ColumnDef::new(NoticeAudience::UnitId).uuid().null())
                    .col(ColumnDef::new(NoticeAudience::Role).string_len(16).null())
                    .foreign_key(&mut cascade(
                        NoticeAudience::Table,
                        NoticeAudience::NoticeId,
                        Notice::Table,
                        Notice::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_notice_audience_notice")
                    .table(NoticeAudience::Table)
                    .col(NoticeAudience::NoticeId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_notice_supersedes")
                    .table(Notice::Table)
                    .col(Notice::SupersedesId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(NoticeReceipt::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(NoticeReceipt::NoticeId).uuid().not_null())
                    .col(ColumnDef::new(NoticeReceipt::UserId).uuid().not_null())
                    .col(
                        ColumnDef::new(NoticeReceipt::ReadAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(NoticeReceipt::AcknowledgedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(NoticeReceipt::NoticeId)
                            .col(NoticeReceipt::UserId),
                    )
                    .foreign_key(&mut cascade(
                        NoticeReceipt::Table,
                        NoticeReceipt::NoticeId,
                        Notice::Table,
                        Notice::Id,
                    ))
                    .foreign_key(&mut cascade(
                        NoticeReceipt::Table,
                        NoticeReceipt::UserId,
                        User::Table,
                        User::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Notification::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(Notification::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Notification::UserId).uuid().not_null())
                    .col(ColumnDef::new(Notification::Kind).string_len(32).not_null())
                    .col(
                        ColumnDef::new(Notification::Title)
                            .string_len(200)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Notification::Text)
                            .string_len(300)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Notification::SubjectType)
                            .string_len(32)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Notification::SubjectId).uuid().not_null())
                    .col(
                        ColumnDef::new(Notification::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Notification::ReadAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .foreign_key(&mut cascade(
                        Notification::Table,
                        Notification::UserId,
                        User::Table,
                        User::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        // The inbox and its replay read one user's rows in id order.
        manager
            .create_index(
                Index::create()
                    .name("idx_notification_user_id")
                    .table(Notification::Table)
                    .col(Notification::UserId)
                    .col(Notification::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(NotificationMute::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(NotificationMute::UserId).uuid().not_null())
                    .col(
                        ColumnDef::new(NotificationMute::Kind)
                            .string_len(32)
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(NotificationMute::UserId)
                            .col(NotificationMute::Kind),
                    )
                    .foreign_key(&mut cascade(
                        NotificationMute::Table,
                        NotificationMute::UserId,
                        User::Table,
                        User::Id,
                    ))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            NotificationMute::Table.into_iden(),
            Notification::Table.into_iden(),
            NoticeReceipt::Table.into_iden(),
            NoticeAudience::Table.into_iden(),
            Notice::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
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
enum Notice {
    Table,
    Id,
    Title,
    Body,
    Kind,
    Priority,
    Status,
    PublishAt,
    ExpiresAt,
    Pinned,
    RequiresAck,
    AuthorId,
    SupersedesId,
    AudienceSize,
    CreatedAt,
}

#[derive(DeriveIden)]
enum NoticeAudience {
    Table,
    Id,
    NoticeId,
    Scope,
    BuildingId,
    Floor,
    UnitId,
    Role,
}

#[derive(DeriveIden)]
enum NoticeReceipt {
    Table,
    NoticeId,
    UserId,
    ReadAt,
    AcknowledgedAt,
}

#[derive(DeriveIden)]
enum Notification {
    Table,
    Id,
    UserId,
    Kind,
    Title,
    Text,
    SubjectType,
    SubjectId,
    CreatedAt,
    ReadAt,
}

#[derive(DeriveIden)]
enum NotificationMute {
    Table,
    UserId,
    Kind,
}
