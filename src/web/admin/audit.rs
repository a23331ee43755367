//! `/admin/audit`: the reset audit, newest first, filtered, keyset-paginated; one page per
//! event; the CSV export of the current filter, streamed. Read-only: there is no route that
//! edits or deletes an event (docs/security.md#37).

use super::audit_rows::{self, rows, Names, Row};
use super::{csv, AdminCtx, AdminPage, Frame};
use crate::console::audit::{self, AuditFilter, GuestKey};
use crate::console::guests;
use crate::domain::audit::{Event, Outcome};
use crate::domain::EmailAddress;
use crate::web::{AppError, AppState};
use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{web, HttpResponse};
use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};

/// Events per page.
const PAGE: i64 = 50;
/// Events per database round trip of the CSV export.
const CSV_BATCH: i64 = 500;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/audit").get(list))
        .service(web::resource("/audit.csv").get(export))
        .service(web::resource("/audit/{id}").get(detail));
}

/// The query string of the list and the export.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct AuditQuery {
    #[serde(default)]
    pub tenant: String,
    #[serde(default)]
    pub event: String,
    #[serde(default)]
    pub outcome: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub ip: String,
    /// `YYYY-MM-DD`, UTC, inclusive.
    #[serde(default)]
    pub from: String,
    /// `YYYY-MM-DD`, UTC, inclusive.
    #[serde(default)]
    pub to: String,
    /// One guest's timeline: their user id.
    #[serde(default)]
    pub guest: String,
    /// `1`: show the console's own page views too.
    #[serde(default)]
    pub views: String,
    #[serde(default, skip_serializing)]
    pub before: Option<i64>,
}

fn field(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.chars().take(256).collect())
}

fn date(s: &str, name: &str) -> Result<Option<NaiveDate>, AppError> {
    match field(s) {
        None => Ok(None),
        Some(d) => NaiveDate::parse_from_str(&d, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| AppError::BadRequest(format!("{name} must be a date like 2026-11-26"))),
    }
}

/// The event filter: one of [`Event::ALL`] (the console offers them in a select), or none.
fn event(s: &str) -> Result<Option<Event>, AppError> {
    field(s)
        .map(|name| {
            name.parse().map_err(|_| {
                AppError::BadRequest("event must be one of the listed audit events".into())
            })
        })
        .transpose()
}

/// One entry of the event select.
#[derive(Serialize)]
struct EventOption {
    name: &'static str,
    description: &'static str,
}

fn event_options() -> Vec<EventOption> {
    Event::ALL
        .iter()
        .map(|e| EventOption {
            name: e.name(),
            description: e.describe(),
        })
        .collect()
}

impl AuditQuery {
    /// The database filter, with the admin's scope applied (404 for another tenant).
    pub fn filter(&self, admin: &AdminCtx) -> Result<AuditFilter, AppError> {
        let tenant = admin.scope(Some(&self.tenant))?;
        let email = field(&self.email).map(|e| match EmailAddress::parse(&e) {
            Ok(parsed) => parsed.to_string(),
            Err(_) => e.to_lowercase(),
        });
        let event = event(&self.event)?;
        let views = self.views == "1" || event.is_some_and(Event::is_page_view);
        Ok(AuditFilter {
            tenant_id: tenant,
            event,
            outcome: field(&self.outcome),
            email,
            ip: field(&self.ip),
            from: date(&self.from, "from")?.map(|d| d.and_time(NaiveTime::MIN)),
            until: date(&self.to, "to")?
                .and_then(|d| d.succ_opt())
                .map(|d| d.and_time(NaiveTime::MIN)),
            hide: if views {
                vec![]
            } else {
                Event::PAGE_VIEWS.to_vec()
            },
            guest: None,
        })
    }

    /// The filter with the guest of the timeline, if one is asked for: their address, and
    /// 404 when this admin may not see them.
    async fn resolve(
        &self,
        state: &AppState,
        admin: &AdminCtx,
    ) -> Result<(AuditFilter, Option<String>), AppError> {
        let mut filter = self.filter(admin)?;
        let Some(id) = field(&self.guest) else {
            return Ok((filter, None));
        };
        let user = guests::find(state, &id)
            .await?
            .filter(|u| admin.may_see(Some(&u.tenant_id)))
            .ok_or(AppError::NotFound)?;
        filter.guest = Some(GuestKey {
            user_id: user.id.clone(),
            email: Some(user.email.clone()),
        });
        Ok((filter, Some(user.email.to_string())))
    }

    /// The filter as a query string (without `before`), for links.
    fn query_string(&self) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("tenant", &self.tenant),
            ("event", &self.event),
            ("outcome", &self.outcome),
            ("email", &self.email),
            ("ip", &self.ip),
            ("from", &self.from),
            ("to", &self.to),
            ("guest", &self.guest),
            ("views", &self.views),
        ] {
            if !v.trim().is_empty() {
                s.append_pair(k, v.trim());
            }
        }
        s.finish()
    }
}

/// The names of the tenants and of the admins behind `events`.
async fn names(
    state: &AppState,
    events: &[crate::console::audit::AuditEvent],
) -> Result<Names, AppError> {
    Ok(Names {
        tenants: audit::tenant_names(state).await?,
        admins: audit::admin_labels(state, events).await?,
    })
}

#[derive(Serialize)]
struct TenantOption {
    id: String,
    name: String,
}

#[derive(Serialize)]
struct ListPage<'a> {
    #[serde(flatten)]
    frame: Frame,
    q: &'a AuditQuery,
    tenants: Vec<TenantOption>,
    events: Vec<EventOption>,
    outcomes: &'static [Outcome],
    views: bool,
    /// The address of the guest whose timeline this is.
    guest_email: Option<String>,
    rows: Vec<Row>,
    query: String,
    next: Option<String>,
    paged: bool,
}

/// `GET /admin/audit`.
async fn list(page: AdminPage, q: web::Query<AuditQuery>) -> Result<HttpResponse, AppError> {
    let (state, admin) = (&page.state, page.admin());
    let q = q.into_inner();
    let (filter, guest_email) = q.resolve(state, admin).await?;
    let (f, before) = (filter.clone(), q.before);
    let mut events = audit::page(state, f, before, PAGE + 1).await?;
    let more = events.len() > PAGE as usize;
    events.truncate(PAGE as usize);
    let query = q.query_string();
    let next = more.then(|| {
        let last = events.last().map_or(0, |e| e.id);
        if query.is_empty() {
            format!("/admin/audit?before={last}")
        } else {
            format!("/admin/audit?{query}&before={last}")
        }
    });
    // Reading the audit is reading guest data: it is audited too (docs/security.md#36).
    let mut seen = page.event(Event::AdminViewedAudit, Outcome::Success);
    if let Some(t) = &filter.tenant_id {
        seen.tenant_id = Some(t.clone());
    }
    seen.detail = Some(
        serde_json::json!({ "filter": query, "before": before, "shown": events.len() }).to_string(),
    );
    audit::record(state, seen).await?;

    let names = names(state, &events).await?;
    let mut tenants: Vec<TenantOption> = names
        .tenants
        .iter()
        .filter(|(id, _)| admin.may_see(Some(id)))
        .map(|(id, name)| TenantOption {
            id: id.to_string(),
            name: name.clone(),
        })
        .collect();
    tenants.sort_by(|a, b| a.name.cmp(&b.name));
    let ctx = ListPage {
        frame: admin.frame(),
        q: &q,
        tenants,
        events: event_options(),
        outcomes: Outcome::ALL,
        views: filter.hide.is_empty(),
        guest_email,
        rows: rows(admin, events, &names),
        query,
        next,
        paged: before.is_some(),
    };
    page.ok("admin/audit.html", &ctx)
}

#[derive(Serialize)]
struct DetailPage {
    #[serde(flatten)]
    frame: Frame,
    row: Row,
    detail_pretty: Option<String>,
    detail: Option<audit_rows::Detail>,
}

/// `GET /admin/audit/{id}`: one event; another tenant's is "not found".
async fn detail(page: AdminPage, path: web::Path<String>) -> Result<HttpResponse, AppError> {
    let (state, admin) = (&page.state, page.admin());
    let id: i64 = path.parse().map_err(|_| AppError::NotFound)?;
    let event = audit::find(state, id)
        .await?
        .filter(|e| admin.may_see(e.tenant_id.as_ref()))
        .ok_or(AppError::NotFound)?;
    let mut seen = page.event(Event::AdminViewedEvent, Outcome::Success);
    seen.tenant_id = event.tenant_id.clone();
    seen.detail = Some(serde_json::json!({ "event_id": id }).to_string());
    audit::record(state, seen).await?;
    let detail_pretty = event.detail.as_deref().map(|d| {
        serde_json::from_str::<serde_json::Value>(d)
            .and_then(|v| serde_json::to_string_pretty(&v))
            .unwrap_or_else(|_| d.to_string())
    });
    let detail = event.detail.as_deref().and_then(audit_rows::detail);
    let names = names(state, std::slice::from_ref(&event)).await?;
    let ctx = DetailPage {
        frame: admin.frame(),
        row: rows(admin, vec![event], &names)
            .pop()
            .ok_or(AppError::NotFound)?,
        detail_pretty,
        detail,
    };
    page.ok("admin/event.html", &ctx)
}

/// `GET /admin/audit.csv`: every event of the filter, streamed in batches (never the whole
/// result in memory), as of the moment of the request: the export's own audit event bounds it.
async fn export(page: AdminPage, q: web::Query<AuditQuery>) -> Result<HttpResponse, AppError> {
    let (state, admin) = (&page.state, page.admin());
    let (filter, _) = q.resolve(state, admin).await?;
    let tenants = audit::tenant_names(state).await?;
    let mut seen = page.event(Event::AdminExportedAudit, Outcome::Success);
    if let Some(t) = &filter.tenant_id {
        seen.tenant_id = Some(t.clone());
    }
    seen.detail = Some(serde_json::json!({ "filter": q.query_string() }).to_string());
    let cut = audit::record_returning_id(state, seen).await?;
    let svc = state.services.clone();
    let stream = futures_util::stream::unfold(Some((cut, true)), move |cursor| {
        let svc = svc.clone();
        let filter = filter.clone();
        let tenants = tenants.clone();
        async move {
            let (before, first) = cursor?;
            let batch = audit::page(&svc, filter, Some(before), CSV_BATCH).await;
            match batch {
                Err(e) => Some((Err(AppError::from(e)), None)),
                Ok(events) => {
                    let names = match audit::admin_labels(&svc, &events).await {
                        Ok(admins) => Names { tenants, admins },
                        Err(e) => return Some((Err(AppError::from(e)), None)),
                    };
                    let mut out = String::new();
                    if first {
                        out.push_str(csv::HEADER);
                    }
                    for e in &events {
                        out.push_str(&csv::row(e, &names.tenant(e), &names.actor(e)));
                    }
                    let next = match events.last() {
                        Some(last) if events.len() == CSV_BATCH as usize => Some((last.id, false)),
                        _ => None,
                    };
                    if out.is_empty() {
                        return None;
                    }
                    Some((Ok::<Bytes, AppError>(Bytes::from(out)), next))
                }
            }
        }
    });
    let name = format!(
        "latchkey-audit-{}.csv",
        state.clock.now().format("%Y%m%dT%H%M%SZ")
    );
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        .streaming(stream))
}
