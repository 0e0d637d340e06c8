//! Partners (merchants and institutions): the partner, the buildings it serves, and the users who
//! act for it (MERCHANT users belong to exactly one partner). Perks, health and care build on
//! these rows.

use sea_orm_migration::prelude::*;

use crate::support::{
    at, at_null, fk, id as primary, index, string as text, string_null as text_null, uuid as id,
};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Partner as P;
        use PartnerBuilding as PB;
        use PartnerMember as PM;
        manager
            .create_table(
                Table::create()
                    .table(P::Table)
                    .if_not_exists()
                    .col(primary(P::Id))
                    .col(text(P::Name, 200))
                    .col(text(P::Kind, 32))
                    .col(ColumnDef::new(P::Description).text().not_null())
                    .col(text_null(P::ContactName, 200))
                    .col(text_null(P::ContactPhone, 64))
                    .col(text_null(P::ContactEmail, 320))
                    .col(at(P::ContractFrom))
                    .col(at_null(P::ContractUntil))
                    .col(text(P::Status, 16))
                    .col(id(P::CreatedBy))
                    .col(at(P::CreatedAt))
                    .col(at(P::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("partner_name_key")
                    .table(P::Table)
                    .col(P::Name)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PB::Table)
                    .if_not_exists()
                    .col(id(PB::PartnerId))
                    .col(id(PB::BuildingId))
                    .primary_key(Index::create().col(PB::PartnerId).col(PB::BuildingId))
                    .foreign_key(&mut fk(PB::Table, PB::PartnerId, P::Table, P::Id))
                    .foreign_key(&mut fk(
                        PB::Table,
                        PB::BuildingId,
                        Building::Table,
                        Building::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "partner_building_building_idx",
                PB::Table,
                &["building_id"],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PM::Table)
                    .if_not_exists()
                    .col(primary(PM::UserId))
                    .col(id(PM::PartnerId))
                    .col(at(PM::CreatedAt))
                    .foreign_key(&mut fk(PM::Table, PM::PartnerId, P::Table, P::Id))
                    .foreign_key(&mut fk(PM::Table, PM::UserId, User::Table, User::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "partner_member_partner_idx",
                PM::Table,
                &["partner_id"],
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            PartnerMember::Table.into_iden(),
            PartnerBuilding::Table.into_iden(),
            Partner::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Partner {
    Table,
    Id,
    Name,
    Kind,
    Description,
    ContactName,
    ContactPhone,
    ContactEmail,
    ContractFrom,
    ContractUntil,
    Status,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum PartnerBuilding {
    Table,
    PartnerId,
    BuildingId,
}

#[derive(DeriveIden, Clone, Copy)]
enum PartnerMember {
    Table,
    UserId,
    PartnerId,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Building {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum User {
    #[sea_orm(iden = "user_account")]
    Table,
    Id,
}
