//! Timing parity beyond `POST /reset` (docs/security.md#12): a wrong code at `POST /reset/code`
//! and a wrong password at `POST /signin` do the same work for an address with an account and
//! one without — the same SQL statements in the same order, the same number of argon2
//! verifications, the same reply and the same side effects. These tests show the *work* is the
//! same, deterministically; a flow that holds no token holds a decoy instead, so the rows read
//! and updated are the same too. The time itself is measured by the `item_8_measured_…` tests
//! (interleaved pairs, measured once more before failing: `sec_support::timing`), `#[ignore]`d
//! and run by hand (docs/testing.md), figures in docs/performance.md. Runs on PostgreSQL too
//! (`LATCHKEY_TEST_PG`).

mod measured;
mod same_work;
#[path = "../sec_support/mod.rs"]
mod sec_support;
#[path = "../support/mod.rs"]
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
/// connections in the background (their set-up statements). Transaction framing is left out
/// too: on SQLite the group-commit writer frames every grouped write, the worker's claims
/// included, and a request's write may share a transaction with a claim that happened to
/// queue beside it, so where a BEGIN falls depends on the worker's clock, not on the address
/// (a CI run failed on exactly that). The statements inside are compared.
fn background(sql: &str) -> bool {
    transaction_framing(sql)
        || sql.starts_with("PRAGMA ")
        || sql.starts_with("SET ")
        || sql.contains("`jobs`")
        || sql.contains("\"jobs\"")
        || sql.contains(" jobs ")
        || sql == "SELECT 1"
        || sql == "SELECT count(*) FROM sqlite_master"
}

fn transaction_framing(sql: &str) -> bool {
    let word = sql.split_whitespace().next().unwrap_or("");
    ["BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"]
        .iter()
        .any(|w| word.eq_ignore_ascii_case(w))
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

/// Asks for a reset of `email` in a fresh browser and lets the worker issue (or not) a token.
async fn flow_for(app: &TestApp, email: &str) -> Browser {
    let (b, _) = ask(app, email).await;
    app.drain_jobs().await;
    b
}
