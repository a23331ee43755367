//! G: the audit pages over HTTP, and one guest's timeline.

use crate::admin;
use crate::client::Samples;
use crate::report::{below_ms, p99_ms, Row};
use crate::server::{self, Server};
use crate::DOMAIN;
use std::time::Instant;

/// The target: p99 under this at 10 M rows, on both backends.
const TARGET_MS: f64 = 50.0;
const TARGET_ROWS: i64 = 10_000_000;

/// G: `/admin/audit` over HTTP, signed in as a platform admin: the first page and deep keyset
/// pages (with and without filters), then one guest's timeline (`/admin/audit?guest=<id>`, first
/// and deep page) and their page (`/admin/guests/<id>`, with their latest events); 200 requests
/// each on one keep-alive connection.
pub async fn audit_pages(server: &Server, rows: &mut Vec<Row>) {
    let (min, max, count) = server::audit_span(&mut server.conn());
    let (tenant, guest) = {
        let mut c = server.conn();
        let tenant = latchkey::db::tenants::find_by_domain(&mut c, DOMAIN)
            .ok()
            .flatten()
            .map(|t| t.id);
        // user1: the bench's seed gives every guest about the same share of the rows.
        let guest = latchkey::domain::EmailAddress::parse(&format!("user1@{DOMAIN}"))
            .ok()
            .and_then(|e| {
                latchkey::db::users::find_by_email(&mut c, &e)
                    .ok()
                    .flatten()
            })
            .map(|u| u.id);
        (tenant, guest)
    };
    let mut admin = match admin::signed_in(server, "bench-admin@ops.example").await {
        Ok(c) => c,
        Err(e) => {
            rows.push(Row::note(
                "G audit pages",
                format!("admin sign-in failed: {e}"),
            ));
            return;
        }
    };
    let deep = min + (max - min) / 10; // 90 % of the way back
    let t = tenant.map(String::from).unwrap_or_default();
    let g = guest.map(String::from).unwrap_or_default();
    let cases = [
        ("G /admin/audit first page (50)", "/admin/audit".to_string()),
        (
            "G /admin/audit deep page (id < 10 %)",
            format!("/admin/audit?before={deep}"),
        ),
        (
            "G /admin/audit deep page, tenant filter",
            format!("/admin/audit?tenant={t}&before={deep}"),
        ),
        (
            "G /admin/audit deep page, tenant+event",
            format!("/admin/audit?tenant={t}&event=reset_completed&before={deep}"),
        ),
        (
            "G guest timeline, first page",
            format!("/admin/audit?guest={g}"),
        ),
        (
            "G guest timeline, deep page (id < 10 %)",
            format!("/admin/audit?guest={g}&before={deep}"),
        ),
        (
            "G guest page (latest 20 events)",
            format!("/admin/guests/{g}"),
        ),
    ];
    let at = if count >= TARGET_ROWS {
        String::new()
    } else {
        format!(
            " (measured at {count} rows; the target is at 10 M: LATCHKEY_BENCH_AUDIT_ROWS=10000000)"
        )
    };
    for (name, path) in cases {
        let mut s = Samples::default();
        let mut shown = 0;
        let start = Instant::now();
        for _ in 0..200 {
            let t = Instant::now();
            let reply = admin.get(&path).await;
            let ok = reply.as_ref().is_ok_and(|r| {
                shown = admin::events_on(&r.body);
                r.status.is_success() && shown > 0
            });
            s.record(t, ok);
        }
        s.elapsed = start.elapsed();
        let target = format!("{}{at}", below_ms("p99", p99_ms(&s), TARGET_MS));
        rows.push(
            Row::from_samples(
                name,
                &s,
                "pages/s",
                format!("{count} audit rows; over HTTP as a signed-in platform admin; {shown} events per page; errors = failed or empty pages"),
            )
            .target(target),
        );
    }
}
