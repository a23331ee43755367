//! G: the audit pages over HTTP.

use crate::admin;
use crate::client::Samples;
use crate::report::Row;
use crate::server::{self, Server};
use crate::DOMAIN;
use std::time::Instant;

/// G: `/admin/audit` over HTTP, signed in as a platform admin: the first page and deep keyset
/// pages (with and without filters), 200 requests each on one keep-alive connection.
pub async fn audit_pages(server: &Server, rows: &mut Vec<Row>) {
    let (min, max, count) = server::audit_span(&mut server.conn());
    let tenant: Option<String> = {
        let mut c = server.conn();
        latchkey::db::tenants::find_by_domain(&mut c, DOMAIN)
            .ok()
            .flatten()
            .map(|t| t.id)
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
    let t = tenant.unwrap_or_default();
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
    ];
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
        rows.push(Row::from_samples(
            name,
            &s,
            "pages/s",
            format!("{count} audit rows; over HTTP as a signed-in platform admin; {shown} events per page"),
        ));
    }
}
