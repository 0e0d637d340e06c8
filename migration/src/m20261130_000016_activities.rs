//! Community activities: the activity, its audience (the notices' audience model), sign-ups
//! with the household members they bring, and feedback from those who attended.
//!
//! `activity.service_centre_id` has no foreign key (the service-centre table is created by the
//! next migration); the activities service checks that a named centre exists on every write.

use sea_orm_migration::prelude::*;

use crate::support::{at, at_null, fk};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

/// A counter: a required integer starting at 0.
fn int(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column)
        .integer()
        .not_null()
        .default(0)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Activity as A;
        use ActivityAudience as Au;
        use ActivityFeedback as F;
        use ActivitySignUp as S;
        use ActivitySignUpMember as M;
        manager
            .create_table(
                Table::create()
                    .table(A::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(A::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(A::Kind).string_len(24).not_null())
                    .col(ColumnDef::new(A::Title).string_len(200).not_null())
                    .col(ColumnDef::new(A::Description).text().not_null())
                    .col(ColumnDef::new(A::OrganiserId).uuid().not_null())
                    .col(ColumnDef::new(A::OrganiserName).string_len(200).null())
                    .col(ColumnDef::new(A::Place).string_len(300).not_null())
                    .col(ColumnDef::new(A::ServiceCentreId).uuid().null())
                    .col(at(A::StartsAt))
                    .col(at(A::EndsAt))
                    .col(int(A::Capacity))
                    .col(at(A::SignUpOpensAt))
                    .col(at(A::SignUpClosesAt))
                    .col(at(A::CancelUntil))
                    .col(int(A::HouseholdLimit))
                    .col(ColumnDef::new(A::MembersAllowed).boolean().not_null())
                    .col(ColumnDef::new(A::Status).string_len(16).not_null())
                    .col(int(A::SeatsTaken))
                    .col(int(A::WaitlistLength))
                    .col(int(A::WaitlistNext))
                    .col(int(A::Version))
                    .col(ColumnDef::new(A::CreatedBy).uuid().not_null())
                    .col(at(A::CreatedAt))
                    .col(at(A::UpdatedAt))
                    .col(at_null(A::PublishedAt))
                    .col(at_null(A::CancelledAt))
                    .col(ColumnDef::new(A::CancelReason).text().null())
                    .col(at_null(A::NoShowsMarkedAt))
                    .foreign_key(&mut fk(A::Table, A::OrganiserId, User::Table, User::Id))
                    .foreign_key(&mut fk(A::Table, A::CreatedBy, User::Table, User::Id))
                    .to_owned(),
            )
            .await?;
        // The list's order, and the no-show job's search.
        manager
            .create_index(
                Index::create()
                    .name("activity_starts_idx")
                    .table(A::Table)
                    .col(A::StartsAt)
                    .col(A::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("activity_no_show_idx")
                    .table(A::Table)
                    .col(A::Status)
                    .col(A::NoShowsMarkedAt)
                    .col(A::EndsAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Au::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(Au::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Au::ActivityId).uuid().not_null())
                    .col(ColumnDef::new(Au::Scope).string_len(16).not_null())
                    .col(ColumnDef::new(Au::BuildingId).uuid().null())
                    .col(ColumnDef::new(Au::Floor).integer().null())
                    .col(ColumnDef::new(Au::UnitId).uuid().null())
                    .col(ColumnDef::new(Au::Role).string_len(32).null())
                    .foreign_key(&mut fk(Au::Table, Au::ActivityId, A::Table, A::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("activity_audience_activity_idx")
                    .table(Au::Table)
                    .col(Au::ActivityId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(S::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(S::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(S::ActivityId).uuid().not_null())
                    .col(ColumnDef::new(S::UserId).uuid().not_null())
                    .col(ColumnDef::new(S::UnitId).uuid().not_null())
                    .col(ColumnDef::new(S::IncludeSelf).boolean().not_null())
                    .col(int(S::Seats))
                    .col(ColumnDef::new(S::Status).string_len(16).not_null())
                    .col(ColumnDef::new(S::WaitlistSeq).integer().null())
                    .col(ColumnDef::new(S::CheckInCode).string_len(16).not_null())
                    .col(at(S::CreatedAt))
                    .col(at(S::UpdatedAt))
                    .col(at_null(S::ConfirmedAt))
                    .col(at_null(S::CheckedInAt))
                    .col(ColumnDef::new(S::CheckedInBy).uuid().null())
                    .col(at_null(S::CancelledAt))
                    .foreign_key(&mut fk(S::Table, S::ActivityId, A::Table, A::Id))
                    .foreign_key(&mut fk(S::Table, S::UserId, User::Table, User::Id))
                    .foreign_key(&mut fk(S::Table, S::UnitId, Unit::Table, Unit::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("activity_sign_up_code_key")
                    .table(S::Table)
                    .col(S::CheckInCode)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("activity_sign_up_activity_idx")
                    .table(S::Table)
                    .col(S::ActivityId)
                    .col(S::Status)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("activity_sign_up_user_idx")
                    .table(S::Table)
                    .col(S::UserId)
                    .col(S::Id)
                    .to_owned(),
            )
            .await?;
        // One live sign-up per resident and activity (a cancelled one may be followed by a new
        // one). Both backends take this partial index as written.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX IF NOT EXISTS activity_sign_up_live_key \
                 ON activity_sign_up (activity_id, user_id) WHERE status <> 'CANCELLED'",
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(M::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(M::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(M::SignUpId).uuid().not_null())
                    .col(ColumnDef::new(M::ActivityId).uuid().not_null())
                    .col(ColumnDef::new(M::HouseholdMemberId).uuid().not_null())
                    .foreign_key(&mut fk(M::Table, M::SignUpId, S::Table, S::Id))
                    .foreign_key(&mut fk(
                        M::Table,
                        M::HouseholdMemberId,
                        HouseholdMember::Table,
                        HouseholdMember::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("activity_sign_up_member_idx")
                    .table(M::Table)
                    .col(M::ActivityId)
                    .col(M::HouseholdMemberId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("activity_sign_up_member_sign_up_idx")
                    .table(M::Table)
                    .col(M::SignUpId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(F::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(F::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(F::ActivityId).uuid().not_null())
                    .col(ColumnDef::new(F::SignUpId).uuid().not_null())
                    .col(ColumnDef::new(F::UserId).uuid().not_null())
                    .col(ColumnDef::new(F::Rating).integer().not_null())
                    .col(ColumnDef::new(F::Comment).text().null())
                    .col(at(F::CreatedAt))
                    .foreign_key(&mut fk(F::Table, F::ActivityId, A::Table, A::Id))
                    .foreign_key(&mut fk(F::Table, F::SignUpId, S::Table, S::Id))
                    .to_owned(),
            )
            .await?;
        // Feedback once per sign-up.
        manager
            .create_index(
                Index::create()
                    .name("activity_feedback_sign_up_key")
                    .table(F::Table)
                    .col(F::SignUpId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("activity_feedback_activity_idx")
                    .table(F::Table)
                    .col(F::ActivityId)
                    .col(F::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ActivityFeedback::Table.into_iden(),
            ActivitySignUpMember::Table.into_iden(),
            ActivitySignUp::Table.into_iden(),
            ActivityAudience::Table.into_iden(),
            Activity::Table.into_iden(),
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
enum Unit {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum HouseholdMember {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Activity {
    Table,
    Id,
    Kind,
    Title,
    Description,
    OrganiserId,
    OrganiserName,
    Place,
    ServiceCentreId,
    StartsAt,
    EndsAt,
    Capacity,
    SignUpOpensAt,
    SignUpClosesAt,
    CancelUntil,
    HouseholdLimit,
    MembersAllowed,
    Status,
    SeatsTaken,
    WaitlistLength,
    WaitlistNext,
    Version,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
    PublishedAt,
    CancelledAt,
    CancelReason,
    NoShowsMarkedAt,
}

#[derive(DeriveIden)]
enum ActivityAudience {
    Table,
    Id,
    ActivityId,
    Scope,
    BuildingId,
    Floor,
    UnitId,
    Role,
}

#[derive(DeriveIden)]
enum ActivitySignUp {
    Table,
    Id,
    ActivityId,
    UserId,
    UnitId,
    IncludeSelf,
    Seats,
    Status,
    WaitlistSeq,
    CheckInCode,
    CreatedAt,
    UpdatedAt,
    ConfirmedAt,
    CheckedInAt,
    CheckedInBy,
    CancelledAt,
}

#[derive(DeriveIden)]
enum ActivitySignUpMember {
    Table,
    Id,
    SignUpId,
    ActivityId,
    HouseholdMemberId,
}

#[derive(DeriveIden)]
enum ActivityFeedback {
    Table,
    Id,
    ActivityId,
    SignUpId,
    UserId,
    Rating,
    Comment,
    CreatedAt,
}
