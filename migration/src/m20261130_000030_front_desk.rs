//! The front desk: parcels logged for a unit and picked up with a one-time code (unique among
//! waiting parcels: a unique index on the nullable `waiting_code`, cleared on pickup), visitor
//! passes a resident registers (a unique pass code), and each building's visitor blacklist.

use sea_orm_migration::prelude::*;

use crate::support::{
    at, at_null, fk, fk_null, id, index, int, string, string_null, uuid, uuid_null,
};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Parcel as P;
        manager
            .create_table(
                Table::create()
                    .table(P::Table)
                    .if_not_exists()
                    .col(id(P::Id))
                    .col(uuid(P::BuildingId))
                    .col(uuid(P::UnitId))
                    .col(string(P::Carrier, 100))
                    .col(string(P::TrackingNumber, 100))
                    .col(string(P::Size, 16))
                    .col(string(P::StorageSpot, 50))
                    .col(string(P::Status, 16))
                    .col(string(P::PickupCode, 16))
                    .col(string_null(P::WaitingCode, 16))
                    .col(uuid(P::LoggedBy))
                    .col(at(P::LoggedAt))
                    .col(at_null(P::NextReminderAt))
                    .col(int(P::RemindersSent))
                    .col(at_null(P::CollectedAt))
                    .col(uuid_null(P::CollectedBy))
                    .col(string_null(P::CollectedHow, 16))
                    .col(uuid_null(P::CollectorUserId))
                    .col(uuid_null(P::CollectorMemberId))
                    .col(string_null(P::CollectorName, 100))
                    .col(at(P::UpdatedAt))
                    .foreign_key(&mut fk(
                        P::Table,
                        P::BuildingId,
                        Building::Table,
                        Building::Id,
                    ))
                    .foreign_key(&mut fk(P::Table, P::UnitId, Unit::Table, Unit::Id))
                    .foreign_key(&mut fk(P::Table, P::LoggedBy, User::Table, User::Id))
                    .foreign_key(&mut fk_null(
                        P::Table,
                        P::CollectedBy,
                        User::Table,
                        User::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index("parcel_waiting_code_key", P::Table, &["waiting_code"])
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "parcel_shelf_idx",
                P::Table,
                &["building_id", "status", "storage_spot"],
            ))
            .await?;
        manager
            .create_index(index(
                "parcel_unit_idx",
                P::Table,
                &["unit_id", "logged_at"],
            ))
            .await?;
        manager
            .create_index(index(
                "parcel_reminder_idx",
                P::Table,
                &["status", "next_reminder_at"],
            ))
            .await?;

        use VisitorPass as V;
        manager
            .create_table(
                Table::create()
                    .table(V::Table)
                    .if_not_exists()
                    .col(id(V::Id))
                    .col(uuid(V::BuildingId))
                    .col(uuid(V::UnitId))
                    .col(uuid(V::RegisteredBy))
                    .col(string(V::Name, 100))
                    .col(at(V::ValidFrom))
                    .col(at(V::ValidUntil))
                    .col(int(V::People))
                    .col(string_null(V::CarPlate, 20))
                    .col(string(V::Code, 16))
                    .col(string(V::Status, 16))
                    .col(at_null(V::CheckedInAt))
                    .col(uuid_null(V::CheckedInBy))
                    .col(at_null(V::CheckedOutAt))
                    .col(uuid_null(V::CheckedOutBy))
                    .col(at(V::CreatedAt))
                    .col(at(V::UpdatedAt))
                    .foreign_key(&mut fk(
                        V::Table,
                        V::BuildingId,
                        Building::Table,
                        Building::Id,
                    ))
                    .foreign_key(&mut fk(V::Table, V::UnitId, Unit::Table, Unit::Id))
                    .foreign_key(&mut fk(V::Table, V::RegisteredBy, User::Table, User::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index("visitor_pass_code_key", V::Table, &["code"])
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "visitor_pass_day_idx",
                V::Table,
                &["building_id", "valid_from"],
            ))
            .await?;
        manager
            .create_index(index(
                "visitor_pass_unit_idx",
                V::Table,
                &["unit_id", "valid_from"],
            ))
            .await?;

        use VisitorBlacklistEntry as B;
        manager
            .create_table(
                Table::create()
                    .table(B::Table)
                    .if_not_exists()
                    .col(id(B::Id))
                    .col(uuid(B::BuildingId))
                    .col(string_null(B::Name, 100))
                    .col(string_null(B::CarPlate, 20))
                    .col(string(B::MatchKey, 140))
                    .col(string(B::Reason, 500))
                    .col(uuid(B::CreatedBy))
                    .col(at(B::CreatedAt))
                    .foreign_key(&mut fk(
                        B::Table,
                        B::BuildingId,
                        Building::Table,
                        Building::Id,
                    ))
                    .foreign_key(&mut fk(B::Table, B::CreatedBy, User::Table, User::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "visitor_blacklist_entry_key",
                    B::Table,
                    &["building_id", "match_key"],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            VisitorBlacklistEntry::Table.into_iden(),
            VisitorPass::Table.into_iden(),
            Parcel::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Parcel {
    Table,
    Id,
    BuildingId,
    UnitId,
    Carrier,
    TrackingNumber,
    Size,
    StorageSpot,
    Status,
    PickupCode,
    WaitingCode,
    LoggedBy,
    LoggedAt,
    NextReminderAt,
    RemindersSent,
    CollectedAt,
    CollectedBy,
    CollectedHow,
    CollectorUserId,
    CollectorMemberId,
    CollectorName,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum VisitorPass {
    Table,
    Id,
    BuildingId,
    UnitId,
    RegisteredBy,
    Name,
    ValidFrom,
    ValidUntil,
    People,
    CarPlate,
    Code,
    Status,
    CheckedInAt,
    CheckedInBy,
    CheckedOutAt,
    CheckedOutBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum VisitorBlacklistEntry {
    Table,
    Id,
    BuildingId,
    Name,
    CarPlate,
    MatchKey,
    Reason,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Building {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Unit {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum User {
    #[sea_orm(iden = "user_account")]
    Table,
    Id,
}
