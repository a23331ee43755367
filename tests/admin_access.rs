//! Who reaches which admin route: anonymous browsers are sent to sign in, guest and reset-flow
//! browsers are refused, and a tenant admin gets 404 for anything of another tenant, on every
//! route (docs/security.md#34, #35).

mod admin_support;
mod support;

use admin_support::*;
use support::browser::Browser;
use support::TestApp;

struct World {
    app: TestApp,
    platform: AdminLogin,
    tenant_admin: AdminLogin,
    /// Northwind (the tenant admin's own) and Contoso (another tenant).
    own_tenant: String,
    other_tenant: String,
    own_guest: String,
    other_guest: String,
    own_event: i64,
    other_event: i64,
}

fn user_id(app: &TestApp, email: &str) -> String {
    let mut conn = app.state.db.get().unwrap();
    String::from(
        latchkey::db::users::find_by_email(
            &mut conn,
            &latchkey::domain::EmailAddress::parse(email).unwrap(),
        )
        .unwrap()
        .unwrap()
        .id,
    )
}

async fn world() -> World {
    // These tests sign in many times a minute: the per-IP admin sign-in limit has tests of its own.
    let app =
        TestApp::spawn_with("[rate_limits.admin_login]\nper_minute = 6000\nburst = 6000").await;
    let own = app.tenant("Northwind", "northwind.test", "managed", "premium");
    let other = app.tenant("Contoso", "contoso.test", "managed", "premium");
    app.user("nina@northwind.test", "old-lantern-orchard-27", true, false);
    app.user("carl@contoso.test", "old-lantern-orchard-27", true, false);
    let own_guest = user_id(&app, "nina@northwind.test");
    let other_guest = user_id(&app, "carl@contoso.test");
    let mut e = new_event(
        &app,
        Some(own.id.as_str()),
        Event::ResetRequested,
        Outcome::Allowed,
    );
    e.email = Some("nina@northwind.test".into());
    let own_event = event(&app, e);
    let mut e = new_event(
        &app,
        Some(other.id.as_str()),
        Event::ResetRequested,
        Outcome::Allowed,
    );
    e.email = Some("carl@contoso.test".into());
    let other_event = event(&app, e);
    let platform = set_up(&app, "root@ops.test", None).await;
    let tenant_admin = set_up(&app, "it@northwind.test", Some("northwind.test")).await;
    World {
        platform,
        tenant_admin,
        own_tenant: own.id.into_string(),
        other_tenant: other.id.into_string(),
        own_guest,
        other_guest,
        own_event,
        other_event,
        app,
    }
}

/// Every GET route of the console.
fn get_routes(w: &World) -> Vec<String> {
    vec![
        "/admin".into(),
        "/admin/audit".into(),
        format!("/admin/audit/{}", w.own_event),
        "/admin/audit.csv".into(),
        "/admin/insights".into(),
        "/admin/tenants".into(),
        format!("/admin/tenants/{}", w.own_tenant),
        "/admin/guests".into(),
        format!("/admin/guests/{}", w.own_guest),
        "/admin/time-zone".into(),
    ]
}

/// Every POST route of the console that needs a session.
fn post_routes(w: &World) -> Vec<String> {
    let g = &w.own_guest;
    vec![
        "/admin/logout".into(),
        "/admin/logout/everywhere".into(),
        format!("/admin/tenants/{}", w.own_tenant),
        format!("/admin/guests/{g}/reset-link"),
        format!("/admin/guests/{g}/reset-totp"),
        format!("/admin/guests/{g}/unlock"),
        format!("/admin/guests/{g}/mark-bounced"),
        format!("/admin/guests/{g}/mark-deliverable"),
        "/admin/time-zone".into(),
    ]
}

async fn csrf_token(b: &mut Browser) -> String {
    b.get("/admin/login").await.csrf().unwrap()
}

#[tokio::test]
async fn anonymous_access_to_every_admin_route_redirects_to_sign_in() {
    // docs/security.md#34
    let w = world().await;
    let mut b = w.app.browser();
    for path in get_routes(&w) {
        let p = b.get(&path).await;
        assert_eq!(p.status, 303, "GET {path}");
        assert_eq!(p.location(), Some("/admin/login"), "GET {path}");
    }
    let token = csrf_token(&mut b).await;
    for path in post_routes(&w) {
        let p = b
            .post_form(&path, &token, &[("methods_required", "1")])
            .await;
        assert_eq!(p.status, 303, "POST {path}");
        assert_eq!(p.location(), Some("/admin/login"), "POST {path}");
    }
    // Nothing was changed by the anonymous POSTs.
    assert!(w
        .app
        .audit_events()
        .iter()
        .all(|e| !e.event.starts_with("helpdesk_") && e.event != "tenant_updated"));
}

#[tokio::test]
async fn a_guest_session_or_a_reset_flow_gets_403() {
    // docs/security.md#34: a guest's or a reset flow's cookie is no admin session.
    let w = world().await;
    for cookie in ["__Host-lk_session", "__Host-reset_flow", "__Host-lk_reset"] {
        let mut b = w.app.browser();
        b.cookies.insert(cookie.into(), "x".repeat(43));
        for path in get_routes(&w) {
            let p = b.get(&path).await;
            assert_eq!(p.status, 403, "{cookie}: GET {path}");
            assert!(p.body.contains("Admin sign-in required"), "{}", p.body);
        }
    }
    // A real reset flow started in this browser.
    let mut b = w.app.browser();
    b.ask_reset("nina@northwind.test").await;
    assert_eq!(b.get("/admin/audit").await.status, 403);
}

#[tokio::test]
async fn a_tenant_admin_gets_404_for_another_tenants_anything() {
    // docs/security.md#35: by id, by query parameter and by export; 404, not 403.
    let w = world().await;
    let mut b = signed_in(&w.app, &w.tenant_admin).await;
    let (t, g, e) = (&w.other_tenant, &w.other_guest, w.other_event);
    let gets = [
        format!("/admin/audit/{e}"),
        format!("/admin/audit?tenant={t}"),
        format!("/admin/audit.csv?tenant={t}"),
        format!("/admin/insights?tenant={t}"),
        format!("/admin/tenants/{t}"),
        format!("/admin/guests?tenant={t}"),
        format!("/admin/guests/{g}"),
    ];
    for path in &gets {
        let p = b.get(path).await;
        assert_eq!(p.status, 404, "GET {path}");
        assert!(!p.body.contains("carl@contoso.test"), "GET {path}");
        assert!(!p.body.contains("Contoso"), "GET {path}");
    }
    let token = b.get("/admin/audit").await.csrf().unwrap();
    let posts = [
        format!("/admin/tenants/{t}"),
        format!("/admin/guests/{g}/reset-link"),
        format!("/admin/guests/{g}/reset-totp"),
        format!("/admin/guests/{g}/unlock"),
        format!("/admin/guests/{g}/mark-bounced"),
        format!("/admin/guests/{g}/mark-deliverable"),
    ];
    for path in &posts {
        let p = b
            .post_form(path, &token, &[("methods_required", "2")])
            .await;
        assert_eq!(p.status, 404, "POST {path}");
    }
    // The unfiltered pages and the export leave the other tenant out.
    for path in [
        "/admin/audit",
        "/admin/audit.csv",
        "/admin/tenants",
        "/admin/guests",
    ] {
        let p = b.get(path).await;
        assert_eq!(p.status, 200, "GET {path}");
        assert!(!p.body.contains("carl@contoso.test"), "GET {path}");
        assert!(!p.body.contains("Contoso"), "GET {path}");
    }
    // ... and show their own.
    let own = b.get("/admin/audit").await;
    assert!(own.body.contains("nina@northwind.test"));
    let own = b.get(&format!("/admin/audit/{}", w.own_event)).await;
    assert_eq!(own.status, 200);
    let own = b.get(&format!("/admin/tenants/{}", w.own_tenant)).await;
    assert_eq!(own.status, 200);
    let own = b.get(&format!("/admin/guests/{}", w.own_guest)).await;
    assert_eq!(own.status, 200);
    // Nothing of Contoso changed.
    assert!(w
        .app
        .audit_events()
        .iter()
        .filter(|e| e.tenant_id.as_ref().map(|t| t.as_str()) == Some(t.as_str()))
        .all(|e| !e.actor.starts_with("admin:")));
}

#[tokio::test]
async fn a_platform_admin_sees_every_tenant() {
    let w = world().await;
    let mut b = signed_in(&w.app, &w.platform).await;
    for path in [
        format!("/admin/audit/{}", w.other_event),
        format!("/admin/audit?tenant={}", w.other_tenant),
        format!("/admin/tenants/{}", w.other_tenant),
        format!("/admin/guests/{}", w.other_guest),
        format!("/admin/insights?tenant={}", w.other_tenant),
    ] {
        let p = b.get(&path).await;
        assert_eq!(p.status, 200, "GET {path}");
    }
    let all = b.get("/admin/audit").await;
    assert!(all.body.contains("carl@contoso.test"));
    assert!(all.body.contains("nina@northwind.test"));
}

#[tokio::test]
async fn there_is_no_way_to_edit_or_delete_an_event() {
    // docs/security.md#37
    let w = world().await;
    let mut b = signed_in(&w.app, &w.platform).await;
    let token = b.get("/admin/audit").await.csrf().unwrap();
    let path = format!("/admin/audit/{}", w.own_event);
    let p = b.post_form(&path, &token, &[("event", "x")]).await;
    assert!(p.status == 404 || p.status == 405, "{}", p.status);
    let before = w
        .app
        .audit_events()
        .iter()
        .find(|e| e.id == w.own_event)
        .cloned();
    assert_eq!(before.unwrap().event, "reset_requested");
}
