//! Every event about a guest carries the guest's id and address: a wrong reset code and a wrong
//! TOTP code show in the audit filtered by the guest's email and on the guest's admin page. And
//! every event name a full flow stores is one the console's event list offers.

mod admin_support;
mod support;

use admin_support::*;
use latchkey::services::clock::Clock;
use support::browser::Page;
use support::smtp::{code_in, link_with};
use support::TestApp;

const PASSWORD: &str = "old-lantern-orchard-27";
const EMAIL: &str = "erin@northwind.test";

/// A six-digit code that is neither `secret`'s code of this step nor of the steps either side
/// (those the server accepts), so it is wrong whatever the timing.
fn wrong_totp(app: &TestApp, secret: &latchkey::security::TotpSecret) -> String {
    let now = app.clock.now().timestamp() as u64;
    let accepted: Vec<String> = [now - 30, now, now + 30]
        .iter()
        .map(|t| secret.code_at(*t).unwrap())
        .collect();
    (0..1_000_000)
        .map(|n| format!("{n:06}"))
        .find(|c| !accepted.contains(c))
        .unwrap()
}

/// The id of the guest `EMAIL`.
fn guest_id(app: &TestApp) -> String {
    let mut conn = app.state.db.get().unwrap();
    let email = latchkey::domain::EmailAddress::parse(EMAIL).unwrap();
    String::from(
        latchkey::db::users::find_by_email(&mut conn, &email)
            .unwrap()
            .expect("guest")
            .id,
    )
}

/// The event names in the rows of an audit table (`<td>name</td><td>outcome</td>`).
fn events_in_rows(page: &Page) -> Vec<String> {
    let body: String = page
        .body
        .split("</td>")
        .map(str::trim_start)
        .collect::<Vec<_>>()
        .join("</td>");
    latchkey::domain::audit::Event::ALL
        .iter()
        .map(|e| e.name())
        .filter(|name| {
            ["success", "failure", "denied", "allowed", "alert"]
                .iter()
                .any(|o| body.contains(&format!("<td>{name}</td><td>{o}</td>")))
        })
        .map(str::to_string)
        .collect()
}

#[tokio::test]
async fn wrong_codes_and_totp_codes_show_under_the_guests_address_and_on_their_page() {
    let app = TestApp::spawn_with_mail("").await;
    app.tenant("Northwind", "northwind.test", "managed", "premium");
    let secret = app.user(EMAIL, PASSWORD, true, true).unwrap();

    // A wrong emailed code, in the browser that asked.
    let mut b = app.browser();
    b.ask_reset(EMAIL).await;
    let mail = app.wait_mail_to(EMAIL, 1).await;
    let code = code_in(&mail.text()).expect("code");
    let wrong_code = if code.starts_with('A') {
        code.replacen('A', "B", 1)
    } else {
        format!("A{}", &code[1..])
    };
    let p = b
        .submit("/reset", "/reset/code", &[("code", &wrong_code)])
        .await;
    assert!(p.body.contains("not right"), "{}", p.body);

    // A wrong TOTP code after the link.
    let link = link_with(&mail.text(), "/reset/link/").expect("link");
    let p = b.get(&link).await;
    assert_eq!(p.location(), Some("/reset/verify"), "{}", p.body);
    let wrong = wrong_totp(&app, &secret);
    let p = b
        .submit("/reset/verify", "/reset/verify", &[("code", &wrong)])
        .await;
    assert!(p.body.contains("not right"), "{}", p.body);

    // Both events carry the guest's id and address.
    let user_id = guest_id(&app);
    for name in ["code_failed", "totp_failed"] {
        let e = app
            .audit_events()
            .into_iter()
            .find(|e| e.event == name)
            .unwrap_or_else(|| panic!("no {name}"));
        assert_eq!(e.email.as_deref(), Some(EMAIL), "{name}");
        assert_eq!(
            e.user_id.as_ref().map(|u| u.as_str()),
            Some(user_id.as_str()),
            "{name}"
        );
    }

    // The console shows them under the guest's address and on the guest's page.
    let admin = set_up(&app, "root@platform.test", None).await;
    let mut console = signed_in(&app, &admin).await;
    let filtered = console
        .get("/admin/audit?email=Erin%40Northwind.test")
        .await;
    assert_eq!(filtered.status, 200);
    let shown = events_in_rows(&filtered);
    for name in ["code_failed", "totp_failed", "link_opened", "mail_sent"] {
        assert!(shown.iter().any(|s| s == name), "{name} not in {shown:?}");
    }
    let page = console.get(&format!("/admin/guests/{user_id}")).await;
    assert_eq!(page.status, 200);
    let shown = events_in_rows(&page);
    for name in ["code_failed", "totp_failed"] {
        assert!(shown.iter().any(|s| s == name), "{name} not in {shown:?}");
    }
}

#[tokio::test]
async fn the_event_filter_is_a_select_of_every_event_and_refuses_other_names() {
    let app = TestApp::spawn().await;
    let admin = set_up(&app, "root@platform.test", None).await;
    let mut console = signed_in(&app, &admin).await;
    let page = console.get("/admin/audit?event=account_locked").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("<select id=\"f-event\" name=\"event\">"));
    for e in Event::ALL {
        assert!(
            page.body
                .contains(&format!("<option value=\"{}\"", e.name())),
            "{} not offered",
            e.name()
        );
    }
    assert!(page
        .body
        .contains("<option value=\"account_locked\" title=\"account locked after too many requests\" selected>"));
    let page = console.get("/admin/audit?event=no_such_event").await;
    assert_eq!(page.status, 400, "{}", page.body);
    let page = console.get("/admin/audit.csv?event=no_such_event").await;
    assert_eq!(page.status, 400);
}

/// The reasons shown in an audit page's rows that are markers of `timeline_rows`, in page
/// order.
fn markers(page: &Page) -> Vec<String> {
    page.body
        .split("<td>")
        .filter_map(|cell| cell.split("</td>").next())
        .filter(|text| text.starts_with("mark-"))
        .map(str::to_string)
        .collect()
}

#[tokio::test]
async fn a_guests_timeline_merges_events_by_id_and_by_address_newest_first_page_by_page() {
    let app = TestApp::spawn().await;
    let northwind = app.tenant("Northwind", "northwind.test", "managed", "premium");
    app.user(EMAIL, PASSWORD, true, false);
    let user_id = guest_id(&app);
    let t = northwind.id.as_str();
    // 70 events of the guest, oldest first: by id only, by address only, or both; between
    // them events of other guests (by address, by id), which the timeline leaves out.
    let mut expected = Vec::new();
    for i in 0..70 {
        let mark = format!("mark-{i:02}");
        let (user, email) = match i % 3 {
            0 => (format!("'{user_id}'"), "NULL".to_string()),
            1 => ("NULL".to_string(), format!("'{EMAIL}'")),
            _ => (format!("'{user_id}'"), format!("'{EMAIL}'")),
        };
        app.sql(&format!(
            "INSERT INTO audit_events (occurred_at, tenant_id, user_id, actor, event, outcome, reason, email) \
             VALUES ('2026-12-01 10:00:00', '{t}', {user}, 'guest', 'code_failed', 'failure', '{mark}', {email})"
        ));
        expected.push(mark);
        app.sql(&format!(
            "INSERT INTO audit_events (occurred_at, tenant_id, user_id, actor, event, outcome, reason, email) VALUES \
             ('2026-12-01 10:00:00', '{t}', NULL, 'guest', 'code_failed', 'failure', 'mark-x{i}', 'someone@northwind.test'), \
             ('2026-12-01 10:00:00', '{t}', 'someone-else', 'guest', 'code_failed', 'failure', 'mark-y{i}', NULL)"
        ));
    }
    expected.reverse();

    let admin = set_up(&app, "root@platform.test", None).await;
    let mut console = signed_in(&app, &admin).await;
    let first = console.get(&format!("/admin/audit?guest={user_id}")).await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(markers(&first), expected[..50]);
    let older = first
        .body
        .split("href=\"")
        .filter_map(|s| s.split('"').next())
        .find(|href| href.contains("before="))
        .expect("a link to older events")
        .replace("&amp;", "&");
    assert!(older.contains(&format!("guest={user_id}")), "{older}");
    let second = console.get(&older).await;
    assert_eq!(second.status, 200, "{}", second.body);
    assert_eq!(markers(&second), expected[50..]);
}
