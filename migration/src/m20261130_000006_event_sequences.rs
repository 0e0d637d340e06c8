//! Events get a position in commit order. An event's UUID v7 is taken when its row is written,
//! but rows become visible at commit, so two writers can commit in the other order than their
//! ids. Each replayable topic (a topic of the event log, or a user's inbox) now numbers its rows
//! 1, 2, 3, … from a counter row taken in the writing transaction just before it commits: the
//! counter's row lock makes the numbers follow commit order, with no gaps. Existing rows are
//! numbered in id order.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [Event::Table.into_iden(), Notification::Table.into_iden()] {
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .add_column(
                            ColumnDef::new(Event::Seq)
                                .big_integer()
                                .not_null()
                                .default(0),
                        )
                        .to_owned(),
                )
                .await?;
        }
        let db = manager.get_connection();
        db.execute_unprepared(
            "UPDATE event SET seq = numbered.n FROM \
             (SELECT id, ROW_NUMBER() OVER (PARTITION BY topic ORDER BY id) AS n FROM event) \
             AS numbered WHERE event.id = numbered.id",
        )
        .await?;
        db.execute_unprepared(
            "UPDATE notification SET seq = numbered.n FROM \
             (SELECT id, ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY id) AS n \
             FROM notification) AS numbered WHERE notification.id = numbered.id",
        )
        .await?;
        manager
            .create_index(
                Index::create()
                    .name("event_topic_seq")
                    .table(Event::Table)
                    .col(Event::Topic)
                    .col(Event::Seq)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("notification_user_seq")
                    .table(Notification::Table)
                    .col(Notification::UserId)
                    .col(Event::Seq)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(TopicSequence::Table)
                    .col(
                        ColumnDef::new(TopicSequence::Topic)
                            .string_len(200)
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(TopicSequence::Last).big_integer().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(FeedSequence::Table)
                    .col(
                        ColumnDef::new(FeedSequence::UserId)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(FeedSequence::Last).big_integer().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(FeedSequence::Table, FeedSequence::UserId)
                            .to(User::Table, User::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        db.execute_unprepared(
            "INSERT INTO topic_sequence (topic, last) SELECT topic, MAX(seq) FROM event GROUP BY topic",
        )
        .await?;
        db.execute_unprepared(
            "INSERT INTO feed_sequence (user_id, last) \
             SELECT user_id, MAX(seq) FROM notification GROUP BY user_id",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "event sequences cannot be undone: restore a backup instead".to_owned(),
        ))
    }
}

#[derive(DeriveIden)]
enum Event {
    Table,
    Topic,
    Seq,
}

#[derive(DeriveIden)]
enum Notification {
    Table,
    UserId,
}

#[derive(DeriveIden)]
enum TopicSequence {
    Table,
    Topic,
    Last,
}

#[derive(DeriveIden)]
enum FeedSequence {
    Table,
    UserId,
    Last,
}

#[derive(DeriveIden)]
enum User {
    #[sea_orm(iden = "user_account")]
    Table,
    Id,
}
