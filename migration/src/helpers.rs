//! Builders shared by the migrations, so names and column shapes stay uniform.

use sea_orm_migration::{prelude::*, schema::*};

/// An enum column: `varchar(16)` restricted to `values` by a CHECK, which (unlike a native
/// PostgreSQL enum) also works on SQLite.
pub fn enum_string<C: Iden + Copy + 'static>(col: C, values: &[&'static str]) -> ColumnDef {
    string_len(col, 16)
        .check(Expr::col(col).is_in(values.iter().copied()))
        .take()
}

/// A foreign key named `fk_<table>_<column>`. It must be attached to the CREATE TABLE statement,
/// because SQLite cannot add constraints to an existing table.
pub fn foreign_key<T, C, R, RC>(
    table: T,
    col: C,
    ref_table: R,
    ref_col: RC,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement
where
    T: Iden + Copy + 'static,
    C: Iden + Copy + 'static,
    R: Iden + 'static,
    RC: Iden + 'static,
{
    ForeignKey::create()
        .name(format!("fk_{}_{}", table.to_string(), col.to_string()))
        .from(table, col)
        .to(ref_table, ref_col)
        .on_delete(on_delete)
        .take()
}

/// A plain index named `idx_<table>_<col1>_<col2>...`.
pub fn index<T, C>(table: T, cols: &[C]) -> IndexCreateStatement
where
    T: Iden + Copy + 'static,
    C: Iden + Copy + 'static,
{
    build_index("idx", table, cols)
}

/// A unique index named `uq_<table>_<col1>_<col2>...`. Used for every UNIQUE constraint, single
/// or multi-column, so violations carry a predictable name on both backends.
pub fn unique_index<T, C>(table: T, cols: &[C]) -> IndexCreateStatement
where
    T: Iden + Copy + 'static,
    C: Iden + Copy + 'static,
{
    build_index("uq", table, cols).unique().take()
}

fn build_index<T, C>(prefix: &str, table: T, cols: &[C]) -> IndexCreateStatement
where
    T: Iden + Copy + 'static,
    C: Iden + Copy + 'static,
{
    let mut name = format!("{prefix}_{}", table.to_string());
    let mut stmt = Index::create();
    stmt.table(table);
    for &col in cols {
        name.push('_');
        name.push_str(&col.to_string());
        stmt.col(col);
    }
    stmt.name(name).take()
}

/// Creates each index in order.
pub async fn create_indexes(
    manager: &SchemaManager<'_>,
    indexes: impl IntoIterator<Item = IndexCreateStatement>,
) -> Result<(), DbErr> {
    for index in indexes {
        manager.create_index(index).await?;
    }
    Ok(())
}

/// Drops the tables in the given order; callers list dependants before what they reference.
pub async fn drop_tables(
    manager: &SchemaManager<'_>,
    tables: impl IntoIterator<Item = DynIden>,
) -> Result<(), DbErr> {
    for table in tables {
        manager
            .drop_table(Table::drop().table(table).to_owned())
            .await?;
    }
    Ok(())
}
