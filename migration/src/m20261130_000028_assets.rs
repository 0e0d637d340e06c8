//! Facility assets and preventive maintenance: the asset register (by building, with its
//! inspection certificate and meter), its history (status changes, work orders, maintenance),
//! maintenance plans and their occurrences (one per plan, asset and due moment, kept unique so
//! the job creates each work order once across instances), and `work_order.asset_id`.

use sea_orm_migration::prelude::*;

use crate::support::{
    at, at_null, fk, id as primary, index, int, string as text, string_null as text_null,
    uuid as id, uuid_null as id_null,
};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

fn flag(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column)
        .boolean()
        .not_null()
        .default(false)
        .to_owned()
}

fn day_null(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column).date().null().to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Asset as A;
        use AssetHistory as H;
        use MaintenanceOccurrence as O;
        use MaintenancePlan as P;
        manager
            .create_table(
                Table::create()
                    .table(A::Table)
                    .if_not_exists()
                    .col(primary(A::Id))
                    .col(id(A::BuildingId))
                    .col(text(A::Kind, 32))
                    .col(text(A::Code, 64))
                    .col(text(A::Name, 200))
                    .col(text(A::Location, 200))
                    .col(text_null(A::Model, 200))
                    .col(day_null(A::InstalledOn))
                    .col(day_null(A::WarrantyUntil))
                    .col(text(A::Status, 16))
                    .col(at(A::StatusSince))
                    .col(id_null(A::QualificationId))
                    .col(day_null(A::CertificateExpiresOn))
                    .col(flag(A::CertificateWarned30))
                    .col(flag(A::CertificateWarned7))
                    .col(flag(A::CertificateExpiredNotified))
                    .col(ColumnDef::new(A::MeterValue).double().null())
                    .col(at_null(A::MeterReadAt))
                    .col(id(A::CreatedBy))
                    .col(at(A::CreatedAt))
                    .col(at(A::UpdatedAt))
                    .foreign_key(&mut fk(
                        A::Table,
                        A::BuildingId,
                        Building::Table,
                        Building::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("asset_building_code_key")
                    .table(A::Table)
                    .col(A::BuildingId)
                    .col(A::Code)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("asset_kind_idx", A::Table, &["building_id", "kind"]))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(H::Table)
                    .if_not_exists()
                    .col(primary(H::Id))
                    .col(id(H::AssetId))
                    .col(text(H::Kind, 16))
                    .col(at(H::At))
                    .col(id_null(H::WorkOrderId))
                    .col(id_null(H::OccurrenceId))
                    .col(text_null(H::FromStatus, 16))
                    .col(text_null(H::ToStatus, 16))
                    .col(text_null(H::Reason, 500))
                    .col(id_null(H::ActorId))
                    .foreign_key(&mut fk(H::Table, H::AssetId, A::Table, A::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "asset_history_asset_idx",
                H::Table,
                &["asset_id", "at"],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(P::Table)
                    .if_not_exists()
                    .col(primary(P::Id))
                    .col(id(P::BuildingId))
                    .col(id_null(P::AssetId))
                    .col(text_null(P::AssetKind, 32))
                    .col(text(P::Name, 200))
                    .col(ColumnDef::new(P::Checklist).text().not_null())
                    .col(text(P::Recurrence, 16))
                    .col(int(P::Every))
                    .col(day_null(P::AnchorOn))
                    .col(id(P::CategoryId))
                    .col(id_null(P::QualificationId))
                    .col(int(P::LeadDays))
                    .col(int(P::GraceDays))
                    .col(text(P::Status, 16))
                    .col(id(P::CreatedBy))
                    .col(at(P::CreatedAt))
                    .col(at(P::UpdatedAt))
                    .foreign_key(&mut fk(
                        P::Table,
                        P::BuildingId,
                        Building::Table,
                        Building::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "maintenance_plan_building_idx",
                P::Table,
                &["building_id"],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(O::Table)
                    .if_not_exists()
                    .col(primary(O::Id))
                    .col(id(O::PlanId))
                    .col(id(O::AssetId))
                    .col(id(O::BuildingId))
                    .col(text(O::DueKey, 40))
                    .col(at(O::DueAt))
                    .col(ColumnDef::new(O::MeterThreshold).double().null())
                    .col(text(O::Status, 16))
                    .col(id_null(O::WorkOrderId))
                    .col(flag(O::Escalated))
                    .col(ColumnDef::new(O::Results).text().null())
                    .col(id_null(O::CompletedBy))
                    .col(at_null(O::CompletedAt))
                    .col(text_null(O::SkipReason, 500))
                    .col(at(O::CreatedAt))
                    .foreign_key(&mut fk(O::Table, O::PlanId, P::Table, P::Id))
                    .foreign_key(&mut fk(O::Table, O::AssetId, A::Table, A::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("maintenance_occurrence_due_key")
                    .table(O::Table)
                    .col(O::PlanId)
                    .col(O::AssetId)
                    .col(O::DueKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "maintenance_occurrence_open_idx",
                O::Table,
                &["status", "due_at"],
            ))
            .await?;
        manager
            .create_index(index(
                "maintenance_occurrence_work_order_idx",
                O::Table,
                &["work_order_id"],
            ))
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(WorkOrder::Table)
                    .add_column(ColumnDef::new(WorkOrder::AssetId).uuid().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "work_order_asset_idx",
                WorkOrder::Table,
                &["asset_id"],
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("work_order_asset_idx")
                    .table(WorkOrder::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(WorkOrder::Table)
                    .drop_column(WorkOrder::AssetId)
                    .to_owned(),
            )
            .await?;
        for table in [
            MaintenanceOccurrence::Table.into_iden(),
            MaintenancePlan::Table.into_iden(),
            AssetHistory::Table.into_iden(),
            Asset::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Asset {
    Table,
    Id,
    BuildingId,
    Kind,
    Code,
    Name,
    Location,
    Model,
    InstalledOn,
    WarrantyUntil,
    Status,
    StatusSince,
    QualificationId,
    CertificateExpiresOn,
    #[sea_orm(iden = "certificate_warned_30")]
    CertificateWarned30,
    #[sea_orm(iden = "certificate_warned_7")]
    CertificateWarned7,
    CertificateExpiredNotified,
    MeterValue,
    MeterReadAt,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum AssetHistory {
    Table,
    Id,
    AssetId,
    Kind,
    At,
    WorkOrderId,
    OccurrenceId,
    FromStatus,
    ToStatus,
    Reason,
    ActorId,
}

#[derive(DeriveIden, Clone, Copy)]
enum MaintenancePlan {
    Table,
    Id,
    BuildingId,
    AssetId,
    AssetKind,
    Name,
    Checklist,
    Recurrence,
    Every,
    AnchorOn,
    CategoryId,
    QualificationId,
    LeadDays,
    GraceDays,
    Status,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum MaintenanceOccurrence {
    Table,
    Id,
    PlanId,
    AssetId,
    BuildingId,
    DueKey,
    DueAt,
    MeterThreshold,
    Status,
    WorkOrderId,
    Escalated,
    Results,
    CompletedBy,
    CompletedAt,
    SkipReason,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Building {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum WorkOrder {
    Table,
    AssetId,
}
