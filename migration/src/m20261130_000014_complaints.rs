//! Complaints and suggestions: the complaint (with its deadlines, handler, reply, reopen,
//! appeal and rating), its timeline, and the per-user submission quota that rate-limits
//! complainants (anonymous ones too).

use sea_orm_migration::prelude::*;

use crate::support::{at, at_null, fk, fk_null, id, index, string, uuid, uuid_null};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Complaint as C;
        use ComplaintEntry as E;
        use ComplaintQuota as Q;
        manager
            .create_table(
                Table::create()
                    .table(C::Table)
                    .if_not_exists()
                    .col(id(C::Id))
                    .col(uuid(C::BuildingId))
                    .col(uuid(C::ComplainantId))
                    .col(string(C::Kind, 24))
                    .col(string(C::Title, 200))
                    .col(ColumnDef::new(C::Description).text().not_null())
                    .col(uuid_null(C::WorkOrderId))
                    .col(uuid_null(C::StaffId))
                    .col(ColumnDef::new(C::Anonymous).boolean().not_null())
                    .col(string(C::Status, 16))
                    .col(uuid_null(C::HandlerId))
                    .col(at(C::AckDueAt))
                    .col(at(C::ReplyDueAt))
                    .col(at_null(C::AcknowledgedAt))
                    .col(at_null(C::RepliedAt))
                    .col(at_null(C::FirstRepliedAt))
                    .col(at_null(C::ClosedAt))
                    .col(ColumnDef::new(C::Reply).text().null())
                    .col(ColumnDef::new(C::ReopenCount).integer().not_null())
                    .col(at_null(C::AppealedAt))
                    .col(ColumnDef::new(C::AppealReason).text().null())
                    .col(uuid_null(C::RectificationId))
                    .col(ColumnDef::new(C::Rating).small_integer().null())
                    .col(ColumnDef::new(C::RatingComment).text().null())
                    .col(at_null(C::RatedAt))
                    .col(uuid_null(C::PraiseEntryId))
                    .col(at_null(C::AckRemindedAt))
                    .col(at_null(C::AckEscalatedAt))
                    .col(at_null(C::ReplyRemindedAt))
                    .col(at_null(C::ReplyEscalatedAt))
                    .col(ColumnDef::new(C::Version).integer().not_null())
                    .col(at(C::CreatedAt))
                    .col(at(C::UpdatedAt))
                    .foreign_key(&mut fk(
                        C::Table,
                        C::BuildingId,
                        Building::Table,
                        Building::Id,
                    ))
                    .foreign_key(&mut fk(C::Table, C::ComplainantId, User::Table, User::Id))
                    .foreign_key(&mut fk_null(
                        C::Table,
                        C::WorkOrderId,
                        WorkOrder::Table,
                        WorkOrder::Id,
                    ))
                    .foreign_key(&mut fk_null(
                        C::Table,
                        C::StaffId,
                        StaffRecord::Table,
                        StaffRecord::Id,
                    ))
                    .foreign_key(&mut fk_null(
                        C::Table,
                        C::HandlerId,
                        StaffRecord::Table,
                        StaffRecord::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        // A building's board, a complainant's own list, a handler's queue, the deadline sweep.
        for (name, cols) in [
            ("complaint_building_idx", &["building_id", "status"][..]),
            (
                "complaint_complainant_idx",
                &["complainant_id", "created_at"][..],
            ),
            ("complaint_handler_idx", &["handler_id", "status"][..]),
            ("complaint_staff_idx", &["staff_id"][..]),
            ("complaint_status_idx", &["status", "updated_at"][..]),
        ] {
            manager.create_index(index(name, C::Table, cols)).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(E::Table)
                    .if_not_exists()
                    .col(id(E::Id))
                    .col(uuid(E::ComplaintId))
                    .col(uuid_null(E::ActorId))
                    .col(ColumnDef::new(E::ByComplainant).boolean().not_null())
                    .col(string(E::Action, 16))
                    .col(ColumnDef::new(E::FromStatus).string_len(16).null())
                    .col(string(E::ToStatus, 16))
                    .col(ColumnDef::new(E::Note).text().null())
                    .col(ColumnDef::new(E::Internal).boolean().not_null())
                    .col(at(E::At))
                    .foreign_key(&mut fk(E::Table, E::ComplaintId, C::Table, C::Id))
                    .foreign_key(&mut fk_null(E::Table, E::ActorId, User::Table, User::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "complaint_entry_complaint_idx",
                E::Table,
                &["complaint_id", "id"],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Q::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(Q::UserId).uuid().not_null().primary_key())
                    .col(at(Q::WindowStartedAt))
                    .col(ColumnDef::new(Q::Used).integer().not_null())
                    .foreign_key(&mut fk(Q::Table, Q::UserId, User::Table, User::Id))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ComplaintQuota::Table.into_iden(),
            ComplaintEntry::Table.into_iden(),
            Complaint::Table.into_iden(),
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
enum Complaint {
    Table,
    Id,
    BuildingId,
    ComplainantId,
    Kind,
    Title,
    Description,
    WorkOrderId,
    StaffId,
    Anonymous,
    Status,
    HandlerId,
    AckDueAt,
    ReplyDueAt,
    AcknowledgedAt,
    RepliedAt,
    FirstRepliedAt,
    ClosedAt,
    Reply,
    ReopenCount,
    AppealedAt,
    AppealReason,
    RectificationId,
    Rating,
    RatingComment,
    RatedAt,
    PraiseEntryId,
    AckRemindedAt,
    AckEscalatedAt,
    ReplyRemindedAt,
    ReplyEscalatedAt,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ComplaintEntry {
    Table,
    Id,
    ComplaintId,
    ActorId,
    ByComplainant,
    Action,
    FromStatus,
    ToStatus,
    Note,
    Internal,
    At,
}

#[derive(DeriveIden)]
enum ComplaintQuota {
    Table,
    UserId,
    WindowStartedAt,
    Used,
}
