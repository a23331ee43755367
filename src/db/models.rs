//! Rows as read from storage, typed at this boundary: ids are [`TenantId`], [`UserId`] and
//! [`AdminId`] (a nullable one read and written through [`NullableId`]), kinds, plans and roles
//! their enums (stored as text; the schema's CHECK constraints allow only their spellings, so a
//! row that reads is a valid one), addresses [`EmailAddress`] (read through
//! [`EmailAddress::parse`]: a stored address that does not parse fails the read, an integrity
//! fault, since every write stores an `EmailAddress`; docs/architecture.md#storage).

use super::schema::*;
use super::NullableId;
use crate::domain::{AdminId, AdminRole, EmailAddress, Plan, TenantId, TenantKind, UserId};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = tenants)]
pub struct Tenant {
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub id: TenantId,
    pub name: String,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub kind: TenantKind,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub plan: Plan,
    pub sspr_enabled: bool,
    pub methods_required: i32,
    pub helpdesk_url: Option<String>,
    pub is_consumer: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The language its guests get when they have not chosen one (a code of
    /// [`crate::i18n::Lang`]; `None`: not set, docs/languages.md).
    pub default_language: Option<String>,
}

impl Tenant {
    pub fn tenant_id(&self) -> TenantId {
        self.id.clone()
    }

    pub fn kind(&self) -> TenantKind {
        self.kind
    }

    pub fn plan(&self) -> Plan {
        self.plan
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = tenant_domains)]
pub struct TenantDomain {
    pub domain: String,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub tenant_id: TenantId,
    pub verified_at: Option<NaiveDateTime>,
    pub challenge: Option<String>,
    #[diesel(deserialize_as = NullableId, serialize_as = NullableId)]
    pub challenge_user_id: Option<UserId>,
    pub challenge_expires_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

#[derive(Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
pub struct User {
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub id: UserId,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub tenant_id: TenantId,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub email: EmailAddress,
    pub display_name: Option<String>,
    pub password_hash: Option<String>,
    pub verified_at: Option<NaiveDateTime>,
    pub bounced_at: Option<NaiveDateTime>,
    pub bounce_reason: Option<String>,
    pub totp_secret: Option<String>,
    pub totp_last_step: Option<i64>,
    pub disabled: bool,
    pub locked_until: Option<NaiveDateTime>,
    pub session_generation: i64,
    pub password_changed_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl User {
    pub fn user_id(&self) -> UserId {
        self.id.clone()
    }

    pub fn tenant_id(&self) -> TenantId {
        self.tenant_id.clone()
    }
}

// Hashes and TOTP seeds never print.
impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("tenant_id", &self.tenant_id)
            .field("verified", &self.verified_at.is_some())
            .field("totp", &self.totp_secret.is_some())
            .field("disabled", &self.disabled)
            .finish_non_exhaustive()
    }
}

#[derive(Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = admins)]
pub struct Admin {
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub id: AdminId,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub email: EmailAddress,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub role: AdminRole,
    /// `None`: a platform admin.
    #[diesel(deserialize_as = NullableId, serialize_as = NullableId)]
    pub tenant_id: Option<TenantId>,
    pub password_hash: Option<String>,
    pub totp_secret: Option<String>,
    pub totp_last_step: Option<i64>,
    pub session_generation: i64,
    pub setup_token_hash: Option<String>,
    pub setup_expires_at: Option<NaiveDateTime>,
    pub failed_attempts: i32,
    pub locked_until: Option<NaiveDateTime>,
    pub disabled: bool,
    pub last_login_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

impl Admin {
    pub fn role(&self) -> AdminRole {
        self.role
    }
}

impl std::fmt::Debug for Admin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Admin")
            .field("id", &self.id)
            .field("role", &self.role)
            .field("tenant_id", &self.tenant_id)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = audit_events)]
pub struct AuditEvent {
    pub id: i64,
    pub occurred_at: NaiveDateTime,
    #[diesel(deserialize_as = NullableId)]
    pub tenant_id: Option<TenantId>,
    #[diesel(deserialize_as = NullableId)]
    pub user_id: Option<UserId>,
    pub actor: String,
    pub ip: Option<String>,
    pub event: String,
    pub outcome: String,
    pub reason: Option<String>,
    pub email: Option<String>,
    pub detail: Option<String>,
    pub request_id: Option<String>,
}
