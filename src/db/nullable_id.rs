//! A nullable TEXT id column read as `Option<TenantId>`, `Option<UserId>`, ….
//!
//! `#[diesel(deserialize_as = String)]` types a NOT NULL id, but a nullable one cannot be read
//! through `Option<String>`: diesel converts what it read with `TryFrom`, and there is no
//! conversion from `Option<String>` to `Option<TenantId>` (nor may this crate write one, both
//! types being `Option`). Such a column is read through [`NullableId`] instead:
//! `#[diesel(deserialize_as = NullableId<TenantId>)]`.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromStaticSqlRow, Queryable};
use diesel::sql_types::{Nullable, Text};

/// A nullable TEXT id as read, on its way to `Option<T>`.
pub struct NullableId<T>(Option<T>);

impl<T, DB> Queryable<Nullable<Text>, DB> for NullableId<T>
where
    T: From<String>,
    DB: Backend,
    Option<String>: FromStaticSqlRow<Nullable<Text>, DB>,
{
    type Row = Option<String>;

    fn build(row: Option<String>) -> deserialize::Result<Self> {
        Ok(Self(row.map(T::from)))
    }
}

impl<T> From<NullableId<T>> for Option<T> {
    fn from(id: NullableId<T>) -> Self {
        id.0
    }
}
