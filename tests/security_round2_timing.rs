//! Timing parity beyond `POST /reset` (docs/security.md#12): a wrong code at `POST /reset/code`
//! and a wrong password at `POST /signin` do the same work for an address with an account and
//! one without — the same SQL statements in the same order, the same number of argon2
//! verifications, the same reply and the same side effects. These tests show the *work* is the
//! same, deterministically; a flow that holds no token holds a decoy instead, so the rows read
//! and updated are the same too. The time itself is measured by the `item_8_measured_…` tests
//! (interleaved pairs, measured once more before failing: `sec_support::timing`), `#[ignore]`d
//! and run by hand (docs/testing.md), figures in docs/performance.md. Runs on PostgreSQL too
//! (`LATCHKEY_TEST_PG`).

mod sec_support;
mod support;

use sec_support::timing::{judged, time_pairs, WARM_UP_PAIRS};
use sec_support::*;
use std::sync::Mutex;
use support::browser::{Browser, Page};
use support::TestApp;

const KNOWN: &str = "eligible@fabrikam.test";
/// As long as `KNOWN`: pages that echo the address then have the same length.
const UNKNOWN: &str = "stranger@fabrikam.test";
const WRONG_PASSWORD: &str = "not-the-right-password-at-all";
/// Never a valid code: the alphabet has no 0, O, 1, I or L.
const WRONG_CODE: &str = "LLLL-LLLL";

/// The statements and the metrics are process-wide: one test of this file at a time.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The SQL of every statement run while recording, binds left out (they hold the ids and keys
/// that must differ), in order. `None` when not recording.
static STATEMENTS: Mutex<Option<Vec<String>>> = Mutex::new(None);

fn record_statements() -> Option<Box<dyn diesel::connection::Instrumentation>> {
    Some(Box::new(
        |event: diesel::connection::InstrumentationEvent<'_>| {
            if let diesel::connection::InstrumentationEvent::StartQuery { query, .. } = event {
                if let Some(log) = STATEMENTS.lock().unwrap().as_mut() {
                    let text = query.to_string();
                    let sql = text.split(" -- binds:").next().unwrap_or("").trim();
                    if !background(sql) {
                        log.push(normalized(sql));
                    }
                }
            }
        },
    ))
}

/// Statements that are not the request's work: the job worker polls its queue on its own clock,
/// every checkout (the worker's too) runs the pool's health probe, and the pool opens new
/// connections in the background (their set-up statements).
fn background(sql: &str) -> bool {
    sql.starts_with("PRAGMA ")
        || sql.starts_with("SET ")
        || sql.contains("`jobs`")
        || sql.contains("\"jobs\"")
        || sql.contains(" jobs ")
        || sql == "SELECT 1"
        || sql == "SELECT count(*) FROM sqlite_master"
}

/// An INSERT names only the columns it has values for (diesel leaves NULLs out), so an audit
/// row without a user lists fewer columns: the same one-row insert into the same table. The
/// column list is dropped; everything else compares as written.
fn normalized(sql: &str) -> String {
    match sql.strip_prefix("INSERT INTO ") {
        Some(rest) => {
            let table = rest.split([' ', '(']).next().unwrap_or("");
            let tail = rest.find(" ON CONFLICT").map(|i| &rest[i..]).unwrap_or("");
            format!("INSERT INTO {table} (…) VALUES (…){tail}")
        }
        None => sql.to_string(),
    }
}

fn assert_same_statements(known: &[String], unknown: &[String], attempt: usize) {
    let first = known.iter().zip(unknown).position(|(a, b)| a != b);
    assert!(
        first.is_none() && known.len() == unknown.len(),
        "try {attempt}: different statements from #{first:?}:\nknown:   {:?}\nunknown: {:?}",
        &known[first.unwrap_or(known.len().min(unknown.len()))..],
        &unknown[first.unwrap_or(known.len().min(unknown.len()))..],
    );
}

/// Runs `f` and returns the statements it ran.
async fn statements_of<F: std::future::Future<Output = Page>>(f: F) -> (Page, Vec<String>) {
    *STATEMENTS.lock().unwrap() = Some(Vec::new());
    let page = f.await;
    let log = STATEMENTS.lock().unwrap().take().unwrap();
    (page, log)
}

async fn accounts() -> TestApp {
    // Every connection the pool opens from now on reports its statements.
    diesel::connection::set_default_instrumentation(record_statements).unwrap();
    let app = app().await;
    app.user(KNOWN, OLD, true, false);
    app
}

/// The value of a counter without labels on the management listener.
async fn counter(app: &TestApp, name: &str) -> f64 {
    app.metrics()
        .await
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{name} ")))
        .map(|v| v.trim().parse().unwrap())
        .unwrap_or(0.0)
}

/// A reply as compared: status, headers, body with the CSRF token and the typed address masked.
fn shape(p: &Page, email: &str) -> (u16, Vec<(String, String)>, String) {
    (
        p.status,
        comparable_headers(p),
        mask_csrf(&p.body).replace(email, "EMAIL"),
    )
}

fn failure_counts(app: &TestApp) -> Vec<String> {
    let mut v = column(app, "rate_counters", "count");
    v.sort();
    v
}

async fn wrong_password(b: &mut Browser, email: &str) -> Page {
    let token = csrf_of(b, "/signin").await;
    b.post_form(
        "/signin",
        &token,
        &[("email", email), ("password", WRONG_PASSWORD)],
    )
    .await
}

async fn csrf_of(b: &mut Browser, path: &str) -> String {
    b.get(path).await.csrf().expect("a form")
}

#[tokio::test]
async fn item_8_a_wrong_password_does_the_same_work_for_known_and_unknown_addresses() {
    let _serial = SERIAL.lock().await;
    let app = accounts().await;
    let (mut known, mut unknown) = (app.browser(), app.browser());
    // Warm both paths up (pool connections, the dummy hash, template caches).
    wrong_password(&mut app.browser(), "warm@fabrikam.test").await;
    app.sql("DELETE FROM rate_counters");
    let (mut replies_known, mut replies_unknown) = (Vec::new(), Vec::new());
    // Past the free failures into the backoff: both addresses are throttled at the same try.
    for attempt in 1..=6 {
        let before = counter(&app, "latchkey_password_verifications_total").await;
        let token = csrf_of(&mut known, "/signin").await;
        let (k, k_sql) = statements_of(known.post_form(
            "/signin",
            &token,
            &[("email", KNOWN), ("password", WRONG_PASSWORD)],
        ))
        .await;
        let mid = counter(&app, "latchkey_password_verifications_total").await;
        let token = csrf_of(&mut unknown, "/signin").await;
        let (u, u_sql) = statements_of(unknown.post_form(
            "/signin",
            &token,
            &[("email", UNKNOWN), ("password", WRONG_PASSWORD)],
        ))
        .await;
        let after = counter(&app, "latchkey_password_verifications_total").await;
        assert_eq!(
            mid - before,
            1.0,
            "try {attempt}: argon2 runs for the account"
        );
        assert_eq!(
            after - mid,
            1.0,
            "try {attempt}: argon2 runs for no account"
        );
        assert!(!k_sql.is_empty());
        assert_same_statements(&k_sql, &u_sql, attempt);
        assert_eq!(shape(&k, KNOWN), shape(&u, UNKNOWN), "try {attempt}");
        // The same failure counts (one row each, the same count).
        let counts = failure_counts(&app);
        assert_eq!(counts.len(), 2, "{counts:?}");
        assert_eq!(counts[0], counts[1], "try {attempt}");
        replies_known.push(k.status);
        replies_unknown.push(u.status);
    }
    // The same audit trail: one failed sign-in per try, the same reasons in the same order.
    let reasons = |mine: &dyn Fn(&latchkey::db::models::AuditEvent) -> bool| -> Vec<String> {
        app.audit_events()
            .iter()
            .filter(|e| e.event == "signin" && mine(e))
            .map(|e| {
                match e.reason.as_deref() {
                    Some("wrong_password" | "unknown_account") => "failed",
                    Some(other) => other,
                    None => "none",
                }
                .to_string()
            })
            .collect()
    };
    let known_uid = user_row(&app, KNOWN).id;
    let k = reasons(&|e| e.user_id.as_deref() == Some(known_uid.as_str()));
    let u = reasons(&|e| e.user_id.is_none() && e.email.as_deref() != Some("warm@fabrikam.test"));
    assert_eq!(k.len(), 6);
    assert_eq!(k, u.iter().rev().take(6).rev().cloned().collect::<Vec<_>>());
    assert!(k.contains(&"throttled".to_string()), "{k:?}");
}

/// Asks for a reset of `email` in a fresh browser and lets the worker issue (or not) a token.
async fn flow_for(app: &TestApp, email: &str) -> Browser {
    let (b, _) = ask(app, email).await;
    app.drain_jobs().await;
    b
}

#[tokio::test]
async fn item_8_a_wrong_code_does_the_same_work_for_known_and_unknown_addresses() {
    let _serial = SERIAL.lock().await;
    let app = accounts().await;
    // Warm up.
    let mut warm = flow_for(&app, "warm@fabrikam.test").await;
    let token = csrf(&mut warm).await;
    warm.post_form("/reset/code", &token, &[("code", WRONG_CODE)])
        .await;
    let mut known = flow_for(&app, KNOWN).await;
    let mut unknown = flow_for(&app, UNKNOWN).await;
    let live_tokens = || {
        count(
            &app,
            "SELECT COUNT(*) AS n FROM reset_tokens WHERE used_at IS NULL AND revoked_at IS NULL",
        )
    };
    let live_decoys = || {
        count(
            &app,
            "SELECT COUNT(*) AS n FROM reset_decoys WHERE revoked_at IS NULL",
        )
    };
    // A decoy is not a token: the count of tokens is the account's one, and the flows of the
    // warm-up and the unknown address each hold a decoy.
    assert_eq!(live_tokens(), 1, "the account's flow holds its token");
    assert_eq!(live_decoys(), 2, "the flows without a token hold a decoy");
    // Every try up to and past the budget (5): the same statements, the same reply.
    for attempt in 1..=7 {
        let (kt, ut) = (csrf(&mut known).await, csrf(&mut unknown).await);
        let (k, k_sql) =
            statements_of(known.post_form("/reset/code", &kt, &[("code", WRONG_CODE)])).await;
        let (u, u_sql) =
            statements_of(unknown.post_form("/reset/code", &ut, &[("code", WRONG_CODE)])).await;
        assert!(!k_sql.is_empty());
        assert_same_statements(&k_sql, &u_sql, attempt);
        assert_eq!(shape(&k, KNOWN), shape(&u, UNKNOWN), "try {attempt}");
        if attempt == 5 {
            assert_eq!(live_tokens(), 0, "the spent budget revokes the token");
            assert_eq!(
                live_decoys(),
                1,
                "and the unknown flow's decoy (not the warm-up's)"
            );
        }
    }
    // The same audit trail for both flows: the requests alternated, so do their rows (past
    // the budget the account's token is revoked and its rows carry no user either).
    let trail: Vec<(String, Option<String>)> = app
        .audit_events()
        .iter()
        .filter(|e| e.event.starts_with("code_"))
        .skip(1) // the warm-up
        .map(|e| (e.event.clone(), e.reason.clone()))
        .collect();
    assert_eq!(trail.len(), 14, "{trail:?}");
    let k: Vec<_> = trail.iter().step_by(2).collect();
    let u: Vec<_> = trail.iter().skip(1).step_by(2).collect();
    assert_eq!(k, u);
    assert_eq!(k[4].1.as_deref(), Some("flow_ended"));
}

#[tokio::test]
async fn item_8_a_decoy_never_lets_a_code_in() {
    // A decoy's code was never sent; even a decoy that held the hash of a real code (copied
    // from the account's token here) lets nothing in: only tokens are redeemed.
    let _serial = SERIAL.lock().await;
    let app = accounts().await;
    let (mut mine, _) = ask(&app, KNOWN).await;
    let mail = reset_mail(&app, KNOWN, 1).await;
    let mut stranger = flow_for(&app, UNKNOWN).await;
    app.sql("UPDATE reset_decoys SET code_hash = (SELECT code_hash FROM reset_tokens)");
    let token = csrf(&mut stranger).await;
    let p = stranger
        .post_form("/reset/code", &token, &[("code", &mail.code)])
        .await;
    let wrong = stranger
        .post_form("/reset/code", &token, &[("code", WRONG_CODE)])
        .await;
    // Each try spends one of the flow's budget, so the two replies differ in the count of
    // tries left alone.
    let (mut a, mut b) = (shape(&p, UNKNOWN), shape(&wrong, UNKNOWN));
    assert!(a.2.contains("You have 4 tries left."), "{}", a.2);
    a.2 = a.2.replace("4 tries left", "N tries left");
    b.2 = b.2.replace("3 tries left", "N tries left");
    assert_eq!(a, b, "a decoy's code is a wrong code");
    let accepted = || {
        app.audit_events()
            .iter()
            .filter(|e| e.event == "code_accepted")
            .count()
    };
    assert_eq!(accepted(), 0);
    // The account's own flow still takes its code.
    let token = csrf(&mut mine).await;
    let p = mine
        .post_form("/reset/code", &token, &[("code", &mail.code)])
        .await;
    assert_eq!(p.status, 303, "{}", p.body);
    assert_eq!(accepted(), 1);
}

// ---- the measurement ------------------------------------------------------------------------

/// A server for the measurements: the sign-in backoff starts late and the per-flow code budget
/// is raised, so every try is weighed rather than throttled. Both paths still do all their work.
async fn measured_app() -> TestApp {
    let app = app_with(
        "[reset]\nmax_code_attempts = 100000\n\
         [rate_limits]\nfailures_before_backoff = 99\nmax_consecutive_failures = 100\n\
         mails_per_address_hour = 10000\nmails_per_address_day = 10000\n\
         [rate_limits.public_forms]\nper_minute = 1000000\nburst = 1000000\n\
         [rate_limits.token_pages]\nper_minute = 1000000\nburst = 1000000\n",
    )
    .await;
    app.user(KNOWN, OLD, true, false);
    app
}

/// docs/security.md#12: 400 interleaved pairs; the medians differ by < 0.5 ms and Mann-Whitney
/// finds no difference at p = 0.01 (a failing measurement is taken once more:
/// `sec_support::timing`). Passes reliably on SQLite and fails with 1 ms more on one path
/// (docs/performance.md); on PostgreSQL a residual of a few hundredths of a millisecond (the
/// row update in a table with more indexes) is still significant in some runs, so it stays a
/// measurement run by hand rather than a test that could fail CI on noise.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a timing measurement: run by hand with --ignored (docs/testing.md)"]
async fn item_8_measured_medians_differ_by_less_than_half_a_millisecond_for_wrong_codes() {
    const PAIRS: usize = 400;
    let _serial = SERIAL.lock().await;
    let app = measured_app().await;
    // Each address in its own flow.
    let known = tokio::sync::Mutex::new(flow_for(&app, KNOWN).await);
    let unknown = tokio::sync::Mutex::new(flow_for(&app, UNKNOWN).await);
    let kt = csrf(&mut *known.lock().await).await;
    let ut = csrf(&mut *unknown.lock().await).await;
    let code = |is_known: bool| {
        let (b, token) = if is_known {
            (&known, kt.clone())
        } else {
            (&unknown, ut.clone())
        };
        async move {
            let p = b
                .lock()
                .await
                .post_form("/reset/code", &token, &[("code", WRONG_CODE)])
                .await;
            assert_eq!(p.status, 200, "{}", p.body);
        }
    };
    let verdict = judged("POST /reset/code, wrong code", || {
        time_pairs(WARM_UP_PAIRS, PAIRS, code)
    })
    .await;
    assert!(verdict.is_ok(), "timing differs: {verdict:?}");
}

/// The same for a wrong password. Each try is one argon2 verification (19 MiB, 20–60 ms here),
/// whose own spread on a loaded machine moves a median of 400 by more than 0.5 ms between two
/// measurements of the *same* path, so this one is run by hand (docs/testing.md); that both
/// paths run one verification and the same statements is proven by
/// `item_8_a_wrong_password_does_the_same_work_for_known_and_unknown_addresses`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "argon2-dominated timing measurement: run by hand with --ignored (docs/testing.md)"]
async fn item_8_measured_medians_differ_by_less_than_half_a_millisecond_for_wrong_passwords() {
    // The failure counts are cleared between rounds of 40 pairs (outside the timed requests).
    const PAIRS: usize = 400;
    const ROUND: usize = 40;
    let _serial = SERIAL.lock().await;
    let app = measured_app().await;
    let mut b = app.browser();
    let token = csrf_of(&mut b, "/signin").await;
    let b = tokio::sync::Mutex::new(b);
    let signin = |is_known: bool| {
        let email = if is_known { KNOWN } else { UNKNOWN };
        let (b, token) = (&b, token.clone());
        async move {
            let p = b
                .lock()
                .await
                .post_form(
                    "/signin",
                    &token,
                    &[("email", email), ("password", WRONG_PASSWORD)],
                )
                .await;
            // A 503 (the hasher's sign-in share is full) is not a weighed password.
            assert_eq!(p.status, 200, "{}", p.body);
            assert!(p.body.contains("password"), "{}", p.body);
        }
    };
    let verdict = judged("POST /signin, wrong password", || async {
        let (mut k, mut u) = (Vec::new(), Vec::new());
        for round in 0..PAIRS / ROUND {
            app.sql("DELETE FROM rate_counters WHERE key LIKE 'fail:%'");
            let warm_up = if round == 0 { WARM_UP_PAIRS } else { 0 };
            let (rk, ru) = time_pairs(warm_up, ROUND, signin).await;
            k.extend(rk);
            u.extend(ru);
        }
        (k, u)
    })
    .await;
    assert!(verdict.is_ok(), "timing differs: {verdict:?}");
}
