//! TOTP seeds encrypted at rest, with key rotation (docs/security.md#24, #25, #37):
//! a database dump alone reveals no seed, a sealed seed is bound to its row, `latchkey
//! rotate-key` re-encrypts every row under the new key, a keyring missing a key in use is
//! refused at start, and plain seeds from before the change keep working.
//!
//! On SQLite, and on PostgreSQL when LATCHKEY_TEST_PG is set.

mod admin_support;
mod sec_support;
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
        latchkey::db::users::find_by_email(&mut conn, &email)
            .unwrap()
            .unwrap()
            .id
    };
    rows.into_iter()
        .find(|(t, i, _)| t == table && *i == id)
        .map(|(_, _, v)| v)
        .expect("a stored seed")
}

#[tokio::test]
async fn seeds_enrolled_through_the_real_flows_are_encrypted_and_still_work() {
    // A database dump alone reveals no TOTP seed. docs/security.md#24/#25: the second
    // factor still works (reset TOTP step, admin sign-in). #37: the seed is in no log line.
    capture_logs();
    let app = app_with(&keyring(&[key_old()])).await;
    app.user(ERIN, OLD, true, false);
    let guest = enrol_guest(&app, ERIN).await;
    let admin = set_up(&app, ADMIN, None).await;

    let seeds = stored_seeds(&app);
    assert_eq!(seeds.len(), 2, "{seeds:?}");
    for (table, _, value) in &seeds {
        assert!(value.starts_with("v1.old."), "{table}: {value}");
    }
    assert_seed_nowhere(&app, &guest);
    assert_seed_nowhere(&app, &admin.secret);

    // The reset's TOTP step and the admin sign-in work with the sealed seeds.
    let p = reset_totp_step(&app, ERIN, 1, &guest).await;
    assert_totp_accepted(&p);
    admin_signs_in(&app, &admin).await;

    let logs = logs();
    for seed in [guest.expose_base32(), admin.secret.expose_base32()] {
        assert!(!logs.contains(seed), "a TOTP seed appears in the logs");
    }
}

#[tokio::test]
async fn a_sealed_seed_moved_to_another_row_does_not_verify() {
    // The ciphertext is bound to its row. The guest and the admin see the generic
    // TOTP failure: never a 500, never a skipped second factor (docs/security.md#24).
    let app = app_with(&keyring(&[key_old()])).await;
    let erin = app.user(ERIN, OLD, true, true).unwrap();
    app.user(DAVE, OLD, true, true).unwrap();
    let dave_before = app.password_hash(DAVE);
    let erins = seed_of(&app, "users", "email", ERIN);
    set_seed(&app, "users", ("email", DAVE), &erins);
    // Erin's code on Dave's reset: refused, and the flow never reaches the password form.
    let p = reset_totp_step(&app, DAVE, 1, &erin).await;
    assert_totp_refused(&p);
    assert_eq!(app.password_hash(DAVE), dave_before);
    // Erin herself is unaffected.
    assert_totp_accepted(&reset_totp_step(&app, ERIN, 1, &erin).await);

    // A tampered value fails the same way.
    let mut tampered = erins.clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    set_seed(&app, "users", ("email", ERIN), &tampered);
    assert_totp_refused(&reset_totp_step(&app, ERIN, 2, &erin).await);

    // Admins: A's sealed seed in B's row does not let B in with A's codes.
    let a = set_up(&app, ADMIN, None).await;
    let b = set_up(&app, "second@latchkey.test", None).await;
    let a_seed = seed_of(&app, "admins", "id", &a.id);
    set_seed(&app, "admins", ("id", &b.id), &a_seed);
    let mut browser = app.browser();
    let p = password_step(&mut browser, &b.email, admin_support::ADMIN_PASSWORD).await;
    assert_eq!(p.location(), Some("/admin/login/totp"), "{}", p.body);
    let p = totp_step(&mut browser, &next_code(&app, &a.secret)).await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert_ne!(p.location(), Some("/admin/audit"));
    assert!(!p.body.contains("v1.old"), "{}", p.body);
    assert!(app
        .audit_events()
        .iter()
        .any(|e| e.event == "admin_totp_failed"));
    // A is unaffected.
    admin_signs_in(&app, &a).await;
}

/// Runs the real binary with a config file naming this app's database and data directory.
fn latchkey_cli(app: &TestApp, keys: &[String], args: &[&str]) -> (i32, String, String) {
    let config = app
        .dir
        .path()
        .join(format!("cli-{}.toml", uuid::Uuid::new_v4().simple()));
    std::fs::write(
        &config,
        format!(
            "database_url = \"{}\"\ndata_dir = \"{}\"\ndemo = false\ndns = \"off\"\nbind = \"127.0.0.1:0\"\nlog_level = \"warn\"\n{}",
            app.db.url,
            app.dir.path().display(),
            keyring(keys)
        ),
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_latchkey"))
        .arg("--config")
        .arg(&config)
        .args(args)
        .current_dir(app.dir.path())
        .env_remove("LATCHKEY_CONFIG")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn rotate_key_reencrypts_every_row_and_the_old_key_can_then_go() {
    // `latchkey rotate-key` (the real binary) re-encrypts every users/admins seed
    // under the new key; afterwards only the new key is needed.
    let app = app_with(&keyring(&[key_old()])).await;
    let erin = app.user(ERIN, OLD, true, true).unwrap();
    app.user(DAVE, OLD, true, false);
    let admin = set_up(&app, ADMIN, None).await;
    // Dave's seed is a plain one from before encryption at rest: rotation seals it too.
    let dave = TotpSecret::generate();
    set_seed(&app, "users", ("email", DAVE), dave.expose_base32());

    // A small batch size, so several batches (transactions) run.
    let (code, out, err) = latchkey_cli(
        &app,
        &[key_new(), key_old()],
        &["rotate-key", "--batch-size", "1"],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        out.contains("Re-encrypted 2 guest and 1 admin TOTP secret(s) under key \"new\""),
        "{out}"
    );
    assert!(
        out.contains("users: 1/2") && out.contains("users: 2/2"),
        "{out}"
    );
    assert!(out.contains("remove \"old\""), "{out}");
    for (table, _, value) in stored_seeds(&app) {
        assert!(value.starts_with("v1.new."), "{table}: {value}");
    }
    assert_seed_nowhere(&app, &erin);
    assert_seed_nowhere(&app, &dave);
    assert_seed_nowhere(&app, &admin.secret);
    let (out_text, err_text) = (out.clone(), err.clone());
    for seed in [erin.expose_base32(), dave.expose_base32()] {
        assert!(!out_text.contains(seed) && !err_text.contains(seed));
    }

    // Safe to re-run: nothing left to do.
    let (code, out, err) = latchkey_cli(&app, &[key_new(), key_old()], &["rotate-key"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("users: 0 to re-encrypt"), "{out}");
    assert!(out.contains("Re-encrypted 0 guest and 0 admin"), "{out}");

    // Only the new key configured: the TOTP step and the admin sign-in still work.
    let app = restart(app, &keyring(&[key_new()])).await;
    assert_totp_accepted(&reset_totp_step(&app, ERIN, 1, &erin).await);
    assert_totp_accepted(&reset_totp_step(&app, DAVE, 1, &dave).await);
    admin_signs_in(&app, &admin).await;
}

#[tokio::test]
async fn rotate_key_new_key_generates_a_key_in_the_keyring_file() {
    // Zero configuration: the keyring is the generated <data_dir>/totp.keys (mode 0600);
    // `rotate-key --new-key` adds a key as current there and re-encrypts.
    let app = app_with("").await;
    let path = app.dir.path().join("totp.keys");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let erin = app.user(ERIN, OLD, true, true).unwrap();
    let before = seed_of(&app, "users", "email", ERIN);
    let old_id = before.split('.').nth(1).unwrap().to_string();

    let config = app.dir.path().join("plain.toml");
    std::fs::write(
        &config,
        format!(
            "database_url = \"{}\"\ndata_dir = \"{}\"\ndemo = false\ndns = \"off\"\nlog_level = \"warn\"\n",
            app.db.url,
            app.dir.path().display()
        ),
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_latchkey"))
        .arg("--config")
        .arg(&config)
        .args(["rotate-key", "--new-key"])
        .current_dir(app.dir.path())
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("Restart every running instance"),
        "{stdout}"
    );
    let after = seed_of(&app, "users", "email", ERIN);
    let new_id = after.split('.').nth(1).unwrap().to_string();
    assert_ne!(new_id, old_id);
    let file = std::fs::read_to_string(&path).unwrap();
    let ids: Vec<&str> = file
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.split(':').next().unwrap())
        .collect();
    assert_eq!(ids, vec![new_id.as_str(), old_id.as_str()]);
    assert!(!stdout.contains(&file.lines().last().unwrap()[old_id.len() + 1..]));

    let app = restart(app, "").await;
    assert_totp_accepted(&reset_totp_step(&app, ERIN, 1, &erin).await);
}

#[tokio::test]
async fn a_keyring_missing_a_key_in_use_is_refused_at_start() {
    // Removing a key that still encrypts seeds would silently break every TOTP it
    // protects; the server refuses to start and names the setting, the key id and the fix.
    let app = app_with(&keyring(&[key_old()])).await;
    app.user(ERIN, OLD, true, true).unwrap();

    let e = build_error(&app, &keyring(&[key_new()])).await;
    assert!(e.contains("secrets.totp_keys"), "{e}");
    assert!(
        e.contains("\"old\"") && e.contains("Add the missing key"),
        "{e}"
    );
    assert!(!e.contains(&"11".repeat(32)), "{e}");

    // The real binary: exit 2 with the same message, for serve and rotate-key.
    for args in [&["serve"][..], &["rotate-key"][..]] {
        let (code, out, err) = latchkey_cli(&app, &[key_new()], args);
        assert_eq!(code, 2, "{args:?}: {out}\n{err}");
        assert!(
            err.contains("secrets.totp_keys") && err.contains("\"old\""),
            "{args:?}: {err}"
        );
    }
    // A malformed keyring is refused before anything else.
    let (code, _, err) = latchkey_cli(&app, &["old:abcd".to_string()], &["serve"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("secrets.totp_keys") && err.contains("64 hex"),
        "{err}"
    );

    // With the old key back (as a non-current key), it starts, and the seed still works.
    let app = restart(app, &keyring(&[key_new(), key_old()])).await;
    let erin_seed = seed_of(&app, "users", "email", ERIN);
    assert!(erin_seed.starts_with("v1.old."));
}

#[tokio::test]
async fn plain_seeds_from_before_the_change_are_encrypted_at_start_and_keep_working() {
    // A database from before encryption at rest keeps working: plain seeds are read
    // as they are, then sealed by the next start (one idempotent pass, counts logged).
    capture_logs();
    let app = app_with("").await;
    app.user(ERIN, OLD, true, false);
    let admin = set_up(&app, ADMIN, None).await;
    let guest = TotpSecret::generate();
    set_seed(&app, "users", ("email", ERIN), guest.expose_base32());
    set_seed(
        &app,
        "admins",
        ("id", &admin.id),
        admin.secret.expose_base32(),
    );

    // Read as they are.
    assert_totp_accepted(&reset_totp_step(&app, ERIN, 1, &guest).await);
    admin_signs_in(&app, &admin).await;

    // The next start seals them.
    let app = restart(app, "").await;
    let seeds = stored_seeds(&app);
    assert_eq!(seeds.len(), 2);
    for (table, _, value) in &seeds {
        assert!(value.starts_with("v1."), "{table}: {value}");
    }
    assert_seed_nowhere(&app, &guest);
    assert_seed_nowhere(&app, &admin.secret);
    let logs = logs();
    assert!(
        logs.contains("encrypted plain TOTP secrets") && logs.contains("encrypted=1"),
        "{logs}"
    );
    assert!(!logs.contains(guest.expose_base32()));

    // Idempotent: a further start changes nothing.
    let app = restart(app, "").await;
    assert_eq!(stored_seeds(&app), seeds);
    assert_totp_accepted(&reset_totp_step(&app, ERIN, 2, &guest).await);
    admin_signs_in(&app, &admin).await;
}
