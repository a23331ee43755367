//! A guest's lifecycle from the console (docs/operations.md#guest-lifecycle): disable, enable,
//! and delete after a confirmation step where the admin types the address. Each is audited
//! with the admin as actor; the logic is [`crate::console::guests`]'.

use super::show::show_page;
use super::view::{guest_event, load, GuestFrame};
use crate::accounts::lifecycle::LifecycleError;
use crate::console::guests;
use crate::domain::audit::Event;
use crate::web::admin::{see_other, AdminPage};
use crate::web::csrf::{CsrfForm, NoFields};
use crate::web::AppError;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

/// `POST /admin/guests/{id}/disable` (`DISABLED`): resets are refused (policy rule 4,
/// `account_disabled`); sessions and outstanding reset links end.
/// `POST /admin/guests/{id}/enable` (not `DISABLED`).
pub(super) async fn set_disabled<const DISABLED: bool>(
    page: AdminPage,
    path: web::Path<String>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let user = load(&page, &path).await?;
    let name = if DISABLED {
        Event::UserDisabled
    } else {
        Event::UserEnabled
    };
    let event = guest_event(&page, &user, name);
    match guests::set_disabled(&page.state, &user, DISABLED, event).await {
        Ok(_) => Ok(see_other(&format!(
            "/admin/guests/{}?done={}",
            user.id,
            if DISABLED { "disable" } else { "enable" }
        ))),
        Err(LifecycleError::Db(e)) => Err(e.into()),
        Err(refused) => show_page(&page, user, None, Some(refused.to_string())).await,
    }
}

#[derive(Serialize)]
struct ConfirmPage {
    #[serde(flatten)]
    guest: GuestFrame,
    error: Option<&'static str>,
}

fn confirm_page(
    page: &AdminPage,
    user: &crate::accounts::User,
    error: Option<&'static str>,
) -> Result<HttpResponse, AppError> {
    let ctx = ConfirmPage {
        guest: GuestFrame::of(page, user),
        error,
    };
    page.ok("admin/guest_delete.html", &ctx)
}

/// `GET /admin/guests/{id}/delete`: what deleting removes, and a form that asks for the
/// address as confirmation.
pub(super) async fn delete_form(
    page: AdminPage,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let user = load(&page, &path).await?;
    confirm_page(&page, &user, None)
}

#[derive(Deserialize)]
pub(crate) struct DeleteForm {
    #[serde(default)]
    confirm_email: String,
}

/// `POST /admin/guests/{id}/delete`: deletes the guest when the typed address matches.
pub(super) async fn delete(
    page: AdminPage,
    path: web::Path<String>,
    form: CsrfForm<DeleteForm>,
) -> Result<HttpResponse, AppError> {
    let user = load(&page, &path).await?;
    if !form
        .0
        .confirm_email
        .trim()
        .eq_ignore_ascii_case(user.email.as_str())
    {
        return confirm_page(
            &page,
            &user,
            Some("The address you typed is not this guest's: nothing was deleted."),
        );
    }
    let event = guest_event(&page, &user, Event::UserDeleted);
    guests::delete(&page.state, &user, event).await?;
    Ok(see_other("/admin/guests?deleted=1"))
}
