//! A property test over HTTP. Random bodies (bytes, invalid UTF-8, urlencoded
//! forms with random fields, huge values, JSON), random headers (Content-Type, Cookie garbage,
//! Origin, Sec-Fetch-Site, X-Forwarded-For, Accept, Authorization, Idempotency-Key), random
//! query strings and path segments, on every public route, GET and POST (and a few other
//! methods): the response is never a 5xx, the server never panics, and it still answers
//! `/healthz` after each case.
//!
//! One server per route group (not per case). Requests come as four identities: none, a
//! browser with a CSRF binding in the middle of a reset, a signed-in guest and a signed-in
//! platform admin, each with a valid `csrf_token` and `Origin` on some cases, so the fuzzed
//! fields reach the handlers behind the CSRF check. Rate limits are raised as in
//! tests/sec_support (a 429 would be acceptable, it would only hide the handlers).
//!
//! Cases per group: `PROPTEST_CASES` (default 256). A failure is shrunk and printed; record it
//! as a regression test in tests/fuzz_regressions.rs.
//!
//! Covers docs/security.md#8 (malformed tokens in paths, cookies and forms never give a 500), #29
//! (garbage X-Forwarded-For), #31 (junk CSRF tokens, origins and Sec-Fetch-Site are a 4xx, not
//! an error), and the STYLE rule "user mistakes never produce a 500 or panic".

#[path = "../admin_support/mod.rs"]
mod admin_support;
mod strategies;
#[path = "../support/mod.rs"]
mod support;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use std::sync::{Mutex, Once};
use strategies::{case, Body, Case};
use support::browser::Browser;
use support::TestApp;

const ORIGIN: &str = "https://reset.test.example";
const PASSWORD: &str = "old-lantern-orchard-27";
const GUEST: &str = "alice@fabrikam.test";

/// Panics anywhere in this process (the server runs in it) since the last `take_panics`.
static PANICS: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICS
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(info.to_string());
            default(info);
        }));
    });
}

fn take_panics() -> Vec<String> {
    std::mem::take(&mut *PANICS.lock().unwrap_or_else(|e| e.into_inner()))
}

/// A way of presenting oneself: the cookies to send and the `csrf_token` that goes with them.
#[derive(Debug, Clone, Default)]
struct Identity {
    cookie: String,
    csrf: String,
    bearer: String,
}

struct Ctx {
    app: TestApp,
    /// No cookie store and no redirects: every header is the case's.
    client: reqwest::Client,
    identities: Vec<Identity>,
    /// Real ids and tokens that path segments may use, so some cases reach existing rows.
    known: Vec<String>,
}

const RAISED: &str =
    "[rate_limits]\nmails_per_address_hour = 100000\nmails_per_address_day = 100000\n\
    reset_attempts_per_day = 100000\n\
    [rate_limits.public_forms]\nper_minute = 1000000\nburst = 1000000\n\
    [rate_limits.token_pages]\nper_minute = 1000000\nburst = 1000000\n\
    [rate_limits.reset_global]\nper_minute = 1000000\nburst = 1000000\n";

fn cookies_of(b: &Browser) -> String {
    b.cookies
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ")
}

async fn ctx() -> Ctx {
    install_panic_hook();
    let app = TestApp::spawn_with(RAISED).await;
    let tenant = app.tenant("Fabrikam", "fabrikam.test", "managed", "premium");
    app.tenant("Contoso", "contoso.test", "unmanaged", "free");
    app.user(GUEST, PASSWORD, true, false);

    let mut identities = vec![Identity::default()];

    // A browser in the middle of a reset: CSRF binding plus reset_flow cookie.
    let mut b = app.browser();
    let page = b.get("/reset").await;
    let csrf = page.csrf().expect("csrf on /reset");
    let p = b.post_form("/reset", &csrf, &[("email", GUEST)]).await;
    assert!(p.status < 500, "{}", p.body);
    identities.push(Identity {
        cookie: cookies_of(&b),
        csrf,
        bearer: String::new(),
    });

    // A signed-in guest.
    let mut b = app.browser();
    let p = b
        .submit(
            "/signin",
            "/signin",
            &[("email", GUEST), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(p.status, 303, "guest sign-in: {}", p.body);
    let csrf = b.get("/account/security").await.csrf().unwrap_or_default();
    identities.push(Identity {
        cookie: cookies_of(&b),
        csrf,
        bearer: String::new(),
    });

    // A signed-in platform admin, and an API key.
    let admin = admin_support::set_up(&app, "root@latchkey.test", None).await;
    let mut b = admin_support::signed_in(&app, &admin).await;
    let csrf = b.get("/admin/invitations").await.csrf().unwrap_or_default();
    let key = {
        use secrecy::ExposeSecret as _;
        let mut conn = app.state.db.get().unwrap();
        let k = latchkey::onboarding::api_keys::create(
            &mut conn,
            &app.state.settings,
            "fuzz",
            None,
            "operator",
            app.state.now(),
        )
        .unwrap();
        k.secret.expose_secret().to_string()
    };
    identities.push(Identity {
        cookie: cookies_of(&b),
        csrf,
        bearer: key,
    });

    let known = vec![tenant.id.to_string(), admin.id.clone()];
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .unwrap();
    Ctx {
        app,
        client,
        identities,
        known,
    }
}

/// Sends one case; `Err` says what went wrong (a 5xx, a dropped connection, a panic, a dead
/// server).
async fn check(ctx: &Ctx, case: &Case) -> Result<u16, String> {
    take_panics();
    let id = &ctx.identities[case.identity];
    let mut url = format!("{}{}", ctx.app.address, case.path);
    if let Some(q) = &case.query {
        url.push('?');
        url.push_str(q);
    }
    let Ok(url) = reqwest::Url::parse(&url) else {
        return Ok(0);
    };
    let method = reqwest::Method::from_bytes(case.method.as_bytes()).unwrap();
    let mut req = ctx.client.request(method, url);
    let mut cookie = id.cookie.clone();
    if let Some(g) = &case.cookie_garbage {
        if !cookie.is_empty() {
            cookie.push_str("; ");
        }
        cookie.push_str(g);
    }
    let mut headers = case.headers.clone();
    if !cookie.is_empty() {
        headers.push(("cookie", cookie.into_bytes()));
    }
    if let Some(b) = &case.bearer {
        let b = if b == "valid" { &id.bearer } else { b };
        headers.push(("authorization", format!("Bearer {b}").into_bytes()));
    }
    for (name, value) in headers {
        // Values reqwest cannot send (control characters) are simply not sent.
        if let Ok(v) = reqwest::header::HeaderValue::from_bytes(&value) {
            req = req.header(name, v);
        }
    }
    req = match &case.body {
        Body::None => req,
        Body::Bytes(b) => req.body(b.clone()),
        Body::Json(j) => req.body(j.clone()),
        Body::Form(fields, with_csrf) => {
            let mut all = Vec::new();
            if *with_csrf {
                all.push(("csrf_token".to_string(), id.csrf.clone()));
            }
            all.extend(fields.iter().cloned());
            req.body(serde_urlencoded::to_string(&all).unwrap())
        }
    };
    let status = match req.send().await {
        Ok(res) => {
            let status = res.status().as_u16();
            let body = res.bytes().await.unwrap_or_default();
            if status >= 500 {
                return Err(format!(
                    "{status}: {}",
                    String::from_utf8_lossy(&body[..body.len().min(2000)])
                ));
            }
            status
        }
        // A URL past the client's length limit (64 KB) is never sent.
        Err(e) if e.is_builder() => 0,
        Err(e) if e.is_body() || e.is_request() && !e.is_connect() => {
            // The server may close the connection on a refused oversized body before reading
            // it all; that is not a failure as long as it still answers.
            0
        }
        Err(e) => return Err(format!("request failed: {e}")),
    };
    let health = ctx
        .client
        .get(format!("{}/healthz", ctx.app.address))
        .send()
        .await
        .map_err(|e| format!("/healthz after the case: {e}"))?;
    if health.status() != 200 {
        return Err(format!("/healthz after the case: {}", health.status()));
    }
    let panics = take_panics();
    if !panics.is_empty() {
        return Err(format!("panicked: {panics:?}"));
    }
    Ok(status)
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

async fn fuzz_group(routes: &'static [&'static str]) {
    let ctx = ctx().await;
    let mut runner = TestRunner::new(Config {
        cases: cases(),
        failure_persistence: None,
        max_shrink_iters: 200,
        ..Config::default()
    });
    let handle = tokio::runtime::Handle::current();
    let statuses = Mutex::new(std::collections::BTreeMap::<u16, usize>::new());
    let result = runner.run(&case(routes, &ctx), |case| {
        let outcome = tokio::task::block_in_place(|| handle.block_on(check(&ctx, &case)));
        match outcome {
            Ok(status) => {
                *statuses.lock().unwrap().entry(status).or_default() += 1;
                Ok(())
            }
            Err(e) => Err(TestCaseError::fail(e)),
        }
    });
    eprintln!(
        "statuses (0 = not sent or connection closed on an oversized body): {:?}",
        statuses.lock().unwrap()
    );
    if let Err(e) = result {
        panic!("{e}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reset_routes_never_5xx() {
    fuzz_group(&[
        "/",
        "/reset",
        "/reset/code",
        "/reset/link/{a}",
        "/reset/verify",
        "/reset/new",
        "/reset/done",
        "/healthz",
        "/readyz",
        "/static/style.css",
        "/{a}",
        "/reset/{a}/{b}",
    ])
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guest_account_routes_never_5xx() {
    fuzz_group(&[
        "/signin",
        "/signout",
        "/account",
        "/account/security",
        "/account/security/totp",
        "/account/security/totp/remove",
        "/account/language",
        "/account/organisation",
        "/account/organisation/start",
        "/account/organisation/verify",
        "/verify/{a}",
        "/invite/{a}",
        "/signup",
        "/signup/complete/{a}",
    ])
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_routes_never_5xx() {
    fuzz_group(&[
        "/admin",
        "/admin/setup/{a}",
        "/admin/setup",
        "/admin/login",
        "/admin/login/totp",
        "/admin/logout",
        "/admin/logout/everywhere",
        "/admin/audit",
        "/admin/audit.csv",
        "/admin/audit/{a}",
        "/admin/guests",
        "/admin/guests/{a}",
        "/admin/guests/{a}/reset-link",
        "/admin/guests/{a}/reset-totp",
        "/admin/guests/{a}/unlock",
        "/admin/guests/{a}/mark-bounced",
        "/admin/guests/{a}/mark-deliverable",
        "/admin/tenants",
        "/admin/tenants/{a}",
        "/admin/insights",
        "/admin/invitations",
        "/admin/api-keys",
        "/admin/api-keys/{a}/revoke",
        "/admin/time-zone",
        "/admin/{a}",
    ])
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_routes_never_5xx() {
    fuzz_group(&[
        "/api/v1/invitations",
        "/api/v1/invitations/{a}",
        "/api/openapi.json",
        "/api/{a}",
        "/metrics",
    ])
    .await;
}
