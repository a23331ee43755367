//! The audit pages: filters, keyset pagination under concurrent inserts, the event page, HTML
//! escaping and the CSV export (docs/security.md#36, #37).

mod admin_support;
mod support;

use admin_support::*;
use std::collections::HashSet;
use support::TestApp;

async fn app() -> (TestApp, String, String) {
    // These tests sign in many times a minute: the per-IP admin sign-in limit has tests of its own.
    let app =
        TestApp::spawn_with("[rate_limits.admin_login]\nper_minute = 6000\nburst = 6000").await;
    let a = app.tenant("Northwind", "northwind.test", "managed", "premium");
    let b = app.tenant("Contoso", "contoso.test", "managed", "premium");
    (app, a.id.into_string(), b.id.into_string())
}

/// Inserts `n` reset events for `tenant`, with addresses `guest<i>@<domain>`.
fn reset_events(app: &TestApp, tenant: &str, domain: &str, n: usize) -> Vec<i64> {
    (0..n)
        .map(|i| {
            let mut e = new_event(
                app,
                Some(tenant),
                Event::ResetRequested,
                if i % 2 == 0 {
                    Outcome::Allowed
                } else {
                    Outcome::Denied
                },
            );
            e.email = Some(format!("guest{i}@{domain}"));
            e.ip = Some(format!("192.0.2.{}", i % 7));
            event(app, e)
        })
        .collect()
}

#[tokio::test]
async fn filters_narrow_the_list() {
    let (app, nw, cs) = app().await;
    reset_events(&app, &nw, "northwind.test", 6);
    reset_events(&app, &cs, "contoso.test", 4);
    let admin = set_up(&app, "root@ops.test", None).await;
    let mut b = signed_in(&app, &admin).await;

    let only = |page: &support::browser::Page, needle: &str| {
        !ids_on(page).is_empty() && !page.body.contains(needle)
    };
    let p = b
        .get(&format!("/admin/audit?tenant={cs}&event=reset_requested"))
        .await;
    assert_eq!(ids_on(&p).len(), 4);
    assert!(only(&p, "northwind.test"));

    let p = b
        .get("/admin/audit?event=reset_requested&outcome=denied")
        .await;
    assert_eq!(ids_on(&p).len(), 3 + 2);
    let p = b.get("/admin/audit?email=GUEST3@Northwind.test").await;
    assert_eq!(ids_on(&p).len(), 1, "the address is normalised");
    let p = b
        .get("/admin/audit?ip=192.0.2.1&event=reset_requested")
        .await;
    assert_eq!(ids_on(&p).len(), 2);

    // Date range, UTC, both ends inclusive.
    let today = app.state.now().date();
    let yesterday = today.pred_opt().unwrap();
    let p = b
        .get(&format!(
            "/admin/audit?event=reset_requested&from={today}&to={today}"
        ))
        .await;
    assert_eq!(ids_on(&p).len(), 10);
    let p = b
        .get(&format!(
            "/admin/audit?event=reset_requested&to={yesterday}"
        ))
        .await;
    assert_eq!(ids_on(&p).len(), 0);
    assert!(p.body.contains("No events match"));
    let p = b.get("/admin/audit?from=yesterday").await;
    assert_eq!(p.status, 400);
}

#[tokio::test]
async fn keyset_pages_have_no_duplicates_or_gaps_while_events_arrive() {
    let (app, nw, _) = app().await;
    let inserted = reset_events(&app, &nw, "northwind.test", 120);
    let admin = set_up(&app, "root@ops.test", None).await;
    let mut b = signed_in(&app, &admin).await;
    let filter = "event=reset_requested";
    let mut seen: Vec<i64> = Vec::new();
    let mut page = b.get(&format!("/admin/audit?{filter}")).await;
    let mut pages = 0;
    loop {
        pages += 1;
        seen.extend(ids_on(&page));
        // New events arrive between page loads.
        reset_events(&app, &nw, "northwind.test", 7);
        match next_before(&page) {
            Some(before) => {
                page = b
                    .get(&format!("/admin/audit?{filter}&before={before}"))
                    .await
            }
            None => break,
        }
    }
    assert_eq!(pages, 3);
    // Newest first, strictly descending: no duplicates.
    assert!(seen.windows(2).all(|w| w[0] > w[1]), "{seen:?}");
    // No gaps: exactly the events that existed when paging began.
    let mut expected = inserted.clone();
    expected.reverse();
    assert_eq!(seen, expected);
    let unique: HashSet<_> = seen.iter().collect();
    assert_eq!(unique.len(), 120);
}

#[tokio::test]
async fn events_render_escaped_and_the_detail_page_shows_everything() {
    // docs/security.md#37: `<script>` in an event renders as text.
    let (app, nw, _) = app().await;
    let mut e = new_event(&app, Some(&nw), Event::ResetRequested, Outcome::Denied);
    e.email = Some("<script>x</script>@x.y".into());
    e.reason = Some("<b>bold</b>".into());
    e.detail = Some(r#"{"sub_reason":"<img src=x onerror=alert(1)>"}"#.into());
    let id = event(&app, e);
    let admin = set_up(&app, "root@ops.test", None).await;
    let mut b = signed_in(&app, &admin).await;
    let list = b.get("/admin/audit").await;
    assert!(!list.body.contains("<script>x</script>"), "{}", list.body);
    assert!(list.body.contains("&lt;script&gt;x&lt;"));
    assert!(!list.body.contains("<b>bold</b>"));
    let detail = b.get(&format!("/admin/audit/{id}")).await;
    assert_eq!(detail.status, 200);
    assert!(!detail.body.contains("<script>x</script>"));
    assert!(!detail.body.contains("<img src=x"));
    assert!(detail.body.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(detail.body.contains("Northwind"));
    assert_eq!(b.get("/admin/audit/999999").await.status, 404);
    assert_eq!(b.get("/admin/audit/abc").await.status, 404);
    // Admin pages are never cached (docs/security.md#40) and carry the CSP (#39).
    assert_eq!(detail.header("cache-control"), Some("no-store"));
    assert!(detail
        .header("content-security-policy")
        .unwrap()
        .contains("object-src 'none'"));
    // The views are audited with the admin as actor (docs/security.md#36).
    let actor = format!("admin:{}", admin.id);
    let events = app.audit_events();
    assert!(events
        .iter()
        .any(|e| e.event == "admin_viewed_audit" && e.actor == actor));
    assert!(events.iter().any(|e| e.event == "admin_viewed_event"
        && e.actor == actor
        && e.tenant_id.as_ref().map(|t| t.as_str()) == Some(nw.as_str())));
}

/// Parses the export (RFC 4180, enough for these tests).
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = vec![];
    let mut row = vec![];
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut cell)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => cell.push(c),
        }
    }
    rows
}

#[tokio::test]
async fn the_csv_export_has_the_filtered_events_and_neutralises_formulas() {
    let (app, nw, cs) = app().await;
    reset_events(&app, &nw, "northwind.test", 1200);
    reset_events(&app, &cs, "contoso.test", 3);
    for (i, evil) in ["=HYPERLINK(\"http://x\",\"y\")", "+1", "-2+3", "@SUM(A1)"]
        .iter()
        .enumerate()
    {
        let mut e = new_event(&app, Some(&nw), Event::ResetRequested, Outcome::Denied);
        e.email = Some(format!("f{i}@northwind.test"));
        e.reason = Some((*evil).into());
        e.detail = Some("a,b \"quoted\"\nnext line".into());
        event(&app, e);
    }
    let admin = set_up(&app, "root@ops.test", None).await;
    let mut b = signed_in(&app, &admin).await;
    let p = b
        .get(&format!(
            "/admin/audit.csv?tenant={nw}&event=reset_requested"
        ))
        .await;
    assert_eq!(p.status, 200);
    assert!(p.header("content-type").unwrap().starts_with("text/csv"));
    // Streamed: no length known up front.
    assert!(p.header("content-length").is_none());
    assert!(p
        .header("content-disposition")
        .unwrap()
        .starts_with("attachment; filename=\"latchkey-audit-"));
    let rows = parse_csv(&p.body);
    assert_eq!(rows[0][0], "id");
    assert_eq!(rows[0].len(), 14);
    assert_eq!(rows[0][12], "tenant_name");
    // Every event of the filter (more than two streamed batches), newest first, nothing else.
    assert_eq!(rows.len(), 1 + 1200 + 4);
    assert!(rows[1..].iter().all(|r| r.len() == 14));
    // The tenant by id (for machines) and by name (for people).
    assert!(rows[1..]
        .iter()
        .all(|r| r[2] == nw && r[6] == "reset_requested" && r[12] == "Northwind"));
    let ids: Vec<i64> = rows[1..].iter().map(|r| r[0].parse().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]));
    // Times are UTC.
    assert!(rows[1][1].ends_with('Z'), "{}", rows[1][1]);
    // Formula injection neutralised; separators survive quoting.
    let reasons: Vec<&str> = rows[1..5].iter().map(|r| r[8].as_str()).collect();
    assert_eq!(
        reasons,
        [
            "'@SUM(A1)",
            "'-2+3",
            "'+1",
            "'=HYPERLINK(\"http://x\",\"y\")"
        ]
    );
    assert_eq!(rows[1][10], "a,b \"quoted\"\nnext line");
    assert!(!p.body.contains("\n=") && !p.body.contains(",=") && !p.body.contains(",@"));
    // The export is audited.
    assert!(app
        .audit_events()
        .iter()
        .any(|e| e.event == "admin_exported_audit" && e.actor == format!("admin:{}", admin.id)));
}

/// Times are UTC, with the admin's local time optional. The zone is a per-browser
/// preference set with a CSRF-protected form; an unknown zone is a 400 page, not a 500.
#[tokio::test]
async fn local_time_is_optional() {
    let (app, nw, _) = app().await;
    let mut e = new_event(&app, Some(&nw), Event::ResetRequested, Outcome::Allowed);
    e.occurred_at = chrono::NaiveDate::from_ymd_opt(2026, 3, 1)
        .unwrap()
        .and_hms_opt(22, 15, 0)
        .unwrap();
    let id = event(&app, e);
    let admin = set_up(&app, "root@ops.test", None).await;
    let mut b = signed_in(&app, &admin).await;

    let p = b.get(&format!("/admin/audit/{id}")).await;
    assert!(p.body.contains("2026-03-01 22:15:00 UTC"), "{}", p.body);
    assert!(!p.body.contains("IST"), "UTC only until a zone is chosen");

    // Without the CSRF token nothing changes.
    let refused = b
        .post_raw(
            "/admin/time-zone",
            "time_zone=Asia%2FKolkata".into(),
            &[("content-type", "application/x-www-form-urlencoded")],
        )
        .await;
    assert!(refused.status >= 400, "{}", refused.status);

    let saved = b
        .submit(
            "/admin/time-zone",
            "/admin/time-zone",
            &[("time_zone", "Asia/Kolkata")],
        )
        .await;
    assert_eq!(saved.status, 303);
    let p = b.get(&format!("/admin/audit/{id}")).await;
    assert!(
        p.body
            .contains("2026-03-01 22:15:00 UTC · 2026-03-02 03:45:00 IST (UTC+05:30)"),
        "{}",
        p.body
    );
    let list = b.get("/admin/audit").await;
    assert!(list.body.contains("03:45:00 IST"));
    let zone_page = b.get("/admin/time-zone").await;
    assert!(zone_page
        .body
        .contains(r#"<option value="Asia/Kolkata" selected>"#));

    let bad = b
        .submit(
            "/admin/time-zone",
            "/admin/time-zone",
            &[("time_zone", "Mars/<b>Olympus")],
        )
        .await;
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("not a time zone this server knows"));
    assert!(bad.body.contains("Mars/&lt;b&gt;Olympus"), "escaped");

    let back = b
        .submit(
            "/admin/time-zone",
            "/admin/time-zone",
            &[("time_zone", "UTC")],
        )
        .await;
    assert_eq!(back.status, 303);
    let p = b.get(&format!("/admin/audit/{id}")).await;
    assert!(p.body.contains("2026-03-01 22:15:00 UTC"));
    assert!(!p.body.contains("IST"));
}
