//! `/admin/insights`: the last 7, 30 or 90 days of resets from the audit — per day by outcome as an SVG
//! bar chart drawn here, totals, success rate, top deny reasons, top rate-limited keys, and
//! bounced mails. A tenant admin sees their tenant's; a platform admin everything or one tenant.

use super::chart::{self, Day};
use super::{AdminPage, Frame};
use crate::console::audit;
use crate::console::insights::{self, DayCount, Ranked};
use crate::domain::audit::{Event, Outcome};
use crate::web::AppError;
use actix_web::{web, HttpResponse};
use chrono::{Duration, NaiveTime};
use serde::{Deserialize, Serialize};

/// Days shown by default, today (UTC) included.
pub const DAYS: i64 = 30;
/// The ranges offered (`?days=`); anything else shows the default.
const RANGES: [i64; 3] = [7, 30, 90];

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/insights").get(show));
}

#[derive(Deserialize)]
pub(crate) struct Query {
    #[serde(default)]
    tenant: String,
    /// `7`, `30` or `90`; kept as text so a stray value shows the default, not an error.
    #[serde(default)]
    days: String,
}

impl Query {
    fn range(&self) -> i64 {
        self.days
            .trim()
            .parse()
            .ok()
            .filter(|d| RANGES.contains(d))
            .unwrap_or(DAYS)
    }
}

#[derive(Serialize, Default, PartialEq, Eq, Debug)]
struct Totals {
    requested: i64,
    allowed: i64,
    denied: i64,
    completed: i64,
    /// Completed resets per allowed request, in percent with one decimal; `None` when nothing
    /// was allowed.
    success_rate: Option<String>,
}

#[derive(Serialize)]
struct Bounce {
    id: i64,
    at: String,
    email: Option<String>,
    reason: Option<String>,
}

#[derive(Serialize)]
struct TenantOption {
    id: String,
    name: String,
}

#[derive(Serialize)]
struct InsightsPage {
    #[serde(flatten)]
    frame: Frame,
    tenant: String,
    tenants: Vec<TenantOption>,
    range: i64,
    ranges: [i64; 3],
    from: String,
    to: String,
    svg: String,
    days: Vec<Day>,
    totals: Totals,
    deny_reasons: Vec<Ranked>,
    rate_limited: Vec<Ranked>,
    bounce_count: i64,
    bounces: Vec<Bounce>,
}

/// The per-day series for the `range` days ending `today`, with zero days filled in.
fn series(counts: &[DayCount], today: chrono::NaiveDate, range: i64) -> (Vec<Day>, Totals) {
    let mut days: Vec<Day> = (0..range)
        .rev()
        .map(|back| Day {
            day: (today - Duration::days(back))
                .format("%Y-%m-%d")
                .to_string(),
            allowed: 0,
            denied: 0,
            completed: 0,
        })
        .collect();
    for c in counts {
        let Some(d) = days.iter_mut().find(|d| d.day == c.day) else {
            continue;
        };
        match (c.event.parse(), c.outcome.parse()) {
            (Ok(Event::ResetRequested), Ok(Outcome::Allowed)) => d.allowed += c.n,
            (Ok(Event::ResetRequested), Ok(Outcome::Denied)) => d.denied += c.n,
            (Ok(Event::ResetCompleted), Ok(Outcome::Success)) => d.completed += c.n,
            _ => {}
        }
    }
    let mut t = Totals::default();
    for d in &days {
        t.allowed += d.allowed;
        t.denied += d.denied;
        t.completed += d.completed;
    }
    t.requested = t.allowed + t.denied;
    t.success_rate =
        (t.allowed > 0).then(|| format!("{:.1}", 100.0 * t.completed as f64 / t.allowed as f64));
    (days, t)
}

/// `GET /admin/insights?tenant=…&days=…`.
async fn show(page: AdminPage, q: web::Query<Query>) -> Result<HttpResponse, AppError> {
    let (state, admin) = (&page.state, page.admin());
    let scope = admin.scope(Some(&q.tenant))?;
    let range = q.range();
    let today = state.now().date();
    let since = (today - Duration::days(range - 1)).and_time(NaiveTime::MIN);
    let insights::Insights {
        counts,
        deny_reasons,
        rate_limited,
        bounces: (bounce_count, bounced),
        tenants: all_tenants,
    } = insights::since(state, scope.clone(), since, 10).await?;
    let (days, totals) = series(&counts, today, range);
    // The bounce list names guests' addresses: reading it is audited.
    let mut seen = page.event(Event::AdminViewedInsights, Outcome::Success);
    seen.tenant_id = scope.clone();
    audit::record(state, seen).await?;
    let ctx = InsightsPage {
        frame: admin.frame(),
        tenant: scope.map(|t| t.into_string()).unwrap_or_default(),
        tenants: all_tenants
            .into_iter()
            .filter(|t| admin.may_see(Some(&t.tenant.id)))
            .map(|t| TenantOption {
                id: t.tenant.id.into_string(),
                name: t.tenant.name,
            })
            .collect(),
        range,
        ranges: RANGES,
        from: days.first().map(|d| d.day.clone()).unwrap_or_default(),
        to: days.last().map(|d| d.day.clone()).unwrap_or_default(),
        svg: chart::resets_per_day(&days),
        days,
        totals,
        deny_reasons,
        rate_limited,
        bounce_count,
        bounces: bounced
            .into_iter()
            .map(|e| Bounce {
                id: e.id,
                at: admin.time(e.occurred_at),
                email: e.email,
                reason: e.reason,
            })
            .collect(),
    };
    page.ok("admin/insights.html", &ctx)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_filled_and_totals_add_up() {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        let c = |day: &str, event: &str, outcome: &str, n| DayCount {
            day: day.into(),
            event: event.into(),
            outcome: outcome.into(),
            n,
        };
        let (days, t) = series(
            &[
                c("2026-11-26", "reset_requested", "allowed", 4),
                c("2026-11-26", "reset_requested", "denied", 2),
                c("2026-11-25", "reset_completed", "success", 3),
                c("2026-10-01", "reset_requested", "allowed", 99),
            ],
            today,
            30,
        );
        assert_eq!(days.len(), 30);
        assert_eq!(days[0].day, "2026-10-28");
        assert_eq!(days[29].allowed, 4);
        assert_eq!(days[28].completed, 3);
        assert_eq!(t.requested, 6);
        assert_eq!(t.success_rate.as_deref(), Some("75.0"));
        let (_, none) = series(&[], today, 30);
        assert_eq!(series(&[], today, 7).0.len(), 7);
        assert_eq!(none.success_rate, None);
    }
}
