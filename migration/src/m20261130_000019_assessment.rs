//! Staff assessment (考核评价): cycles (a period, a staff group, weighted indicators, minimum
//! samples, corrections as new revisions), the peer reviews and supervisor scores entered while a
//! cycle is open, and the per-staff results its finalisation writes.

use sea_orm_migration::prelude::*;

use crate::support::{
    at, at_null, fk, fk_null, id, index, int, string, string_null, uuid, uuid_null,
};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use AssessmentCycle as C;
        use AssessmentResult as R;
        use AssessmentReview as V;

        manager
            .create_table(
                Table::create()
                    .table(C::Table)
                    .if_not_exists()
                    .col(id(C::Id))
                    .col(string(C::Name, 200))
                    .col(string(C::Period, 16))
                    .col(ColumnDef::new(C::Posts).text().not_null())
                    .col(at(C::StartsAt))
                    .col(at(C::EndsAt))
                    .col(ColumnDef::new(C::Indicators).text().not_null())
                    .col(ColumnDef::new(C::MinSamples).text().not_null())
                    .col(string(C::Status, 16))
                    .col(int(C::Revision))
                    .col(uuid_null(C::Supersedes))
                    .col(int(C::Version))
                    .col(uuid(C::CreatedBy))
                    .col(uuid_null(C::FinalizedBy))
                    .col(at_null(C::FinalizedAt))
                    .col(at(C::CreatedAt))
                    .col(at(C::UpdatedAt))
                    .foreign_key(&mut fk_null(C::Table, C::Supersedes, C::Table, C::Id))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(V::Table)
                    .if_not_exists()
                    .col(id(V::Id))
                    .col(uuid(V::CycleId))
                    .col(string(V::Kind, 16))
                    .col(uuid(V::ReviewerId))
                    .col(uuid(V::StaffId))
                    .col(ColumnDef::new(V::Scores).text().not_null())
                    .col(ColumnDef::new(V::Comment).text().null())
                    .col(at(V::CreatedAt))
                    .foreign_key(&mut fk(V::Table, V::CycleId, C::Table, C::Id))
                    .foreign_key(&mut fk(V::Table, V::ReviewerId, User::Table, User::Id))
                    .foreign_key(&mut fk(
                        V::Table,
                        V::StaffId,
                        StaffRecord::Table,
                        StaffRecord::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        // One review per reviewer, reviewee, kind and cycle, even when two arrive at once.
        manager
            .create_index(
                index(
                    "assessment_review_key",
                    V::Table,
                    &["cycle_id", "kind", "reviewer_id", "staff_id"],
                )
                .unique()
                .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(R::Table)
                    .if_not_exists()
                    .col(id(R::Id))
                    .col(uuid(R::CycleId))
                    .col(uuid(R::StaffId))
                    .col(ColumnDef::new(R::Total).double().null())
                    .col(string_null(R::Grade, 1))
                    .col(string_null(R::PayFactor, 8))
                    .col(ColumnDef::new(R::Indicators).text().not_null())
                    .col(ColumnDef::new(R::LeftOut).text().not_null())
                    .col(uuid_null(R::LedgerEntryId))
                    .col(ColumnDef::new(R::Training).text().not_null())
                    .col(ColumnDef::new(R::Comment).text().null())
                    .col(at_null(R::CommentedAt))
                    .col(at(R::CreatedAt))
                    .foreign_key(&mut fk(R::Table, R::CycleId, C::Table, C::Id))
                    .foreign_key(&mut fk(
                        R::Table,
                        R::StaffId,
                        StaffRecord::Table,
                        StaffRecord::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index("assessment_result_key", R::Table, &["cycle_id", "staff_id"])
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "assessment_result_staff_idx",
                R::Table,
                &["staff_id"],
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AssessmentResult::Table.into_iden(),
            AssessmentReview::Table.into_iden(),
            AssessmentCycle::Table.into_iden(),
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

#[derive(DeriveIden, Clone, Copy)]
enum AssessmentCycle {
    Table,
    Id,
    Name,
    Period,
    Posts,
    StartsAt,
    EndsAt,
    Indicators,
    MinSamples,
    Status,
    Revision,
    Supersedes,
    Version,
    CreatedBy,
    FinalizedBy,
    FinalizedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum AssessmentReview {
    Table,
    Id,
    CycleId,
    Kind,
    ReviewerId,
    StaffId,
    Scores,
    Comment,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum AssessmentResult {
    Table,
    Id,
    CycleId,
    StaffId,
    Total,
    Grade,
    PayFactor,
    Indicators,
    LeftOut,
    LedgerEntryId,
    Training,
    Comment,
    CommentedAt,
    CreatedAt,
}
