//! Notifications become a platform service: every row gets a category (which domain) and a
//! priority; mutes become per category. Existing rows all come from notices: they get the
//! `NOTICE` category and their notice's priority; a user who muted any notice kind now mutes the
//! `NOTICE` category (emergencies still arrive).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite takes one change per ALTER TABLE.
        manager
            .alter_table(
                Table::alter()
                    .table(Notification::Table)
                    .add_column(
                        ColumnDef::new(Notification::Category)
                            .string_len(32)
                            .not_null()
                            .default("NOTICE"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Notification::Table)
                    .add_column(
                        ColumnDef::new(Notification::Priority)
                            .string_len(16)
                            .not_null()
                            .default("NORMAL"),
                    )
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared(
            "UPDATE notification SET priority = (SELECT notice.priority FROM notice \
             WHERE notice.id = notification.subject_id) \
             WHERE subject_type = 'NOTICE' \
             AND EXISTS (SELECT 1 FROM notice WHERE notice.id = notification.subject_id)",
        )
        .await?;

        // Mutes: the notice-kind column becomes the category; one NOTICE mute per user who had
        // muted any notice kind (notice kinds were never called NOTICE, so nothing collides).
        manager
            .alter_table(
                Table::alter()
                    .table(Mute::Table)
                    .rename_column(Mute::Kind, Mute::Category)
                    .to_owned(),
            )
            .await?;
        db.execute_unprepared(
            "INSERT INTO notification_mute (user_id, category) \
             SELECT DISTINCT user_id, 'NOTICE' FROM notification_mute WHERE category <> 'NOTICE'",
        )
        .await?;
        db.execute_unprepared("DELETE FROM notification_mute WHERE category <> 'NOTICE'")
            .await?;
        Ok(())
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "notification categories cannot be undone: restore a backup instead".to_owned(),
        ))
    }
}

#[derive(DeriveIden)]
enum Notification {
    Table,
    Category,
    Priority,
}

#[derive(DeriveIden)]
enum Mute {
    #[sea_orm(iden = "notification_mute")]
    Table,
    Kind,
    Category,
}
