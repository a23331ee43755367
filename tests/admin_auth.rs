//! Admin set-up, sign-in with TOTP, sessions and sign-out, black-box over HTTP
//! (docs/security.md#25, #31, #32, #34, #36).

mod admin_support;
mod support;

use admin_support::*;
use support::TestApp;

async fn app() -> TestApp {
    // These tests sign in many times a minute: the per-IP admin sign-in limit has tests of its own.
    let app =
        TestApp::spawn_with("[rate_limits.admin_login]\nper_minute = 6000\nburst = 6000").await;
    app.tenant("Northwind", "northwind.test", "managed", "premium");
    app
}

fn events_named(app: &TestApp, name: &str) -> Vec<latchkey::db::models::AuditEvent> {
    app.audit_events()
        .into_iter()
        .filter(|e| e.event == name)
        .collect()
}

#[tokio::test]
async fn setup_link_then_password_and_totp_then_sign_in() {
    // docs/security.md#34, #10 (the set-up token leaves the URL)
    let app = app().await;
    let admin = set_up(&app, "root@ops.test", None).await;
    let mut b = signed_in(&app, &admin).await;
    let audit = b.get("/admin/audit").await;
    assert_eq!(audit.status, 200, "{}", audit.body);
    assert!(audit
        .body
        .contains("Signed in as <strong>root@ops.test</strong>"));
    // docs/security.md#36: the sign-in is audited with the admin as actor.
    let signed_in = events_named(&app, "admin_signed_in");
    assert_eq!(signed_in.len(), 1);
    assert_eq!(signed_in[0].actor, format!("admin:{}", admin.id));
    assert!(events_named(&app, "admin_setup_completed").len() == 1);
}

#[tokio::test]
async fn a_setup_link_works_once_and_expires_after_24_hours() {
    let app = app().await;
    let (_, path) = create_admin(&app, "late@ops.test", Some("northwind.test"));
    app.clock
        .advance(chrono::Duration::hours(24) + chrono::Duration::seconds(1));
    let p = app.browser().get(&path).await;
    assert_eq!(p.status, 200);
    assert!(p.body.contains("invalid or has expired"), "{}", p.body);

    let admin = set_up(&app, "once@ops.test", None).await;
    let _ = admin;
    // The link of a finished set-up is dead.
    let (_, path2) = create_admin(&app, "twice@ops.test", None);
    let mut b = app.browser();
    b.get(&path2).await;
    let form = b.get("/admin/setup").await;
    let secret = latchkey::security::TotpSecret::from_base32(&key_on(&form)).unwrap();
    let code = next_code(&app, &secret);
    let fields = [
        ("password", ADMIN_PASSWORD),
        ("password_confirm", ADMIN_PASSWORD),
        ("code", code.as_str()),
    ];
    let p = b
        .post_form("/admin/setup", &form.csrf().unwrap(), &fields)
        .await;
    assert_eq!(p.status, 303);
    let again = app.browser().get(&path2).await;
    assert!(again.body.contains("invalid or has expired"));
}

#[tokio::test]
async fn setup_refuses_a_weak_password_and_a_wrong_code() {
    let app = app().await;
    let (_, path) = create_admin(&app, "weak@ops.test", None);
    let mut b = app.browser();
    b.get(&path).await;
    let form = b.get("/admin/setup").await;
    // The QR code is an inline SVG (no third-party resource, docs/security.md#38).
    assert!(form
        .body
        .contains("src=\"data:image/svg+xml;base64,PHN2ZyB4bWxucz0i"));
    let token = form.csrf().unwrap();
    let p = b
        .post_form(
            "/admin/setup",
            &token,
            &[
                ("password", "password123456"),
                ("password_confirm", "password123456"),
                ("code", "000000"),
            ],
        )
        .await;
    assert_eq!(p.status, 200);
    assert!(p.body.contains("field-error"), "{}", p.body);
    let p = b
        .post_form(
            "/admin/setup",
            &token,
            &[
                ("password", ADMIN_PASSWORD),
                ("password_confirm", ADMIN_PASSWORD),
                ("code", "12345"),
            ],
        )
        .await;
    assert_eq!(p.status, 200);
    assert!(p.body.contains("That code is not right"), "{}", p.body);
}

#[tokio::test]
async fn a_wrong_totp_code_does_not_sign_in_and_is_audited() {
    // docs/security.md#34, #36
    let app = app().await;
    let admin = set_up(&app, "root@ops.test", None).await;
    let mut b = app.browser();
    let p = password_step(&mut b, &admin.email, ADMIN_PASSWORD).await;
    assert_eq!(p.location(), Some("/admin/login/totp"));
    let good = next_code(&app, &admin.secret);
    let wrong = if good == "000000" { "111111" } else { "000000" };
    let p = totp_step(&mut b, wrong).await;
    assert_eq!(p.status, 200);
    assert!(p.body.contains("That code is not right"));
    // Still only the password step: the console answers with the sign-in redirect.
    let p = b.get("/admin/audit").await;
    assert_eq!(p.status, 303);
    assert_eq!(p.location(), Some("/admin/login"));
    let failed = events_named(&app, "admin_totp_failed");
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].reason.as_deref(), Some("wrong_code"));
}

#[tokio::test]
async fn a_replayed_totp_code_is_refused() {
    // docs/security.md#25: a code is never accepted twice.
    let app = app().await;
    let admin = set_up(&app, "root@ops.test", None).await;
    let mut first = app.browser();
    password_step(&mut first, &admin.email, ADMIN_PASSWORD).await;
    let code = next_code(&app, &admin.secret);
    let p = totp_step(&mut first, &code).await;
    assert_eq!(p.location(), Some("/admin/audit"));

    let mut second = app.browser();
    password_step(&mut second, &admin.email, ADMIN_PASSWORD).await;
    let p = totp_step(&mut second, &code).await;
    assert_eq!(p.status, 200);
    assert!(p.body.contains("already used"), "{}", p.body);
    assert_eq!(second.get("/admin/audit").await.status, 303);
    let failed = events_named(&app, "admin_totp_failed");
    assert_eq!(failed[0].reason.as_deref(), Some("code_reused"));
}

#[tokio::test]
async fn wrong_passwords_are_counted_audited_and_pause_sign_in() {
    // docs/security.md#30, #36: failures counted per admin, with backoff.
    let app = app().await;
    let admin = set_up(&app, "root@ops.test", None).await;
    let mut b = app.browser();
    for _ in 0..5 {
        let p = password_step(&mut b, &admin.email, "not-the-password-at-all").await;
        assert_eq!(p.status, 200);
        assert!(p.body.contains("That did not work"));
    }
    // Paused: even the right password does not get through now, and the page says the same.
    let p = password_step(&mut b, &admin.email, ADMIN_PASSWORD).await;
    assert_eq!(p.status, 200);
    assert!(p.body.contains("That did not work"));
    let reasons: Vec<_> = events_named(&app, "admin_sign_in_failed")
        .into_iter()
        .map(|e| e.reason.unwrap_or_default())
        .collect();
    assert_eq!(reasons.iter().filter(|r| *r == "wrong_password").count(), 5);
    assert_eq!(reasons.last().map(String::as_str), Some("locked"));
    // After the pause it works again.
    app.clock.advance(chrono::Duration::minutes(2));
    signed_in(&app, &admin).await;
    // An unknown address gets the same page, and is audited as such.
    let p = password_step(&mut app.browser(), "nobody@ops.test", ADMIN_PASSWORD).await;
    assert!(p.body.contains("That did not work"));
    let last = events_named(&app, "admin_sign_in_failed").pop().unwrap();
    assert_eq!(last.reason.as_deref(), Some("unknown_admin"));
}

#[tokio::test]
async fn the_session_id_changes_at_sign_in_and_cookies_are_strict() {
    // docs/security.md#32, #34
    let app = app().await;
    let admin = set_up(&app, "root@ops.test", None).await;
    let mut b = app.browser();
    let p = password_step(&mut b, &admin.email, ADMIN_PASSWORD).await;
    let pending = session_cookie(&b).unwrap();
    assert!(p
        .set_cookies()
        .iter()
        .any(|c| c.starts_with("__Host-lk_admin=")
            && c.contains("HttpOnly")
            && c.contains("SameSite=Strict")
            && c.contains("Secure")
            && c.contains("Path=/")));
    let code = next_code(&app, &admin.secret);
    totp_step(&mut b, &code).await;
    let full = session_cookie(&b).unwrap();
    assert_eq!(pending.0, full.0);
    assert_ne!(pending.1, full.1);
    // The password-step cookie alone opens nothing.
    let mut replay = app.browser();
    replay.cookies.insert(pending.0, pending.1);
    assert_eq!(replay.get("/admin/audit").await.status, 303);
}

#[tokio::test]
async fn an_idle_session_ends_after_30_minutes() {
    // docs/security.md#34
    let app = app().await;
    let admin = set_up(&app, "root@ops.test", None).await;
    let mut b = signed_in(&app, &admin).await;
    app.clock.advance(chrono::Duration::minutes(29));
    assert_eq!(b.get("/admin/audit").await.status, 200);
    // Activity moved the idle clock: another 29 minutes are fine.
    app.clock.advance(chrono::Duration::minutes(29));
    assert_eq!(b.get("/admin/audit").await.status, 200);
    app.clock.advance(chrono::Duration::minutes(31));
    let p = b.get("/admin/audit").await;
    assert_eq!(p.status, 303);
    assert_eq!(p.location(), Some("/admin/login"));
}

#[tokio::test]
async fn a_session_ends_after_12_hours_however_active() {
    let app = app().await;
    let admin = set_up(&app, "root@ops.test", None).await;
    let mut b = signed_in(&app, &admin).await;
    for _ in 0..24 {
        app.clock.advance(chrono::Duration::minutes(29));
        assert_eq!(b.get("/admin/tenants").await.status, 200);
    }
    app.clock.advance(chrono::Duration::minutes(29));
    assert_eq!(b.get("/admin/tenants").await.status, 303);
}

#[tokio::test]
async fn sign_out_invalidates_the_cookie() {
    // docs/security.md#34: the old cookie dies at logout, even if replayed.
    let app = app().await;
    let admin = set_up(&app, "root@ops.test", None).await;
    let mut b = signed_in(&app, &admin).await;
    let page = b.get("/admin/audit").await;
    let stolen = session_cookie(&b).unwrap();
    let p = b
        .post_form("/admin/logout", &page.csrf().unwrap(), &[])
        .await;
    assert_eq!(p.status, 303);
    assert_eq!(p.location(), Some("/admin/login?signed_out=1"));
    assert!(session_cookie(&b).is_none());
    let mut thief = app.browser();
    thief.cookies.insert(stolen.0, stolen.1);
    let p = thief.get("/admin/audit").await;
    assert_eq!(p.status, 303);
    assert_eq!(p.location(), Some("/admin/login"));
    // Other sessions of the same admin are untouched by a plain sign-out.
    let mut other = signed_in(&app, &admin).await;
    assert_eq!(other.get("/admin/audit").await.status, 200);
}

#[tokio::test]
async fn sign_out_everywhere_ends_every_session() {
    let app = app().await;
    let admin = set_up(&app, "root@ops.test", None).await;
    let mut laptop = signed_in(&app, &admin).await;
    let mut phone = signed_in(&app, &admin).await;
    assert_eq!(phone.get("/admin/audit").await.status, 200);
    let page = laptop.get("/admin/audit").await;
    let p = laptop
        .post_form("/admin/logout/everywhere", &page.csrf().unwrap(), &[])
        .await;
    assert_eq!(p.status, 303);
    assert_eq!(phone.get("/admin/audit").await.status, 303);
    assert_eq!(laptop.get("/admin/audit").await.status, 303);
    assert_eq!(events_named(&app, "admin_signed_out_everywhere").len(), 1);
    // Signing in again works.
    let mut again = signed_in(&app, &admin).await;
    assert_eq!(again.get("/admin/audit").await.status, 200);
}

#[tokio::test]
async fn admin_forms_need_a_csrf_token() {
    // docs/security.md#31
    let app = app().await;
    let admin = set_up(&app, "root@ops.test", None).await;
    let mut b = signed_in(&app, &admin).await;
    let p = b.post_raw("/admin/logout", String::new(), &[]).await;
    assert_eq!(p.status, 403);
    let p = b.post_form("/admin/logout", "forged", &[]).await;
    assert_eq!(p.status, 403);
    let page = b.get("/admin/audit").await;
    let p = b
        .post_raw(
            "/admin/logout/everywhere",
            format!("csrf_token={}", page.csrf().unwrap()),
            &[("sec-fetch-site", "cross-site")],
        )
        .await;
    assert_eq!(p.status, 403);
    // Nothing happened: still signed in.
    assert_eq!(b.get("/admin/audit").await.status, 200);
    let mut fresh = app.browser();
    let p = fresh
        .post_raw(
            "/admin/login",
            format!("email={}&password={ADMIN_PASSWORD}", admin.email),
            &[],
        )
        .await;
    assert_eq!(p.status, 403);
}
