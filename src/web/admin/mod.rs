//! The admin console (docs/administrators.md): sign-in with password and TOTP, the audit, insights,
//! tenants, and helpdesk actions on guests.
//!
//! Every page but sign-in and set-up takes an [`AdminCtx`], the extractor that checks the
//! sealed session cookie against the clock and the database (most through an [`AdminPage`],
//! which brings the request and the state along, or a [`PlatformPage`]). Anonymous requests are sent to
//! `/admin/login` (303); a browser that carries a guest session or a reset flow but no admin
//! session gets 403 (docs/security.md#34). What an admin may see is decided here once
//! ([`AdminCtx::scope`], [`AdminCtx::may_see`]): a tenant admin asking for another tenant's
//! anything gets 404, never 403, which would confirm it exists (docs/security.md#35).

mod admin_page;
mod admins;
mod api_keys;
mod audit;
mod audit_rows;
mod auth;
mod banned_words;
mod chart;
mod csv;
mod guests;
mod insights;
mod invitations;
pub mod session;
mod tenant_branding;
mod tenants;
pub(crate) mod time_zone;
mod webhooks;

use super::cookies::{self, ADMIN_SESSION, GUEST_SESSION, RESET_FLOW, RESET_TOKEN};
pub(crate) use super::page::see_other;
use super::{AppError, AppState};
use crate::console::audit::NewAuditEvent;
use crate::console::{self, Admin};
use crate::domain::audit::{Event, Outcome};
use crate::domain::{AdminId, AdminRole, TenantId};
use actix_web::body::MessageBody;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::{from_fn, Next};
use actix_web::{web, FromRequest, HttpMessage, HttpRequest, HttpResponse, ResponseError};
pub(crate) use admin_page::{AdminPage, PlatformPage};
use futures_util::future::LocalBoxFuture;
use session::{Session, Stage};
use std::net::IpAddr;

/// Registers every `/admin` route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/admin")
            .wrap(from_fn(refresh_session))
            .service(web::resource("").get(home))
            .configure(auth::configure)
            .configure(admins::configure)
            .configure(audit::configure)
            .configure(tenants::configure)
            .configure(tenant_branding::configure)
            .configure(banned_words::configure)
            .configure(guests::configure)
            .configure(insights::configure)
            .configure(invitations::configure)
            .configure(api_keys::configure)
            .configure(time_zone::configure)
            .configure(webhooks::configure),
    );
}

/// `GET /admin`: the audit is the console's front page.
async fn home(_admin: AdminCtx) -> HttpResponse {
    see_other("/admin/audit")
}

/// The client address for the audit (the same rule as the reset pages).
pub(crate) fn client_ip(req: &HttpRequest) -> Option<IpAddr> {
    super::reset::client_ip(req)
}

/// The admin session cookie: sealed, HttpOnly, SameSite=Strict, no Max-Age (it dies with the
/// browser; the server enforces the timeouts).
fn session_cookie(state: &AppState, session: &Session) -> Cookie<'static> {
    cookies::sealed(
        state,
        ADMIN_SESSION,
        session.to_cookie_value(),
        SameSite::Strict,
        None,
    )
}

/// Removes the admin session cookie.
fn session_removal(state: &AppState) -> Cookie<'static> {
    let mut c = cookies::build(state, ADMIN_SESSION, String::new(), SameSite::Strict, None);
    c.make_removal();
    c
}

/// What the console's layout shows on every page: the signed-in admin's address, and whether
/// the platform-only menu shows. Each page's context flattens it in ([`AdminCtx::frame`]).
#[derive(Debug, Clone, Default, serde::Serialize)]
pub(crate) struct Frame {
    admin_email: String,
    platform: bool,
}

/// The signed-in admin of a request, checked against the clock and the database.
#[derive(Debug, Clone)]
pub struct AdminCtx {
    pub admin: Admin,
    pub id: AdminId,
    pub role: AdminRole,
    /// The tenant of a tenant admin; `None` for platform admins.
    pub tenant: Option<TenantId>,
    pub session: Session,
    pub ip: Option<IpAddr>,
    /// The admin's own time zone for display, when this browser chose one.
    pub tz: Option<chrono_tz::Tz>,
}

impl AdminCtx {
    /// `admin:<id>`, the audit actor.
    pub fn actor(&self) -> String {
        format!("admin:{}", self.id)
    }

    /// A stored (naive UTC) time as this admin's pages show it: UTC, and their local time too
    /// when they chose a zone.
    pub fn time(&self, t: chrono::NaiveDateTime) -> String {
        time_zone::format(t, self.tz)
    }

    /// The layout's part of this admin's pages.
    pub(crate) fn frame(&self) -> Frame {
        Frame {
            admin_email: self.admin.email.to_string(),
            platform: self.is_platform(),
        }
    }

    pub fn is_platform(&self) -> bool {
        self.role == AdminRole::Platform
    }

    /// For the platform-only pages (admins, API keys, invitations, webhooks): they do not
    /// exist for a tenant admin (404).
    pub fn require_platform(&self) -> Result<(), AppError> {
        if self.is_platform() {
            Ok(())
        } else {
            Err(AppError::NotFound)
        }
    }

    /// The tenant a query is limited to. A platform admin sees `requested` (or everything when
    /// it is absent); a tenant admin always sees their own tenant, and asking for any other
    /// gives 404 (docs/security.md#35).
    pub fn scope(&self, requested: Option<&str>) -> Result<Option<TenantId>, AppError> {
        let requested = requested.map(str::trim).filter(|t| !t.is_empty());
        match (&self.tenant, requested) {
            (None, r) => Ok(r.map(TenantId::from_string)),
            (Some(own), None) => Ok(Some(own.clone())),
            (Some(own), Some(r)) if r == own.as_str() => Ok(Some(own.clone())),
            (Some(_), Some(_)) => Err(AppError::NotFound),
        }
    }

    /// The tenant `id` names, if this admin may see it; any other is a 404, never a 403
    /// (docs/security.md#35). Whether it exists is the caller's lookup.
    pub fn tenant_in_scope(&self, id: &str) -> Result<TenantId, AppError> {
        let id = TenantId::from_string(id);
        if self.may_see(Some(&id)) {
            Ok(id)
        } else {
            Err(AppError::NotFound)
        }
    }

    /// Whether this admin may see a row of `tenant_id` (rows of no tenant are platform-only).
    pub fn may_see(&self, tenant_id: Option<&TenantId>) -> bool {
        match &self.tenant {
            None => true,
            Some(own) => tenant_id == Some(own),
        }
    }

    /// An audit event by this admin in this session; `tenant_id` defaults to the admin's own.
    pub fn event(
        &self,
        now: chrono::NaiveDateTime,
        name: Event,
        outcome: Outcome,
    ) -> NewAuditEvent {
        let mut e = NewAuditEvent::new(now, &self.actor(), name, outcome);
        e.ip = self.ip.map(|i| i.to_string());
        e.tenant_id = self.tenant.clone();
        e.request_id = Some(self.session.reference());
        e
    }
}

/// Why a request did not get an admin context.
#[derive(Debug, thiserror::Error)]
enum Gate {
    /// Not signed in (or the session ended): go to the sign-in page, dropping a dead cookie.
    #[error("admin sign-in required")]
    SignIn(Option<Cookie<'static>>),
    /// A guest or reset-flow browser without an admin session (docs/security.md#34).
    #[error("not an admin session")]
    Forbidden(String),
    #[error(transparent)]
    App(#[from] AppError),
}

impl ResponseError for Gate {
    fn status_code(&self) -> actix_web::http::StatusCode {
        match self {
            Gate::SignIn(_) => actix_web::http::StatusCode::SEE_OTHER,
            Gate::Forbidden(_) => actix_web::http::StatusCode::FORBIDDEN,
            Gate::App(e) => e.status_code(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Gate::SignIn(removal) => {
                let mut res = HttpResponse::SeeOther();
                res.insert_header((header::LOCATION, "/admin/login"));
                if let Some(c) = removal {
                    res.cookie(c.clone());
                }
                res.finish()
            }
            Gate::Forbidden(html) => HttpResponse::Forbidden()
                .content_type("text/html; charset=utf-8")
                .body(html.clone()),
            Gate::App(e) => e.error_response(),
        }
    }
}

/// A fresh session cookie for the response (the idle clock moved).
#[derive(Clone)]
struct Refresh(Cookie<'static>);

impl FromRequest for AdminCtx {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { authenticate(&req).await.map_err(actix_web::Error::from) })
    }
}

async fn authenticate(req: &HttpRequest) -> Result<AdminCtx, Gate> {
    let state = super::state_of(req)?.clone();
    let had_cookie = req
        .cookie(&cookies::wire_name(&state, ADMIN_SESSION))
        .is_some();
    let refuse = || -> Gate {
        let other = [GUEST_SESSION, RESET_FLOW, RESET_TOKEN]
            .iter()
            .any(|n| req.cookie(&cookies::wire_name(&state, n)).is_some());
        if other {
            #[derive(serde::Serialize)]
            struct Empty {}
            let html = state
                .templates
                .render("admin/forbidden.html", &Empty {})
                .unwrap_or_else(|_| "Admin sign-in required".into());
            Gate::Forbidden(html)
        } else {
            Gate::SignIn(had_cookie.then(|| session_removal(&state)))
        }
    };
    let now = state.clock.now().timestamp();
    let Some(session) = cookies::open(req, &state, ADMIN_SESSION)
        .and_then(|v| Session::from_cookie_value(&v))
        .filter(|s| s.stage == Stage::Full && s.is_live(now))
    else {
        return Err(refuse());
    };
    let id = AdminId::from_string(session.admin_id.clone());
    let admin = console::auth::session_admin(
        &state,
        id.clone(),
        session.generation,
        session.sign_in_event,
        session.reference(),
    )
    .await
    .map_err(AppError::from)?;
    let Some(admin) = admin else {
        return Err(refuse());
    };
    if let Some(touched) = session.touched(now) {
        req.extensions_mut()
            .insert(Refresh(session_cookie(&state, &touched)));
    }
    Ok(AdminCtx {
        role: admin.role(),
        tenant: admin.tenant_id.clone(),
        id,
        admin,
        session,
        ip: client_ip(req),
        tz: time_zone::from_request(req, &state),
    })
}

/// Adds the refreshed session cookie to the response, unless the handler set the session
/// cookie itself (sign-out).
async fn refresh_session(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut res = next.call(req).await?;
    let refresh = res.request().extensions().get::<Refresh>().cloned();
    if let Some(Refresh(cookie)) = refresh {
        let already = res.response().cookies().any(|c| c.name() == cookie.name());
        if !already {
            res.response_mut().add_cookie(&cookie)?;
        }
    }
    Ok(res)
}

/// The admin area's forms, for [`super::fuzzing::decode_forms`].
pub(super) fn fuzz_decode_forms(d: &mut super::fuzzing::Decoded, body: &[u8]) {
    d.form::<auth::SetupForm>(body);
    d.form::<auth::LoginForm>(body);
    d.form::<auth::CodeForm>(body);
    d.form::<tenants::UpdateForm>(body);
    d.form::<api_keys::NewKey>(body);
    d.form::<time_zone::ZoneForm>(body);
    d.form::<guests::DeleteForm>(body);
    d.form::<admins::ConfirmForm>(body);
}

/// The admin area's query strings, for [`super::fuzzing::decode_queries`].
pub(super) fn fuzz_decode_queries(d: &mut super::fuzzing::Decoded, query: &str) {
    d.query::<auth::LoginQuery>(query);
    d.query::<audit::AuditQuery>(query);
    d.query::<admins::ListQuery>(query);
    d.query::<guests::ListQuery>(query);
    d.query::<guests::ShowQuery>(query);
    d.query::<tenants::ShowQuery>(query);
    d.query::<insights::Query>(query);
    d.query::<time_zone::ShowQuery>(query);
    d.query::<webhooks::ShowQuery>(query);
}
