//! Perks offered by partners (discounts, free services, time-bank exchanges): the perk with its
//! validity window, limits and counters, its audience (the notices' audience model), one claim
//! counter per (perk, resident), and the redemption codes residents claim and merchants redeem.

use sea_orm_migration::prelude::*;

use crate::support::{
    at, at_null, fk, id as primary, index, int, int_null, string as text, string_null as text_null,
    uuid as id, uuid_null as id_null,
};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Perk as P;
        use PerkAudience as A;
        use PerkClaim as C;
        use PerkRedemption as R;
        manager
            .create_table(
                Table::create()
                    .table(P::Table)
                    .if_not_exists()
                    .col(primary(P::Id))
                    .col(id(P::PartnerId))
                    .col(text(P::Title, 200))
                    .col(ColumnDef::new(P::Description).text().not_null())
                    .col(text(P::Kind, 32))
                    .col(at(P::StartsAt))
                    .col(at(P::EndsAt))
                    .col(int(P::MinVolunteerMinutes))
                    .col(int_null(P::TimeBankMinutes))
                    .col(int(P::TotalLimit))
                    .col(int(P::PerResidentLimit))
                    .col(int(P::Claimed))
                    .col(int(P::Redeemed))
                    .col(text(P::Status, 16))
                    .col(id(P::CreatedBy))
                    .col(at(P::CreatedAt))
                    .col(at(P::UpdatedAt))
                    .foreign_key(&mut fk(P::Table, P::PartnerId, Partner::Table, Partner::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("perk_partner_idx", P::Table, &["partner_id"]))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(A::Table)
                    .if_not_exists()
                    .col(primary(A::Id))
                    .col(id(A::PerkId))
                    .col(text(A::Scope, 16))
                    .col(id_null(A::BuildingId))
                    .col(int_null(A::Floor))
                    .col(id_null(A::UnitId))
                    .col(text_null(A::Role, 16))
                    .foreign_key(&mut fk(A::Table, A::PerkId, P::Table, P::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("perk_audience_perk_idx", A::Table, &["perk_id"]))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(C::Table)
                    .if_not_exists()
                    .col(id(C::PerkId))
                    .col(id(C::UserId))
                    .col(int(C::Claims))
                    .primary_key(Index::create().col(C::PerkId).col(C::UserId))
                    .foreign_key(&mut fk(C::Table, C::PerkId, P::Table, P::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(R::Table)
                    .if_not_exists()
                    .col(primary(R::Id))
                    .col(id(R::PerkId))
                    .col(id(R::PartnerId))
                    .col(id(R::UserId))
                    .col(text(R::Code, 16))
                    .col(text(R::Status, 16))
                    .col(int(R::TimeBankMinutes))
                    .col(at(R::ClaimedAt))
                    .col(at(R::ExpiresAt))
                    .col(at_null(R::RedeemedAt))
                    .col(id_null(R::RedeemedBy))
                    .foreign_key(&mut fk(R::Table, R::PerkId, P::Table, P::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("perk_redemption_code_key")
                    .table(R::Table)
                    .col(R::Code)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "perk_redemption_perk_idx",
                R::Table,
                &["perk_id", "id"],
            ))
            .await?;
        manager
            .create_index(index(
                "perk_redemption_user_idx",
                R::Table,
                &["user_id", "id"],
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            PerkRedemption::Table.into_iden(),
            PerkClaim::Table.into_iden(),
            PerkAudience::Table.into_iden(),
            Perk::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Perk {
    Table,
    Id,
    PartnerId,
    Title,
    Description,
    Kind,
    StartsAt,
    EndsAt,
    MinVolunteerMinutes,
    TimeBankMinutes,
    TotalLimit,
    PerResidentLimit,
    Claimed,
    Redeemed,
    Status,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum PerkAudience {
    Table,
    Id,
    PerkId,
    Scope,
    BuildingId,
    Floor,
    UnitId,
    Role,
}

#[derive(DeriveIden, Clone, Copy)]
enum PerkClaim {
    Table,
    PerkId,
    UserId,
    Claims,
}

#[derive(DeriveIden, Clone, Copy)]
enum PerkRedemption {
    Table,
    Id,
    PerkId,
    PartnerId,
    UserId,
    Code,
    Status,
    TimeBankMinutes,
    ClaimedAt,
    ExpiresAt,
    RedeemedAt,
    RedeemedBy,
}

#[derive(DeriveIden, Clone, Copy)]
enum Partner {
    Table,
    Id,
}
