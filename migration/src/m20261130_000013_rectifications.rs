//! Rectifications (整改): a problem found by a complaint, an inspection, a low rating or a
//! survey, put right by a responsible staff member and verified by someone else; with the
//! timeline of its steps.

use sea_orm_migration::prelude::*;

use crate::support::{at, at_null, fk, fk_null, id, index, string, uuid, uuid_null};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Rectification as R;
        use RectificationEntry as E;
        manager
            .create_table(
                Table::create()
                    .table(R::Table)
                    .if_not_exists()
                    .col(id(R::Id))
                    .col(uuid(R::BuildingId))
                    .col(string(R::SourceKind, 16))
                    .col(uuid_null(R::SourceId))
                    .col(uuid(R::ResponsibleStaffId))
                    .col(ColumnDef::new(R::Problem).text().not_null())
                    .col(ColumnDef::new(R::CorrectiveAction).text().null())
                    .col(ColumnDef::new(R::Evidence).text().not_null())
                    .col(at(R::DueAt))
                    .col(string(R::Status, 16))
                    .col(uuid_null(R::WorkOrderId))
                    .col(uuid_null(R::OpenedBy))
                    .col(at(R::OpenedAt))
                    .col(at_null(R::SubmittedAt))
                    .col(uuid_null(R::VerifiedBy))
                    .col(at_null(R::VerifiedAt))
                    .col(at_null(R::OverdueAt))
                    .col(at_null(R::RemindedAt))
                    .col(ColumnDef::new(R::Version).integer().not_null())
                    .col(at(R::UpdatedAt))
                    .foreign_key(&mut fk(
                        R::Table,
                        R::BuildingId,
                        Building::Table,
                        Building::Id,
                    ))
                    .foreign_key(&mut fk(
                        R::Table,
                        R::ResponsibleStaffId,
                        StaffRecord::Table,
                        StaffRecord::Id,
                    ))
                    .foreign_key(&mut fk_null(
                        R::Table,
                        R::WorkOrderId,
                        WorkOrder::Table,
                        WorkOrder::Id,
                    ))
                    .foreign_key(&mut fk_null(R::Table, R::OpenedBy, User::Table, User::Id))
                    .foreign_key(&mut fk_null(R::Table, R::VerifiedBy, User::Table, User::Id))
                    .to_owned(),
            )
            .await?;
        // A building's board, a staff member's own list, the overdue sweep, and "the one opened
        // for this source".
        for (name, cols) in [
            ("rectification_building_idx", &["building_id", "status"][..]),
            (
                "rectification_responsible_idx",
                &["responsible_staff_id", "status"][..],
            ),
            ("rectification_due_idx", &["status", "due_at"][..]),
            (
                "rectification_source_idx",
                &["source_kind", "source_id"][..],
            ),
        ] {
            manager.create_index(index(name, R::Table, cols)).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(E::Table)
                    .if_not_exists()
                    .col(id(E::Id))
                    .col(uuid(E::RectificationId))
                    .col(uuid_null(E::ActorId))
                    .col(string(E::Action, 16))
                    .col(ColumnDef::new(E::FromStatus).string_len(16).null())
                    .col(string(E::ToStatus, 16))
                    .col(ColumnDef::new(E::Note).text().null())
                    .col(at(E::At))
                    .foreign_key(&mut fk(E::Table, E::RectificationId, R::Table, R::Id))
                    .foreign_key(&mut fk_null(E::Table, E::ActorId, User::Table, User::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "rectification_entry_rectification_idx",
                E::Table,
                &["rectification_id", "id"],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            RectificationEntry::Table.into_iden(),
            Rectification::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum User {
    #[sea_orm(iden = "user_account")]
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Building {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum StaffRecord {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum WorkOrder {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Rectification {
    Table,
    Id,
    BuildingId,
    SourceKind,
    SourceId,
    ResponsibleStaffId,
    Problem,
    CorrectiveAction,
    Evidence,
    DueAt,
    Status,
    WorkOrderId,
    OpenedBy,
    OpenedAt,
    SubmittedAt,
    VerifiedBy,
    VerifiedAt,
    OverdueAt,
    RemindedAt,
    Version,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum RectificationEntry {
    Table,
    Id,
    RectificationId,
    ActorId,
    Action,
    FromStatus,
    ToStatus,
    Note,
    At,
}
