//! Column and key builders that every migration from 000013 on shares, so a table reads as its
//! columns and not as their boilerplate.

use sea_orm_migration::prelude::*;

/// A required timestamp with time zone.
pub(crate) fn at(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

/// An optional timestamp with time zone.
pub(crate) fn at_null(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column)
        .timestamp_with_time_zone()
        .null()
        .to_owned()
}

/// A required UUID.
pub(crate) fn uuid(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column).uuid().not_null().to_owned()
}

/// An optional UUID.
pub(crate) fn uuid_null(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column).uuid().null().to_owned()
}

/// The primary key: a UUID (v7, chosen by the server).
pub(crate) fn id(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column)
        .uuid()
        .not_null()
        .primary_key()
        .to_owned()
}

/// A required bounded string (enums are stored as their GraphQL names).
pub(crate) fn string(column: impl IntoIden, len: u32) -> ColumnDef {
    ColumnDef::new(column).string_len(len).not_null().to_owned()
}

/// An optional bounded string.
pub(crate) fn string_null(column: impl IntoIden, len: u32) -> ColumnDef {
    ColumnDef::new(column).string_len(len).null().to_owned()
}

/// A required integer.
pub(crate) fn int(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column).integer().not_null().to_owned()
}

/// An optional integer.
pub(crate) fn int_null(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column).integer().null().to_owned()
}

/// A foreign key that deletes the row with its parent.
pub(crate) fn fk(
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

/// A foreign key that clears the column when the parent goes (for optional links).
pub(crate) fn fk_null(
    from_table: impl IntoIden,
    from: impl IntoIden,
    to_table: impl IntoIden,
    to: impl IntoIden,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from_table, from)
        .to(to_table, to)
        .on_delete(ForeignKeyAction::SetNull)
        .to_owned()
}

/// A plain index over `cols` named `name`.
pub(crate) fn index(
    name: &str,
    table: impl IntoIden,
    cols: &[&'static str],
) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(name).table(table);
    for col in cols {
        index.col(Alias::new(*col));
    }
    index.to_owned()
}
