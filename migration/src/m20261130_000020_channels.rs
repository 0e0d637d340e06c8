//! Group channels: channels (building, floor, interest, staff, direct), explicit members and
//! every member's read position, mute and slow-mode clock, messages numbered per channel, the
//! edit history kept for moderators, reports and the moderation log.

use sea_orm_migration::prelude::*;

use crate::support::{
    at, at_null, fk, fk_null, id as pk, index, int, int_null, string as text,
    string_null as text_null, uuid as id, uuid_null as id_null,
};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Channel as C;
        use ChannelMember as M;
        use ChannelMessage as G;
        use ChannelMessageEdit as E;
        use ChannelModeration as D;
        use ChannelReport as P;

        manager
            .create_table(
                Table::create()
                    .table(C::Table)
                    .if_not_exists()
                    .col(pk(C::Id))
                    .col(text(C::Kind, 16))
                    .col(text(C::Name, 100))
                    .col(ColumnDef::new(C::Description).text().not_null())
                    .col(id_null(C::BuildingId))
                    .col(int_null(C::Floor))
                    .col(id_null(C::ResidentId))
                    .col(text(C::PostPolicy, 16))
                    .col(text(C::JoinPolicy, 16))
                    .col(text(C::Visibility, 16))
                    .col(int(C::SlowModeSeconds))
                    .col(int(C::MessageCount))
                    .col(id(C::CreatedBy))
                    .col(at_null(C::ArchivedAt))
                    .col(at(C::CreatedAt))
                    .col(at(C::UpdatedAt))
                    .foreign_key(&mut fk(
                        C::Table,
                        C::BuildingId,
                        Building::Table,
                        Building::Id,
                    ))
                    .foreign_key(&mut fk(C::Table, C::ResidentId, User::Table, User::Id))
                    .foreign_key(&mut fk(C::Table, C::CreatedBy, User::Table, User::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "channel_building_idx",
                C::Table,
                &["building_id", "kind"],
            ))
            .await?;
        // One service line per resident and building (NULLs are distinct: other kinds pass).
        manager
            .create_index(
                index(
                    "channel_direct_key",
                    C::Table,
                    &["resident_id", "building_id"],
                )
                .unique()
                .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(M::Table)
                    .if_not_exists()
                    .col(pk(M::Id))
                    .col(id(M::ChannelId))
                    .col(id(M::UserId))
                    .col(text(M::Status, 16))
                    .col(int(M::ReadNumber))
                    .col(at_null(M::MutedUntil))
                    .col(at_null(M::LastPostedAt))
                    .col(at(M::CreatedAt))
                    .col(at(M::UpdatedAt))
                    .foreign_key(&mut fk(M::Table, M::ChannelId, C::Table, C::Id))
                    .foreign_key(&mut fk(M::Table, M::UserId, User::Table, User::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index("channel_member_key", M::Table, &["channel_id", "user_id"])
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "channel_member_user_idx",
                M::Table,
                &["user_id", "status"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(G::Table)
                    .if_not_exists()
                    .col(pk(G::Id))
                    .col(id(G::ChannelId))
                    .col(int(G::Number))
                    .col(id(G::SenderId))
                    .col(ColumnDef::new(G::Text).text().null())
                    .col(id_null(G::ReplyToId))
                    .col(id_null(G::RefId))
                    .col(ColumnDef::new(G::Mentions).text().not_null())
                    .col(at(G::CreatedAt))
                    .col(at_null(G::EditedAt))
                    .col(at_null(G::DeletedAt))
                    .col(at_null(G::HiddenAt))
                    .col(id_null(G::HiddenBy))
                    .col(text_null(G::HiddenReason, 1000))
                    .foreign_key(&mut fk(G::Table, G::ChannelId, C::Table, C::Id))
                    .foreign_key(&mut fk(G::Table, G::SenderId, User::Table, User::Id))
                    .foreign_key(&mut fk_null(G::Table, G::ReplyToId, G::Table, G::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "channel_message_number_key",
                    G::Table,
                    &["channel_id", "number"],
                )
                .unique()
                .to_owned(),
            )
            .await?;

        // The rate limits count a channel's and a sender's recent messages.
        manager
            .create_index(index(
                "channel_message_recent_idx",
                G::Table,
                &["channel_id", "created_at"],
            ))
            .await?;
        manager
            .create_index(index(
                "channel_message_sender_idx",
                G::Table,
                &["channel_id", "sender_id", "created_at"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(E::Table)
                    .if_not_exists()
                    .col(pk(E::Id))
                    .col(id(E::MessageId))
                    .col(ColumnDef::new(E::PreviousText).text().not_null())
                    .col(at(E::EditedAt))
                    .foreign_key(&mut fk(E::Table, E::MessageId, G::Table, G::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "channel_message_edit_message_idx",
                E::Table,
                &["message_id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(P::Table)
                    .if_not_exists()
                    .col(pk(P::Id))
                    .col(id(P::MessageId))
                    .col(id(P::ChannelId))
                    .col(id(P::ReporterId))
                    .col(ColumnDef::new(P::Reason).text().not_null())
                    .col(at(P::CreatedAt))
                    .foreign_key(&mut fk(P::Table, P::MessageId, G::Table, G::Id))
                    .foreign_key(&mut fk(P::Table, P::ChannelId, C::Table, C::Id))
                    .foreign_key(&mut fk(P::Table, P::ReporterId, User::Table, User::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "channel_report_key",
                    P::Table,
                    &["message_id", "reporter_id"],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "channel_report_channel_idx",
                P::Table,
                &["channel_id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(D::Table)
                    .if_not_exists()
                    .col(pk(D::Id))
                    .col(id(D::ChannelId))
                    .col(id(D::UserId))
                    .col(id_null(D::MessageId))
                    .col(text(D::Action, 16))
                    .col(ColumnDef::new(D::Reason).text().not_null())
                    .col(id(D::ModeratorId))
                    .col(at_null(D::Until))
                    .col(at(D::CreatedAt))
                    .foreign_key(&mut fk(D::Table, D::ChannelId, C::Table, C::Id))
                    .foreign_key(&mut fk(D::Table, D::UserId, User::Table, User::Id))
                    .foreign_key(&mut fk_null(D::Table, D::MessageId, G::Table, G::Id))
                    .foreign_key(&mut fk(D::Table, D::ModeratorId, User::Table, User::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "channel_moderation_channel_idx",
                D::Table,
                &["channel_id"],
            ))
            .await?;
        manager
            .create_index(index("channel_moderation_user_idx", D::Table, &["user_id"]))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ChannelModeration::Table.into_iden(),
            ChannelReport::Table.into_iden(),
            ChannelMessageEdit::Table.into_iden(),
            ChannelMessage::Table.into_iden(),
            ChannelMember::Table.into_iden(),
            Channel::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Channel {
    Table,
    Id,
    Kind,
    Name,
    Description,
    BuildingId,
    Floor,
    ResidentId,
    PostPolicy,
    JoinPolicy,
    Visibility,
    SlowModeSeconds,
    MessageCount,
    CreatedBy,
    ArchivedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ChannelMember {
    Table,
    Id,
    ChannelId,
    UserId,
    Status,
    ReadNumber,
    MutedUntil,
    LastPostedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ChannelMessage {
    Table,
    Id,
    ChannelId,
    Number,
    SenderId,
    Text,
    ReplyToId,
    RefId,
    Mentions,
    CreatedAt,
    EditedAt,
    DeletedAt,
    HiddenAt,
    HiddenBy,
    HiddenReason,
}

#[derive(DeriveIden, Clone, Copy)]
enum ChannelMessageEdit {
    Table,
    Id,
    MessageId,
    PreviousText,
    EditedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ChannelReport {
    Table,
    Id,
    MessageId,
    ChannelId,
    ReporterId,
    Reason,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ChannelModeration {
    Table,
    Id,
    ChannelId,
    UserId,
    MessageId,
    Action,
    Reason,
    ModeratorId,
    Until,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Building {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum User {
    #[sea_orm(iden = "user_account")]
    Table,
    Id,
}
