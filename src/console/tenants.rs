//! Tenant settings as admins see and change them: kind, plan, domains, the SSPR switch,
//! methods required, the helpdesk link and the guests' default language. A change that takes SSPR away revokes the
//! tenant's outstanding reset links (docs/security.md#6), in the transaction that audits it.

use crate::console::audit::NewAuditEvent;
use crate::db::{admin_queries, tenants, DbError};
use crate::domain::{Plan, TenantId};
use crate::i18n::Lang;
use crate::policy::{tenant_self_service, SelfService};
use crate::services::{eligibility, Services};
use serde::Serialize;

pub use crate::db::admin_queries::{TenantSettings, TenantUpdate};
pub use crate::db::models::{Tenant, TenantDomain};
pub use crate::db::tenants::TenantSummary;

/// A tenant in the list: its summary and the self-service state the policy applies.
#[derive(Serialize)]
pub struct TenantRow {
    #[serde(flatten)]
    pub summary: TenantSummary,
    pub self_service: SelfService,
}

/// What the policy makes of a tenant's settings: whether its guests may reset, and why not.
pub fn self_service(t: &Tenant) -> SelfService {
    tenant_self_service(&eligibility::tenant_facts(t))
}

/// Every tenant with its domains, counts and effective self-service state (the caller filters
/// by what the admin may see).
pub async fn list(svc: &Services) -> Result<Vec<TenantRow>, DbError> {
    let all = svc.db.run(tenants::list).await?;
    Ok(all
        .into_iter()
        .map(|summary| TenantRow {
            self_service: self_service(&summary.tenant),
            summary,
        })
        .collect())
}

/// One setting an update changed, by a stable name (carried in the redirect after saving).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Changed {
    Plan,
    Switch,
    Methods,
    Helpdesk,
    Language,
}

impl Changed {
    const ALL: [Changed; 5] = [
        Self::Plan,
        Self::Switch,
        Self::Methods,
        Self::Helpdesk,
        Self::Language,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Plan => "plan",
            Self::Switch => "sspr",
            Self::Methods => "methods",
            Self::Helpdesk => "helpdesk",
            Self::Language => "language",
        }
    }

    /// The settings `update` changed.
    pub fn of(update: &TenantUpdate) -> Vec<Changed> {
        let (b, a) = (&update.before, &update.after);
        Self::ALL
            .into_iter()
            .filter(|c| match c {
                Self::Plan => b.plan != a.plan,
                Self::Switch => b.sspr_enabled != a.sspr_enabled,
                Self::Methods => b.methods_required != a.methods_required,
                Self::Helpdesk => b.helpdesk_url != a.helpdesk_url,
                Self::Language => b.default_language != a.default_language,
            })
            .collect()
    }

    /// The settings named in `codes` (`plan,sspr`), unknown names ignored.
    pub fn parse_list(codes: &str) -> Vec<Changed> {
        Self::ALL
            .into_iter()
            .filter(|c| codes.split(',').any(|code| code == c.code()))
            .collect()
    }

    /// What changed, in a sentence, read from the settings as they now are (each setting has
    /// two values, so the one before is the other).
    pub fn sentence(self, now: &Tenant) -> String {
        match self {
            Self::Plan => {
                let (from, to) = match now.plan() {
                    Plan::Premium => ("free", "premium (paid)"),
                    Plan::Free => ("premium (paid)", "free"),
                };
                format!("Plan changed from {from} to {to}.")
            }
            Self::Switch if now.sspr_enabled => "Self-service reset switched on.".into(),
            Self::Switch => "Self-service reset switched off.".into(),
            Self::Methods => format!(
                "Methods required changed from {} to {}.",
                3 - now.methods_required,
                now.methods_required
            ),
            Self::Helpdesk if now.helpdesk_url.is_some() => "Helpdesk link changed.".into(),
            Self::Helpdesk => "Helpdesk link removed.".into(),
            Self::Language => match Lang::parse_opt(now.default_language.as_deref()) {
                Some(l) => format!("Default language set to {} ({}).", english_name(l), l),
                None => "Default language removed: guests get their browser's language.".into(),
            },
        }
    }
}

/// A language's English name, for the (English) console.
pub fn english_name(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "English",
        Lang::De => "German",
        Lang::Fr => "French",
    }
}

/// A default language the console's list does not offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnknownLanguage;

/// A default language as the console's form sends it: `""` clears it, a code of a language we
/// have sets it; anything else is [`UnknownLanguage`] (the form offers only these).
pub fn parse_default_language(typed: &str) -> Result<Option<Lang>, UnknownLanguage> {
    let typed = typed.trim();
    if typed.is_empty() {
        return Ok(None);
    }
    Lang::from_code(typed).map(Some).ok_or(UnknownLanguage)
}

/// One tenant, its domains and its number of guests.
pub async fn load(
    svc: &Services,
    id: TenantId,
) -> Result<Option<(Tenant, Vec<TenantDomain>, i64)>, DbError> {
    svc.db
        .run(move |c| {
            let Some(t) = tenants::find_by_id(c, &id)? else {
                return Ok(None);
            };
            let domains = tenants::domains_of(c, &id)?;
            let guests = admin_queries::count_guests(c, &id)?;
            Ok(Some((t, domains, guests)))
        })
        .await
}

/// Applies `after` and appends `event` with the values before and after; `None` when the
/// tenant does not exist or nothing changed.
pub async fn update(
    svc: &Services,
    id: TenantId,
    after: TenantSettings,
    event: NewAuditEvent,
) -> Result<Option<TenantUpdate>, DbError> {
    let now = svc.now();
    svc.db
        .run(move |c| admin_queries::update_tenant(c, &id, &after, event, now))
        .await
}
