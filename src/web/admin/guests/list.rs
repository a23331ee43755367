//! The guest list: `GET /admin/guests`, searched within the admin's scope.

use super::view::GuestView;
use crate::console::{audit, guests};
use crate::domain::audit::{Event, Outcome};
use crate::web::admin::{AdminPage, Frame};
use crate::web::AppError;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

/// Guests listed per search.
const LIST_LIMIT: i64 = 200;

#[derive(Deserialize)]
pub(crate) struct ListQuery {
    #[serde(default)]
    tenant: String,
    #[serde(default)]
    q: String,
    /// Set after a guest was deleted: the page says so.
    deleted: Option<String>,
}

#[derive(Serialize)]
struct ListPage {
    #[serde(flatten)]
    frame: Frame,
    q: String,
    tenant: String,
    guests: Vec<ListRow>,
    limit: i64,
    deleted: bool,
}

/// A guest in the list, with their tenant's name.
#[derive(Serialize)]
struct ListRow {
    #[serde(flatten)]
    guest: GuestView,
    tenant_name: Option<String>,
}

/// `GET /admin/guests?q=…&tenant=…`.
pub(super) async fn list(
    page: AdminPage,
    q: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let (state, admin) = (&page.state, page.admin());
    let scope = admin.scope(Some(&q.tenant))?;
    let text: String = q.q.trim().to_lowercase().chars().take(254).collect();
    let found = guests::search(state, scope.clone(), text.clone(), LIST_LIMIT).await?;
    let mut seen = page.event(Event::AdminViewedGuests, Outcome::Success);
    seen.tenant_id = scope.clone();
    seen.detail = Some(serde_json::json!({ "query": text, "shown": found.len() }).to_string());
    audit::record(state, seen).await?;
    let names = audit::tenant_names(state).await?;
    let now = state.now();
    let ctx = ListPage {
        frame: admin.frame(),
        q: text,
        tenant: q.tenant.clone(),
        guests: found
            .iter()
            .map(|u| ListRow {
                guest: GuestView::of(admin, u, now),
                tenant_name: names.get(&u.tenant_id).cloned(),
            })
            .collect(),
        limit: LIST_LIMIT,
        deleted: q.deleted.is_some(),
    };
    page.ok("admin/guests.html", &ctx)
}
