//! Helpers shared by the docs/security.md test files (`reset_tokens`, `reset_enumeration`,
//! `reset_mail`, `reset_passwords`, `reset_flow_rules`, `reset_reliability`): the usual
//! tenants, one step of the flow per helper, a textual dump of the database, and a capture of
//! everything the server logs.
#![allow(dead_code)]

use crate::support::browser::{Browser, Page};
use crate::support::smtp::{code_in, link_with, ReceivedMail};
use crate::support::TestApp;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};
use std::sync::{Arc, Mutex, OnceLock};

pub const OLD: &str = "old-lantern-orchard-27";
pub const NEW: &str = "brisk-meadow-compass-81";
/// The heading of the one generic page for every bad, used, expired or superseded token.
pub const INVALID: &str = "This link is invalid or has expired";
/// The extra sentence of that page when the token was just used.
pub const ALREADY_USED: &str = "This reset has already been used";
/// The configured origin (tests/support: `public_base_url`).
pub const ORIGIN: &str = "https://reset.test.example";

/// A server with a real SMTP sink and three tenants: Fabrikam (unmanaged), Northwind (managed,
/// premium) and Contoso (managed, free).
pub async fn app() -> TestApp {
    app_with("").await
}

pub async fn app_with(extra: &str) -> TestApp {
    // These suites send many requests from one address, for one mailbox, on purpose; the limits
    // have tests of their own (tests/ratelimit*.rs), so raise them here.
    let raised = "[rate_limits]\nmails_per_address_hour = 10000\nmails_per_address_day = 10000\nreset_attempts_per_day = 10000\n\
                  [rate_limits.public_forms]\nper_minute = 100000\nburst = 100000\n\
                  [rate_limits.token_pages]\nper_minute = 100000\nburst = 100000\n\
                  [rate_limits.reset_global]\nper_minute = 100000\nburst = 100000\n";
    let config = if extra.contains("rate_limits") {
        extra.to_string()
    } else {
        format!("{extra}\n{raised}")
    };
    let app = TestApp::spawn_with_mail(&config).await;
    app.tenant("Fabrikam", "fabrikam.test", "unmanaged", "free");
    app.tenant("Northwind", "northwind.test", "managed", "premium");
    app.tenant("Contoso", "contoso.test", "managed", "free");
    app
}

/// `POST /reset` for `email` from a fresh browser, following its redirect: the page is the
/// check-email page (or the domain's refusal page, which answers at once).
pub async fn ask(app: &TestApp, email: &str) -> (Browser, Page) {
    let mut b = app.browser();
    let p = b.ask_reset(email).await;
    (b, p)
}

/// A reset mail, parsed: the link, the token in it and the code.
#[derive(Debug, Clone)]
pub struct ResetMail {
    pub mail: ReceivedMail,
    pub link: String,
    pub token: String,
    pub code: String,
}

pub fn parse_reset_mail(mail: ReceivedMail) -> ResetMail {
    let text = mail.text();
    let link = link_with(&text, "/reset/link/").unwrap_or_else(|| panic!("no link in {text}"));
    let token = token_in(&link);
    let code = code_in(&text).unwrap_or_else(|| panic!("no code in {text}"));
    ResetMail {
        mail,
        link,
        token,
        code,
    }
}

/// Waits for the `n`-th mail to `addr`, which must be a reset mail.
pub async fn reset_mail(app: &TestApp, addr: &str, n: usize) -> ResetMail {
    parse_reset_mail(app.wait_mail_to(addr, n).await)
}

/// The token part of a `/reset/link/{token}` link.
pub fn token_in(link: &str) -> String {
    link.rsplit('/').next().unwrap().to_string()
}

/// Asks for a reset of `addr` and returns the `n`-th mail to it.
pub async fn ask_and_mail(app: &TestApp, addr: &str, n: usize) -> ResetMail {
    let (_, p) = ask(app, addr).await;
    assert_eq!(p.status, 200, "{}", p.body);
    reset_mail(app, addr, n).await
}

/// Opens `link` in a fresh browser; it must answer 303 to `next`.
pub async fn open_link(app: &TestApp, link: &str, next: &str) -> Browser {
    let mut b = app.browser();
    let p = b.get(link).await;
    assert_eq!(p.status, 303, "{}", p.body);
    assert_eq!(p.location(), Some(next));
    b
}

/// A CSRF token for `b` (from the request form, which every browser may load).
pub async fn csrf(b: &mut Browser) -> String {
    b.get("/reset").await.csrf().expect("csrf_token on /reset")
}

/// Submits the new-password form.
pub async fn choose(b: &mut Browser, password: &str, confirm: &str) -> Page {
    let token = csrf(b).await;
    b.post_form(
        "/reset/new",
        &token,
        &[("password", password), ("password_confirm", confirm)],
    )
    .await
}

/// The whole reset by link, for an account without TOTP; returns the final page.
pub async fn reset_to(app: &TestApp, addr: &str, n: usize, password: &str) -> Page {
    let m = ask_and_mail(app, addr, n).await;
    let mut b = open_link(app, &m.link, "/reset/new").await;
    choose(&mut b, password, password).await
}

pub fn is_invalid(p: &Page) -> bool {
    p.status == 200 && p.body.contains(INVALID)
}

pub fn assert_invalid(p: &Page) {
    assert!(
        is_invalid(p),
        "expected the invalid page: {} {}",
        p.status,
        p.body
    );
}

pub fn assert_done(p: &Page) {
    assert_eq!(p.status, 303, "{}", p.body);
    assert_eq!(p.location(), Some("/reset/done"));
}

/// A reply as compared between two addresses: status, headers, masked body.
pub type Shape = (u16, Vec<(String, String)>, String);

/// A reply reduced to what must be equal for any two addresses: status, headers (Set-Cookie
/// by name and attributes; the length without the address the page repeats), and the body
/// with the CSRF token and the repeated address masked.
pub fn shape_of(p: &Page, email: &str) -> Shape {
    let shown = email.len() * p.body.matches(email).count();
    let headers = comparable_headers(p)
        .into_iter()
        .map(|(k, v)| match (k.as_str(), v.parse::<usize>()) {
            ("content-length", Ok(n)) => (k, format!("{} + the address", n - shown)),
            _ => (k, v),
        })
        .collect();
    (
        p.status,
        headers,
        mask_csrf(&p.body).replace(email, "EMAIL"),
    )
}

/// The body with the value of every `csrf_token` field replaced by a fixed string.
pub fn mask_csrf(body: &str) -> String {
    const FIELD: &str = "name=\"csrf_token\" value=\"";
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(i) = rest.find(FIELD) {
        let (head, tail) = rest.split_at(i + FIELD.len());
        out.push_str(head);
        out.push_str("MASKED");
        let end = tail.find('"').unwrap_or(tail.len());
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// The headers of a reply in a comparable form: names and values, except the per-response
/// `date` and `x-request-id`; Set-Cookie reduced to the cookie's name and attributes.
pub fn comparable_headers(p: &Page) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = p
        .headers
        .iter()
        .filter(|(k, _)| !matches!(k.to_ascii_lowercase().as_str(), "date" | "x-request-id"))
        .map(|(k, v)| {
            let k = k.to_ascii_lowercase();
            if k == "set-cookie" {
                let mut parts = v.split(';');
                let name = parts
                    .next()
                    .unwrap_or("")
                    .split('=')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_string();
                // Expires is a date computed per response: compare that it is there.
                let mut attrs: Vec<String> = parts
                    .map(|a| a.trim())
                    .map(|a| {
                        if a.to_ascii_lowercase().starts_with("expires=") {
                            "Expires=…".to_string()
                        } else {
                            a.to_string()
                        }
                    })
                    .collect();
                attrs.sort();
                (k, format!("{name}; {}", attrs.join("; ")))
            } else {
                (k, v.clone())
            }
        })
        .collect();
    v.sort();
    v
}

/// Whether `password` verifies against the PHC string `hash` (argon2, via the app's hasher).
pub async fn verifies(app: &TestApp, hash: &str, password: &str) -> bool {
    app.state
        .hasher
        .verify(
            secrecy::SecretString::from(password.to_string()),
            Some(hash),
        )
        .await
        .unwrap()
}

/// The stored user row for `email`.
pub fn user_row(app: &TestApp, email: &str) -> latchkey::db::models::User {
    let email = latchkey::domain::EmailAddress::parse(email).unwrap();
    let mut conn = app.state.db.get().unwrap();
    latchkey::db::users::find_by_email(&mut conn, &email)
        .unwrap()
        .expect("user exists")
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// `SELECT COUNT(*) AS n …` on the app's database.
pub fn count(app: &TestApp, sql: &str) -> i64 {
    let mut conn = app.state.db.get().unwrap();
    latchkey::dispatch!(&mut *conn, c => diesel::sql_query(sql).get_result::<Count>(c))
        .unwrap()
        .n
}

/// Every job ever queued.
pub fn jobs(app: &TestApp) -> i64 {
    count(app, "SELECT COUNT(*) AS n FROM jobs")
}

#[derive(QueryableByName)]
struct Cell {
    #[diesel(sql_type = Nullable<Text>)]
    v: Option<String>,
}

/// Every table and column of the schema (read from `src/db/schema.rs`, so new ones are
/// covered without editing this file).
pub fn schema_columns() -> Vec<(String, String)> {
    let schema = include_str!("../../src/db/schema.rs");
    let mut table: Option<String> = None;
    let mut out = Vec::new();
    for line in schema.lines() {
        let t = line.trim();
        if t.ends_with('{') && t.contains(" (") {
            table = t.split_whitespace().next().map(str::to_string);
        } else if t == "}" {
            table = None;
        } else if let (Some(tab), Some((col, _))) = (&table, t.split_once(" -> ")) {
            out.push((tab.clone(), col.trim().to_string()));
        }
    }
    assert!(out.len() > 50, "schema.rs parsed: {out:?}");
    out
}

/// Every non-null value in the database as text: (table, column, value).
pub fn db_dump(app: &TestApp) -> Vec<(String, String, String)> {
    let mut conn = app.state.db.get().unwrap();
    let mut out = Vec::new();
    for (table, col) in schema_columns() {
        let sql = format!("SELECT CAST(\"{col}\" AS TEXT) AS v FROM \"{table}\"");
        let rows: Vec<Cell> =
            latchkey::dispatch!(&mut *conn, c => diesel::sql_query(&sql).load::<Cell>(c))
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
        for r in rows.into_iter().filter_map(|r| r.v) {
            out.push((table.clone(), col.clone(), r));
        }
    }
    out
}

/// Every non-null value of one column.
pub fn column(app: &TestApp, table: &str, col: &str) -> Vec<String> {
    let mut conn = app.state.db.get().unwrap();
    let sql = format!("SELECT CAST(\"{col}\" AS TEXT) AS v FROM \"{table}\"");
    latchkey::dispatch!(&mut *conn, c => diesel::sql_query(&sql).load::<Cell>(c))
        .unwrap()
        .into_iter()
        .filter_map(|r| r.v)
        .collect()
}

/// Cells of the database that contain `needle` (case-insensitive).
pub fn db_cells_with(app: &TestApp, needle: &str) -> Vec<(String, String, String)> {
    let n = needle.to_lowercase();
    db_dump(app)
        .into_iter()
        .filter(|(_, _, v)| v.to_lowercase().contains(&n))
        .collect()
}

#[derive(Clone)]
struct LogWriter(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();

/// Installs (once per test binary) a global subscriber that keeps every line the server logs,
/// at the most verbose level of Latchkey itself: what stderr would hold in production, and
/// more. Call it before spawning the app.
pub fn capture_logs() {
    LOGS.get_or_init(|| {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let writer = LogWriter(buf.clone());
        let filter = tracing_subscriber::EnvFilter::new(
            "latchkey=trace,actix_web=debug,actix_http=debug,actix_server=debug,lettre=trace,warn",
        );
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .try_init();
        buf
    });
}

/// Everything logged so far (by every test of this binary).
pub fn logs() -> String {
    let buf = LOGS.get().expect("capture_logs() first");
    String::from_utf8_lossy(&buf.lock().unwrap()).into_owned()
}

/// Fails the test if any of `secrets` appears in the logs or in any database column.
pub fn assert_nowhere(app: &TestApp, secrets: &[(&str, &str)]) {
    let logs = logs();
    let logs_lower = logs.to_lowercase();
    for (what, s) in secrets {
        assert!(s.len() >= 6, "{what} too short to search for: {s:?}");
        assert!(
            !logs_lower.contains(&s.to_lowercase()),
            "the {what} appears in the logs"
        );
        let cells = db_cells_with(app, s);
        assert!(
            cells.is_empty(),
            "the {what} appears in the database: {:?}",
            cells
                .iter()
                .map(|(t, c, _)| format!("{t}.{c}"))
                .collect::<Vec<_>>()
        );
    }
}

/// Waits (briefly) until `cond` holds.
pub async fn eventually(what: &str, mut cond: impl FnMut() -> bool) {
    for _ in 0..200 {
        if cond() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("timed out waiting for {what}");
}

pub mod timing;
