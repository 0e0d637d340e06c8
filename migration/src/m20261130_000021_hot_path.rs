//! The hot path (issue 15). Every user carries an access version, raised in the same
//! transaction as any change to their access (roles, status, residencies, staff records: every
//! write that queues an access change), so an instance may keep a user's access facets between
//! requests and still see a change on the very next request, whether or not the bus has told it
//! yet. The unread count reads a partial index of the unread, not removed notifications.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(UserAccount::Table)
                    .add_column(
                        ColumnDef::new(UserAccount::AccessVersion)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .to_owned(),
            )
            .await?;
        // Both backends know partial indexes with this syntax.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX idx_notification_unread ON notification (user_id) \
                 WHERE read_at IS NULL AND removed_at IS NULL",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX idx_notification_unread")
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(UserAccount::Table)
                    .drop_column(UserAccount::AccessVersion)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum UserAccount {
    Table,
    AccessVersion,
}
