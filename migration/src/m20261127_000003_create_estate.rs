//! The estate: buildings, units, residencies, household members, and staff records.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

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

async fn index(
    manager: &SchemaManager<'_>,
    name: &str,
    table: impl IntoIden,
    columns: Vec<DynIden>,
) -> Result<(), DbErr> {
    let mut index = Index::create().name(name).table(table).to_owned();
    for column in columns {
        index.col(column);
    }
    manager.create_index(index).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Building::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(Building::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Building::Name).string_len(100).not_null())
                    .col(ColumnDef::new(Building::Address).string_len(300).not_null())
                    .col(
                        ColumnDef::new(Building::ServiceCentreHours)
                            .string_len(200)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Building::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Building::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Unit::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(Unit::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Unit::BuildingId).uuid().not_null())
                    .col(ColumnDef::new(Unit::Floor).integer().not_null())
                    .col(ColumnDef::new(Unit::Number).string_len(20).not_null())
                    .col(ColumnDef::new(Unit::Kind).string_len(16).not_null())
                    .col(
                        ColumnDef::new(Unit::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(&mut fk(
                        Unit::Table,
                        Unit::BuildingId,
                        Building::Table,
                        Building::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_unit_building_number")
                    .table(Unit::Table)
                    .col(Unit::BuildingId)
                    .col(Unit::Number)
                    .unique()
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_unit_building_id",
            Unit::Table,
            vec![Unit::BuildingId.into_iden(), Unit::Id.into_iden()],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Residency::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(Residency::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Residency::UserId).uuid().not_null())
                    .col(ColumnDef::new(Residency::UnitId).uuid().not_null())
                    .col(
                        ColumnDef::new(Residency::Relation)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Residency::MovedIn).date().not_null())
                    .col(ColumnDef::new(Residency::MovedOut).date().null())
                    .col(
                        ColumnDef::new(Residency::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(&mut fk(
                        Residency::Table,
                        Residency::UserId,
                        User::Table,
                        User::Id,
                    ))
                    .foreign_key(&mut fk(
                        Residency::Table,
                        Residency::UnitId,
                        Unit::Table,
                        Unit::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_residency_user",
            Residency::Table,
            vec![Residency::UserId.into_iden()],
        )
        .await?;
        index(
            manager,
            "idx_residency_unit",
            Residency::Table,
            vec![Residency::UnitId.into_iden()],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(HouseholdMember::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(HouseholdMember::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(HouseholdMember::UnitId).uuid().not_null())
                    .col(
                        ColumnDef::new(HouseholdMember::Kind)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(HouseholdMember::Name)
                            .string_len(100)
                            .not_null(),
                    )
                    .col(ColumnDef::new(HouseholdMember::BirthDate).date().null())
                    .col(
                        ColumnDef::new(HouseholdMember::Species)
                            .string_len(50)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(HouseholdMember::CareNeeds)
                            .string_len(1000)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(HouseholdMember::ConsentAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(HouseholdMember::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(&mut fk(
                        HouseholdMember::Table,
                        HouseholdMember::UnitId,
                        Unit::Table,
                        Unit::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_household_member_unit",
            HouseholdMember::Table,
            vec![
                HouseholdMember::UnitId.into_iden(),
                HouseholdMember::Id.into_iden(),
            ],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(StaffRecord::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(StaffRecord::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(StaffRecord::UserId)
                            .uuid()
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(StaffRecord::Post).string_len(32).not_null())
                    .col(
                        ColumnDef::new(StaffRecord::EmployeeNumber)
                            .string_len(32)
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(StaffRecord::HireDate).date().not_null())
                    .col(
                        ColumnDef::new(StaffRecord::Status)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(StaffRecord::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(StaffRecord::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(&mut fk(
                        StaffRecord::Table,
                        StaffRecord::UserId,
                        User::Table,
                        User::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(StaffBuilding::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(StaffBuilding::StaffId).uuid().not_null())
                    .col(ColumnDef::new(StaffBuilding::BuildingId).uuid().not_null())
                    .primary_key(
                        Index::create()
                            .col(StaffBuilding::StaffId)
                            .col(StaffBuilding::BuildingId),
                    )
                    .foreign_key(&mut fk(
                        StaffBuilding::Table,
                        StaffBuilding::StaffId,
                        StaffRecord::Table,
                        StaffRecord::Id,
                    ))
                    .foreign_key(&mut fk(
                        StaffBuilding::Table,
                        StaffBuilding::BuildingId,
                        Building::Table,
                        Building::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_staff_building_building",
            StaffBuilding::Table,
            vec![StaffBuilding::BuildingId.into_iden()],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(StaffCategory::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(StaffCategory::StaffId).uuid().not_null())
                    .col(
                        ColumnDef::new(StaffCategory::Category)
                            .string_len(32)
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(StaffCategory::StaffId)
                            .col(StaffCategory::Category),
                    )
                    .foreign_key(&mut fk(
                        StaffCategory::Table,
                        StaffCategory::StaffId,
                        StaffRecord::Table,
                        StaffRecord::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_staff_category_category",
            StaffCategory::Table,
            vec![StaffCategory::Category.into_iden()],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            StaffCategory::Table.into_iden(),
            StaffBuilding::Table.into_iden(),
            StaffRecord::Table.into_iden(),
            HouseholdMember::Table.into_iden(),
            Residency::Table.into_iden(),
            Unit::Table.into_iden(),
            Building::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
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
    Name,
    Address,
    ServiceCentreHours,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Unit {
    Table,
    Id,
    BuildingId,
    Floor,
    Number,
    Kind,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Residency {
    Table,
    Id,
    UserId,
    UnitId,
    Relation,
    MovedIn,
    MovedOut,
    CreatedAt,
}

#[derive(DeriveIden)]
enum HouseholdMember {
    Table,
    Id,
    UnitId,
    Kind,
    Name,
    BirthDate,
    Species,
    CareNeeds,
    ConsentAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum StaffRecord {
    Table,
    Id,
    UserId,
    Post,
    EmployeeNumber,
    HireDate,
    Status,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum StaffBuilding {
    Table,
    StaffId,
    BuildingId,
}

#[derive(DeriveIden)]
enum StaffCategory {
    Table,
    StaffId,
    Category,
}
