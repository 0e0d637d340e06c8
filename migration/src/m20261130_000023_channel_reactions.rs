//! Reactions to channel messages: one row per message, member and reaction (a small fixed set),
//! so reacting twice keeps one row.

use sea_orm_migration::prelude::*;

use crate::support::{at, fk, index, string as text, uuid as id};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ChannelMessageReaction as R;
        manager
            .create_table(
                Table::create()
                    .table(R::Table)
                    .if_not_exists()
                    .col(id(R::MessageId))
                    .col(id(R::UserId))
                    .col(text(R::Reaction, 16))
                    .col(at(R::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(R::MessageId)
                            .col(R::UserId)
                            .col(R::Reaction),
                    )
                    .foreign_key(&mut fk(
                        R::Table,
                        R::MessageId,
                        ChannelMessage::Table,
                        ChannelMessage::Id,
                    ))
                    .foreign_key(&mut fk(R::Table, R::UserId, User::Table, User::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "channel_message_reaction_user_idx",
                R::Table,
                &["user_id"],
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(ChannelMessageReaction::Table)
                    .if_exists()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum ChannelMessageReaction {
    Table,
    MessageId,
    UserId,
    Reaction,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ChannelMessage {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum User {
    #[sea_orm(iden = "user_account")]
    Table,
    Id,
}
