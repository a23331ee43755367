//! `/admin/insights`: the numbers match the events inserted, per tenant scope, and the chart is
//! well-formed SVG.

mod admin_support;
mod support;

use admin_support::*;
use support::browser::Page;
use support::TestApp;

fn at(
    app: &TestApp,
    days_ago: i64,
    tenant: &str,
    name: Event,
    outcome: Outcome,
) -> latchkey::db::audit::NewAuditEvent {
    let mut e = new_event(app, Some(tenant), name, outcome);
    e.occurred_at = app.state.now() - chrono::Duration::days(days_ago);
    e
}

fn cell(page: &Page, id: &str) -> String {
    let marker = format!("id=\"{id}\">");
    let at = page.body.find(&marker).unwrap_or_else(|| panic!("no {id}"));
    let rest = &page.body[at + marker.len()..];
    rest[..rest.find('<').unwrap()].trim().to_string()
}

/// The inline chart, checked for well-formed XML: tags nest and close, attributes are quoted,
/// text holds no raw `<` or `&`.
fn svg_of(page: &Page) -> String {
    let start = page.body.find("<svg").expect("an inline svg");
    let end = page.body.find("</svg>").expect("svg closed") + "</svg>".len();
    let svg = page.body[start..end].to_string();
    let mut stack: Vec<String> = vec![];
    let mut rest = svg.as_str();
    while let Some(open) = rest.find('<') {
        let text = &rest[..open];
        assert!(!text.contains('>'), "raw > in text {text:?}");
        assert!(!text
            .replace("&amp;", "")
            .replace("&lt;", "")
            .replace("&gt;", "")
            .contains('&'));
        let close = open + rest[open..].find('>').expect("tag closes");
        let tag = &rest[open + 1..close];
        assert_eq!(
            tag.matches('"').count() % 2,
            0,
            "unbalanced quotes in <{tag}>"
        );
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(stack.pop().as_deref(), Some(name), "mismatched </{name}>");
        } else if !tag.ends_with('/') {
            let name: String = tag.chars().take_while(|c| c.is_alphanumeric()).collect();
            assert!(!name.is_empty(), "bad tag <{tag}>");
            stack.push(name);
        }
        rest = &rest[close + 1..];
    }
    assert!(stack.is_empty(), "unclosed {stack:?}");
    svg
}

#[tokio::test]
async fn insights_numbers_match_the_events_and_the_svg_is_well_formed() {
    // These tests sign in many times a minute: the per-IP admin sign-in limit has tests of its own.
    let app =
        TestApp::spawn_with("[rate_limits.admin_login]\nper_minute = 6000\nburst = 6000").await;
    let nw = app
        .tenant("Northwind", "northwind.test", "managed", "premium")
        .id;
    let cs = app
        .tenant("Contoso", "contoso.test", "managed", "premium")
        .id;
    let today = app.state.now().date();
    let five_ago = today - chrono::Duration::days(5);
    for _ in 0..3 {
        event(
            &app,
            at(
                &app,
                0,
                nw.as_str(),
                Event::ResetRequested,
                Outcome::Allowed,
            ),
        );
    }
    for reason in [
        "tenant_not_licensed",
        "email_unverified",
        "email_unverified",
    ] {
        let mut e = at(&app, 0, nw.as_str(), Event::ResetRequested, Outcome::Denied);
        e.reason = Some(reason.into());
        event(&app, e);
    }
    for _ in 0..2 {
        event(
            &app,
            at(
                &app,
                0,
                nw.as_str(),
                Event::ResetCompleted,
                Outcome::Success,
            ),
        );
    }
    event(
        &app,
        at(
            &app,
            5,
            nw.as_str(),
            Event::ResetRequested,
            Outcome::Allowed,
        ),
    );
    // Outside the 30 days, and another tenant: not counted for Northwind.
    for _ in 0..5 {
        event(
            &app,
            at(
                &app,
                40,
                nw.as_str(),
                Event::ResetRequested,
                Outcome::Allowed,
            ),
        );
        event(
            &app,
            at(
                &app,
                0,
                cs.as_str(),
                Event::ResetRequested,
                Outcome::Allowed,
            ),
        );
    }
    for (limiter, ip, n) in [
        ("reset_form", "192.0.2.9", 3),
        ("sign_in", "198.51.100.4", 1),
    ] {
        for _ in 0..n {
            let mut e = at(&app, 1, nw.as_str(), Event::RateLimited, Outcome::Denied);
            e.reason = Some(limiter.into());
            e.ip = Some(ip.into());
            event(&app, e);
        }
    }
    for who in ["gone@northwind.test", "<b>x</b>@northwind.test"] {
        let mut e = at(&app, 2, nw.as_str(), Event::MailBounced, Outcome::Failure);
        e.email = Some(who.into());
        e.reason = Some("550 no such user".into());
        event(&app, e);
    }

    let tenant_admin = set_up(&app, "it@northwind.test", Some("northwind.test")).await;
    let mut b = signed_in(&app, &tenant_admin).await;
    let p = b.get("/admin/insights").await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert_eq!(cell(&p, "total-requested"), "7");
    assert_eq!(cell(&p, "total-allowed"), "4");
    assert_eq!(cell(&p, "total-denied"), "3");
    assert_eq!(cell(&p, "total-completed"), "2");
    assert_eq!(cell(&p, "success-rate"), "50.0 %");
    assert_eq!(cell(&p, "bounce-count"), "2");
    // Top deny reasons, most frequent first.
    let unverified = p
        .body
        .find("<td>email_unverified</td><td>2</td>")
        .expect("reason row");
    let licensed = p
        .body
        .find("<td>tenant_not_licensed</td><td>1</td>")
        .expect("reason row");
    assert!(unverified < licensed);
    // Top rate-limited keys.
    assert!(
        p.body
            .contains("<td>reset_form</td><td class=\"mono\">192.0.2.9</td><td>3</td>"),
        "{}",
        p.body
    );
    // Bounced addresses render escaped.
    assert!(p.body.contains("&lt;b&gt;x&lt;"));
    assert!(!p.body.contains("<b>x</b>"));

    let svg = svg_of(&p);
    assert!(
        svg.contains(&format!("<title>{today} allowed: 3</title>")),
        "{svg}"
    );
    assert!(svg.contains(&format!("<title>{today} denied: 3</title>")));
    assert!(svg.contains(&format!("<title>{today} completed: 2</title>")));
    assert!(svg.contains(&format!("<title>{five_ago} allowed: 1</title>")));
    assert_eq!(svg.matches("<rect").count(), 30 * 3 + 3);

    // A platform admin sees all tenants together, or one.
    let platform = set_up(&app, "root@ops.test", None).await;
    let mut pb = signed_in(&app, &platform).await;
    let all = pb.get("/admin/insights").await;
    assert_eq!(cell(&all, "total-allowed"), "9");
    let contoso = pb.get(&format!("/admin/insights?tenant={cs}")).await;
    assert_eq!(cell(&contoso, "total-allowed"), "5");
    assert_eq!(cell(&contoso, "success-rate"), "0.0 %");
    svg_of(&contoso);
}
