//! What someone who knows only an address or a route can no longer do to other people's
//! accounts: lock them by asking for resets, race the attempt budgets, hold two live tokens,
//! or guess tokens on routes outside a limiter (docs/security.md#6, #9, #25, #28–#30).
//! Each test runs on SQLite, and on PostgreSQL when `LATCHKEY_TEST_PG` is set.

mod support;
use latchkey::services::clock::Clock as _;
use support::browser::Browser;
use support::smtp::{code_in, link_with};
use support::TestApp;

const OLD: &str = "old-lantern-orchard-27";
const NEW: &str = "brisk-meadow-compass-81";

/// Generous in-process quotas: these tests are about the persistent budgets, not the per-IP
/// limiters (which have their own tests).
const WIDE_FORMS: &str = "[rate_limits.public_forms]\nper_minute = 60000\nburst = 10000\n\
    [rate_limits.token_pages]\nper_minute = 60000\nburst = 10000\n";

fn count(app: &TestApp, event: &str, outcome: &str) -> usize {
    app.audit_events()
        .iter()
        .filter(|e| e.event == event && e.outcome == outcome)
        .count()
}

#[tokio::test]
async fn item_3_asking_for_a_reset_never_locks_an_account() {
    let app = TestApp::spawn_with_mail(WIDE_FORMS).await;
    app.tenant("Fabrikam", "fabrikam.test", "unmanaged", "free");
    app.user("alice@fabrikam.test", OLD, true, false);

    // The owner asks once and holds a link.
    let mut owner = app.browser();
    owner.ask_reset("alice@fabrikam.test").await;
    app.drain_jobs().await;
    // Someone else asks twelve more times within the hour.
    let mut stranger = app.browser();
    for _ in 0..12 {
        let p = stranger.ask_reset("alice@fabrikam.test").await;
        assert_eq!(p.status, 200);
        app.drain_jobs().await;
    }
    // Three mails (the hourly cap); the ten requests beyond it sent nothing ...
    let mails = app.mails_to("alice@fabrikam.test");
    assert_eq!(mails.len(), 3);
    assert_eq!(count(&app, "mail_suppressed", "denied"), 10);
    // ... locked nothing ...
    assert_eq!(count(&app, "account_locked", "denied"), 0);
    assert!(app
        .audit_events()
        .iter()
        .all(|e| e.reason.as_deref() != Some("account_locked")));
    // ... and issued nothing: the last link mailed is still the live one.
    let link = link_with(&mails[2].text(), "/reset/link/").expect("link");
    let mut b = app.browser();
    let p = b.get(&link).await;
    assert_eq!(p.status, 303, "{}", p.body);
    assert_eq!(p.location(), Some("/reset/new"));
    let p = b.set_new_password(NEW).await;
    assert_eq!(p.location(), Some("/reset/done"), "{}", p.body);

    // An hour later the owner can ask again and gets a link, not a lock notice.
    app.drain_jobs().await;
    app.clock.advance(chrono::Duration::minutes(61));
    let before = app.mails_to("alice@fabrikam.test").len();
    owner.ask_reset("alice@fabrikam.test").await;
    let mail = app.wait_mail_to("alice@fabrikam.test", before + 1).await;
    assert!(
        link_with(&mail.text(), "/reset/link/").is_some(),
        "{}",
        mail.text()
    );
}

/// Sends `n` copies of one form post at once from copies of `b` (same cookies).
async fn concurrently(b: &Browser, path: &str, csrf: &str, fields: &[(&str, &str)], n: usize) {
    let mut tasks = Vec::new();
    for _ in 0..n {
        let mut copy = b.clone();
        let csrf = csrf.to_string();
        let path = path.to_string();
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
        let status = t.await.unwrap();
        assert!(status == 200 || status == 303, "status {status}");
    }
}

#[tokio::test]
async fn item_5_fifty_concurrent_wrong_codes_compare_at_most_the_budget() {
    let app = TestApp::spawn_with_mail(WIDE_FORMS).await;
    app.tenant("Fabrikam", "fabrikam.test", "unmanaged", "free");
    app.user("alice@fabrikam.test", OLD, true, false);
    let mut b = app.browser();
    let page = b.ask_reset("alice@fabrikam.test").await;
    let csrf = page.csrf().unwrap();
    let mail = app.wait_mail_to("alice@fabrikam.test", 1).await;
    let right = code_in(&mail.text()).unwrap();
    let wrong = if right.starts_with('A') {
        "BBBB-BBBB"
    } else {
        "AAAA-AAAA"
    };
    concurrently(&b, "/reset/code", &csrf, &[("code", wrong)], 50).await;
    // Exactly the budget (5) was compared; the 45 others were refused uncompared.
    assert_eq!(count(&app, "code_failed", "failure"), 5);
    assert_eq!(count(&app, "code_refused", "denied"), 45);
    // The flow is over: the right code no longer works.
    let p = b.post_form("/reset/code", &csrf, &[("code", &right)]).await;
    assert_ne!(p.status, 303);
    assert!(p.body.contains("invalid or has expired"), "{}", p.body);
}

#[tokio::test]
async fn item_5_fifty_concurrent_wrong_totp_codes_compare_at_most_the_budget() {
    let app = TestApp::spawn_with_mail(WIDE_FORMS).await;
    app.tenant("Northwind", "northwind.test", "managed", "premium");
    let secret = app.user("erin@northwind.test", OLD, true, true).unwrap();
    let before = app.password_hash("erin@northwind.test");
    let mut b = app.browser();
    b.ask_reset("erin@northwind.test").await;
    let mail = app.wait_mail_to("erin@northwind.test", 1).await;
    let link = link_with(&mail.text(), "/reset/link/").unwrap();
    assert_eq!(b.get(&link).await.location(), Some("/reset/verify"));
    let csrf = b.get("/reset/verify").await.csrf().unwrap();
    let now = app.clock.now().timestamp() as u64;
    let near: Vec<String> = [now - 30, now, now + 30, now + 60]
        .iter()
        .map(|t| secret.code_at(*t).unwrap())
        .collect();
    let wrong = (0..1_000_000)
        .map(|n| format!("{n:06}"))
        .find(|c| !near.contains(c))
        .unwrap();
    concurrently(&b, "/reset/verify", &csrf, &[("code", &wrong)], 50).await;
    let compared = count(&app, "totp_failed", "failure");
    assert!(compared <= 5, "{compared} wrong codes were compared");
    // The token is spent: the right code no longer gets through.
    let right = secret.code_at(app.clock.now().timestamp() as u64).unwrap();
    let p = b
        .post_form("/reset/verify", &csrf, &[("code", &right)])
        .await;
    assert_ne!(p.location(), Some("/reset/new"), "{}", p.body);
    assert_eq!(app.password_hash("erin@northwind.test"), before);
    // The wrong codes counted toward the account's TOTP failures too.
    let uid = {
        let mut c = app.state.db.get().unwrap();
        let email = latchkey::domain::EmailAddress::parse("erin@northwind.test").unwrap();
        latchkey::db::users::find_by_email(&mut c, &email)
            .unwrap()
            .unwrap()
            .user_id()
    };
    let limits = &app.state.rate_limits.persistent;
    let allowance = limits
        .failure_allowance_with(
            &uid,
            latchkey::ratelimit::FailureKind::Totp,
            limits.configured_backoff(),
        )
        .await
        .unwrap();
    assert!(
        matches!(allowance, latchkey::ratelimit::Allowance::NotBefore(_)),
        "{allowance:?}"
    );
}

#[tokio::test]
async fn item_11_concurrent_issuers_leave_one_live_token() {
    let app = TestApp::spawn_with_mail("").await;
    app.tenant("Fabrikam", "fabrikam.test", "unmanaged", "free");
    app.user("alice@fabrikam.test", OLD, true, false);
    let (uid, tid) = {
        let mut c = app.state.db.get().unwrap();
        let email = latchkey::domain::EmailAddress::parse("alice@fabrikam.test").unwrap();
        let u = latchkey::db::users::find_by_email(&mut c, &email)
            .unwrap()
            .unwrap();
        (u.user_id(), u.tenant_id())
    };
    // Guest requests and helpdesk links all issue through `reset_tokens::issue`; twenty at once.
    let mut tasks = Vec::new();
    for i in 0..20 {
        let db = app.state.db.clone();
        let now = app.state.now();
        let new = latchkey::db::reset_tokens::NewToken {
            user_id: uid.clone(),
            tenant_id: tid.clone(),
            token_hash: format!("{i:064}"),
            code_hash: None,
            flow_id_hash: None,
            issued_by: (i % 2 == 0).then(|| "helpdesk".to_string()),
            totp_required: false,
            expires_at: now + chrono::Duration::hours(1),
        };
        tasks.push(tokio::spawn(async move {
            db.run(move |c| latchkey::db::reset_tokens::issue(c, &new, now))
                .await
                .unwrap()
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let now = app.state.now();
    let live = app
        .state
        .db
        .run(move |c| {
            use diesel::prelude::*;
            use latchkey::db::schema::reset_tokens::dsl as t;
            latchkey::dispatch!(c, c => t::reset_tokens
                .filter(t::user_id.eq(uid.as_str()))
                .filter(t::used_at.is_null())
                .filter(t::revoked_at.is_null())
                .filter(t::expires_at.gt(now))
                .count()
                .get_result::<i64>(c))
            .map_err(latchkey::db::DbError::from)
        })
        .await
        .unwrap();
    assert_eq!(live, 1, "live tokens: {live}");
}

#[tokio::test]
async fn item_12_every_token_route_is_limited_per_address() {
    let app = TestApp::spawn_with("[rate_limits.token_pages]\nper_minute = 1\nburst = 3\n").await;
    let mut b = app.browser();
    // Three guesses spread over three routes use up one budget ...
    for path in [
        "/invite/guess-1",
        "/verify/guess-2",
        "/signup/complete/guess-3",
    ] {
        let p = b.get(path).await;
        assert_ne!(p.status, 429, "{path}");
    }
    // ... and every token route, GET or POST, is then refused with Retry-After.
    for path in [
        "/invite/guess-4",
        "/verify/guess-5",
        "/signup/complete/guess-6",
    ] {
        let p = b.get(path).await;
        assert_eq!(p.status, 429, "GET {path}");
        assert!(p.header("retry-after").is_some(), "GET {path}");
        let p = b.post_raw(path, "csrf_token=x".into(), &[]).await;
        assert_eq!(p.status, 429, "POST {path}");
    }
}
