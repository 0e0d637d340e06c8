//! Personalised care: care plans for household members (children, elders, pets) with a weekly
//! schedule and an assigned caregiver (a staff caregiver or a partner care agency / pet
//! service), the visits each scheduled occurrence becomes, and the household member a booked
//! work order is for.

use sea_orm_migration::prelude::*;

use crate::support::{
    at, at_null, fk, fk_null, id as primary, index, int, string as text, string_null as text_null,
    uuid as id, uuid_null as id_null,
};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use CarePlan as P;
        use CareVisit as V;
        manager
            .create_table(
                Table::create()
                    .table(P::Table)
                    .if_not_exists()
                    .col(primary(P::Id))
                    .col(id(P::HouseholdMemberId))
                    .col(id(P::UnitId))
                    .col(id(P::BuildingId))
                    .col(text(P::MemberKind, 16))
                    .col(ColumnDef::new(P::Needs).text().not_null())
                    .col(text(P::VisitKind, 32))
                    .col(int(P::Days))
                    .col(int(P::StartMinute))
                    .col(int(P::DurationMinutes))
                    .col(id_null(P::CaregiverStaffId))
                    .col(id_null(P::CaregiverUserId))
                    .col(id_null(P::CaregiverPartnerId))
                    .col(ColumnDef::new(P::StartsOn).date().not_null())
                    .col(ColumnDef::new(P::EndsOn).date().null())
                    .col(text(P::Status, 16))
                    .col(at(P::MaterialisedUntil))
                    .col(id(P::CreatedBy))
                    .col(at(P::CreatedAt))
                    .col(at(P::UpdatedAt))
                    .col(at_null(P::EndedAt))
                    .col(text_null(P::EndReason, 500))
                    .foreign_key(&mut fk(
                        P::Table,
                        P::HouseholdMemberId,
                        HouseholdMember::Table,
                        HouseholdMember::Id,
                    ))
                    .foreign_key(&mut fk_null(
                        P::Table,
                        P::CaregiverPartnerId,
                        Partner::Table,
                        Partner::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            ("care_plan_member_idx", &["household_member_id"][..]),
            ("care_plan_unit_idx", &["unit_id"][..]),
            ("care_plan_building_idx", &["building_id"][..]),
            ("care_plan_caregiver_user_idx", &["caregiver_user_id"][..]),
            (
                "care_plan_caregiver_partner_idx",
                &["caregiver_partner_id"][..],
            ),
            (
                "care_plan_status_idx",
                &["status", "materialised_until"][..],
            ),
        ] {
            manager.create_index(index(name, P::Table, cols)).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(V::Table)
                    .if_not_exists()
                    .col(primary(V::Id))
                    .col(id(V::PlanId))
                    .col(at(V::ScheduledAt))
                    .col(at(V::WindowEndsAt))
                    .col(text(V::Status, 16))
                    .col(text_null(V::Reason, 500))
                    .col(ColumnDef::new(V::Notes).text().null())
                    .col(id_null(V::RecordedBy))
                    .col(at_null(V::RecordedAt))
                    .col(
                        ColumnDef::new(V::Detected)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(at(V::CreatedAt))
                    .foreign_key(&mut fk(V::Table, V::PlanId, P::Table, P::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("care_visit_plan_scheduled_key")
                    .table(V::Table)
                    .col(V::PlanId)
                    .col(V::ScheduledAt)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "care_visit_status_window_idx",
                V::Table,
                &["status", "window_ends_at"],
            ))
            .await?;
        manager
            .create_index(index(
                "care_visit_scheduled_idx",
                V::Table,
                &["scheduled_at"],
            ))
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(WorkOrder::Table)
                    .add_column(ColumnDef::new(WorkOrder::HouseholdMemberId).uuid().null())
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(WorkOrder::Table)
                    .drop_column(WorkOrder::HouseholdMemberId)
                    .to_owned(),
            )
            .await?;
        for table in [CareVisit::Table.into_iden(), CarePlan::Table.into_iden()] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum CarePlan {
    Table,
    Id,
    HouseholdMemberId,
    UnitId,
    BuildingId,
    MemberKind,
    Needs,
    VisitKind,
    Days,
    StartMinute,
    DurationMinutes,
    CaregiverStaffId,
    CaregiverUserId,
    CaregiverPartnerId,
    StartsOn,
    EndsOn,
    Status,
    MaterialisedUntil,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
    EndedAt,
    EndReason,
}

#[derive(DeriveIden, Clone, Copy)]
enum CareVisit {
    Table,
    Id,
    PlanId,
    ScheduledAt,
    WindowEndsAt,
    Status,
    Reason,
    Notes,
    RecordedBy,
    RecordedAt,
    Detected,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum HouseholdMember {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Partner {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum WorkOrder {
    Table,
    HouseholdMemberId,
}
