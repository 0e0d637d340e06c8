//! Staff qualifications: the catalogue of qualifications (with the posts and service-category
//! groups that require each), and the certificates staff hold, with the claim flags of the
//! expiry reminders.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

fn uuid(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column).uuid().not_null().to_owned()
}

fn timestamp(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column)
        .timestamp_with_time_zone()
        .not_null()
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
        manager
            .create_table(
                Table::create()
                    .table(Qualification::Table)
                    .if_not_exists()
                    .col(uuid(Qualification::Id).primary_key())
                    .col(
                        ColumnDef::new(Qualification::Code)
                            .string_len(40)
                            .not_null()
                            .unique_key(),
                    )
                    .col(
                        ColumnDef::new(Qualification::Name)
                            .string_len(100)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Qualification::Issuer)
                            .string_len(100)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Qualification::ValidityMonths)
                            .integer()
                            .null(),
                    )
                    .col(timestamp(Qualification::CreatedAt))
                    .col(timestamp(Qualification::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(QualificationRequirement::Table)
                    .if_not_exists()
                    .col(uuid(QualificationRequirement::QualificationId))
                    .col(
                        ColumnDef::new(QualificationRequirement::Kind)
                            .string_len(8)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(QualificationRequirement::Value)
                            .string_len(32)
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(QualificationRequirement::QualificationId)
                            .col(QualificationRequirement::Kind)
                            .col(QualificationRequirement::Value),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                QualificationRequirement::Table,
                                QualificationRequirement::QualificationId,
                            )
                            .to(Qualification::Table, Qualification::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // Eligibility asks "which qualifications does this group or post require".
        manager
            .create_index(
                Index::create()
                    .name("idx_qualification_requirement_value")
                    .table(QualificationRequirement::Table)
                    .col(QualificationRequirement::Kind)
                    .col(QualificationRequirement::Value)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(StaffCertificate::Table)
                    .if_not_exists()
                    .col(uuid(StaffCertificate::Id).primary_key())
                    .col(uuid(StaffCertificate::StaffId))
                    .col(uuid(StaffCertificate::QualificationId))
                    .col(
                        ColumnDef::new(StaffCertificate::Number)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(StaffCertificate::Issuer)
                            .string_len(100)
                            .not_null(),
                    )
                    .col(ColumnDef::new(StaffCertificate::IssuedOn).date().not_null())
                    .col(ColumnDef::new(StaffCertificate::ExpiresOn).date().null())
                    .col(
                        ColumnDef::new(StaffCertificate::EvidenceUrl)
                            .string_len(500)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(StaffCertificate::Status)
                            .string_len(24)
                            .not_null(),
                    )
                    .col(ColumnDef::new(StaffCertificate::VerifiedBy).uuid().null())
                    .col(
                        ColumnDef::new(StaffCertificate::VerifiedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(StaffCertificate::RevokedReason)
                            .text()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(StaffCertificate::RevokedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(flag(StaffCertificate::Warned30))
                    .col(flag(StaffCertificate::Warned7))
                    .col(flag(StaffCertificate::ExpiryNotified))
                    .col(timestamp(StaffCertificate::CreatedAt))
                    .col(timestamp(StaffCertificate::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(StaffCertificate::Table, StaffCertificate::StaffId)
                            .to(StaffRecord::Table, StaffRecord::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(StaffCertificate::Table, StaffCertificate::QualificationId)
                            .to(Qualification::Table, Qualification::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(StaffCertificate::Table, StaffCertificate::VerifiedBy)
                            .to(User::Table, User::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_staff_certificate_staff_qualification")
                    .table(StaffCertificate::Table)
                    .col(StaffCertificate::StaffId)
                    .col(StaffCertificate::QualificationId)
                    .to_owned(),
            )
            .await?;
        // The expiry job scans valid certificates by expiry date.
        manager
            .create_index(
                Index::create()
                    .name("idx_staff_certificate_status_expires")
                    .table(StaffCertificate::Table)
                    .col(StaffCertificate::Status)
                    .col(StaffCertificate::ExpiresOn)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            StaffCertificate::Table.into_iden(),
            QualificationRequirement::Table.into_iden(),
            Qualification::Table.into_iden(),
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
enum Qualification {
    Table,
    Id,
    Code,
    Name,
    Issuer,
    ValidityMonths,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum QualificationRequirement {
    Table,
    QualificationId,
    Kind,
    Value,
}

#[derive(DeriveIden)]
enum StaffCertificate {
    Table,
    Id,
    StaffId,
    QualificationId,
    Number,
    Issuer,
    IssuedOn,
    ExpiresOn,
    EvidenceUrl,
    Status,
    VerifiedBy,
    VerifiedAt,
    RevokedReason,
    RevokedAt,
    #[sea_orm(iden = "warned_30")]
    Warned30,
    #[sea_orm(iden = "warned_7")]
    Warned7,
    ExpiryNotified,
    CreatedAt,
    UpdatedAt,
}
