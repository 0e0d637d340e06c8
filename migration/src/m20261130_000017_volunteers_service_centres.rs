//! Volunteers and the service centre: volunteer profiles, opportunities with shifts and
//! sign-ups, the time bank (an account per resident and its ledger of entries), service centres
//! with their opening hours, exceptions, buildings and services, appointment slots, appointments
//! and the per-centre, per-day queue-number counter.

use sea_orm_migration::prelude::*;

use crate::support::{
    at, at_null, fk, fk_null, int, int_null, string as text, string_null as text_null, uuid as id,
    uuid_null as id_null,
};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

async fn index(
    manager: &SchemaManager<'_>,
    name: &str,
    table: impl IntoIden + Copy,
    cols: Vec<DynIden>,
    unique: bool,
) -> Result<(), DbErr> {
    let mut index = Index::create();
    index.name(name).table(table);
    for col in cols {
        index.col(col);
    }
    if unique {
        index.unique();
    }
    manager.create_index(index.to_owned()).await
}

macro_rules! cols {
    ($($col:expr),+) => { vec![$($col.into_iden()),+] };
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Appointment as A;
        use AppointmentQueueCounter as Q;
        use AppointmentSlot as S;
        use ServiceCentre as C;
        use ServiceCentreBuilding as CB;
        use ServiceCentreException as CE;
        use ServiceCentreHours as CH;
        use ServiceCentreService as CS;
        use TimeBankAccount as TA;
        use TimeBankEntry as TE;
        use VolunteerOpportunity as O;
        use VolunteerProfile as P;
        use VolunteerShift as VS;
        use VolunteerSignUp as SU;

        manager
            .create_table(
                Table::create()
                    .table(P::Table)
                    .if_not_exists()
                    .col(id(P::Id).primary_key())
                    .col(id(P::UserId))
                    .col(ColumnDef::new(P::Skills).text().not_null())
                    .col(ColumnDef::new(P::Availability).text().not_null())
                    .col(ColumnDef::new(P::Verified).boolean().not_null())
                    .col(id_null(P::VerifiedBy))
                    .col(at_null(P::VerifiedAt))
                    .col(at(P::CreatedAt))
                    .col(at(P::UpdatedAt))
                    .foreign_key(&mut fk(P::Table, P::UserId, User::Table, User::Id))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "volunteer_profile_user_key",
            P::Table,
            cols!(P::UserId),
            true,
        )
        .await?;

        // `activity_id` names an activity of the activities domain (created by the previous
        // migration); the opportunity outlives a removed activity, standing alone.
        manager
            .create_table(
                Table::create()
                    .table(O::Table)
                    .if_not_exists()
                    .col(id(O::Id).primary_key())
                    .col(text(O::Title, 200))
                    .col(ColumnDef::new(O::Description).text().not_null())
                    .col(text(O::Kind, 32))
                    .col(id_null(O::ActivityId))
                    .col(id_null(O::CategoryId))
                    .col(text_null(O::Place, 200))
                    .col(text(O::Status, 16))
                    .col(id(O::CreatedBy))
                    .col(at(O::CreatedAt))
                    .col(at(O::UpdatedAt))
                    .foreign_key(&mut fk(
                        O::Table,
                        O::CategoryId,
                        ServiceCategory::Table,
                        ServiceCategory::Id,
                    ))
                    .foreign_key(&mut fk(O::Table, O::CreatedBy, User::Table, User::Id))
                    .foreign_key(&mut fk_null(
                        O::Table,
                        O::ActivityId,
                        Activity::Table,
                        Activity::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "volunteer_opportunity_activity_idx",
            O::Table,
            cols!(O::ActivityId),
            false,
        )
        .await?;
        index(
            manager,
            "volunteer_opportunity_category_idx",
            O::Table,
            cols!(O::CategoryId),
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(VS::Table)
                    .if_not_exists()
                    .col(id(VS::Id).primary_key())
                    .col(id(VS::OpportunityId))
                    .col(at(VS::StartsAt))
                    .col(at(VS::EndsAt))
                    .col(int(VS::Places))
                    .col(int(VS::Taken).default(0))
                    .col(at(VS::CreatedAt))
                    .foreign_key(&mut fk(VS::Table, VS::OpportunityId, O::Table, O::Id))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "volunteer_shift_opportunity_idx",
            VS::Table,
            cols!(VS::OpportunityId, VS::StartsAt),
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(SU::Table)
                    .if_not_exists()
                    .col(id(SU::Id).primary_key())
                    .col(id(SU::ShiftId))
                    .col(id(SU::OpportunityId))
                    .col(id(SU::UserId))
                    .col(text(SU::Status, 16))
                    .col(id_null(SU::ActiveShiftId))
                    .col(int_null(SU::Minutes))
                    .col(id_null(SU::VerifiedBy))
                    .col(at_null(SU::VerifiedAt))
                    .col(at(SU::CreatedAt))
                    .col(at(SU::UpdatedAt))
                    .foreign_key(&mut fk(SU::Table, SU::ShiftId, VS::Table, VS::Id))
                    .foreign_key(&mut fk(SU::Table, SU::UserId, User::Table, User::Id))
                    .to_owned(),
            )
            .await?;
        // One live sign-up per resident and shift: a cancelled one clears `active_shift_id`
        // (NULLs never collide), so signing up again after cancelling works, twice at once not.
        index(
            manager,
            "volunteer_sign_up_active_key",
            SU::Table,
            cols!(SU::UserId, SU::ActiveShiftId),
            true,
        )
        .await?;
        index(
            manager,
            "volunteer_sign_up_shift_idx",
            SU::Table,
            cols!(SU::ShiftId),
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(TA::Table)
                    .if_not_exists()
                    .col(id(TA::UserId).primary_key())
                    .col(int(TA::BalanceMinutes).default(0))
                    .col(at(TA::UpdatedAt))
                    .foreign_key(&mut fk(TA::Table, TA::UserId, User::Table, User::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TE::Table)
                    .if_not_exists()
                    .col(id(TE::Id).primary_key())
                    .col(id(TE::UserId))
                    .col(text(TE::Kind, 16))
                    .col(int(TE::Minutes))
                    .col(int(TE::BalanceAfter))
                    .col(id_null(TE::CounterpartId))
                    .col(id_null(TE::SignUpId))
                    .col(text_null(TE::Reference, 200))
                    .col(text_null(TE::Note, 500))
                    .col(id(TE::CreatedBy))
                    .col(at(TE::CreatedAt))
                    .foreign_key(&mut fk(TE::Table, TE::UserId, User::Table, User::Id))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "time_bank_entry_user_idx",
            TE::Table,
            cols!(TE::UserId, TE::Id),
            false,
        )
        .await?;
        // A sign-up earns once.
        index(
            manager,
            "time_bank_entry_sign_up_key",
            TE::Table,
            cols!(TE::SignUpId),
            true,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(C::Table)
                    .if_not_exists()
                    .col(id(C::Id).primary_key())
                    .col(text(C::Name, 100))
                    .col(text(C::Address, 300))
                    .col(text_null(C::Phone, 32))
                    .col(text_null(C::Email, 254))
                    .col(at(C::CreatedAt))
                    .col(at(C::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "service_centre_name_key",
            C::Table,
            cols!(C::Name),
            true,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(CB::Table)
                    .if_not_exists()
                    .col(id(CB::CentreId))
                    .col(id(CB::BuildingId))
                    .primary_key(Index::create().col(CB::CentreId).col(CB::BuildingId))
                    .foreign_key(&mut fk(CB::Table, CB::CentreId, C::Table, C::Id))
                    .foreign_key(&mut fk(
                        CB::Table,
                        CB::BuildingId,
                        Building::Table,
                        Building::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "service_centre_building_building_idx",
            CB::Table,
            cols!(CB::BuildingId),
            false,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(CS::Table)
                    .if_not_exists()
                    .col(id(CS::CentreId))
                    .col(id(CS::CategoryId))
                    .col(int(CS::SlotMinutes))
                    .col(int(CS::Capacity))
                    .primary_key(Index::create().col(CS::CentreId).col(CS::CategoryId))
                    .foreign_key(&mut fk(CS::Table, CS::CentreId, C::Table, C::Id))
                    .foreign_key(&mut fk(
                        CS::Table,
                        CS::CategoryId,
                        ServiceCategory::Table,
                        ServiceCategory::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CH::Table)
                    .if_not_exists()
                    .col(id(CH::CentreId))
                    .col(int(CH::Weekday))
                    .col(int(CH::Opens))
                    .col(int(CH::Closes))
                    .primary_key(Index::create().col(CH::CentreId).col(CH::Weekday))
                    .foreign_key(&mut fk(CH::Table, CH::CentreId, C::Table, C::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CE::Table)
                    .if_not_exists()
                    .col(id(CE::CentreId))
                    .col(ColumnDef::new(CE::Date).date().not_null())
                    .col(int_null(CE::Opens))
                    .col(int_null(CE::Closes))
                    .col(text_null(CE::Note, 200))
                    .primary_key(Index::create().col(CE::CentreId).col(CE::Date))
                    .foreign_key(&mut fk(CE::Table, CE::CentreId, C::Table, C::Id))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(S::Table)
                    .if_not_exists()
                    .col(id(S::Id).primary_key())
                    .col(id(S::CentreId))
                    .col(id(S::CategoryId))
                    .col(at(S::StartsAt))
                    .col(at(S::EndsAt))
                    .col(int(S::Capacity))
                    .col(int(S::Booked).default(0))
                    .foreign_key(&mut fk(S::Table, S::CentreId, C::Table, C::Id))
                    .foreign_key(&mut fk(
                        S::Table,
                        S::CategoryId,
                        ServiceCategory::Table,
                        ServiceCategory::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        // One slot row per centre, service and start: bookings made at once meet on it.
        index(
            manager,
            "appointment_slot_key",
            S::Table,
            cols!(S::CentreId, S::CategoryId, S::StartsAt),
            true,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(A::Table)
                    .if_not_exists()
                    .col(id(A::Id).primary_key())
                    .col(id(A::CentreId))
                    .col(id(A::CategoryId))
                    .col(id(A::UserId))
                    .col(text(A::Kind, 16))
                    .col(text(A::Status, 16))
                    .col(id_null(A::SlotId))
                    .col(id_null(A::ActiveSlotId))
                    .col(at_null(A::StartsAt))
                    .col(ColumnDef::new(A::Day).date().not_null())
                    .col(int_null(A::QueueNumber))
                    .col(at(A::SortAt))
                    .col(text_null(A::Note, 500))
                    .col(id_null(A::WorkOrderId))
                    .col(id(A::CreatedBy))
                    .col(at(A::CreatedAt))
                    .col(at(A::UpdatedAt))
                    .foreign_key(&mut fk(A::Table, A::CentreId, C::Table, C::Id))
                    .foreign_key(&mut fk(A::Table, A::UserId, User::Table, User::Id))
                    .foreign_key(&mut fk(
                        A::Table,
                        A::CategoryId,
                        ServiceCategory::Table,
                        ServiceCategory::Id,
                    ))
                    .foreign_key(&mut fk(A::Table, A::SlotId, S::Table, S::Id))
                    .to_owned(),
            )
            .await?;
        // One live booking per resident and slot (cancelling clears `active_slot_id`).
        index(
            manager,
            "appointment_active_slot_key",
            A::Table,
            cols!(A::UserId, A::ActiveSlotId),
            true,
        )
        .await?;
        // Queue numbers never repeat within a centre's day.
        index(
            manager,
            "appointment_queue_key",
            A::Table,
            cols!(A::CentreId, A::Day, A::QueueNumber),
            true,
        )
        .await?;
        index(
            manager,
            "appointment_centre_day_idx",
            A::Table,
            cols!(A::CentreId, A::Day, A::SortAt),
            false,
        )
        .await?;
        index(
            manager,
            "appointment_user_idx",
            A::Table,
            cols!(A::UserId, A::SortAt),
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Q::Table)
                    .if_not_exists()
                    .col(id(Q::CentreId))
                    .col(ColumnDef::new(Q::Day).date().not_null())
                    .col(int(Q::Last).default(0))
                    .primary_key(Index::create().col(Q::CentreId).col(Q::Day))
                    .foreign_key(&mut fk(Q::Table, Q::CentreId, C::Table, C::Id))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AppointmentQueueCounter::Table.into_iden(),
            Appointment::Table.into_iden(),
            AppointmentSlot::Table.into_iden(),
            ServiceCentreException::Table.into_iden(),
            ServiceCentreHours::Table.into_iden(),
            ServiceCentreService::Table.into_iden(),
            ServiceCentreBuilding::Table.into_iden(),
            ServiceCentre::Table.into_iden(),
            TimeBankEntry::Table.into_iden(),
            TimeBankAccount::Table.into_iden(),
            VolunteerSignUp::Table.into_iden(),
            VolunteerShift::Table.into_iden(),
            VolunteerOpportunity::Table.into_iden(),
            VolunteerProfile::Table.into_iden(),
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
enum Activity {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ServiceCategory {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum VolunteerProfile {
    Table,
    Id,
    UserId,
    Skills,
    Availability,
    Verified,
    VerifiedBy,
    VerifiedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum VolunteerOpportunity {
    Table,
    Id,
    Title,
    Description,
    Kind,
    ActivityId,
    CategoryId,
    Place,
    Status,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum VolunteerShift {
    Table,
    Id,
    OpportunityId,
    StartsAt,
    EndsAt,
    Places,
    Taken,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum VolunteerSignUp {
    Table,
    Id,
    ShiftId,
    OpportunityId,
    UserId,
    Status,
    ActiveShiftId,
    Minutes,
    VerifiedBy,
    VerifiedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum TimeBankAccount {
    Table,
    UserId,
    BalanceMinutes,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum TimeBankEntry {
    Table,
    Id,
    UserId,
    Kind,
    Minutes,
    BalanceAfter,
    CounterpartId,
    SignUpId,
    Reference,
    Note,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ServiceCentre {
    Table,
    Id,
    Name,
    Address,
    Phone,
    Email,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ServiceCentreBuilding {
    Table,
    CentreId,
    BuildingId,
}

#[derive(DeriveIden, Clone, Copy)]
enum ServiceCentreService {
    Table,
    CentreId,
    CategoryId,
    SlotMinutes,
    Capacity,
}

#[derive(DeriveIden, Clone, Copy)]
enum ServiceCentreHours {
    Table,
    CentreId,
    Weekday,
    Opens,
    Closes,
}

#[derive(DeriveIden, Clone, Copy)]
enum ServiceCentreException {
    Table,
    CentreId,
    Date,
    Opens,
    Closes,
    Note,
}

#[derive(DeriveIden, Clone, Copy)]
enum AppointmentSlot {
    Table,
    Id,
    CentreId,
    CategoryId,
    StartsAt,
    EndsAt,
    Capacity,
    Booked,
}

#[derive(DeriveIden, Clone, Copy)]
enum Appointment {
    Table,
    Id,
    CentreId,
    CategoryId,
    UserId,
    Kind,
    Status,
    SlotId,
    ActiveSlotId,
    StartsAt,
    Day,
    QueueNumber,
    SortAt,
    Note,
    WorkOrderId,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum AppointmentQueueCounter {
    Table,
    CentreId,
    Day,
    Last,
}
