//! The service catalogue: categories (grouped by the estate's service categories) with their
//! service-level policy per priority, the offerings inside them, and bookable time slots.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

fn cascade(
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

fn timestamp(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ServiceCategory::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(ServiceCategory::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(ServiceCategory::Code)
                            .string_len(40)
                            .not_null()
                            .unique_key(),
                    )
                    .col(
                        ColumnDef::new(ServiceCategory::Name)
                            .string_len(100)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ServiceCategory::Description)
                            .text()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ServiceCategory::GroupKind)
                            .string_len(32)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ServiceCategory::Requestable)
                            .boolean()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ServiceCategory::DefaultPriority)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ServiceCategory::WarningMinutes)
                            .integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ServiceCategory::DispatchMode)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ServiceCategory::ReturnVisitRequired)
                            .boolean()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ServiceCategory::Payable)
                            .boolean()
                            .not_null(),
                    )
                    .col(ColumnDef::new(ServiceCategory::Active).boolean().not_null())
                    .col(timestamp(ServiceCategory::CreatedAt))
                    .col(timestamp(ServiceCategory::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ServiceCategorySla::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(ServiceCategorySla::CategoryId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ServiceCategorySla::Priority)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ServiceCategorySla::ResponseMinutes)
                            .integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ServiceCategorySla::ResolutionMinutes)
                            .integer()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(ServiceCategorySla::CategoryId)
                            .col(ServiceCategorySla::Priority),
                    )
                    .foreign_key(&mut cascade(
                        ServiceCategorySla::Table,
                        ServiceCategorySla::CategoryId,
                        ServiceCategory::Table,
                        ServiceCategory::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ServiceOffering::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(ServiceOffering::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(ServiceOffering::CategoryId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ServiceOffering::Name)
                            .string_len(100)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ServiceOffering::Description)
                            .text()
                            .not_null(),
                    )
                    .col(ColumnDef::new(ServiceOffering::Price).string_len(20).null())
                    .col(
                        ColumnDef::new(ServiceOffering::DurationMinutes)
                            .integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ServiceOffering::SlotCapacity)
                            .integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ServiceOffering::Channel)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(ColumnDef::new(ServiceOffering::Active).boolean().not_null())
                    .col(timestamp(ServiceOffering::CreatedAt))
                    .col(timestamp(ServiceOffering::UpdatedAt))
                    .foreign_key(&mut cascade(
                        ServiceOffering::Table,
                        ServiceOffering::CategoryId,
                        ServiceCategory::Table,
                        ServiceCategory::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_service_offering_category")
                    .table(ServiceOffering::Table)
                    .col(ServiceOffering::CategoryId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ServiceSlot::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(ServiceSlot::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(ServiceSlot::OfferingId).uuid().not_null())
                    .col(timestamp(ServiceSlot::StartsAt))
                    .col(timestamp(ServiceSlot::EndsAt))
                    .col(ColumnDef::new(ServiceSlot::Capacity).integer().not_null())
                    .col(
                        ColumnDef::new(ServiceSlot::Booked)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(timestamp(ServiceSlot::CreatedAt))
                    .foreign_key(&mut cascade(
                        ServiceSlot::Table,
                        ServiceSlot::OfferingId,
                        ServiceOffering::Table,
                        ServiceOffering::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_service_slot_offering_starts")
                    .table(ServiceSlot::Table)
                    .col(ServiceSlot::OfferingId)
                    .col(ServiceSlot::StartsAt)
                    .unique()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ServiceSlot::Table.into_iden(),
            ServiceOffering::Table.into_iden(),
            ServiceCategorySla::Table.into_iden(),
            ServiceCategory::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
pub(crate) enum ServiceCategory {
    Table,
    Id,
    Code,
    Name,
    Description,
    GroupKind,
    Requestable,
    DefaultPriority,
    WarningMinutes,
    DispatchMode,
    ReturnVisitRequired,
    Payable,
    Active,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ServiceCategorySla {
    Table,
    CategoryId,
    Priority,
    ResponseMinutes,
    ResolutionMinutes,
}

#[derive(DeriveIden)]
pub(crate) enum ServiceOffering {
    Table,
    Id,
    CategoryId,
    Name,
    Description,
    Price,
    DurationMinutes,
    SlotCapacity,
    Channel,
    Active,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
pub(crate) enum ServiceSlot {
    Table,
    Id,
    OfferingId,
    StartsAt,
    EndsAt,
    Capacity,
    Booked,
    CreatedAt,
}
