//! Conduct: versioned policy documents, staff acknowledgements of them, and the rewards and
//! penalties ledger.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

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

fn fk(
    from_table: impl IntoIden,
    from: impl IntoIden,
    to_table: impl IntoIden,
    to: impl IntoIden,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from_table, from)
        .to(to_table, to)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use LedgerEntry as L;
        use PolicyAcknowledgement as A;
        use PolicyVersion as P;
        manager
            .create_table(
                Table::create()
                    .table(P::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(P::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(P::Policy).string_len(32).not_null())
                    .col(ColumnDef::new(P::Version).integer().not_null())
                    .col(ColumnDef::new(P::Title).string_len(200).not_null())
                    .col(ColumnDef::new(P::Body).text().null())
                    .col(ColumnDef::new(P::Url).string_len(2000).null())
                    .col(ColumnDef::new(P::Posts).text().not_null())
                    .col(ColumnDef::new(P::GraceDays).integer().not_null())
                    .col(at(P::PublishedAt))
                    .col(ColumnDef::new(P::PublishedBy).uuid().not_null())
                    .foreign_key(&mut fk(P::Table, P::PublishedBy, User::Table, User::Id))
                    .to_owned(),
            )
            .await?;
        // One number per version of a policy: two administrators publishing at once cannot both
        // take the next one.
        manager
            .create_index(
                Index::create()
                    .name("policy_version_policy_version_key")
                    .table(P::Table)
                    .col(P::Policy)
                    .col(P::Version)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(A::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(A::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(A::StaffId).uuid().not_null())
                    .col(ColumnDef::new(A::VersionId).uuid().not_null())
                    .col(ColumnDef::new(A::Policy).string_len(32).not_null())
                    .col(at(A::AcknowledgedAt))
                    .foreign_key(&mut fk(
                        A::Table,
                        A::StaffId,
                        StaffRecord::Table,
                        StaffRecord::Id,
                    ))
                    .foreign_key(&mut fk(A::Table, A::VersionId, P::Table, P::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("policy_acknowledgement_staff_version_key")
                    .table(A::Table)
                    .col(A::StaffId)
                    .col(A::VersionId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(L::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(L::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(L::StaffId).uuid().not_null())
                    .col(ColumnDef::new(L::Kind).string_len(16).not_null())
                    .col(ColumnDef::new(L::Status).string_len(16).not_null())
                    .col(ColumnDef::new(L::Amount).string_len(20).null())
                    .col(ColumnDef::new(L::Reason).text().not_null())
                    .col(ColumnDef::new(L::SourceKind).string_len(16).null())
                    .col(ColumnDef::new(L::SourceId).uuid().null())
                    .col(at_null(L::SuspensionFrom))
                    .col(at_null(L::SuspensionUntil))
                    .col(ColumnDef::new(L::SuspensionState).string_len(16).null())
                    .col(ColumnDef::new(L::ProposedBy).uuid().not_null())
                    .col(at(L::ProposedAt))
                    .col(ColumnDef::new(L::DecidedBy).uuid().null())
                    .col(at_null(L::DecidedAt))
                    .col(ColumnDef::new(L::DecisionNote).text().null())
                    .col(ColumnDef::new(L::AppealReason).text().null())
                    .col(at_null(L::AppealedAt))
                    .col(ColumnDef::new(L::AppealDecidedBy).uuid().null())
                    .col(at_null(L::AppealDecidedAt))
                    .col(ColumnDef::new(L::AppealNote).text().null())
                    .col(at(L::UpdatedAt))
                    .foreign_key(&mut fk(
                        L::Table,
                        L::StaffId,
                        StaffRecord::Table,
                        StaffRecord::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ledger_entry_staff_idx")
                    .table(L::Table)
                    .col(L::StaffId)
                    .col(L::Id)
                    .to_owned(),
            )
            .await?;
        // The suspension job looks for suspensions to start and to end.
        manager
            .create_index(
                Index::create()
                    .name("ledger_entry_suspension_idx")
                    .table(L::Table)
                    .col(L::SuspensionState)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            LedgerEntry::Table.into_iden(),
            PolicyAcknowledgement::Table.into_iden(),
            PolicyVersion::Table.into_iden(),
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
enum StaffRecord {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum PolicyVersion {
    Table,
    Id,
    Policy,
    Version,
    Title,
    Body,
    Url,
    Posts,
    GraceDays,
    PublishedAt,
    PublishedBy,
}

#[derive(DeriveIden)]
enum PolicyAcknowledgement {
    Table,
    Id,
    StaffId,
    VersionId,
    Policy,
    AcknowledgedAt,
}

#[derive(DeriveIden)]
enum LedgerEntry {
    Table,
    Id,
    StaffId,
    Kind,
    Status,
    Amount,
    Reason,
    SourceKind,
    SourceId,
    SuspensionFrom,
    SuspensionUntil,
    SuspensionState,
    ProposedBy,
    ProposedAt,
    DecidedBy,
    DecidedAt,
    DecisionNote,
    AppealReason,
    AppealedAt,
    AppealDecidedBy,
    AppealDecidedAt,
    AppealNote,
    UpdatedAt,
}
