//! A nullable TEXT id column as diesel reads and writes it, so that a row's `Option<TenantId>`
//! (or any other typed id of `crate::domain`) is converted here, at the storage boundary, as
//! its non-null ids are (`deserialize_as = String`). `Option<String>` cannot be that
//! intermediate: the conversions between `Option<String>` and `Option<TenantId>` would be
//! impls between two `Option`s, which Rust's orphan rule forbids outside the standard library.
//!
//! Use on a field: `#[diesel(deserialize_as = NullableId, serialize_as = NullableId)]`. It
//! reads and writes exactly what `Option<String>` does (the same text, NULL for `None`).

use crate::domain::{EmailAddress, StoredAddressError};
use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::sql_types::{Nullable, Text};

/// What a nullable id column holds: the text of an id, or NULL.
#[derive(Debug, Clone, FromSqlRow)]
pub struct NullableId(Option<String>);

impl<DB> FromSql<Nullable<Text>, DB> for NullableId
where
    DB: Backend,
    String: FromSql<Text, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        String::from_sql(bytes).map(|s| Self(Some(s)))
    }

    fn from_nullable_sql(bytes: Option<DB::RawValue<'_>>) -> deserialize::Result<Self> {
        match bytes {
            Some(bytes) => Self::from_sql(bytes),
            None => Ok(Self(None)),
        }
    }
}

impl AsExpression<Nullable<Text>> for NullableId {
    type Expression = <Option<String> as AsExpression<Nullable<Text>>>::Expression;

    fn as_expression(self) -> Self::Expression {
        <Option<String> as AsExpression<Nullable<Text>>>::as_expression(self.0)
    }
}

/// Written: `None` as NULL, an id as its text.
impl<T: Into<String>> From<Option<T>> for NullableId {
    fn from(id: Option<T>) -> Self {
        Self(id.map(Into::into))
    }
}

/// Read: NULL as `None`, text as the id it is.
impl<T: From<String>> From<NullableId> for Option<T> {
    fn from(stored: NullableId) -> Self {
        stored.0.map(T::from)
    }
}

/// Read: NULL as `None`, text as the address it is; text that does not parse fails the read
/// (docs/architecture.md#storage).
impl TryFrom<NullableId> for Option<EmailAddress> {
    type Error = StoredAddressError;

    fn try_from(stored: NullableId) -> Result<Self, StoredAddressError> {
        stored.0.map(EmailAddress::try_from).transpose()
    }
}
