//! A guest's lifecycle from the console (docs/operations.md#guest-lifecycle): disable, enable,
//! and delete after a confirmation step where the admin types the address. Each is audited
//! with the admin as actor; the logic is [`crate::console::guests`]'.

use super::show::show_page;
use super::view::{guest_event, load, GuestFrame};
use crate::accounts::lifecycle::LifecycleError;
use crate::console::guests;
use crate::domain::audit::Event;
use crate::web::admin::{see_other, AdminCtx};
use crate::web::csrf::{CsrfForm, NoFields};
use crate::web::{page, AppError, AppState};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

/// `POST /admin/guests/{id}/disable` (`DISABLED`): resets are refused (policy rule 4,
/// `account_disabled`); sessions and outstanding reset links end.
/// `POST /admin/guests/{id}/enable` (not `DISABLED`).
pub(super) async fn set_disabled<const DISABLED: bool>(
    req: HttpRequest,
    state: web::Data<AppState>,
    admin: AdminCtx,
    path: web::Path<String>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let user = load(&state, &admin, &path).await?;
    let name = if DISABLED {
        Event::UserDisabled
    } else {
        Event::UserEnabled
    };
    let event = guest_event(&state, &admin, &user, name);
    match guests::set_disabled(&state, &user, DISABLED, event).await {
        Ok(_) => Ok(see_other(&format!(
            "/admin/guests/{}?done={}",
            user.id,
            if DISABLED { "disable" } else { "enable" }
        ))),
        Err(LifecycleError::Db(e)) => Err(e.into()),
        Err(refused) => {
            show_page(&req, &state, &admin, user, None, Some(refused.to_string())).await
        }
    }
}

#[derive(Serialize)]
struct ConfirmPage {
    #[serde(flatten)]
    guest: GuestFrame,
    error: Option<&'static str>,
}

fn confirm_page(
    req: &HttpRequest,
    state: &AppState,
    admin: &AdminCtx,
    user: &crate::accounts::User,
    error: Option<&'static str>,
) -> Result<HttpResponse, AppError> {
    let ctx = ConfirmPage {
        guest: GuestFrame::of(admin, user, state.now()),
        error,
    };
    page::ok(req, state, "admin/guest_delete.html", &ctx)
}

/// `GET /admin/guests/{id}/delete`: what deleting removes, and a form that asks for the
/// address as confirmation.
pub(super) async fn delete_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    admin: AdminCtx,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let user = load(&state, &admin, &path).await?;
    confirm_page(&req, &state, &admin, &user, None)
}

#[derive(Deserialize)]
pub(crate) struct DeleteForm {
    #[serde(default)]
    confirm_email: String,
}

/// `POST /admin/guests/{id}/delete`: deletes the guest when the typed address matches.
pub(super) async fn delete(
    req: HttpRequest,
    state: web::Data<AppState>,
    admin: AdminCtx,
    path: web::Path<String>,
    form: CsrfForm<DeleteForm>,
) -> Result<HttpResponse, AppError> {
    let user = load(&state, &admin, &path).await?;
    if !form
        .0
        .confirm_email
        .trim()
        .eq_ignore_ascii_case(user.email.as_str())
    {
        return confirm_page(
            &req,
            &state,
            &admin,
            &user,
            Some("The address you typed is not this guest's: nothing was deleted."),
        );
    }
    let event = guest_event(&state, &admin, &user, Event::UserDeleted);
    guests::delete(&state, &user, event).await?;
    Ok(see_other("/admin/guests?deleted=1"))
}
