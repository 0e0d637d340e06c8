//! Health services: opt-in health profiles of residents and their children and elders, the
//! consents that open them to health staff or a clinic, the log of every read by someone else,
//! consultation slots and consultations, and physical-examination results. Every health row of a
//! subject hangs on its profile (or names its subject), so deleting a profile deletes it all.

use sea_orm_migration::prelude::*;

use crate::support::{
    at, at_null, fk, id as primary, index, int, string as text, string_null as text_null,
    uuid as id, uuid_null as id_null,
};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

fn long(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column).text().not_null().to_owned()
}

fn long_null(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column).text().null().to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use HealthAccessLog as L;
        use HealthConsent as C;
        use HealthConsultation as Q;
        use HealthExamResult as E;
        use HealthProfile as P;
        use HealthSlot as S;
        manager
            .create_table(
                Table::create()
                    .table(P::Table)
                    .if_not_exists()
                    .col(primary(P::Id))
                    .col(id(P::SubjectId))
                    .col(text(P::SubjectKind, 16))
                    .col(id_null(P::UnitId))
                    .col(long(P::Conditions))
                    .col(long(P::Allergies))
                    .col(long(P::Medications))
                    .col(text_null(P::EmergencyName, 200))
                    .col(text_null(P::EmergencyPhone, 64))
                    .col(long(P::Notes))
                    .col(id(P::CreatedBy))
                    .col(at(P::CreatedAt))
                    .col(at(P::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("health_profile_subject_key")
                    .table(P::Table)
                    .col(P::SubjectId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(C::Table)
                    .if_not_exists()
                    .col(primary(C::Id))
                    .col(id(C::ProfileId))
                    .col(id(C::SubjectId))
                    .col(text(C::Scope, 16))
                    .col(id_null(C::PartnerId))
                    .col(text_null(C::LiveKey, 120))
                    .col(id(C::GrantedBy))
                    .col(at(C::GrantedAt))
                    .col(at_null(C::WithdrawnAt))
                    .foreign_key(&mut fk(C::Table, C::ProfileId, P::Table, P::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("health_consent_live_key")
                    .table(C::Table)
                    .col(C::LiveKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "health_consent_profile_idx",
                C::Table,
                &["profile_id"],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(L::Table)
                    .if_not_exists()
                    .col(primary(L::Id))
                    .col(id(L::ProfileId))
                    .col(id(L::SubjectId))
                    .col(id(L::ReaderId))
                    .col(text(L::ReaderRole, 16))
                    .col(id_null(L::PartnerId))
                    .col(text(L::What, 16))
                    .col(at(L::ReadAt))
                    .foreign_key(&mut fk(L::Table, L::ProfileId, P::Table, P::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "health_access_log_profile_idx",
                L::Table,
                &["profile_id"],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(E::Table)
                    .if_not_exists()
                    .col(primary(E::Id))
                    .col(id(E::ProfileId))
                    .col(id(E::SubjectId))
                    .col(id(E::ActivityId))
                    .col(long(E::Results))
                    .col(long_null(E::Advice))
                    .col(id(E::RecordedBy))
                    .col(at(E::RecordedAt))
                    .foreign_key(&mut fk(E::Table, E::ProfileId, P::Table, P::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("health_exam_result_once_key")
                    .table(E::Table)
                    .col(E::ActivityId)
                    .col(E::SubjectId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "health_exam_result_profile_idx",
                E::Table,
                &["profile_id"],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(S::Table)
                    .if_not_exists()
                    .col(primary(S::Id))
                    .col(id_null(S::PartnerId))
                    .col(id(S::PublishedBy))
                    .col(text(S::Mode, 16))
                    .col(at(S::StartsAt))
                    .col(at(S::EndsAt))
                    .col(int(S::Capacity))
                    .col(int(S::Taken).default(0))
                    .col(at(S::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("health_slot_starts_idx", S::Table, &["starts_at"]))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Q::Table)
                    .if_not_exists()
                    .col(primary(Q::Id))
                    .col(id(Q::SubjectId))
                    .col(text(Q::SubjectKind, 16))
                    .col(id_null(Q::UnitId))
                    .col(id(Q::RequestedBy))
                    .col(id_null(Q::PartnerId))
                    .col(id_null(Q::SlotId))
                    .col(id_null(Q::LiveSlotId))
                    .col(at(Q::StartsAt))
                    .col(text(Q::Mode, 16))
                    .col(long(Q::Reason))
                    .col(text(Q::Status, 16))
                    .col(id_null(Q::ClinicianId))
                    .col(long_null(Q::ClinicianNotes))
                    .col(at(Q::CreatedAt))
                    .col(at(Q::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("health_consultation_live_slot_key")
                    .table(Q::Table)
                    .col(Q::SubjectId)
                    .col(Q::LiveSlotId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "health_consultation_subject_idx",
                Q::Table,
                &["subject_id"],
            ))
            .await?;
        manager
            .create_index(index(
                "health_consultation_partner_idx",
                Q::Table,
                &["partner_id"],
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            HealthConsultation::Table.into_iden(),
            HealthSlot::Table.into_iden(),
            HealthExamResult::Table.into_iden(),
            HealthAccessLog::Table.into_iden(),
            HealthConsent::Table.into_iden(),
            HealthProfile::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum HealthProfile {
    Table,
    Id,
    SubjectId,
    SubjectKind,
    UnitId,
    Conditions,
    Allergies,
    Medications,
    EmergencyName,
    EmergencyPhone,
    Notes,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum HealthConsent {
    Table,
    Id,
    ProfileId,
    SubjectId,
    Scope,
    PartnerId,
    LiveKey,
    GrantedBy,
    GrantedAt,
    WithdrawnAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum HealthAccessLog {
    Table,
    Id,
    ProfileId,
    SubjectId,
    ReaderId,
    ReaderRole,
    PartnerId,
    What,
    ReadAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum HealthExamResult {
    Table,
    Id,
    ProfileId,
    SubjectId,
    ActivityId,
    Results,
    Advice,
    RecordedBy,
    RecordedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum HealthSlot {
    Table,
    Id,
    PartnerId,
    PublishedBy,
    Mode,
    StartsAt,
    EndsAt,
    Capacity,
    Taken,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum HealthConsultation {
    Table,
    Id,
    SubjectId,
    SubjectKind,
    UnitId,
    RequestedBy,
    PartnerId,
    SlotId,
    LiveSlotId,
    StartsAt,
    Mode,
    Reason,
    Status,
    ClinicianId,
    ClinicianNotes,
    CreatedAt,
    UpdatedAt,
}
