//! `/admin/tenants`: kind, plan, domains and their verification, SSPR switch, methods
//! required, helpdesk link, the guests' default language (docs/languages.md), number of
//! guests. Platform admins see and change every tenant and
//! alone change the plan; a tenant admin sees and changes only their own. Each change is
//! audited with the values before and after; a change that takes SSPR away revokes the
//! tenant's outstanding reset links (docs/security.md#6).

use super::{see_other, AdminPage, Frame};
use crate::console::audit;
use crate::console::tenants::{self, Changed, Tenant, TenantDomain, TenantSettings};
use crate::domain::audit::{Event, Outcome};
use crate::domain::{EmailAddress, Plan, TenantKind};
use crate::i18n::Lang;
use crate::policy::SelfService;
use crate::web::csrf::CsrfForm;
use crate::web::AppError;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/tenants").get(list))
        .service(web::resource("/tenants/{id}").get(show).post(update));
}

#[derive(Serialize)]
struct ListPage {
    #[serde(flatten)]
    frame: Frame,
    tenants: Vec<tenants::TenantRow>,
}

/// `GET /admin/tenants`.
async fn list(page: AdminPage) -> Result<HttpResponse, AppError> {
    let all = tenants::list(&page.state).await?;
    let visible = all
        .into_iter()
        .filter(|t| page.admin().may_see(Some(&t.summary.tenant.id)))
        .collect();
    let ctx = ListPage {
        frame: page.admin().frame(),
        tenants: visible,
    };
    page.ok("admin/tenants.html", &ctx)
}

#[derive(Serialize)]
struct DomainRow {
    domain: String,
    verified_at: Option<String>,
}

#[derive(Serialize)]
struct ShowPage {
    #[serde(flatten)]
    frame: Frame,
    tenant: Tenant,
    managed: bool,
    /// What the policy makes of the stored settings (not of the form being edited).
    self_service: SelfService,
    domains: Vec<DomainRow>,
    guests: i64,
    form: FormValues,
    error: Option<String>,
    /// Shown after saving.
    saved: bool,
    /// What the save changed, a sentence each (empty: nothing changed).
    changes: Vec<String>,
    revoked: Option<String>,
    /// The branding fieldset (platform admins only).
    branding: Option<crate::console::tenant_branding::BrandingForm>,
    /// The choices of the default language (besides "none").
    language_options: Vec<LanguageOption>,
}

#[derive(Serialize)]
struct LanguageOption {
    code: &'static str,
    name: String,
}

fn language_options() -> Vec<LanguageOption> {
    Lang::ALL
        .into_iter()
        .map(|l| LanguageOption {
            code: l.code(),
            name: format!("{} ({})", tenants::english_name(l), l.native_name()),
        })
        .collect()
}

/// The form as shown (the stored values, or what was typed when it is shown again).
#[derive(Serialize, Clone)]
struct FormValues {
    plan: String,
    sspr_enabled: bool,
    methods_required: i32,
    helpdesk_url: String,
    /// A language code, or empty for none.
    default_language: String,
}

impl FormValues {
    fn of(t: &Tenant) -> Self {
        Self {
            plan: t.plan.to_string(),
            sspr_enabled: t.sspr_enabled,
            methods_required: t.methods_required,
            helpdesk_url: t.helpdesk_url.clone().unwrap_or_default(),
            default_language: Lang::parse_opt(t.default_language.as_deref())
                .map(|l| l.code().to_string())
                .unwrap_or_default(),
        }
    }
}

/// The tenant, if this admin may see it (else 404).
async fn load(page: &AdminPage, id: &str) -> Result<(Tenant, Vec<TenantDomain>, i64), AppError> {
    tenants::load(&page.state, page.admin().tenant_in_scope(id)?)
        .await?
        .ok_or(AppError::NotFound)
}

#[derive(Deserialize)]
pub(crate) struct ShowQuery {
    saved: Option<String>,
    revoked: Option<String>,
}

async fn render(
    page: &AdminPage,
    status: StatusCode,
    (tenant, domains, guests): (Tenant, Vec<TenantDomain>, i64),
    form: Option<FormValues>,
    error: Option<String>,
    q: Option<&ShowQuery>,
) -> Result<HttpResponse, AppError> {
    let admin = page.admin();
    let branding = super::tenant_branding::form_for(&page.state, admin, tenant.id.as_str()).await?;
    let ctx = ShowPage {
        branding,
        frame: admin.frame(),
        managed: tenant.kind() == TenantKind::Managed,
        self_service: tenants::self_service(&tenant),
        saved: q.is_some_and(|q| q.saved.is_some()),
        changes: Changed::parse_list(q.and_then(|q| q.saved.as_deref()).unwrap_or_default())
            .into_iter()
            .map(|c| c.sentence(&tenant))
            .collect(),
        form: form.unwrap_or_else(|| FormValues::of(&tenant)),
        domains: domains
            .into_iter()
            .map(|d| DomainRow {
                domain: d.domain,
                verified_at: d.verified_at.map(|t| admin.time(t)),
            })
            .collect(),
        tenant,
        guests,
        error,
        revoked: q.and_then(|q| q.revoked.clone()),
        language_options: language_options(),
    };
    page.render(status, "admin/tenant.html", &ctx)
}

/// `GET /admin/tenants/{id}`.
async fn show(
    page: AdminPage,
    path: web::Path<String>,
    q: web::Query<ShowQuery>,
) -> Result<HttpResponse, AppError> {
    let loaded = load(&page, &path).await?;
    render(&page, StatusCode::OK, loaded, None, None, Some(&q)).await
}

#[derive(Deserialize)]
pub(crate) struct UpdateForm {
    /// Absent for tenant admins (they cannot change it).
    plan: Option<String>,
    /// A checkbox: present when ticked.
    sspr_enabled: Option<String>,
    methods_required: String,
    #[serde(default)]
    helpdesk_url: String,
    /// Absent: unchanged (a form without the field); empty: none.
    default_language: Option<String>,
}

/// A helpdesk link guests can follow: an absolute http(s) URL or a mailto: address.
pub(crate) fn valid_helpdesk_url(text: &str) -> bool {
    match url::Url::parse(text) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => u.host_str().is_some(),
        Ok(u) if u.scheme() == "mailto" => EmailAddress::parse(u.path()).is_ok(),
        _ => false,
    }
}

/// `POST /admin/tenants/{id}`.
async fn update(
    page: AdminPage,
    path: web::Path<String>,
    form: CsrfForm<UpdateForm>,
) -> Result<HttpResponse, AppError> {
    let loaded = load(&page, &path).await?;
    let tenant = &loaded.0;
    let form = form.0;
    let current = TenantSettings::of(tenant);
    let plan = match form.plan.as_deref().map(str::parse::<Plan>) {
        None => current.plan,
        Some(Ok(p)) => p,
        Some(Err(_)) => return Err(AppError::BadRequest("unknown plan".into())),
    };
    if plan != current.plan && !page.admin().is_platform() {
        // Only the platform changes what a tenant pays for.
        let mut refused = page.event(Event::TenantUpdateRefused, Outcome::Denied);
        refused.tenant_id = Some(tenant.id.clone());
        refused.reason = Some("plan_change_needs_platform_admin".into());
        audit::record(&page.state, refused).await?;
        return Err(AppError::Forbidden);
    }
    let typed = FormValues {
        plan: plan.as_str().to_string(),
        sspr_enabled: form.sspr_enabled.is_some(),
        methods_required: form.methods_required.trim().parse().unwrap_or(0),
        helpdesk_url: form.helpdesk_url.trim().chars().take(2048).collect(),
        default_language: form
            .default_language
            .as_deref()
            .map(|l| l.trim().chars().take(16).collect())
            .unwrap_or_else(|| FormValues::of(tenant).default_language),
    };
    let default_language = tenants::parse_default_language(&typed.default_language);
    let error = if !matches!(typed.methods_required, 1 | 2) {
        Some("Methods required must be 1 (email link) or 2 (email link and authenticator).")
    } else if !typed.helpdesk_url.is_empty() && !valid_helpdesk_url(&typed.helpdesk_url) {
        Some("The helpdesk link must be an https:// (or http://) address, or mailto:helpdesk@example.com.")
    } else if default_language.is_err() {
        Some("The default language must be one of the list: none, English, German or French.")
    } else {
        None
    };
    if let Some(e) = error {
        return render(
            &page,
            StatusCode::BAD_REQUEST,
            loaded,
            Some(typed),
            Some(e.into()),
            None,
        )
        .await;
    }
    let after = TenantSettings {
        plan,
        sspr_enabled: typed.sspr_enabled,
        methods_required: typed.methods_required,
        helpdesk_url: (!typed.helpdesk_url.is_empty()).then(|| typed.helpdesk_url.clone()),
        default_language: default_language
            .ok()
            .flatten()
            .map(|l| l.code().to_string()),
    };
    let event = page.event(Event::TenantUpdated, Outcome::Success);
    let result = tenants::update(&page.state, tenant.tenant_id(), after, event).await?;
    let changed: Vec<&str> = result
        .as_ref()
        .map(Changed::of)
        .unwrap_or_default()
        .into_iter()
        .map(Changed::code)
        .collect();
    let mut location = format!("/admin/tenants/{}?saved={}", tenant.id, changed.join(","));
    if let Some(r) = result.filter(|r| r.revoked_tokens > 0) {
        location.push_str(&format!("&revoked={}", r.revoked_tokens));
    }
    Ok(see_other(&location))
}

#[cfg(test)]
mod tests {
    use super::valid_helpdesk_url;

    #[test]
    fn helpdesk_links_are_web_or_mail_addresses() {
        assert!(valid_helpdesk_url("https://help.contoso.com/sspr"));
        assert!(valid_helpdesk_url("mailto:helpdesk@contoso.com"));
        assert!(!valid_helpdesk_url("javascript:alert(1)"));
        assert!(!valid_helpdesk_url("mailto:not an address"));
        assert!(!valid_helpdesk_url("help.contoso.com"));
        assert!(!valid_helpdesk_url("ftp://contoso.com"));
    }
}
