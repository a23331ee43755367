//! Platform admins manage admins (docs/administrators.md#managing-admins): the list, and per
//! admin disable, enable and a new set-up link, each behind a confirmation page. Tenant admins
//! get 404 here, as on every platform-only page. The logic is [`crate::console::admins`]'.

use super::{see_other, AdminCtx, AdminPage, Frame, PlatformPage};
use crate::console::admins::{self, AdminEntry, Change, Changed, Refused, Status};
use crate::domain::audit::Outcome;
use crate::web::csrf::CsrfForm;
use crate::web::{AppError, AppState};
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/admins").get(list)).service(
        web::resource("/admins/{id}/{change}")
            .get(confirm_form)
            .post(apply),
    );
}

/// An admin as the pages show it (never the password hash, TOTP seed or set-up hash).
#[derive(Serialize)]
struct AdminView {
    id: String,
    email: String,
    role: String,
    status: Status,
    status_label: &'static str,
    totp_enrolled: bool,
    last_sign_in: Option<String>,
    setup_expires_at: Option<String>,
    created_at: String,
    is_self: bool,
}

impl AdminView {
    fn of(me: &AdminCtx, e: &AdminEntry, now: chrono::NaiveDateTime) -> Self {
        let a = &e.admin;
        let status = Status::of(a, now);
        Self {
            id: a.id.to_string(),
            email: a.email.to_string(),
            role: e.role_label(),
            status,
            status_label: status.label(),
            totp_enrolled: a.totp_secret.is_some(),
            last_sign_in: a.last_login_at.map(|t| me.time(t)),
            setup_expires_at: a
                .setup_expires_at
                .filter(|_| !a.disabled && a.password_hash.is_none())
                .map(|t| me.time(t)),
            created_at: me.time(a.created_at),
            is_self: a.id.as_str() == me.id.as_str(),
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct ListQuery {
    done: Option<String>,
    id: Option<String>,
}

#[derive(Serialize)]
struct ListPage {
    #[serde(flatten)]
    frame: Frame,
    admins: Vec<AdminView>,
    notice: Option<String>,
}

/// `GET /admin/admins`.
async fn list(
    PlatformPage(page): PlatformPage,
    q: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let now = page.state.now();
    let all = admins::list(&page.state).await?;
    let notice = q.id.as_deref().and_then(|id| {
        let who = all.iter().find(|e| e.admin.id.as_str() == id)?.admin.email.clone();
        Some(match q.done.as_deref()? {
            "disabled" => format!(
                "Disabled {who}: they cannot sign in, and their sessions ended at their next request."
            ),
            "enabled" => format!("Enabled {who}: they can sign in again."),
            "unchanged" => format!("Nothing changed: {who} already was in that state."),
            _ => return None,
        })
    });
    let ctx = ListPage {
        frame: page.admin().frame(),
        admins: all
            .iter()
            .map(|e| AdminView::of(page.admin(), e, now))
            .collect(),
        notice,
    };
    page.ok("admin/admins.html", &ctx)
}

fn parse_change(s: &str) -> Result<Change, AppError> {
    match s {
        "disable" => Ok(Change::Disable),
        "enable" => Ok(Change::Enable),
        "reissue" => Ok(Change::Reissue),
        _ => Err(AppError::NotFound),
    }
}

fn change_slug(c: Change) -> &'static str {
    match c {
        Change::Disable => "disable",
        Change::Enable => "enable",
        Change::Reissue => "reissue",
    }
}

#[derive(Serialize)]
struct ConfirmPage {
    #[serde(flatten)]
    frame: Frame,
    target: AdminView,
    change: &'static str,
    setup_hours: i64,
    error: Option<String>,
    confirm_error: bool,
}

async fn load(state: &AppState, id: &str) -> Result<AdminEntry, AppError> {
    admins::find(state, id).await?.ok_or(AppError::NotFound)
}

/// Why the confirmation page is shown again.
struct Problem {
    status: StatusCode,
    message: String,
    /// The confirmation box was not ticked (the error goes next to it).
    on_checkbox: bool,
}

fn confirm_page(
    page: &AdminPage,
    target: &AdminEntry,
    change: Change,
    problem: Option<Problem>,
) -> Result<HttpResponse, AppError> {
    let status = problem.as_ref().map_or(StatusCode::OK, |p| p.status);
    let confirm_error = problem.as_ref().is_some_and(|p| p.on_checkbox);
    let error = problem.map(|p| p.message);
    let ctx = ConfirmPage {
        frame: page.admin().frame(),
        target: AdminView::of(page.admin(), target, page.state.now()),
        change: change_slug(change),
        setup_hours: admins::SETUP_LINK_HOURS,
        error,
        confirm_error,
    };
    page.render(status, "admin/admin_confirm.html", &ctx)
}

/// `GET /admin/admins/{id}/{disable|enable|reissue}`: what the change does, and the form that
/// makes it.
async fn confirm_form(
    PlatformPage(page): PlatformPage,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, change) = path.into_inner();
    let change = parse_change(&change)?;
    let target = load(&page.state, &id).await?;
    confirm_page(&page, &target, change, None)
}

#[derive(Deserialize)]
pub(crate) struct ConfirmForm {
    #[serde(default)]
    confirm: String,
}

#[derive(Serialize)]
struct LinkPage {
    #[serde(flatten)]
    frame: Frame,
    target: AdminView,
    link: String,
    expires_at: String,
    setup_hours: i64,
}

/// `POST /admin/admins/{id}/{disable|enable|reissue}`: needs the confirmation (`confirm=yes`);
/// a refusal shows the confirmation page again with the reason (409).
async fn apply(
    PlatformPage(page): PlatformPage,
    path: web::Path<(String, String)>,
    form: CsrfForm<ConfirmForm>,
) -> Result<HttpResponse, AppError> {
    let (state, admin) = (&page.state, page.admin());
    let (id, change) = path.into_inner();
    let change = parse_change(&change)?;
    let target = load(state, &id).await?;
    if form.0.confirm != "yes" {
        let problem = Problem {
            status: StatusCode::BAD_REQUEST,
            message: "Tick the box to confirm, or cancel.".into(),
            on_checkbox: true,
        };
        return confirm_page(&page, &target, change, Some(problem));
    }
    let event = page.event(change.event_name(), Outcome::Success);
    let done = admins::change(state, target.admin.clone(), change, admin.id.clone(), event).await?;
    let done = match done {
        Ok(done) => done,
        Err(refused) => return refused_page(&page, &target, change, refused),
    };
    match done {
        Changed::Toggled(changed) => {
            let word = match (changed, change) {
                (false, _) => "unchanged",
                (true, Change::Disable) => "disabled",
                (true, _) => "enabled",
            };
            Ok(see_other(&format!(
                "/admin/admins?done={word}&id={}",
                target.admin.id
            )))
        }
        Changed::Reissued { secret, expires_at } => {
            // Read again: the page shows the admin as they now are (set-up pending).
            let target = load(state, &id).await?;
            let ctx = LinkPage {
                frame: admin.frame(),
                target: AdminView::of(admin, &target, state.now()),
                link: state
                    .settings
                    .link(&format!("/admin/setup/{}", secret.expose())),
                expires_at: admin.time(expires_at),
                setup_hours: admins::SETUP_LINK_HOURS,
            };
            page.ok("admin/admin_setup_link.html", &ctx)
        }
    }
}

fn refused_page(
    page: &AdminPage,
    target: &AdminEntry,
    change: Change,
    refused: Refused,
) -> Result<HttpResponse, AppError> {
    // The service audited the refusal.
    let problem = Problem {
        status: StatusCode::CONFLICT,
        message: refused.to_string(),
        on_checkbox: false,
    };
    confirm_page(page, target, change, Some(problem))
}
