//! The audit as an investigator reads it: actors and tenants by name, the console's own page
//! views hidden unless asked, before/after as a table of changed fields, the chosen time zone
//! named in the bar, one guest's timeline, and tables that scroll in their own box.

mod admin_support;
mod support;

use admin_support::*;
use latchkey::db::audit::NewAuditEvent;
use latchkey::domain::TenantId;
use support::TestApp;

const GUEST: &str = "erin@northwind.test";

async fn app() -> (TestApp, String) {
    let app =
        TestApp::spawn_with("[rate_limits.admin_login]\nper_minute = 6000\nburst = 6000").await;
    let nw = app.tenant("Northwind", "northwind.test", "managed", "premium");
    (app, nw.id.into_string())
}

/// The audit list's table rows (`<tr>` … `</tr>` of its body).
fn rows(body: &str) -> Vec<&str> {
    let Some(start) = body.find("<tbody>") else {
        return vec![];
    };
    body[start..].split("<tr>").skip(1).collect()
}

#[tokio::test]
async fn actors_and_tenants_have_names_and_page_views_are_hidden_until_asked() {
    let (app, nw) = app().await;
    let mut e = NewAuditEvent::new(
        app.state.now(),
        "operator",
        Event::TenantPlanChanged,
        Outcome::Success,
    );
    e.tenant_id = Some(TenantId::from_string(nw.clone()));
    event(&app, e);
    let mut g = new_event(&app, Some(&nw), Event::CodeFailed, Outcome::Failure);
    g.email = Some(GUEST.into());
    g.ip = Some("127.0.0.1".into());
    event(&app, g);

    let admin = set_up(&app, "root@ops.test", None).await;
    let mut b = signed_in(&app, &admin).await;
    b.get("/admin/insights").await;
    let p = b.get("/admin/audit").await;
    assert_eq!(p.status, 200);
    let rows = rows(&p.body);
    let signed_in_row = rows
        .iter()
        .find(|r| r.contains("<td>admin_signed_in</td>"))
        .expect("sign-in row");
    // The admin by address, not `admin:<uuid>`; a platform admin's event is the platform's.
    assert!(
        signed_in_row.contains(">root@ops.test</td>"),
        "{signed_in_row}"
    );
    assert!(signed_in_row.contains("platform"), "{signed_in_row}");
    assert!(!signed_in_row.contains("<span class=\"muted\">none</span>"));
    let cli = rows
        .iter()
        .find(|r| r.contains("<td>tenant_plan_changed</td>"))
        .expect("plan row");
    assert!(
        cli.contains(">cli</td>") && cli.contains("Northwind"),
        "{cli}"
    );
    let guest = rows
        .iter()
        .find(|r| r.contains("<td>code_failed</td>"))
        .expect("guest row");
    assert!(guest.contains(&format!(">{GUEST}</td>")), "{guest}");
    // Times, addresses and IPs never break inside.
    assert!(
        guest.contains("<td class=\"nowrap\">127.0.0.1</td>"),
        "{guest}"
    );
    assert!(p.body.contains("<div class=\"table-scroll\""));

    // Page views are audited but hidden by default; the checkbox shows them.
    assert!(!p.body.contains("<td>admin_viewed_insights</td>"));
    assert!(p.body.contains("name=\"views\" value=\"1\">"));
    let all = b.get("/admin/audit?views=1").await;
    assert!(all.body.contains("<td>admin_viewed_insights</td>"));
    assert!(all.body.contains("name=\"views\" value=\"1\" checked>"));
    let picked = b.get("/admin/audit?event=admin_viewed_audit").await;
    assert!(picked.body.contains("<td>admin_viewed_audit</td>"));
}

#[tokio::test]
async fn before_and_after_show_as_a_table_of_changed_fields() {
    let (app, nw) = app().await;
    let mut e = new_event(&app, Some(&nw), Event::TenantUpdated, Outcome::Success);
    e.detail = Some(
        serde_json::json!({
            "before": { "sspr_enabled": true, "plan": "premium", "name": "Northwind" },
            "after": { "sspr_enabled": false, "plan": "premium", "name": "Northwind" },
            "revoked_reset_tokens": 2,
        })
        .to_string(),
    );
    let id = event(&app, e);
    let admin = set_up(&app, "root@ops.test", None).await;
    let mut b = signed_in(&app, &admin).await;
    let p = b.get(&format!("/admin/audit/{id}")).await;
    assert_eq!(p.status, 200);
    assert!(p.body.contains("<h2>What changed</h2>"), "{}", p.body);
    assert!(
        p.body
            .contains("<tr><th scope=\"row\">sspr_enabled</th><td>true</td><td>false</td></tr>"),
        "{}",
        p.body
    );
    // Unchanged fields are not rows of the diff; other keys are shown plainly.
    assert!(!p.body.contains("<th scope=\"row\">plan</th>"));
    assert!(p
        .body
        .contains("<tr><th scope=\"row\">revoked_reset_tokens</th><td>2</td></tr>"));
}

#[tokio::test]
async fn the_bar_names_the_chosen_time_zone() {
    let (app, _) = app().await;
    let admin = set_up(&app, "root@ops.test", None).await;
    let mut b = signed_in(&app, &admin).await;
    let p = b.get("/admin/audit").await;
    assert!(p.body.contains("Times are UTC · "));
    let saved = b
        .submit(
            "/admin/time-zone",
            "/admin/time-zone",
            &[("time_zone", "Asia/Kolkata")],
        )
        .await;
    assert_eq!(saved.status, 303);
    for path in ["/admin/audit", "/admin/tenants", "/admin/guests"] {
        let p = b.get(path).await;
        assert!(p.body.contains("Times are UTC and Asia/Kolkata"), "{path}");
        assert!(!p.body.contains("Times are UTC · "), "{path}");
    }
}

#[tokio::test]
async fn a_guests_timeline_has_every_event_by_id_or_address() {
    let (app, nw) = app().await;
    app.user(GUEST, "old-lantern-orchard-27", true, false);
    let user_id = {
        let mut conn = app.state.db.get().unwrap();
        let email = latchkey::domain::EmailAddress::parse(GUEST).unwrap();
        latchkey::db::users::find_by_email(&mut conn, &email)
            .unwrap()
            .expect("guest")
            .id
    };
    // By address only (a wrong code), by id only (a wrong TOTP code), and someone else's.
    let mut by_address = new_event(&app, Some(&nw), Event::CodeFailed, Outcome::Failure);
    by_address.email = Some(GUEST.into());
    let a = event(&app, by_address);
    let mut by_id = new_event(&app, Some(&nw), Event::TotpFailed, Outcome::Failure);
    by_id.user_id = Some(user_id.clone());
    let t = event(&app, by_id);
    let mut other = new_event(&app, Some(&nw), Event::CodeFailed, Outcome::Failure);
    other.email = Some("frank@northwind.test".into());
    let o = event(&app, other);

    let admin = set_up(&app, "root@ops.test", None).await;
    let mut b = signed_in(&app, &admin).await;
    let guest_page = b.get(&format!("/admin/guests/{user_id}")).await;
    let link = format!("/admin/audit?guest={user_id}");
    assert!(guest_page.body.contains(&format!("href=\"{link}\"")));
    let p = b.get(&link).await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(p.body.contains(&format!(
        "Timeline of <span class=\"nowrap\">{GUEST}</span>"
    )));
    let ids = ids_on(&p);
    assert!(ids.contains(&a) && ids.contains(&t), "{ids:?}");
    assert!(!ids.contains(&o), "{ids:?}");
    // The admin's view of the guest page is about the guest but hidden as a page view.
    assert!(!p.body.contains("<td>admin_viewed_guest</td>"));

    // An unknown guest, or one a tenant admin may not see, is not found.
    assert_eq!(b.get("/admin/audit?guest=nobody").await.status, 404);
    app.tenant("Contoso", "contoso.test", "managed", "premium");
    let other_admin = set_up(&app, "admin@contoso.test", Some("contoso.test")).await;
    let mut c = signed_in(&app, &other_admin).await;
    assert_eq!(c.get(&link).await.status, 404);
}
