//! Helpdesk actions on a guest (tenant admins for their own tenant, platform admins for any):
//! why can't this guest reset (the policy explanation), issue a reset link (12 hours, shown
//! once), reset the authenticator (lost phone), clear a lockout, mark the address bounced or
//! deliverable. Every view and every action is an audit event with the admin as actor
//! (SECURITY.md #36).

use super::{see_other, AdminCtx};
use crate::db::audit::{self, AuditFilter, NewAuditEvent};
use crate::db::models::User;
use crate::db::{admin_queries, reset_tokens, tenants, users, AnyConnection, DbError};
use crate::domain::{EmailAddress, UserId};
use crate::eligibility;
use crate::security::TokenSecret;
use crate::web::csrf::{CsrfForm, NoFields};
use crate::web::{page, AppError, AppState};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

/// Guests listed per search.
const LIST_LIMIT: i64 = 200;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/guests").get(list))
        .service(web::resource("/guests/{id}").get(show))
        .service(web::resource("/guests/{id}/reset-link").post(reset_link))
        .service(web::resource("/guests/{id}/reset-totp").post(reset_totp))
        .service(web::resource("/guests/{id}/unlock").post(unlock))
        .service(web::resource("/guests/{id}/mark-bounced").post(mark_bounced))
        .service(web::resource("/guests/{id}/mark-deliverable").post(mark_deliverable));
}

/// A guest as the pages show it (never the password hash or the TOTP seed).
#[derive(Serialize)]
struct GuestView {
    id: String,
    tenant_id: String,
    email: String,
    display_name: Option<String>,
    verified_at: Option<String>,
    bounced_at: Option<String>,
    bounce_reason: Option<String>,
    totp_enrolled: bool,
    disabled: bool,
    locked_until: Option<String>,
    locked: bool,
    password_changed_at: Option<String>,
}

impl GuestView {
    fn of(admin: &AdminCtx, u: &User, now: NaiveDateTime) -> Self {
        let time = |t: NaiveDateTime| admin.time(t);
        Self {
            id: u.id.clone(),
            tenant_id: u.tenant_id.clone(),
            email: u.email.clone(),
            display_name: u.display_name.clone(),
            verified_at: u.verified_at.map(time),
            bounced_at: u.bounced_at.map(time),
            bounce_reason: u.bounce_reason.clone(),
            totp_enrolled: u.totp_secret.is_some(),
            disabled: u.disabled,
            locked_until: u.locked_until.map(time),
            locked: u.locked_until.is_some_and(|t| t > now),
            password_changed_at: u.password_changed_at.map(time),
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct ListQuery {
    #[serde(default)]
    tenant: String,
    #[serde(default)]
    q: String,
}

#[derive(Serialize)]
struct ListPage<'a> {
    admin_email: &'a str,
    platform: bool,
    q: String,
    tenant: String,
    guests: Vec<GuestView>,
    limit: i64,
}

/// `GET /admin/guests?q=…&tenant=…`.
async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    admin: AdminCtx,
    q: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let scope = admin.scope(Some(&q.tenant))?;
    let text: String = q.q.trim().to_lowercase().chars().take(254).collect();
    let (s, t) = (scope.clone(), text.clone());
    let found = state
        .db
        .run(move |c| admin_queries::search_guests(c, s.as_ref(), &t, LIST_LIMIT))
        .await?;
    let mut seen = admin.event(state.now(), "admin_viewed_guests", "success");
    seen.tenant_id = scope.as_ref().map(|t| t.as_str().to_string());
    seen.detail = Some(serde_json::json!({ "query": text, "shown": found.len() }).to_string());
    state.db.run(move |c| audit::insert(c, &seen)).await?;
    let now = state.now();
    let ctx = ListPage {
        admin_email: &admin.admin.email,
        platform: admin.is_platform(),
        q: text,
        tenant: q.tenant.clone(),
        guests: found
            .iter()
            .map(|u| GuestView::of(&admin, u, now))
            .collect(),
        limit: LIST_LIMIT,
    };
    page::ok(&req, &state, "admin/guests.html", &ctx)
}

/// The guest, if this admin may see it (else 404, SECURITY.md #35).
async fn load(state: &AppState, admin: &AdminCtx, id: &str) -> Result<User, AppError> {
    let uid = UserId::from_string(id);
    state
        .db
        .run(move |c| users::find_by_id(c, &uid))
        .await?
        .filter(|u| admin.may_see(Some(&u.tenant_id)))
        .ok_or(AppError::NotFound)
}

/// An audit event about `user` by `admin`.
fn guest_event(state: &AppState, admin: &AdminCtx, user: &User, name: &str) -> NewAuditEvent {
    let mut e = admin.event(state.now(), name, "success");
    e.tenant_id = Some(user.tenant_id.clone());
    e.user_id = Some(user.id.clone());
    e.email = Some(user.email.clone());
    e
}

#[derive(Deserialize)]
pub(crate) struct ShowQuery {
    done: Option<String>,
}

#[derive(Serialize)]
struct ShowPage<'a> {
    admin_email: &'a str,
    platform: bool,
    guest: GuestView,
    tenant_name: Option<String>,
    explanation: Option<eligibility::Explanation>,
    notice: Option<&'static str>,
    error: Option<String>,
    events: Vec<EventRow>,
    helpdesk_ttl_hours: u32,
}

#[derive(Serialize)]
struct EventRow {
    id: i64,
    at: String,
    event: String,
    outcome: String,
    reason: Option<String>,
    actor: String,
}

fn notice(done: Option<&str>) -> Option<&'static str> {
    Some(match done? {
        "reset-totp" => {
            "The authenticator was removed. The guest can enrol a new one after their next sign-in."
        }
        "unlock" => "The lockout was cleared. The guest can request a reset again.",
        "mark-bounced" => "The address is marked as bounced: no reset mail will be sent to it.",
        "mark-deliverable" => "The address is marked as deliverable again.",
        _ => return None,
    })
}

async fn show_page(
    req: &HttpRequest,
    state: &AppState,
    admin: &AdminCtx,
    user: User,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<HttpResponse, AppError> {
    let explanation = match EmailAddress::parse(&user.email) {
        Ok(email) => Some(
            eligibility::gather(
                &state.db,
                &state.deliverability,
                state.clock.as_ref(),
                &state.settings,
                &email,
            )
            .await?
            .explain(),
        ),
        Err(_) => None,
    };
    let tid = user.tenant_id();
    let filter = AuditFilter {
        tenant_id: Some(user.tenant_id.clone()),
        email: Some(user.email.clone()),
        ..Default::default()
    };
    let (tenant, recent) = state
        .db
        .run(move |c| {
            Ok((
                tenants::find_by_id(c, &tid)?,
                audit::page(c, &filter, None, 20)?,
            ))
        })
        .await?;
    let seen = guest_event(state, admin, &user, "admin_viewed_guest");
    state.db.run(move |c| audit::insert(c, &seen)).await?;
    let ctx = ShowPage {
        admin_email: &admin.admin.email,
        platform: admin.is_platform(),
        guest: GuestView::of(admin, &user, state.now()),
        tenant_name: tenant.map(|t| t.name),
        explanation,
        notice,
        error,
        events: recent
            .into_iter()
            .map(|e| EventRow {
                id: e.id,
                at: admin.time(e.occurred_at),
                event: e.event,
                outcome: e.outcome,
                reason: e.reason,
                actor: e.actor,
            })
            .collect(),
        helpdesk_ttl_hours: state.settings.reset.helpdesk_ttl_hours,
    };
    page::ok(req, state, "admin/guest.html", &ctx)
}

/// `GET /admin/guests/{id}`: the guest, why they can or cannot reset, their recent events.
async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    admin: AdminCtx,
    path: web::Path<String>,
    q: web::Query<ShowQuery>,
) -> Result<HttpResponse, AppError> {
    let user = load(&state, &admin, &path).await?;
    show_page(&req, &state, &admin, user, notice(q.done.as_deref()), None).await
}

#[derive(Serialize)]
struct LinkPage<'a> {
    admin_email: &'a str,
    platform: bool,
    guest: GuestView,
    link: String,
    expires_at: String,
    totp_required: bool,
}

/// `POST /admin/guests/{id}/reset-link`: a reset link valid 12 hours, shown once on this page
/// (only its hash is stored). Issued only when the policy allows a reset: redeeming re-checks
/// the policy, so a link the policy refuses could never be used.
async fn reset_link(
    req: HttpRequest,
    state: web::Data<AppState>,
    admin: AdminCtx,
    path: web::Path<String>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let user = load(&state, &admin, &path).await?;
    let email = EmailAddress::parse(&user.email).map_err(|e| anyhow::anyhow!("{e}"))?;
    let gathered = eligibility::gather(
        &state.db,
        &state.deliverability,
        state.clock.as_ref(),
        &state.settings,
        &email,
    )
    .await?;
    let decision = gathered.decide();
    let Some(totp_required) = (match decision {
        crate::policy::Decision::Allow { methods } => Some(methods.totp),
        crate::policy::Decision::Deny(_) => None,
    }) else {
        let mut refused = guest_event(&state, &admin, &user, "helpdesk_reset_link_issued");
        refused.outcome = "denied".into();
        refused.reason = Some(decision.code().to_string());
        state.db.run(move |c| audit::insert(c, &refused)).await?;
        let error = format!(
            "No link was issued: the policy refuses a reset for this guest ({}). See the checks below.",
            decision.code()
        );
        return show_page(&req, &state, &admin, user, None, Some(error)).await;
    };
    let now = state.now();
    // How long a helpdesk link works: `reset.helpdesk_ttl_hours` (12 by default, DESIGN.md §3).
    let expires_at =
        now + chrono::Duration::hours(i64::from(state.settings.reset.helpdesk_ttl_hours));
    let secret = TokenSecret::generate();
    let new = reset_tokens::NewToken {
        user_id: user.user_id(),
        tenant_id: user.tenant_id(),
        token_hash: secret.hash().into_string(),
        code_hash: None,
        flow_id_hash: None,
        issued_by: Some(admin.actor()),
        totp_required,
        expires_at,
    };
    let mut event = guest_event(&state, &admin, &user, "helpdesk_reset_link_issued");
    state
        .db
        .run(move |c| {
            use crate::db::WriteTransaction as _;
            c.write_transaction::<_, DbError, _>(|c| {
                let token = reset_tokens::issue(c, &new, now)?;
                event.detail = Some(
                    serde_json::json!({ "token_id": token.id, "expires_at": expires_at })
                        .to_string(),
                );
                audit::insert(c, &event)
            })
        })
        .await?;
    let ctx = LinkPage {
        admin_email: &admin.admin.email,
        platform: admin.is_platform(),
        guest: GuestView::of(&admin, &user, now),
        link: state
            .settings
            .link(&format!("/reset/link/{}", secret.expose())),
        expires_at: admin.time(expires_at),
        totp_required,
    };
    page::ok(&req, &state, "admin/reset_link.html", &ctx)
}

/// Runs one helpdesk change and its audit event in a transaction, then shows the guest again.
async fn act<F>(
    state: &AppState,
    admin: &AdminCtx,
    id: &str,
    action: &'static str,
    event: &'static str,
    change: F,
) -> Result<HttpResponse, AppError>
where
    F: FnOnce(&mut AnyConnection, &UserId, NaiveDateTime) -> Result<(), DbError> + Send + 'static,
{
    let user = load(state, admin, id).await?;
    let audit_event = guest_event(state, admin, &user, event);
    let uid = user.user_id();
    let now = state.now();
    state
        .db
        .run(move |c| {
            use crate::db::WriteTransaction as _;
            c.write_transaction::<_, DbError, _>(|c| {
                change(c, &uid, now)?;
                audit::insert(c, &audit_event)
            })
        })
        .await?;
    Ok(see_other(&format!(
        "/admin/guests/{}?done={action}",
        user.id
    )))
}

/// `POST /admin/guests/{id}/reset-totp`: removes the authenticator (lost phone). Outstanding
/// reset links that required it die with it (SECURITY.md #6).
async fn reset_totp(
    state: web::Data<AppState>,
    admin: AdminCtx,
    path: web::Path<String>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    act(
        &state,
        &admin,
        &path,
        "reset-totp",
        "helpdesk_totp_reset",
        |c, id, now| {
            users::set_totp_secret(c, id, None, now)?;
            reset_tokens::revoke_all_for_user(c, id, "totp_reset", now)?;
            Ok(())
        },
    )
    .await
}

/// `POST /admin/guests/{id}/unlock`: lifts a lockout after failed resets.
async fn unlock(
    state: web::Data<AppState>,
    admin: AdminCtx,
    path: web::Path<String>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    act(
        &state,
        &admin,
        &path,
        "unlock",
        "helpdesk_lockout_cleared",
        admin_queries::clear_lockout,
    )
    .await
}

/// `POST /admin/guests/{id}/mark-bounced`: the address cannot receive mail (policy rule 6);
/// outstanding reset links die (SECURITY.md #6).
async fn mark_bounced(
    state: web::Data<AppState>,
    admin: AdminCtx,
    path: web::Path<String>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    act(
        &state,
        &admin,
        &path,
        "mark-bounced",
        "helpdesk_marked_bounced",
        |c, id, now| {
            users::mark_bounced(c, id, "marked by the helpdesk", now)?;
            reset_tokens::revoke_all_for_user(c, id, "email_undeliverable", now)?;
            Ok(())
        },
    )
    .await
}

/// `POST /admin/guests/{id}/mark-deliverable`: forgets a recorded bounce.
async fn mark_deliverable(
    state: web::Data<AppState>,
    admin: AdminCtx,
    path: web::Path<String>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    act(
        &state,
        &admin,
        &path,
        "mark-deliverable",
        "helpdesk_marked_deliverable",
        admin_queries::mark_deliverable,
    )
    .await
}
