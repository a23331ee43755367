//! Helpers for the admin console tests: admins created as `latchkey admin create` does, set up
//! through the real set-up pages, and browsers signed in with password and TOTP.
#![allow(dead_code)]

use crate::support::browser::{Browser, Page};
use crate::support::TestApp;
pub use latchkey::domain::audit::{Event, Outcome};
use latchkey::security::{TokenSecret, TotpSecret};
use latchkey::services::clock::Clock;

pub const ADMIN_PASSWORD: &str = "violet-harbour-lantern-93";

/// A set-up admin: how to sign in.
#[derive(Clone, Debug)]
pub struct AdminLogin {
    pub id: String,
    pub email: String,
    pub secret: TotpSecret,
}

/// Creates an admin the way the CLI does; returns the set-up path `/admin/setup/{token}`.
/// `tenant_domain = None` makes a platform admin.
pub fn create_admin(app: &TestApp, email: &str, tenant_domain: Option<&str>) -> (String, String) {
    let mut conn = app.state.db.get().unwrap();
    let tenant = tenant_domain.map(|d| {
        latchkey::db::tenants::find_by_domain(&mut conn, d)
            .unwrap()
            .expect("tenant")
    });
    let token = TokenSecret::generate();
    let now = app.state.now();
    let admin = latchkey::db::admins::create(
        &mut conn,
        &latchkey::db::admins::NewAdmin {
            email: latchkey::domain::EmailAddress::parse(email).unwrap(),
            role: if tenant.is_some() {
                latchkey::domain::AdminRole::Tenant
            } else {
                latchkey::domain::AdminRole::Platform
            },
            tenant_id: tenant.map(|t| t.tenant_id()),
            setup_token_hash: token.hash().into_string(),
            setup_expires_at: now + chrono::Duration::hours(24),
        },
        now,
    )
    .unwrap();
    (
        admin.id.into_string(),
        format!("/admin/setup/{}", token.expose()),
    )
}

/// The code the server accepts next: time moves on one TOTP step first, so every call gets a
/// fresh step (a step is never accepted twice, docs/security.md#25).
pub fn next_code(app: &TestApp, secret: &TotpSecret) -> String {
    app.clock.advance(chrono::Duration::seconds(30));
    secret.code_at(app.clock.now().timestamp() as u64).unwrap()
}

/// The base32 key shown on the set-up page.
pub fn key_on(page: &Page) -> String {
    let at = page
        .body
        .find("<span class=\"reference\">")
        .expect("key on page");
    let rest = &page.body[at + "<span class=\"reference\">".len()..];
    rest[..rest.find('<').unwrap()].to_string()
}

/// Opens the set-up link `path` in `b`, reads the new authenticator's key off the form and
/// submits the form with `password`, `confirm` and the code `code` makes of the
/// authenticator's next one (`|c| c` sends it as it is); returns the answer and the
/// authenticator.
pub async fn submit_setup(
    app: &TestApp,
    b: &mut Browser,
    path: &str,
    (password, confirm): (&str, &str),
    code: impl FnOnce(String) -> String,
) -> (Page, TotpSecret) {
    let p = b.get(path).await;
    assert_eq!(p.status, 303, "{}", p.body);
    assert_eq!(p.location(), Some("/admin/setup"));
    let form = b.get("/admin/setup").await;
    assert_eq!(form.status, 200, "{}", form.body);
    let secret = TotpSecret::from_base32(&key_on(&form)).unwrap();
    let code = code(next_code(app, &secret));
    let p = b
        .post_form(
            "/admin/setup",
            &form.csrf().unwrap(),
            &[
                ("password", password),
                ("password_confirm", confirm),
                ("code", &code),
            ],
        )
        .await;
    (p, secret)
}

/// Opens the set-up link and finishes set-up; returns the admin's sign-in details.
pub async fn set_up(app: &TestApp, email: &str, tenant_domain: Option<&str>) -> AdminLogin {
    let (id, path) = create_admin(app, email, tenant_domain);
    let mut b = app.browser();
    let (p, secret) =
        submit_setup(app, &mut b, &path, (ADMIN_PASSWORD, ADMIN_PASSWORD), |c| c).await;
    assert_eq!(p.status, 303, "{}", p.body);
    assert_eq!(p.location(), Some("/admin/login?setup=done"));
    AdminLogin {
        id,
        email: email.to_string(),
        secret,
    }
}

/// Password step; returns the response.
pub async fn password_step(b: &mut Browser, email: &str, password: &str) -> Page {
    b.submit(
        "/admin/login",
        "/admin/login",
        &[("email", email), ("password", password)],
    )
    .await
}

/// TOTP step with `code`.
pub async fn totp_step(b: &mut Browser, code: &str) -> Page {
    b.submit("/admin/login/totp", "/admin/login/totp", &[("code", code)])
        .await
}

/// A browser signed in as `admin`.
pub async fn signed_in(app: &TestApp, admin: &AdminLogin) -> Browser {
    let mut b = app.browser();
    let p = password_step(&mut b, &admin.email, ADMIN_PASSWORD).await;
    assert_eq!(p.status, 303, "{}", p.body);
    assert_eq!(p.location(), Some("/admin/login/totp"));
    let code = next_code(app, &admin.secret);
    let p = totp_step(&mut b, &code).await;
    assert_eq!(p.status, 303, "{}", p.body);
    assert_eq!(p.location(), Some("/admin/audit"));
    b
}

/// The admin session cookie's (wire) name in this browser, if any.
pub fn session_cookie(b: &Browser) -> Option<(String, String)> {
    b.cookies
        .iter()
        .find(|(k, _)| k.ends_with("lk_admin"))
        .map(|(k, v)| (k.clone(), v.clone()))
}

/// Inserts an audit event directly (test setup).
pub fn event(app: &TestApp, e: latchkey::db::audit::NewAuditEvent) -> i64 {
    let mut conn = app.state.db.get().unwrap();
    latchkey::db::audit::insert_returning_id(&mut conn, &e).unwrap()
}

/// A new event at the app's "now" for tenant `tenant_id`.
pub fn new_event(
    app: &TestApp,
    tenant_id: Option<&str>,
    name: Event,
    outcome: Outcome,
) -> latchkey::db::audit::NewAuditEvent {
    let mut e = latchkey::db::audit::NewAuditEvent::new(app.state.now(), "guest", name, outcome);
    e.tenant_id = tenant_id.map(latchkey::domain::TenantId::from_string);
    e
}

/// The ids linked from an audit list page, in page order.
pub fn ids_on(page: &Page) -> Vec<i64> {
    let mut out = Vec::new();
    let mut rest = page.body.as_str();
    while let Some(at) = rest.find("<td><a href=\"/admin/audit/") {
        rest = &rest[at + "<td><a href=\"/admin/audit/".len()..];
        let end = rest.find('"').unwrap();
        out.push(rest[..end].parse().unwrap());
    }
    out
}

/// The `before=` of the "Older events" link, if the page has one.
pub fn next_before(page: &Page) -> Option<i64> {
    let at = page.body.find("before=")?;
    let rest = &page.body[at + "before=".len()..];
    let end = rest.find(|c: char| !c.is_ascii_digit())?;
    rest[..end].parse().ok()
}
