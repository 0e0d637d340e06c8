//! Security and fire patrols: routes per building with ordered checkpoints (each with a unique
//! tag code) and a schedule; runs, materialised from the schedule by a job or started ad hoc;
//! and each run's own copy of its checkpoints, which records the scans, lateness, misses and
//! findings.

use sea_orm_migration::prelude::*;

use crate::support::{at, at_null, fk, id, index, int, string, string_null, uuid, uuid_null};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use PatrolCheckpoint as C;
        use PatrolRoute as R;
        use PatrolRun as N;
        use PatrolRunCheckpoint as S;
        manager
            .create_table(
                Table::create()
                    .table(R::Table)
                    .if_not_exists()
                    .col(id(R::Id))
                    .col(uuid(R::BuildingId))
                    .col(string(R::Name, 200))
                    .col(string(R::Post, 32))
                    .col(ColumnDef::new(R::Schedule).text().not_null())
                    .col(int(R::GraceMinutes))
                    .col(ColumnDef::new(R::Active).boolean().not_null())
                    .col(at(R::MaterialisedUntil))
                    .col(int(R::Version))
                    .col(uuid(R::CreatedBy))
                    .col(at(R::CreatedAt))
                    .col(at(R::UpdatedAt))
                    .foreign_key(&mut fk(
                        R::Table,
                        R::BuildingId,
                        Building::Table,
                        Building::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "patrol_route_building_idx",
                R::Table,
                &["building_id", "id"],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(C::Table)
                    .if_not_exists()
                    .col(id(C::Id))
                    .col(uuid(C::RouteId))
                    .col(int(C::Position))
                    .col(string(C::Name, 200))
                    .col(string(C::Location, 200))
                    .col(string(C::Code, 64))
                    .col(int(C::ExpectedMinutes))
                    .col(int(C::ToleranceMinutes))
                    .col(ColumnDef::new(C::Retired).boolean().not_null())
                    .foreign_key(&mut fk(C::Table, C::RouteId, R::Table, R::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index("patrol_checkpoint_code_key", C::Table, &["code"])
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "patrol_checkpoint_route_idx",
                C::Table,
                &["route_id", "position"],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(N::Table)
                    .if_not_exists()
                    .col(id(N::Id))
                    .col(uuid(N::RouteId))
                    .col(uuid(N::BuildingId))
                    .col(string(N::Post, 32))
                    .col(string(N::Status, 16))
                    .col(at_null(N::ScheduledAt))
                    .col(at_null(N::DueBy))
                    .col(uuid_null(N::GuardId))
                    .col(at_null(N::StartedAt))
                    .col(at_null(N::FinishedAt))
                    .col(at_null(N::AlertedAt))
                    .col(int(N::NextPosition))
                    .col(int(N::CheckpointCount))
                    .col(int(N::ScannedCount))
                    .col(int(N::LateCount))
                    .col(int(N::MissedCount))
                    .col(int(N::AbnormalCount))
                    .col(int(N::Version))
                    .col(at(N::CreatedAt))
                    .col(at(N::UpdatedAt))
                    .foreign_key(&mut fk(N::Table, N::RouteId, R::Table, R::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "patrol_run_slot_key",
                    N::Table,
                    &["route_id", "scheduled_at"],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "patrol_run_building_idx",
                N::Table,
                &["building_id", "id"],
            ))
            .await?;
        manager
            .create_index(index("patrol_run_due_idx", N::Table, &["status", "due_by"]))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(S::Table)
                    .if_not_exists()
                    .col(id(S::Id))
                    .col(uuid(S::RunId))
                    .col(uuid(S::CheckpointId))
                    .col(int(S::Position))
                    .col(string(S::Name, 200))
                    .col(string(S::Location, 200))
                    .col(at(S::ExpectedAt))
                    .col(int(S::ToleranceMinutes))
                    .col(string(S::Status, 16))
                    .col(at_null(S::ScannedAt))
                    .col(uuid_null(S::ScannedBy))
                    .col(string_null(S::Finding, 16))
                    .col(ColumnDef::new(S::Note).text().null())
                    .col(string_null(S::PhotoUrl, 2000))
                    .col(uuid_null(S::WorkOrderId))
                    .col(uuid_null(S::RectificationId))
                    .foreign_key(&mut fk(S::Table, S::RunId, N::Table, N::Id))
                    .foreign_key(&mut fk(S::Table, S::CheckpointId, C::Table, C::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "patrol_run_checkpoint_position_key",
                    S::Table,
                    &["run_id", "position"],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            PatrolRunCheckpoint::Table.into_iden(),
            PatrolRun::Table.into_iden(),
            PatrolCheckpoint::Table.into_iden(),
            PatrolRoute::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum PatrolRoute {
    Table,
    Id,
    BuildingId,
    Name,
    Post,
    Schedule,
    GraceMinutes,
    Active,
    MaterialisedUntil,
    Version,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum PatrolCheckpoint {
    Table,
    Id,
    RouteId,
    Position,
    Name,
    Location,
    Code,
    ExpectedMinutes,
    ToleranceMinutes,
    Retired,
}

#[derive(DeriveIden, Clone, Copy)]
enum PatrolRun {
    Table,
    Id,
    RouteId,
    BuildingId,
    Post,
    Status,
    ScheduledAt,
    DueBy,
    GuardId,
    StartedAt,
    FinishedAt,
    AlertedAt,
    NextPosition,
    CheckpointCount,
    ScannedCount,
    LateCount,
    MissedCount,
    AbnormalCount,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum PatrolRunCheckpoint {
    Table,
    Id,
    RunId,
    CheckpointId,
    Position,
    Name,
    Location,
    ExpectedAt,
    ToleranceMinutes,
    Status,
    ScannedAt,
    ScannedBy,
    Finding,
    Note,
    PhotoUrl,
    WorkOrderId,
    RectificationId,
}

#[derive(DeriveIden, Clone, Copy)]
enum Building {
    Table,
    Id,
}
