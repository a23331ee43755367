//! Breached passwords (`password.breached`), black-box: the k-anonymity range API (a local
//! server on loopback implementing `/range/{prefix}` with padding, one that hangs, one that
//! answers 500) and the offline "ordered by hash" file, at reset, signup, invitation redemption
//! and admin set-up; `latchkey password breached-check`. Never the real internet.
//! docs/security.md#22 (breached passwords are refused, with the reason).

mod admin_support;
mod sec_support;
mod support;

use admin_support::{create_admin, key_on, next_code};
use assert_cmd::Command;
use latchkey::security::TotpSecret;
use sec_support::*;
use sha1::{Digest, Sha1};
use std::collections::BTreeMap;
use std::sync::Arc;
use support::browser::{Browser, Page};
use support::http_stub::{Reply, StubRequest, StubServer};
use support::smtp::link_with;
use support::TestApp;

const ALICE: &str = "alice@fabrikam.test";
/// In every corpus of these tests, 42 times through the API and 7 times in the file.
const BREACHED: &str = "sunlit-harbour-velvet-93";
const UNAVAILABLE: &str =
    "We can&#39;t check this password against known data breaches right now; try again shortly.";

fn sha1_hex(password: &str) -> String {
    hex::encode_upper(Sha1::digest(password.as_bytes()))
}

/// A range API over `corpus` (full uppercase hash → count), with 50 padding lines when asked.
async fn range_api(corpus: BTreeMap<String, u64>) -> StubServer {
    let corpus = Arc::new(corpus);
    StubServer::start(move |r: &StubRequest| {
        let Some(prefix) = r.path.strip_prefix("/range/") else {
            return Reply::text(404, "not found");
        };
        let mut body = String::new();
        for (hash, count) in corpus.range(prefix.to_string()..) {
            let Some(suffix) = hash.strip_prefix(prefix) else {
                break;
            };
            body.push_str(&format!("{suffix}:{count}\r\n"));
        }
        if r.header("add-padding") == Some("true") {
            for i in 0..50u32 {
                body.push_str(&format!("{:035X}:0\r\n", u128::from(i) * 7_919 + 13));
            }
        }
        Reply::text(200, body)
    })
    .await
}

fn api_config(url: &str, extra: &str) -> String {
    format!("[password]\nbreached = \"api\"\nbreached_api_url = \"{url}\"\nbreached_timeout_ms = 300\n{extra}\n")
}

/// A browser at `/reset/new` for `addr` (the `n`-th reset mail to it).
async fn at_new_password(app: &TestApp, addr: &str, n: usize) -> Browser {
    let m = ask_and_mail(app, addr, n).await;
    open_link(app, &m.link, "/reset/new").await
}

fn assert_refused_with(p: &Page, reason: &str) {
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(p.body.contains("field-error"), "{}", p.body);
    assert!(p.body.contains(reason), "expected {reason:?} in {}", p.body);
}

/// The process-wide count of breached-password lookups with `result` (every app of this test
/// binary shares the recorder, so tests compare before and after: at least their own).
fn breach_metric(app: &TestApp, result: &str) -> u64 {
    let text = app.state.metrics.render(None);
    let needle = format!("latchkey_password_breach_checks_total{{result=\"{result}\"}} ");
    text.lines()
        .find_map(|l| l.strip_prefix(&needle))
        .map_or(0, |n| n.trim().parse().unwrap())
}

#[tokio::test]
async fn a_password_the_range_api_knows_is_refused_at_reset_and_only_its_prefix_leaves() {
    let hash = sha1_hex(BREACHED);
    let api = range_api(BTreeMap::from([(hash.clone(), 42)])).await;
    let app = app_with(&api_config(&api.url, "")).await;
    app.user(ALICE, OLD, true, false);
    let before = app.password_hash(ALICE);
    let (found, not_found) = (
        breach_metric(&app, "found"),
        breach_metric(&app, "not_found"),
    );
    let mut b = at_new_password(&app, ALICE, 1).await;

    let p = choose(&mut b, BREACHED, BREACHED).await;
    assert_refused_with(
        &p,
        "This password has appeared in a data breach 42 times; choose another.",
    );
    assert_eq!(app.password_hash(ALICE), before);

    // One request: the 5-digit prefix, padding asked for; neither the suffix, the full hash nor
    // the password is in it.
    let requests = api.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert_eq!(requests[0].method, "GET");
    assert_eq!(requests[0].path, format!("/range/{}", &hash[..5]));
    assert_eq!(requests[0].header("add-padding"), Some("true"));
    for r in &requests {
        let raw = r.raw_text().to_uppercase();
        assert!(!raw.contains(&hash[5..]), "suffix sent: {raw}");
        assert!(
            !raw.contains(&BREACHED.to_uppercase()),
            "password sent: {raw}"
        );
    }

    // The answer is cached: the same prefix is not asked again.
    let p = choose(&mut b, BREACHED, BREACHED).await;
    assert_refused_with(&p, "42 times");
    assert_eq!(api.requests().len(), 1);

    // A password the corpus does not hold (its prefix's answer is all padding) is accepted.
    assert_done(&choose(&mut b, NEW, NEW).await);
    assert!(verifies(&app, &app.password_hash(ALICE).unwrap(), NEW).await);
    assert!(breach_metric(&app, "found") >= found + 2);
    assert!(breach_metric(&app, "not_found") > not_found);
}

#[tokio::test]
async fn a_hanging_range_api_fails_open_by_default() {
    let api = StubServer::start(|_: &StubRequest| Reply::Hang).await;
    let app = app_with(&api_config(&api.url, "")).await;
    app.user(ALICE, OLD, true, false);
    let unavailable = breach_metric(&app, "unavailable");
    let mut b = at_new_password(&app, ALICE, 1).await;
    // Accepted after the 300 ms timeout: an outage of the corpus does not stop resets.
    assert_done(&choose(&mut b, NEW, NEW).await);
    assert!(verifies(&app, &app.password_hash(ALICE).unwrap(), NEW).await);
    assert_eq!(api.requests().len(), 1);
    assert!(breach_metric(&app, "unavailable") > unavailable);
}

#[tokio::test]
async fn a_failing_range_api_refuses_with_try_again_when_set_closed_and_logs_once_a_minute() {
    capture_logs();
    let api = StubServer::start(|_: &StubRequest| Reply::text(500, "oops")).await;
    let app = app_with(&api_config(&api.url, "breached_fail = \"closed\"")).await;
    app.user(ALICE, OLD, true, false);
    let before = app.password_hash(ALICE);
    let unavailable = breach_metric(&app, "unavailable");
    let mut b = at_new_password(&app, ALICE, 1).await;
    for _ in 0..3 {
        assert_refused_with(&choose(&mut b, NEW, NEW).await, UNAVAILABLE);
    }
    assert_eq!(app.password_hash(ALICE), before);
    // Errors are not cached: each attempt asked again, and each is counted.
    assert_eq!(api.requests().len(), 3);
    assert!(breach_metric(&app, "unavailable") >= unavailable + 3);
    let logged = logs()
        .lines()
        .filter(|l| l.contains("breached-password check is unavailable") && l.contains("HTTP 500"))
        .count();
    assert_eq!(logged, 1, "{}", logs());
}

/// A sorted `SHA1:count` file of `n` random hashes plus [`BREACHED`] seen 7 times, CRLF.
fn corpus_file(dir: &std::path::Path, n: usize) -> std::path::PathBuf {
    let mut lines: Vec<String> = (0..n)
        .map(|i| format!("{}:{}", sha1_hex(&format!("filler-{i}")), i % 1000 + 1))
        .collect();
    lines.push(format!("{}:7", sha1_hex(BREACHED)));
    lines.sort();
    let path = dir.join("pwned-passwords-sha1-ordered-by-hash.txt");
    std::fs::write(&path, lines.join("\r\n") + "\r\n").unwrap();
    path
}

fn file_config(path: &std::path::Path) -> String {
    format!(
        "[password]\nbreached = \"file\"\nbreached_file = \"{}\"\n",
        path.display()
    )
}

#[tokio::test]
async fn the_offline_file_refuses_breached_passwords_at_signup_and_invitation_redemption() {
    let files = tempfile::tempdir().unwrap();
    let path = corpus_file(files.path(), 4000);
    let app = app_with(&file_config(&path)).await;
    let found = breach_metric(&app, "found");

    // Self-service signup.
    let mut b = app.browser();
    b.submit("/signup", "/signup", &[("email", "lee@fabrikam.test")])
        .await;
    let mail = app.wait_mail_to("lee@fabrikam.test", 1).await;
    let link = link_with(&mail.text(), "/signup/complete/").expect("signup link");
    let done = set_account_password(&link, &mut app.browser()).await;
    assert!(done.body.contains("Your account is ready"), "{}", done.body);

    // Invitation redemption (for a domain with no tenant yet).
    let settings = app.state.settings.clone();
    let now = app.state.now();
    app.state
        .db
        .run(move |c| {
            latchkey::onboarding::invitations::invite_one(
                c,
                &settings,
                &latchkey::onboarding::Inviter::Operator,
                &latchkey::onboarding::invitations::InviteRequest {
                    email: "kim@tailspin.test".into(),
                    display_name: Some("Kim".into()),
                    cc_email: None,
                },
                None,
                now,
            )
        })
        .await
        .unwrap();
    app.state.jobs_wakeup.notify_one();
    let mail = app.wait_mail_to("kim@tailspin.test", 1).await;
    let link = link_with(&mail.text(), "/invite/").expect("invitation link");
    let done = set_account_password(&link, &mut app.browser()).await;
    assert!(done.body.contains("Your account is ready"), "{}", done.body);
    assert!(breach_metric(&app, "found") >= found + 2);
}

/// On a set-password page of a signup or invitation link: the breached password is refused
/// with its count, then a clean one creates the account.
async fn set_account_password(link: &str, b: &mut Browser) -> Page {
    let form = b.get(link).await;
    assert_eq!(form.status, 200, "{}", form.body);
    let path = url::Url::parse(link).unwrap().path().to_string();
    let refused = b
        .post_form(
            &path,
            &form.csrf().unwrap(),
            &[("password", BREACHED), ("password_confirm", BREACHED)],
        )
        .await;
    assert_refused_with(
        &refused,
        "This password has appeared in a data breach 7 times; choose another.",
    );
    b.post_form(
        &path,
        &refused.csrf().unwrap(),
        &[("password", NEW), ("password_confirm", NEW)],
    )
    .await
}

#[tokio::test]
async fn the_offline_file_refuses_breached_passwords_at_reset_and_admin_set_up() {
    let files = tempfile::tempdir().unwrap();
    let path = corpus_file(files.path(), 3000);
    let app = app_with(&file_config(&path)).await;
    app.user(ALICE, OLD, true, false);
    let mut b = at_new_password(&app, ALICE, 1).await;
    assert_refused_with(&choose(&mut b, BREACHED, BREACHED).await, "7 times");
    assert_done(&choose(&mut b, NEW, NEW).await);

    let (_, setup) = create_admin(&app, "ops@latchkey.test", None);
    let mut b = app.browser();
    assert_eq!(b.get(&setup).await.status, 303);
    let form = b.get("/admin/setup").await;
    let secret = TotpSecret::from_base32(&key_on(&form)).unwrap();
    let code = next_code(&app, &secret);
    let p = b
        .post_form(
            "/admin/setup",
            &form.csrf().unwrap(),
            &[
                ("password", BREACHED),
                ("password_confirm", BREACHED),
                ("code", &code),
            ],
        )
        .await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(
        p.body.contains("appeared in a data breach 7 times"),
        "{}",
        p.body
    );
}

#[tokio::test]
async fn a_missing_or_malformed_file_stops_the_server_at_start_naming_the_setting() {
    let files = tempfile::tempdir().unwrap();
    let missing = files.path().join("nope.txt");
    let dir = tempfile::tempdir().unwrap();
    let db = support::TestDb::create(dir.path());
    let settings = support::test_settings(dir.path(), &db.url, &file_config(&missing));
    let err = latchkey::startup::Application::build(settings)
        .await
        .err()
        .expect("refused");
    assert!(
        format!("{err:#}").contains("password.breached_file"),
        "{err:#}"
    );

    let wrong = files.path().join("plain.txt");
    std::fs::write(&wrong, "password\n123456\n").unwrap();
    let settings = support::test_settings(dir.path(), &db.url, &file_config(&wrong));
    let err = latchkey::startup::Application::build(settings)
        .await
        .err()
        .expect("refused");
    assert!(format!("{err:#}").contains("SHA1:count"), "{err:#}");
}

fn cli(dir: &std::path::Path) -> Command {
    let mut c = Command::cargo_bin("latchkey").unwrap();
    c.current_dir(dir)
        .env("LATCHKEY_DATA_DIR", dir)
        .env("LATCHKEY_DEMO", "false")
        .env("LATCHKEY_DNS", "off")
        .env("LATCHKEY_LOG_LEVEL", "warn");
    c
}

#[test]
fn breached_check_says_whether_a_file_is_usable_and_how_many_entries_it_has() {
    let dir = tempfile::tempdir().unwrap();
    let path = corpus_file(dir.path(), 2500);
    let out = cli(dir.path())
        .args(["password", "breached-check", "--file"])
        .arg(&path)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("is usable: 2501 entries"), "{stdout}");

    // The configured file is the default.
    let out = cli(dir.path())
        .args(["password", "breached-check"])
        .env("LATCHKEY_PASSWORD__BREACHED_FILE", &path)
        .output()
        .unwrap();
    assert!(out.status.success());

    // Out of order in the middle: not usable, naming the line.
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines.swap(100, 101);
    let bad = dir.path().join("bad.txt");
    std::fs::write(&bad, lines.join("\n") + "\n").unwrap();
    let out = cli(dir.path())
        .args(["password", "breached-check", "--file"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("not usable") && stderr.contains("line 102"),
        "{stderr}"
    );

    // No file at all: a usage error.
    let out = cli(dir.path())
        .args(["password", "breached-check"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
