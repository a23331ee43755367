//! Managing admins from the console, black-box over HTTP: the list, disable, enable and a new
//! set-up link (each behind a confirmation, CSRF-protected and audited with actor and target);
//! the refusals (themselves, tenant admins, no confirmation, no CSRF token); a disabled
//! admin's session stops at the next request; a re-issued link replaces the old one and resets
//! the authenticator. Also the set-up and sign-in pages a new admin meets: field errors, the
//! password kept across a wrong code, and when the next code comes after a reused one.

#[path = "../admin_support/mod.rs"]
mod admin_support;
mod listing_and_disabling;
mod setup_links;
#[path = "../support/mod.rs"]
mod support;

use admin_support::*;
use latchkey::services::clock::Clock;
use support::browser::Browser;
use support::TestApp;

async fn app() -> TestApp {
    TestApp::spawn_with("[rate_limits.admin_login]\nper_minute = 6000\nburst = 6000").await
}

fn admin_row(app: &TestApp, email: &str) -> latchkey::db::models::Admin {
    let mut conn = app.state.db.get().unwrap();
    latchkey::db::admins::find_by_email(
        &mut conn,
        &latchkey::domain::EmailAddress::parse(email).unwrap(),
    )
    .unwrap()
    .expect("admin")
}

fn events(app: &TestApp, name: &str) -> Vec<latchkey::db::models::AuditEvent> {
    app.audit_events()
        .into_iter()
        .filter(|e| e.event == name)
        .collect()
}

/// Confirms `change` (`disable`, `enable`, `reissue`) for `target_id` through its
/// confirmation page.
async fn confirm(b: &mut Browser, target_id: &str, change: &str) -> support::browser::Page {
    let path = format!("/admin/admins/{target_id}/{change}");
    let form = b.get(&path).await;
    assert_eq!(form.status, 200, "{}", form.body);
    b.post_form(&path, &form.csrf().unwrap(), &[("confirm", "yes")])
        .await
}

/// The value of the read-only link field on the re-issue page.
fn link_on(page: &support::browser::Page) -> String {
    let at = page.body.find("id=\"link\"").expect("link field");
    let rest = &page.body[at..];
    let v = rest.find("value=\"").unwrap() + "value=\"".len();
    let rest = &rest[v..];
    rest[..rest.find('"').unwrap()].to_string()
}

/// The path part of a set-up link.
fn path_of(link: &str) -> String {
    link[link.find("/admin/setup/").expect("a set-up link")..].to_string()
}

async fn two_platform_admins_and_a_tenant_admin(
    app: &TestApp,
) -> (AdminLogin, AdminLogin, AdminLogin) {
    app.tenant("Northwind", "northwind.test", "managed", "premium");
    let root = set_up(app, "root@ops.test", None).await;
    let ops = set_up(app, "ops@ops.test", None).await;
    let it = set_up(app, "it@northwind.test", Some("northwind.test")).await;
    (root, ops, it)
}
