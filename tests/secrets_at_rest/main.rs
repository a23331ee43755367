//! TOTP seeds encrypted at rest, with key rotation (docs/security.md#24, #25, #37):
//! a database dump alone reveals no seed, a sealed seed is bound to its row, `latchkey
//! rotate-key` re-encrypts every row under the new key, a keyring missing a key in use is
//! refused at start, and plain seeds from before the change keep working.
//!
//! On SQLite, and on PostgreSQL when LATCHKEY_TEST_PG is set.

#[path = "../admin_support/mod.rs"]
mod admin_support;
mod key_rotation;
#[path = "../sec_support/mod.rs"]
mod sec_support;
mod seeds;
#[path = "../support/mod.rs"]
mod support;

use admin_support::{next_code, password_step, set_up, signed_in, totp_step, AdminLogin};
use latchkey::security::TotpSecret;
use latchkey::services::clock::Clock as _;
use sec_support::*;
use std::sync::Arc;
use support::browser::{Browser, Page};
use support::{test_settings, TestApp};

const ERIN: &str = "erin@northwind.test";
const DAVE: &str = "dave@northwind.test";
const ADMIN: &str = "root@latchkey.test";

fn key_old() -> String {
    format!("old:{}", "11".repeat(32))
}

fn key_new() -> String {
    format!("new:{}", "22".repeat(32))
}

fn keyring(entries: &[String]) -> String {
    let quoted: Vec<String> = entries.iter().map(|e| format!("\"{e}\"")).collect();
    format!("[secrets]\ntotp_keys = [{}]\n", quoted.join(", "))
}

/// The rate limits these flows would otherwise meet (see sec_support::app_with).
const RAISED: &str = "[rate_limits]\nmails_per_address_hour = 10000\nmails_per_address_day = 10000\nreset_attempts_per_day = 10000\n\
                      [rate_limits.public_forms]\nper_minute = 100000\nburst = 100000\n\
                      [rate_limits.token_pages]\nper_minute = 100000\nburst = 100000\n\
                      [rate_limits.reset_global]\nper_minute = 100000\nburst = 100000\n";

/// Builds a second server on the same database, data directory, clock and SMTP sink, with
/// `extra` settings (e.g. another keyring): a restart, or a second instance. The first server
/// keeps running; it is simply no longer used.
async fn restart(mut app: TestApp, extra: &str) -> TestApp {
    let settings = settings_for(&app, extra);
    let built =
        latchkey::startup::Application::build_with_clock(settings, Arc::new(app.clock.clone()))
            .await
            .expect("application builds");
    let port = built.port();
    let management_port = built.management_port();
    let state = built.state.clone();
    tokio::spawn(built.run_until_stopped());
    app.address = format!("http://127.0.0.1:{port}");
    app.port = port;
    app.management_address = format!("http://127.0.0.1:{management_port}");
    app.state = state;
    app
}

fn settings_for(app: &TestApp, extra: &str) -> latchkey::config::Settings {
    let config = format!(
        "smtp_url = \"{}\"\nsmtp_timeout_seconds = 2\n{extra}\n[jobs]\npoll_interval_ms = 50\n{RAISED}",
        app.sink().url()
    );
    test_settings(app.dir.path(), &app.db.url, &config)
}

/// What `build` says for `extra` settings on this app's database (it must fail).
async fn build_error(app: &TestApp, extra: &str) -> String {
    match latchkey::startup::Application::build(settings_for(app, extra)).await {
        Ok(_) => panic!("the server started"),
        Err(e) => format!("{e:#}"),
    }
}

/// Moves the app's clock 10 s into the next TOTP step: a fresh step, and no boundary is
/// crossed between computing a code here and the server checking it.
fn next_step(app: &TestApp) -> u64 {
    let now = app.clock.now().timestamp();
    app.clock
        .advance(chrono::Duration::seconds(30 - now.rem_euclid(30) + 10));
    app.clock.now().timestamp() as u64
}

async fn guest_signed_in(app: &TestApp, email: &str) -> Browser {
    let mut b = app.browser();
    let p = b
        .submit("/signin", "/signin", &[("email", email), ("password", OLD)])
        .await;
    assert_eq!(p.status, 303, "{}", p.body);
    assert_eq!(p.location(), Some("/account"));
    b
}

/// Enrols an authenticator through `/account/security`, as a guest does; returns the seed.
async fn enrol_guest(app: &TestApp, email: &str) -> TotpSecret {
    let mut b = guest_signed_in(app, email).await;
    let page = b.get("/account/security").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let at = page.body.find("id=\"totp-secret\">").expect("secret shown") + 17;
    let rest = &page.body[at..];
    let secret = TotpSecret::from_base32(&rest[..rest.find('<').unwrap()]).unwrap();
    let code = secret.code_at(next_step(app)).unwrap();
    let p = b
        .post_form(
            "/account/security/totp",
            &page.csrf().unwrap(),
            &[("code", &code)],
        )
        .await;
    assert_eq!(p.status, 303, "{}", p.body);
    assert_eq!(p.location(), Some("/account/security?enrolled=1"));
    secret
}

async fn post_totp(b: &mut Browser, code: &str) -> Page {
    let token = csrf(b).await;
    b.post_form("/reset/verify", &token, &[("code", code)])
        .await
}

/// The reset by link up to the TOTP step, then `code`'s page. `n`: which mail to `email`.
async fn reset_totp_step(app: &TestApp, email: &str, n: usize, secret: &TotpSecret) -> Page {
    let m = ask_and_mail(app, email, n).await;
    let mut b = open_link(app, &m.link, "/reset/verify").await;
    let code = secret.code_at(next_step(app)).unwrap();
    post_totp(&mut b, &code).await
}

fn assert_totp_accepted(p: &Page) {
    assert_eq!(p.status, 303, "{}", p.body);
    assert_eq!(p.location(), Some("/reset/new"), "{}", p.body);
}

fn assert_totp_refused(p: &Page) {
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(p.body.contains("not right"), "{}", p.body);
}

async fn admin_signs_in(app: &TestApp, admin: &AdminLogin) {
    signed_in(app, admin).await;
}

/// Every stored seed, `(table, id, value)`, in id order.
fn stored_seeds(app: &TestApp) -> Vec<(String, String, String)> {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        id: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        v: String,
    }
    let mut conn = app.state.db.get().unwrap();
    let mut out = Vec::new();
    for table in ["users", "admins"] {
        let sql = format!(
            "SELECT id, totp_secret AS v FROM \"{table}\" WHERE totp_secret IS NOT NULL ORDER BY id"
        );
        let rows =
            latchkey::dispatch!(&mut *conn, c => diesel::sql_query(&sql).load::<Row>(c)).unwrap();
        out.extend(rows.into_iter().map(|r| (table.to_string(), r.id, r.v)));
    }
    out
}

/// No cell of the database holds the seed, any 8-character piece of it, or its raw bytes in
/// hex or base64.
fn assert_seed_nowhere(app: &TestApp, secret: &TotpSecret) {
    let seed = secret.expose_base32();
    let raw = totp_rs::Secret::try_from_base32(seed)
        .unwrap()
        .as_bytes()
        .to_vec();
    use base64::Engine as _;
    let mut needles: Vec<String> = (0..=seed.len() - 8)
        .map(|i| seed[i..i + 8].to_string())
        .collect();
    needles.push(hex::encode(&raw));
    needles.push(base64::engine::general_purpose::STANDARD.encode(&raw));
    needles.push(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&raw));
    let dump = db_dump(app);
    assert!(!dump.is_empty());
    for (table, col, value) in dump {
        let upper = value.to_uppercase();
        for n in &needles {
            assert!(
                !upper.contains(&n.to_uppercase()),
                "{table}.{col} holds (part of) a TOTP seed: {n}"
            );
        }
    }
}

fn set_seed(app: &TestApp, table: &str, id_or_email: (&str, &str), value: &str) {
    let (col, key) = id_or_email;
    app.sql(&format!(
        "UPDATE \"{table}\" SET totp_secret = '{value}' WHERE {col} = '{key}'"
    ));
}

fn seed_of(app: &TestApp, table: &str, col: &str, key: &str) -> String {
    let rows = stored_seeds(app);
    let id = if col == "id" {
        key.to_string()
    } else {
        let email = latchkey::domain::EmailAddress::parse(key).unwrap();
        let mut conn = app.state.db.get().unwrap();
        String::from(
            latchkey::db::users::find_by_email(&mut conn, &email)
                .unwrap()
                .unwrap()
                .id,
        )
    };
    rows.into_iter()
        .find(|(t, i, _)| t == table && *i == id)
        .map(|(_, _, v)| v)
        .expect("a stored seed")
}
