//! One guest's page: `GET /admin/guests/{id}`, and the page the actions return to.

use super::view::{guest_event, load, GuestFrame};
use crate::accounts::User;
use crate::console::guests;
use crate::domain::audit::Event;
use crate::ratelimit::persistent::Allowance;
use crate::services::eligibility;
use crate::web::admin::AdminPage;
use crate::web::AppError;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
pub(crate) struct ShowQuery {
    done: Option<String>,
}

#[derive(Serialize)]
struct ShowPage {
    #[serde(flatten)]
    guest: GuestFrame,
    tenant_name: Option<String>,
    explanation: Option<eligibility::Explanation>,
    notice: Option<&'static str>,
    error: Option<String>,
    events: Vec<EventRow>,
    helpdesk_ttl_hours: u32,
    sign_in: SignIn,
}

/// Sign-in as failed attempts leave it: `open`, `paused` (until `until`, in the admin's time
/// zone) or `stopped` (the hard stop).
#[derive(Serialize)]
struct SignIn {
    state: &'static str,
    until: Option<String>,
}

impl SignIn {
    fn of(page: &AdminPage, allowance: Allowance) -> Self {
        let (state, until) = match allowance {
            Allowance::Allowed => ("open", None),
            Allowance::NotBefore(t) => ("paused", Some(page.admin().time(t.naive_utc()))),
            Allowance::Blocked => ("stopped", None),
        };
        Self { state, until }
    }
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
        "unlock" => "The lockout was cleared: the guest can sign in again now.",
        "mark-bounced" => "The address is marked as bounced: no reset mail will be sent to it.",
        "mark-deliverable" => "The address is marked as deliverable again.",
        "disable" => "The guest is disabled: resets are refused and their sessions have ended.",
        "enable" => "The guest is enabled again.",
        _ => return None,
    })
}

pub(super) async fn show_page(
    page: &AdminPage,
    user: User,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<HttpResponse, AppError> {
    let seen = guest_event(page, &user, Event::AdminViewedGuest);
    let detail = guests::detail(&page.state, &user, 20, seen).await?;
    let sign_in = SignIn::of(page, guests::sign_in_allowance(&page.state, &user).await?);
    let ctx = ShowPage {
        guest: GuestFrame::of(page, &user),
        tenant_name: detail.tenant.map(|t| t.name),
        explanation: Some(detail.explanation),
        notice,
        error,
        events: detail
            .recent
            .into_iter()
            .map(|e| EventRow {
                id: e.id,
                at: page.admin().time(e.occurred_at),
                event: e.event,
                outcome: e.outcome,
                reason: e.reason,
                actor: e.actor,
            })
            .collect(),
        helpdesk_ttl_hours: page.state.settings.reset.helpdesk_ttl_hours,
        sign_in,
    };
    page.ok("admin/guest.html", &ctx)
}

/// `GET /admin/guests/{id}`: the guest, why they can or cannot reset, their recent events.
pub(super) async fn show(
    page: AdminPage,
    path: web::Path<String>,
    q: web::Query<ShowQuery>,
) -> Result<HttpResponse, AppError> {
    let user = load(&page, &path).await?;
    show_page(&page, user, notice(q.done.as_deref()), None).await
}
