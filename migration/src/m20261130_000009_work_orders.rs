//! Work orders: the order itself with its service-level clocks, its assistants, its timeline
//! (every status change), comments, the requester's rating, and the per-year number counter.

use sea_orm_migration::prelude::*;

use crate::m20261130_000008_service_catalogue::{ServiceCategory, ServiceOffering, ServiceSlot};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

fn fk(
    from_table: impl IntoIden,
    from: impl IntoIden,
    to_table: impl IntoIden,
    to: impl IntoIden,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from_table, from)
        .to(to_table, to)
        .on_delete(on_delete)
        .to_owned()
}

fn at(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

fn at_null(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column)
        .timestamp_with_time_zone()
        .null()
        .to_owned()
}

fn int(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column)
        .integer()
        .not_null()
        .default(0)
        .to_owned()
}

fn flag(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column)
        .boolean()
        .not_null()
        .default(false)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ForeignKeyAction::{Cascade, Restrict, SetNull};
        use WorkOrder as W;
        manager
            .create_table(
                Table::create()
                    .table(WorkOrderCounter::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(WorkOrderCounter::Year)
                            .integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(int(WorkOrderCounter::Last))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(W::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(W::Id).uuid().not_null().primary_key())
                    .col(
                        ColumnDef::new(W::Number)
                            .string_len(20)
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(W::BuildingId).uuid().not_null())
                    .col(ColumnDef::new(W::UnitId).uuid().null())
                    .col(ColumnDef::new(W::Location).string_len(200).null())
                    .col(ColumnDef::new(W::CategoryId).uuid().not_null())
                    .col(ColumnDef::new(W::OfferingId).uuid().null())
                    .col(ColumnDef::new(W::SlotId).uuid().null())
                    .col(ColumnDef::new(W::RequesterId).uuid().not_null())
                    .col(ColumnDef::new(W::Channel).string_len(20).not_null())
                    .col(ColumnDef::new(W::Title).string_len(200).not_null())
                    .col(ColumnDef::new(W::Description).text().not_null())
                    .col(ColumnDef::new(W::Priority).string_len(16).not_null())
                    .col(ColumnDef::new(W::Status).string_len(16).not_null())
                    .col(ColumnDef::new(W::AssigneeId).uuid().null())
                    .col(at(W::ResponseDueAt))
                    .col(at(W::ResolutionDueAt))
                    .col(at_null(W::FirstResponseAt))
                    .col(at_null(W::ResolvedAt))
                    .col(at_null(W::ClosedAt))
                    .col(at_null(W::PausedAt))
                    .col(
                        ColumnDef::new(W::PausedSeconds)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .col(ColumnDef::new(W::HoldReason).string_len(24).null())
                    .col(flag(W::ResponseWarned))
                    .col(flag(W::ResponseBreached))
                    .col(flag(W::ResolutionWarned))
                    .col(flag(W::ResolutionBreached))
                    .col(flag(W::Escalated))
                    .col(flag(W::ReturnVisitDone))
                    .col(int(W::ReopenCount))
                    .col(int(W::UrgeCount))
                    .col(at_null(W::LastUrgedAt))
                    .col(ColumnDef::new(W::Amount).string_len(20).null())
                    .col(ColumnDef::new(W::Resolution).text().null())
                    .col(int(W::Version))
                    .col(at(W::CreatedAt))
                    .col(at(W::UpdatedAt))
                    .foreign_key(&mut fk(
                        W::Table,
                        W::BuildingId,
                        Building::Table,
                        Building::Id,
                        Cascade,
                    ))
                    .foreign_key(&mut fk(W::Table, W::UnitId, Unit::Table, Unit::Id, SetNull))
                    .foreign_key(&mut fk(
                        W::Table,
                        W::CategoryId,
                        ServiceCategory::Table,
                        ServiceCategory::Id,
                        Restrict,
                    ))
                    .foreign_key(&mut fk(
                        W::Table,
                        W::OfferingId,
                        ServiceOffering::Table,
                        ServiceOffering::Id,
                        SetNull,
                    ))
                    .foreign_key(&mut fk(
                        W::Table,
                        W::SlotId,
                        ServiceSlot::Table,
                        ServiceSlot::Id,
                        SetNull,
                    ))
                    .foreign_key(&mut fk(
                        W::Table,
                        W::RequesterId,
                        User::Table,
                        User::Id,
                        Cascade,
                    ))
                    .foreign_key(&mut fk(
                        W::Table,
                        W::AssigneeId,
                        StaffRecord::Table,
                        StaffRecord::Id,
                        SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            (
                "idx_work_order_requester",
                vec![W::RequesterId, W::CreatedAt],
            ),
            ("idx_work_order_assignee", vec![W::AssigneeId, W::Status]),
            (
                "idx_work_order_building_status",
                vec![W::BuildingId, W::Status],
            ),
            ("idx_work_order_unit", vec![W::UnitId]),
            (
                "idx_work_order_status_due",
                vec![W::Status, W::ResolutionDueAt],
            ),
        ] {
            let mut index = Index::create().name(name).table(W::Table).to_owned();
            for column in columns {
                index.col(column);
            }
            manager.create_index(index).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(WorkOrderAssistant::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(WorkOrderAssistant::WorkOrderId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(WorkOrderAssistant::StaffId)
                            .uuid()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(WorkOrderAssistant::WorkOrderId)
                            .col(WorkOrderAssistant::StaffId),
                    )
                    .foreign_key(&mut fk(
                        WorkOrderAssistant::Table,
                        WorkOrderAssistant::WorkOrderId,
                        W::Table,
                        W::Id,
                        Cascade,
                    ))
                    .foreign_key(&mut fk(
                        WorkOrderAssistant::Table,
                        WorkOrderAssistant::StaffId,
                        StaffRecord::Table,
                        StaffRecord::Id,
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WorkOrderEntry::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(WorkOrderEntry::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(WorkOrderEntry::WorkOrderId)
                            .uuid()
                            .not_null(),
                    )
                    .col(ColumnDef::new(WorkOrderEntry::ActorId).uuid().null())
                    .col(
                        ColumnDef::new(WorkOrderEntry::Action)
                            .string_len(24)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(WorkOrderEntry::FromStatus)
                            .string_len(16)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(WorkOrderEntry::ToStatus)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(ColumnDef::new(WorkOrderEntry::Reason).text().null())
                    .col(flag(WorkOrderEntry::Internal))
                    .col(at(WorkOrderEntry::At))
                    .foreign_key(&mut fk(
                        WorkOrderEntry::Table,
                        WorkOrderEntry::WorkOrderId,
                        W::Table,
                        W::Id,
                        Cascade,
                    ))
                    .foreign_key(&mut fk(
                        WorkOrderEntry::Table,
                        WorkOrderEntry::ActorId,
                        User::Table,
                        User::Id,
                        SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_work_order_entry_order")
                    .table(WorkOrderEntry::Table)
                    .col(WorkOrderEntry::WorkOrderId)
                    .col(WorkOrderEntry::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WorkOrderComment::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(WorkOrderComment::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(WorkOrderComment::WorkOrderId)
                            .uuid()
                            .not_null(),
                    )
                    .col(ColumnDef::new(WorkOrderComment::AuthorId).uuid().not_null())
                    .col(ColumnDef::new(WorkOrderComment::Body).text().not_null())
                    .col(
                        ColumnDef::new(WorkOrderComment::Visibility)
                            .string_len(20)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(WorkOrderComment::Attachments)
                            .text()
                            .not_null(),
                    )
                    .col(at(WorkOrderComment::CreatedAt))
                    .foreign_key(&mut fk(
                        WorkOrderComment::Table,
                        WorkOrderComment::WorkOrderId,
                        W::Table,
                        W::Id,
                        Cascade,
                    ))
                    .foreign_key(&mut fk(
                        WorkOrderComment::Table,
                        WorkOrderComment::AuthorId,
                        User::Table,
                        User::Id,
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_work_order_comment_order")
                    .table(WorkOrderComment::Table)
                    .col(WorkOrderComment::WorkOrderId)
                    .col(WorkOrderComment::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WorkOrderRating::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(WorkOrderRating::WorkOrderId)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(WorkOrderRating::RaterId).uuid().not_null())
                    .col(
                        ColumnDef::new(WorkOrderRating::Score)
                            .small_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(WorkOrderRating::Speed)
                            .small_integer()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(WorkOrderRating::Attitude)
                            .small_integer()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(WorkOrderRating::Quality)
                            .small_integer()
                            .null(),
                    )
                    .col(ColumnDef::new(WorkOrderRating::Tags).text().not_null())
                    .col(ColumnDef::new(WorkOrderRating::Comment).text().null())
                    .col(flag(WorkOrderRating::NotFixed))
                    .col(ColumnDef::new(WorkOrderRating::Reply).text().null())
                    .col(at_null(WorkOrderRating::RepliedAt))
                    .col(at(WorkOrderRating::CreatedAt))
                    .foreign_key(&mut fk(
                        WorkOrderRating::Table,
                        WorkOrderRating::WorkOrderId,
                        W::Table,
                        W::Id,
                        Cascade,
                    ))
                    .foreign_key(&mut fk(
                        WorkOrderRating::Table,
                        WorkOrderRating::RaterId,
                        User::Table,
                        User::Id,
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            WorkOrderRating::Table.into_iden(),
            WorkOrderComment::Table.into_iden(),
            WorkOrderEntry::Table.into_iden(),
            WorkOrderAssistant::Table.into_iden(),
            WorkOrder::Table.into_iden(),
            WorkOrderCounter::Table.into_iden(),
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
enum Unit {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum StaffRecord {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum WorkOrderCounter {
    Table,
    Year,
    Last,
}

#[derive(DeriveIden, Clone, Copy)]
enum WorkOrder {
    Table,
    Id,
    Number,
    BuildingId,
    UnitId,
    Location,
    CategoryId,
    OfferingId,
    SlotId,
    RequesterId,
    Channel,
    Title,
    Description,
    Priority,
    Status,
    AssigneeId,
    ResponseDueAt,
    ResolutionDueAt,
    FirstResponseAt,
    ResolvedAt,
    ClosedAt,
    PausedAt,
    PausedSeconds,
    HoldReason,
    ResponseWarned,
    ResponseBreached,
    ResolutionWarned,
    ResolutionBreached,
    Escalated,
    ReturnVisitDone,
    ReopenCount,
    UrgeCount,
    LastUrgedAt,
    Amount,
    Resolution,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum WorkOrderAssistant {
    Table,
    WorkOrderId,
    StaffId,
}

#[derive(DeriveIden)]
enum WorkOrderEntry {
    Table,
    Id,
    WorkOrderId,
    ActorId,
    Action,
    FromStatus,
    ToStatus,
    Reason,
    Internal,
    At,
}

#[derive(DeriveIden)]
enum WorkOrderComment {
    Table,
    Id,
    WorkOrderId,
    AuthorId,
    Body,
    Visibility,
    Attachments,
    CreatedAt,
}

#[derive(DeriveIden)]
enum WorkOrderRating {
    Table,
    WorkOrderId,
    RaterId,
    Score,
    Speed,
    Attitude,
    Quality,
    Tags,
    Comment,
    NotFixed,
    Reply,
    RepliedAt,
    CreatedAt,
}
