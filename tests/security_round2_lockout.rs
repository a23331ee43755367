//! Lockouts an attacker cannot extend, and sign-in budgets that cannot be raced
//! (docs/security.md#30): a browser that signed in before holds a device cookie for the
//! account, and failures from anywhere else never pause it; every sign-in attempt is spent
//! before the secret is compared, so fifty at once compare at most the budget.
//! Each test runs on SQLite, and on PostgreSQL when `LATCHKEY_TEST_PG` is set.

mod admin_support;
mod support;

use admin_support::*;
use support::browser::Browser;
use support::TestApp;

const PASSWORD: &str = "old-lantern-orchard-27";
const WRONG: &str = "not-the-password-at-all";
const DEVICE_COOKIE: &str = "__Host-lk_device";

/// Wide per-address quotas and a sign-in queue longer than any test's burst: these tests are
/// about the per-account budgets (the limiters and the queue have tests of their own).
const WIDE: &str = "[rate_limits.public_forms]\nper_minute = 60000\nburst = 10000\n\
    [rate_limits.admin_login]\nper_minute = 60000\nburst = 10000\n\
    [hashing]\nsign_in_queue = 200\n";

fn reasons(app: &TestApp, event: &str) -> Vec<String> {
    app.audit_events()
        .into_iter()
        .filter(|e| e.event == event)
        .map(|e| e.reason.unwrap_or_default())
        .collect()
}

/// Keeps only the device cookie (and the CSRF binding): the browser is signed out but
/// remembers that it signed in before.
fn keep_device_only(b: &mut Browser) {
    b.cookies
        .retain(|name, _| name == DEVICE_COOKIE || name.contains("lk_csrf"));
    assert!(b.cookies.contains_key(DEVICE_COOKIE), "no device cookie");
}

async fn guest_sign_in(b: &mut Browser, email: &str, password: &str) -> support::browser::Page {
    b.submit(
        "/signin",
        "/signin",
        &[("email", email), ("password", password)],
    )
    .await
}

#[tokio::test]
async fn item_4_failures_elsewhere_do_not_lock_out_an_admins_own_browser() {
    let app = TestApp::spawn_with(WIDE).await;
    let admin = set_up(&app, "root@ops.test", None).await;
    // The admin signs in once from this browser: it now holds a device cookie.
    let mut owner = signed_in(&app, &admin).await;
    keep_device_only(&mut owner);

    // Someone else, without the cookie, tries a dozen wrong passwords: the untrusted count
    // pauses after five, and the attempts beyond do not extend it.
    let mut attacker = app.browser();
    for _ in 0..12 {
        let p = password_step(&mut attacker, &admin.email, WRONG).await;
        assert_eq!(p.status, 200);
    }
    let p = password_step(&mut attacker, &admin.email, ADMIN_PASSWORD).await;
    assert_eq!(p.status, 200, "the untrusted client is paused");
    assert!(p.body.contains("That did not work"));
    let r = reasons(&app, "admin_sign_in_failed");
    assert_eq!(r.iter().filter(|r| *r == "wrong_password").count(), 5);
    assert_eq!(r.iter().filter(|r| *r == "locked").count(), 8);

    // The admin's own browser signs in with the right password and TOTP.
    let p = password_step(&mut owner, &admin.email, ADMIN_PASSWORD).await;
    assert_eq!(p.location(), Some("/admin/login/totp"), "{}", p.body);
    let code = next_code(&app, &admin.secret);
    let p = totp_step(&mut owner, &code).await;
    assert_eq!(p.location(), Some("/admin/audit"), "{}", p.body);
    assert_eq!(owner.get("/admin/audit").await.status, 200);

    // The untrusted client is still paused.
    let p = password_step(&mut attacker, &admin.email, ADMIN_PASSWORD).await;
    assert_eq!(p.status, 200);
    assert!(p.body.contains("That did not work"));
    assert_eq!(
        reasons(&app, "admin_sign_in_failed")
            .last()
            .map(String::as_str),
        Some("locked")
    );
}

#[tokio::test]
async fn item_4_failures_elsewhere_do_not_lock_out_a_guests_own_browser() {
    // A ten-minute first pause, so that the test's own pace never outlasts it.
    let app = TestApp::spawn_with(&format!(
        "[rate_limits]\nfailure_backoff_base_seconds = 600\n{WIDE}"
    ))
    .await;
    app.tenant("Fabrikam", "fabrikam.test", "unmanaged", "free");
    app.user("alice@fabrikam.test", PASSWORD, true, false);
    let mut owner = app.browser();
    let p = guest_sign_in(&mut owner, "alice@fabrikam.test", PASSWORD).await;
    assert_eq!(p.location(), Some("/account"), "{}", p.body);
    let device = p
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with(&format!("{DEVICE_COOKIE}=")))
        .expect("a device cookie")
        .to_string();
    assert!(
        device.contains("HttpOnly") && device.contains("Secure"),
        "{device}"
    );
    assert!(
        device.contains("SameSite=Strict") && device.contains("Max-Age="),
        "{device}"
    );
    keep_device_only(&mut owner);

    let mut attacker = app.browser();
    for _ in 0..10 {
        let p = guest_sign_in(&mut attacker, "alice@fabrikam.test", WRONG).await;
        assert_eq!(p.status, 200);
    }
    let p = guest_sign_in(&mut attacker, "alice@fabrikam.test", PASSWORD).await;
    assert_eq!(p.status, 200, "the untrusted client is paused");
    let r = reasons(&app, "signin");
    assert_eq!(r.iter().filter(|r| *r == "wrong_password").count(), 4);
    assert_eq!(r.last().map(String::as_str), Some("throttled"));

    // The owner's browser gets in with the right password.
    let p = guest_sign_in(&mut owner, "alice@fabrikam.test", PASSWORD).await;
    assert_eq!(p.location(), Some("/account"), "{}", p.body);
    assert_eq!(owner.get("/account").await.status, 200);

    // A forged or foreign device cookie is no cookie at all.
    let mut forger = app.browser();
    forger.cookies.insert(
        DEVICE_COOKIE.to_string(),
        "eyJmb3JnZWQiOnRydWV9".to_string(),
    );
    let p = guest_sign_in(&mut forger, "alice@fabrikam.test", PASSWORD).await;
    assert_eq!(p.status, 200);

    // The untrusted client is still paused.
    let p = guest_sign_in(&mut attacker, "alice@fabrikam.test", PASSWORD).await;
    assert_eq!(p.status, 200);
    assert_eq!(
        reasons(&app, "signin").last().map(String::as_str),
        Some("throttled")
    );
}

/// Posts `fields` to `path` `n` times at once from copies of `b`; every answer is a page.
async fn concurrently(b: &Browser, path: &str, csrf: &str, fields: &[(&str, &str)], n: usize) {
    let mut tasks = Vec::new();
    for _ in 0..n {
        let mut copy = b.clone();
        let (csrf, path) = (csrf.to_string(), path.to_string());
        let fields: Vec<(String, String)> = fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        tasks.push(tokio::spawn(async move {
            let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (&**k, &**v)).collect();
            copy.post_form(&path, &csrf, &f).await.status
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), 200);
    }
}

#[tokio::test]
async fn item_5_fifty_concurrent_wrong_guest_passwords_compare_at_most_the_budget() {
    let app = TestApp::spawn_with(WIDE).await;
    app.tenant("Fabrikam", "fabrikam.test", "unmanaged", "free");
    app.user("alice@fabrikam.test", PASSWORD, true, false);
    let mut b = app.browser();
    let csrf = b.get("/signin").await.csrf().unwrap();
    let fields = [("email", "alice@fabrikam.test"), ("password", WRONG)];
    concurrently(&b, "/signin", &csrf, &fields, 50).await;
    let r = reasons(&app, "signin");
    assert_eq!(r.len(), 50);
    // The budget is `failures_before_backoff` (3) free failures plus the one that starts the
    // backoff: at most four passwords were compared, every other attempt was refused first.
    let compared = r.iter().filter(|r| *r == "wrong_password").count();
    assert!((1..=4).contains(&compared), "{compared} passwords compared");
    assert_eq!(
        r.iter().filter(|r| *r == "throttled").count(),
        50 - compared
    );
}

#[tokio::test]
async fn item_5_fifty_concurrent_wrong_admin_passwords_compare_at_most_the_budget() {
    let app = TestApp::spawn_with(WIDE).await;
    let admin = set_up(&app, "root@ops.test", None).await;
    let mut b = app.browser();
    let csrf = b.get("/admin/login").await.csrf().unwrap();
    let fields = [("email", admin.email.as_str()), ("password", WRONG)];
    concurrently(&b, "/admin/login", &csrf, &fields, 50).await;
    let r = reasons(&app, "admin_sign_in_failed");
    assert_eq!(r.len(), 50);
    // Five failures are free for an admin; the sixth attempt would start the pause.
    let compared = r.iter().filter(|r| *r == "wrong_password").count();
    assert!((1..=5).contains(&compared), "{compared} passwords compared");
    assert_eq!(r.iter().filter(|r| *r == "locked").count(), 50 - compared);
}
