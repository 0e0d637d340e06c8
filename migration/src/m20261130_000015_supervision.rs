//! The supervision group and its inspections: each building's group members (chair, staff
//! members, resident representatives, with terms), the inspection plans (immutable checklists of
//! weighted items by area), the inspections, the item scores they were scored against and their
//! findings.

use sea_orm_migration::prelude::*;

use crate::support::{at, at_null, fk, fk_null, id, index, string, uuid, uuid_null};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Inspection as I;
        use InspectionFinding as F;
        use InspectionPlan as P;
        use InspectionPlanItem as PI;
        use InspectionScore as S;
        use SupervisionMember as M;
        manager
            .create_table(
                Table::create()
                    .table(M::Table)
                    .if_not_exists()
                    .col(id(M::Id))
                    .col(uuid(M::BuildingId))
                    .col(uuid(M::UserId))
                    .col(string(M::Role, 16))
                    .col(uuid_null(M::StaffId))
                    .col(ColumnDef::new(M::TermFrom).date().not_null())
                    .col(ColumnDef::new(M::TermUntil).date().null())
                    .col(uuid_null(M::AppointedBy))
                    .col(at(M::CreatedAt))
                    .col(at(M::UpdatedAt))
                    .foreign_key(&mut fk(
                        M::Table,
                        M::BuildingId,
                        Building::Table,
                        Building::Id,
                    ))
                    .foreign_key(&mut fk(M::Table, M::UserId, User::Table, User::Id))
                    .foreign_key(&mut fk_null(
                        M::Table,
                        M::StaffId,
                        StaffRecord::Table,
                        StaffRecord::Id,
                    ))
                    .foreign_key(&mut fk_null(
                        M::Table,
                        M::AppointedBy,
                        User::Table,
                        User::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(P::Table)
                    .if_not_exists()
                    .col(id(P::Id))
                    .col(string(P::Name, 200))
                    .col(ColumnDef::new(P::Version).integer().not_null())
                    .col(uuid_null(P::ReplacesId))
                    .col(at_null(P::RetiredAt))
                    .col(uuid_null(P::CreatedBy))
                    .col(at(P::CreatedAt))
                    .foreign_key(&mut fk_null(P::Table, P::ReplacesId, P::Table, P::Id))
                    .foreign_key(&mut fk_null(P::Table, P::CreatedBy, User::Table, User::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PI::Table)
                    .if_not_exists()
                    .col(id(PI::Id))
                    .col(uuid(PI::PlanId))
                    .col(ColumnDef::new(PI::Position).integer().not_null())
                    .col(string(PI::Area, 24))
                    .col(string(PI::Title, 200))
                    .col(ColumnDef::new(PI::Weight).integer().not_null())
                    .foreign_key(&mut fk(PI::Table, PI::PlanId, P::Table, P::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(I::Table)
                    .if_not_exists()
                    .col(id(I::Id))
                    .col(uuid(I::BuildingId))
                    .col(uuid(I::PlanId))
                    .col(string(I::Kind, 16))
                    .col(string(I::Status, 16))
                    .col(at(I::ScheduledAt))
                    .col(uuid(I::InspectorId))
                    .col(uuid_null(I::CreatedBy))
                    .col(at_null(I::StartedAt))
                    .col(at_null(I::CompletedAt))
                    .col(ColumnDef::new(I::Total).integer().null())
                    .col(ColumnDef::new(I::Summary).text().null())
                    .col(ColumnDef::new(I::Version).integer().not_null())
                    .col(at(I::CreatedAt))
                    .col(at(I::UpdatedAt))
                    .foreign_key(&mut fk(
                        I::Table,
                        I::BuildingId,
                        Building::Table,
                        Building::Id,
                    ))
                    .foreign_key(&mut fk(I::Table, I::PlanId, P::Table, P::Id))
                    .foreign_key(&mut fk(I::Table, I::InspectorId, User::Table, User::Id))
                    .foreign_key(&mut fk_null(I::Table, I::CreatedBy, User::Table, User::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(S::Table)
                    .if_not_exists()
                    .col(id(S::Id))
                    .col(uuid(S::InspectionId))
                    .col(uuid(S::ItemId))
                    .col(ColumnDef::new(S::Position).integer().not_null())
                    .col(string(S::Area, 24))
                    .col(string(S::Title, 200))
                    .col(ColumnDef::new(S::Weight).integer().not_null())
                    .col(ColumnDef::new(S::Score).integer().not_null())
                    .col(ColumnDef::new(S::Note).text().null())
                    .foreign_key(&mut fk(S::Table, S::InspectionId, I::Table, I::Id))
                    .foreign_key(&mut fk(S::Table, S::ItemId, PI::Table, PI::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(F::Table)
                    .if_not_exists()
                    .col(id(F::Id))
                    .col(uuid(F::InspectionId))
                    .col(uuid(F::ItemId))
                    .col(string(F::Area, 24))
                    .col(string(F::Severity, 16))
                    .col(ColumnDef::new(F::Note).text().not_null())
                    .col(uuid(F::ResponsibleStaffId))
                    .col(ColumnDef::new(F::NeedsWork).boolean().not_null())
                    .col(uuid_null(F::WorkOrderId))
                    .col(uuid(F::RectificationId))
                    .col(at(F::CreatedAt))
                    .foreign_key(&mut fk(F::Table, F::InspectionId, I::Table, I::Id))
                    .foreign_key(&mut fk(F::Table, F::ItemId, PI::Table, PI::Id))
                    .foreign_key(&mut fk(
                        F::Table,
                        F::ResponsibleStaffId,
                        StaffRecord::Table,
                        StaffRecord::Id,
                    ))
                    .foreign_key(&mut fk_null(
                        F::Table,
                        F::WorkOrderId,
                        WorkOrder::Table,
                        WorkOrder::Id,
                    ))
                    .foreign_key(&mut fk(
                        F::Table,
                        F::RectificationId,
                        Rectification::Table,
                        Rectification::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        // A building's group, a user's memberships, a plan's items, a building's inspections,
        // an inspection's scores and findings, and a staff member's findings.
        for (name, table, cols) in [
            (
                "supervision_member_building_idx",
                M::Table.into_iden(),
                &["building_id", "role"][..],
            ),
            (
                "supervision_member_user_idx",
                M::Table.into_iden(),
                &["user_id"][..],
            ),
            (
                "inspection_plan_item_plan_idx",
                PI::Table.into_iden(),
                &["plan_id", "position"][..],
            ),
            (
                "inspection_building_idx",
                I::Table.into_iden(),
                &["building_id", "status"][..],
            ),
            (
                "inspection_score_inspection_idx",
                S::Table.into_iden(),
                &["inspection_id", "position"][..],
            ),
            (
                "inspection_finding_inspection_idx",
                F::Table.into_iden(),
                &["inspection_id"][..],
            ),
            (
                "inspection_finding_staff_idx",
                F::Table.into_iden(),
                &["responsible_staff_id"][..],
            ),
        ] {
            manager.create_index(index(name, table, cols)).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            InspectionFinding::Table.into_iden(),
            InspectionScore::Table.into_iden(),
            Inspection::Table.into_iden(),
            InspectionPlanItem::Table.into_iden(),
            InspectionPlan::Table.into_iden(),
            SupervisionMember::Table.into_iden(),
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
}

#[derive(DeriveIden)]
enum SupervisionMember {
    Table,
    Id,
    BuildingId,
    UserId,
    Role,
    StaffId,
    TermFrom,
    TermUntil,
    AppointedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum InspectionPlan {
    Table,
    Id,
    Name,
    Version,
    ReplacesId,
    RetiredAt,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum InspectionPlanItem {
    Table,
    Id,
    PlanId,
    Position,
    Area,
    Title,
    Weight,
}

#[derive(DeriveIden)]
enum Inspection {
    Table,
    Id,
    BuildingId,
    PlanId,
    Kind,
    Status,
    ScheduledAt,
    InspectorId,
    CreatedBy,
    StartedAt,
    CompletedAt,
    Total,
    Summary,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum InspectionScore {
    Table,
    Id,
    InspectionId,
    ItemId,
    Position,
    Area,
    Title,
    Weight,
    Score,
    Note,
}

#[derive(DeriveIden)]
enum InspectionFinding {
    Table,
    Id,
    InspectionId,
    ItemId,
    Area,
    Severity,
    Note,
    ResponsibleStaffId,
    NeedsWork,
    WorkOrderId,
    RectificationId,
    CreatedAt,
}
