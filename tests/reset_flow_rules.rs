//! docs/security.md group E (flow and second factor, #24–#27), CSRF (#31), audit and logs (#36,
//! #37) and headers (#38–#40), over HTTP with a real SMTP server.
//!
//! Not here: #28–#30 (rate limiting is not wired yet), #32 (cookie flags, with the sign-in
//! work), #33 (sessions revoked by a reset: needs sign-in), #34–#35 (admin).

mod sec_support;
mod support;

use latchkey::security::TotpSecret;
use latchkey::services::clock::Clock as _;
use sec_support::*;
use support::browser::{Browser, Page};
use support::TestApp;

const ERIN: &str = "erin@northwind.test";
const ALICE: &str = "alice@fabrikam.test";

/// An app whose clock sits 10 s into a TOTP step, so codes computed here cannot cross a step
/// boundary before the server checks them.
async fn totp_app() -> (TestApp, TotpSecret) {
    let app = app().await;
    let secret = app.user(ERIN, OLD, true, true).unwrap();
    let now = app.clock.now().timestamp();
    app.clock
        .advance(chrono::Duration::seconds(30 - now.rem_euclid(30) + 10));
    (app, secret)
}

fn totp_now(app: &TestApp, secret: &TotpSecret, steps_back: i64) -> String {
    let t = app.clock.now().timestamp() - 30 * steps_back;
    secret.code_at(t as u64).unwrap()
}

/// A browser at `/reset/verify` for Erin (the `n`-th mail to her).
async fn at_verify(app: &TestApp, n: usize) -> Browser {
    let m = ask_and_mail(app, ERIN, n).await;
    open_link(app, &m.link, "/reset/verify").await
}

async fn post_totp(b: &mut Browser, code: &str) -> Page {
    let token = csrf(b).await;
    b.post_form("/reset/verify", &token, &[("code", code)])
        .await
}

fn totp_refused(p: &Page) -> bool {
    p.status == 200 && p.body.contains("not right")
}

#[tokio::test]
async fn an_enrolled_totp_cannot_be_skipped_or_guessed_past() {
    // docs/security.md#24: a valid token with a missing or wrong TOTP leaves the password alone.
    let (app, secret) = totp_app().await;
    let before = app.password_hash(ERIN);
    let mut b = at_verify(&app, 1).await;
    let p = post_totp(&mut b, "").await;
    assert!(p.status == 200 || p.status == 400, "{}", p.status);
    let wrong = if totp_now(&app, &secret, 0) == "123456" {
        "654321"
    } else {
        "123456"
    };
    assert!(totp_refused(&post_totp(&mut b, wrong).await));
    for code in ["12345", "1234567", "abcdef", "12 34 5x", &"9".repeat(5000)] {
        let p = post_totp(&mut b, code).await;
        assert_ne!(p.status, 303, "{code:?} accepted");
        assert_ne!(p.status, 500);
        if is_invalid(&p) {
            break; // the attempt cap (#25) ended the flow
        }
    }
    let p = choose(&mut b, NEW, NEW).await;
    assert_ne!(p.location(), Some("/reset/done"));
    assert_eq!(app.password_hash(ERIN), before);
}

#[tokio::test]
async fn a_totp_enrolled_after_the_request_cannot_be_skipped() {
    // docs/security.md#24, #6: the link was mailed before the user enrolled an authenticator (or
    // before the tenant began to require one); redeeming it now still asks for the TOTP.
    let app = app().await;
    app.user(ALICE, OLD, true, false);
    let before = app.password_hash(ALICE);
    let m = ask_and_mail(&app, ALICE, 1).await;
    let secret = TotpSecret::generate();
    app.sql(&format!(
        "UPDATE users SET totp_secret = '{}' WHERE email = '{ALICE}'",
        secret.expose_base32()
    ));
    let mut b = app.browser();
    let p = b.get(&m.link).await;
    assert_eq!(p.status, 303);
    assert_eq!(
        p.location(),
        Some("/reset/verify"),
        "the TOTP step was skipped"
    );
    let p = b.get("/reset/new").await;
    assert_eq!(p.location(), Some("/reset/verify"));
    let p = choose(&mut b, NEW, NEW).await;
    assert_ne!(p.location(), Some("/reset/done"));
    assert_eq!(app.password_hash(ALICE), before);
    // A browser that opened the link before the enrolment is held back as well.
    app.sql(&format!(
        "UPDATE users SET totp_secret = NULL WHERE email = '{ALICE}'"
    ));
    let m2 = ask_and_mail(&app, ALICE, 2).await;
    let mut early = open_link(&app, &m2.link, "/reset/new").await;
    app.sql(&format!(
        "UPDATE users SET totp_secret = '{}' WHERE email = '{ALICE}'",
        secret.expose_base32()
    ));
    let p = choose(&mut early, NEW, NEW).await;
    assert_ne!(p.location(), Some("/reset/done"), "set without the TOTP");
    assert_eq!(app.password_hash(ALICE), before);
    // With the code, it goes through.
    let now = app.clock.now().timestamp() as u64;
    let p = post_totp(&mut early, &secret.code_at(now).unwrap()).await;
    assert_eq!(p.location(), Some("/reset/new"), "{}", p.body);
    assert_done(&choose(&mut early, NEW, NEW).await);
}

#[tokio::test]
async fn a_totp_code_is_single_use_within_one_step_of_now() {
    // docs/security.md#25: a code 2 steps old is refused, one step old is accepted, and the same
    // code replayed (in a new flow, within its 30 s) is refused.
    let (app, secret) = totp_app().await;
    let mut b = at_verify(&app, 1).await;
    assert!(totp_refused(
        &post_totp(&mut b, &totp_now(&app, &secret, 2)).await
    ));
    let previous = totp_now(&app, &secret, 1);
    let p = post_totp(&mut b, &previous).await;
    assert_eq!(p.location(), Some("/reset/new"), "{}", p.body);

    // A new flow (the first token is superseded): the code just used is refused.
    let mut b = at_verify(&app, 2).await;
    assert!(totp_refused(&post_totp(&mut b, &previous).await));
    // So is the older one; the current one works.
    assert!(totp_refused(
        &post_totp(&mut b, &totp_now(&app, &secret, 2)).await
    ));
    let p = post_totp(&mut b, &totp_now(&app, &secret, 0)).await;
    assert_eq!(p.location(), Some("/reset/new"), "{}", p.body);
    assert_done(&choose(&mut b, NEW, NEW).await);
}

#[tokio::test]
async fn five_wrong_totp_codes_restart_the_flow() {
    // docs/security.md#25: 5 failures burn the token; the right code then gets the invalid page.
    let (app, secret) = totp_app().await;
    let before = app.password_hash(ERIN);
    let mut b = at_verify(&app, 1).await;
    let right = totp_now(&app, &secret, 0);
    let wrong = if right == "000000" {
        "111111"
    } else {
        "000000"
    };
    for i in 1..=4 {
        assert!(totp_refused(&post_totp(&mut b, wrong).await), "attempt {i}");
    }
    assert_invalid(&post_totp(&mut b, wrong).await);
    assert_invalid(&post_totp(&mut b, &right).await);
    assert_invalid(&b.get("/reset/new").await);
    assert_eq!(app.password_hash(ERIN), before);
    // A fresh request starts a new flow that works once the account's TOTP backoff (five
    // failures: two seconds) has passed.
    app.clock.advance(chrono::Duration::seconds(5));
    let mut b = at_verify(&app, 2).await;
    let right = totp_now(&app, &secret, 0);
    let p = post_totp(&mut b, &right).await;
    assert_eq!(p.location(), Some("/reset/new"), "{}", p.body);
}

#[tokio::test]
async fn steps_cannot_be_skipped() {
    // docs/security.md#26: posting straight to the TOTP or set-password step without a redeemed
    // token gives the invalid page; with a token but without the TOTP, set-password sends
    // back to the TOTP step and changes nothing.
    let (app, _secret) = totp_app().await;
    app.user(ALICE, OLD, true, false);
    let before = (app.password_hash(ERIN), app.password_hash(ALICE));
    // A browser that asked for a reset (it holds the flow cookie) but redeemed nothing.
    let (mut asker, _) = ask(&app, ALICE).await;
    let mut stranger = app.browser();
    for b in [&mut asker, &mut stranger] {
        assert_invalid(&b.get("/reset/new").await);
        assert_invalid(&b.get("/reset/verify").await);
        assert_invalid(&choose(b, NEW, NEW).await);
        assert_invalid(&post_totp(b, "123456").await);
    }
    let mut b = at_verify(&app, 1).await;
    let p = choose(&mut b, NEW, NEW).await;
    assert_eq!(p.status, 303);
    assert_eq!(p.location(), Some("/reset/verify"));
    assert_eq!((app.password_hash(ERIN), app.password_hash(ALICE)), before);
}

#[tokio::test]
async fn no_auto_login_and_no_change_before_redemption() {
    // docs/security.md#27: the success response sets no auth cookie; after `POST /reset` alone the
    // old password still works and nothing is locked.
    let app = app().await;
    app.user(ALICE, OLD, true, false);
    let before = app.password_hash(ALICE).unwrap();
    for n in 1..=3 {
        let (_, p) = ask(&app, ALICE).await;
        assert_eq!(p.status, 200);
        app.wait_mail_to(ALICE, n).await;
    }
    app.drain_jobs().await;
    let row = user_row(&app, ALICE);
    assert_eq!(row.password_hash.as_deref(), Some(before.as_str()));
    assert!(verifies(&app, &before, OLD).await);
    assert!(row.locked_until.is_none() && !row.disabled && row.bounced_at.is_none());
    assert!(row.verified_at.is_some());

    let m = reset_mail(&app, ALICE, 3).await;
    let mut b = open_link(&app, &m.link, "/reset/new").await;
    let p = choose(&mut b, NEW, NEW).await;
    assert_done(&p);
    for c in p.set_cookies() {
        let name = c.split('=').next().unwrap();
        assert!(
            !name.contains("session") && !name.contains("lk_admin"),
            "auth cookie set: {c}"
        );
        // The only cookies touched are removals of the reset ones.
        assert!(
            c.to_ascii_lowercase().contains("max-age=0") || c.contains("=;"),
            "{c}"
        );
    }
    let done = b.get("/reset/done").await;
    assert!(done.set_cookies().iter().all(|c| !c.contains("session")));
    assert!(done.body.contains("/signin"));
}

#[tokio::test]
async fn every_reset_form_needs_a_valid_csrf_token_and_a_same_site_request() {
    // docs/security.md#31: no token, a wrong token, a token of another browser, `Sec-Fetch-Site:
    // cross-site` or a foreign Origin → 403 and no side effect (no job, no mail, hash unchanged).
    let app = app().await;
    app.user(ALICE, OLD, true, false);
    let before = app.password_hash(ALICE);
    let mut b = app.browser();
    let good = csrf(&mut b).await;
    let mut other = app.browser();
    let foreign = csrf(&mut other).await;
    let email = [("email", ALICE)];
    // (what, csrf_token field, extra headers)
    type Forgery<'a> = (&'a str, Option<&'a str>, Vec<(&'a str, &'a str)>);
    let bad: Vec<Forgery> = vec![
        ("missing", None, vec![]),
        ("empty", Some(""), vec![]),
        ("wrong", Some("AAAA"), vec![]),
        ("another browser's", Some(&foreign), vec![]),
        (
            "cross-site",
            Some(&good),
            vec![("sec-fetch-site", "cross-site")],
        ),
        (
            "foreign origin",
            Some(&good),
            vec![("origin", "https://evil.tld")],
        ),
        // Browsers send `Origin: null` for same-site posts under `Referrer-Policy: no-referrer`
        // (tests/browser_reset.rs sees it), so a null origin alone is not refused: the token
        // decides. Coming from another site, it is.
        (
            "null origin from another site",
            Some(&good),
            vec![("origin", "null"), ("sec-fetch-site", "cross-site")],
        ),
    ];
    for (path, fields) in [
        ("/reset", &email[..]),
        ("/reset/code", &[("code", "ABCD-EFGH")][..]),
        ("/reset/verify", &[("code", "123456")][..]),
        (
            "/reset/new",
            &[("password", NEW), ("password_confirm", NEW)][..],
        ),
    ] {
        for (what, token, headers) in &bad {
            let mut all: Vec<(&str, &str)> = Vec::new();
            if let Some(t) = token {
                all.push(("csrf_token", t));
            }
            all.extend_from_slice(fields);
            let body = serde_urlencoded::to_string(&all).unwrap();
            let p = b.post_raw(path, body, headers).await;
            assert_eq!(p.status, 403, "{path} with a {what} token: {}", p.body);
        }
    }
    // A browser without the CSRF cookie at all.
    let mut fresh = app.browser();
    let body =
        serde_urlencoded::to_string([("csrf_token", good.as_str()), ("email", ALICE)]).unwrap();
    assert_eq!(fresh.post_raw("/reset", body, &[]).await.status, 403);
    app.drain_jobs().await;
    assert_eq!(jobs(&app), 0, "a refused POST queued a job");
    assert!(app.sink().messages().is_empty());

    // With a redeemed token: the forged set-password POST changes nothing and the token lives.
    let m = ask_and_mail(&app, ALICE, 1).await;
    let mut r = open_link(&app, &m.link, "/reset/new").await;
    for (what, token, headers) in &bad {
        let mut all: Vec<(&str, &str)> = Vec::new();
        if let Some(t) = token {
            all.push(("csrf_token", t));
        }
        all.extend_from_slice(&[("password", NEW), ("password_confirm", NEW)]);
        let body = serde_urlencoded::to_string(&all).unwrap();
        let p = r.post_raw("/reset/new", body, headers).await;
        assert_eq!(p.status, 403, "/reset/new with a {what} token");
    }
    assert_eq!(app.password_hash(ALICE), before);
    assert_eq!(r.get("/reset/new").await.status, 200, "the token died");
    // The legitimate same-site submission works (Sec-Fetch-Site: same-origin is fine).
    let token = csrf(&mut r).await;
    let body = serde_urlencoded::to_string([
        ("csrf_token", token.as_str()),
        ("password", NEW),
        ("password_confirm", NEW),
    ])
    .unwrap();
    let p = r
        .post_raw(
            "/reset/new",
            body,
            &[("sec-fetch-site", "same-origin"), ("origin", ORIGIN)],
        )
        .await;
    assert_done(&p);
}

#[tokio::test]
async fn a_full_flow_leaves_the_expected_audit_trail() {
    // docs/security.md#36: request (also for an unknown address), mail sent, link opened, TOTP
    // failure and success, reset done, invalid token; each with UTC time, tenant, actor, IP and
    // outcome.
    let (app, secret) = totp_app().await;
    let started = app.clock.now().naive_utc();
    let m = ask_and_mail(&app, ERIN, 1).await;
    let mut b = open_link(&app, &m.link, "/reset/verify").await;
    assert!(
        totp_refused(&post_totp(&mut b, "000000").await) || totp_now(&app, &secret, 0) == "000000"
    );
    let p = post_totp(&mut b, &totp_now(&app, &secret, 0)).await;
    assert_eq!(p.location(), Some("/reset/new"));
    assert_done(&choose(&mut b, NEW, NEW).await);
    app.wait_mail_to(ERIN, 2).await;
    assert_invalid(&app.browser().get(&m.link).await);
    ask(&app, "nobody@northwind.test").await;
    app.drain_jobs().await;
    let ended = app.clock.now().naive_utc();

    let events = app.audit_events();
    let names: Vec<&str> = events.iter().map(|e| e.event.as_str()).collect();
    let tenant = user_row(&app, ERIN).tenant_id;
    let erin = user_row(&app, ERIN).id;
    let expect = [
        ("reset_requested", "allowed"),
        ("mail_sent", "success"),
        ("link_opened", "success"),
        ("totp_failed", "failure"),
        ("totp_verified", "success"),
        ("reset_completed", "success"),
        ("mail_sent", "success"),
        ("token_invalid", "failure"),
    ];
    let mut from = 0;
    for (name, outcome) in expect {
        let i = events[from..]
            .iter()
            .position(|e| e.event == name && e.user_id.as_deref() == Some(erin.as_str()))
            .unwrap_or_else(|| panic!("no {name} for erin after #{from}: {names:?}"))
            + from;
        let e = &events[i];
        assert_eq!(e.outcome, outcome, "{name}");
        assert_eq!(
            e.tenant_id.as_deref(),
            Some(tenant.as_str()),
            "{name}: tenant"
        );
        assert_eq!(e.ip.as_deref(), Some("127.0.0.1"), "{name}: ip");
        assert!(!e.actor.is_empty(), "{name}: actor");
        // UTC, from the injected clock.
        assert!(
            e.occurred_at >= started - chrono::Duration::seconds(2)
                && e.occurred_at <= ended + chrono::Duration::seconds(2),
            "{name}: {} not within [{started}, {ended}] UTC",
            e.occurred_at
        );
        from = i + 1;
    }
    // The mails are told apart in the detail (reset link, then the notice).
    let kinds: Vec<String> = events
        .iter()
        .filter(|e| e.event == "mail_sent")
        .filter_map(|e| e.detail.clone())
        .collect();
    assert!(kinds[0].contains("reset_link"), "{kinds:?}");
    assert!(
        kinds.iter().any(|k| k.contains("password_changed")),
        "{kinds:?}"
    );
    // The unknown address is audited as well, as denied with its reason.
    let unknown = events
        .iter()
        .find(|e| {
            e.event == "reset_requested" && e.email.as_deref() == Some("nobody@northwind.test")
        })
        .unwrap_or_else(|| panic!("unknown address not audited: {names:?}"));
    assert_eq!(unknown.outcome, "denied");
    assert_eq!(unknown.reason.as_deref(), Some("unknown_account"));
    assert_eq!(unknown.tenant_id.as_deref(), Some(tenant.as_str()));
    assert_eq!(unknown.ip.as_deref(), Some("127.0.0.1"));
}

#[tokio::test]
async fn no_secret_reaches_the_logs_or_the_database() {
    // docs/security.md#37: after a flow by code and one by link with TOTP, the audit table (every
    // column of every table, in fact) and the captured logs hold no token, password, code,
    // TOTP code or seed.
    capture_logs();
    let (app, secret) = totp_app().await;
    app.user(ALICE, OLD, true, false);
    // By code, in the asking browser.
    let (mut b, _) = ask(&app, ALICE).await;
    let alice_mail = reset_mail(&app, ALICE, 1).await;
    let token = csrf(&mut b).await;
    let p = b
        .post_form("/reset/code", &token, &[("code", &alice_mail.code)])
        .await;
    assert_eq!(p.location(), Some("/reset/new"));
    let alice_pw = "garnet-willow-tundra-53";
    assert_done(&choose(&mut b, alice_pw, alice_pw).await);
    // A wrong password attempt first, then by link with TOTP.
    let erin_mail = ask_and_mail(&app, ERIN, 1).await;
    let mut e = open_link(&app, &erin_mail.link, "/reset/verify").await;
    let totp = totp_now(&app, &secret, 0);
    let p = post_totp(&mut e, &totp).await;
    assert_eq!(p.location(), Some("/reset/new"));
    let rejected = "Northwind-rejected-password-77";
    choose(&mut e, rejected, rejected).await;
    assert_done(&choose(&mut e, NEW, NEW).await);
    app.wait_mail_to(ALICE, 2).await;
    app.wait_mail_to(ERIN, 2).await;
    // An invalid token, too: it must not be logged either.
    let bogus = "Zm9vYmFyYmF6cXV1eHF1dXhxdXV4cXV1eHF1dXhxdXg";
    app.browser().get(&format!("/reset/link/{bogus}")).await;
    app.drain_jobs().await;

    // Log injection: an address with a line break is refused and logs no forged line.
    let (_, p) = ask(&app, "a@b.test\nFAKE-LOG-LINE level=ERROR").await;
    assert_eq!(p.status, 400);
    assert!(
        !logs()
            .lines()
            .any(|l| l.trim_start().starts_with("FAKE-LOG-LINE")),
        "a forged log line"
    );
    assert!(logs().contains("request"), "the capture caught nothing");
    assert_nowhere(
        &app,
        &[
            ("link token", &alice_mail.token),
            ("link token", &erin_mail.token),
            ("bogus token", bogus),
            ("code", &alice_mail.code),
            ("code", &alice_mail.code.replace('-', "")),
            ("code", &erin_mail.code),
            ("new password", alice_pw),
            ("new password", NEW),
            ("rejected password", rejected),
            ("old password", OLD),
        ],
    );
    assert!(
        !logs().contains(secret.expose_base32()),
        "the TOTP seed appears in the logs"
    );
    // The TOTP code is six digits, too short to search the database for; it is in no log
    // line as a code value.
    assert!(
        !logs().contains(&format!("code={totp}")) && !logs().contains(&format!("\"{totp}\"")),
        "the TOTP code appears in the logs"
    );
    // The TOTP seed is nowhere in the database: users.totp_secret holds it encrypted
    // (secrets at rest).
    let seed_cells: Vec<_> = db_dump(&app)
        .into_iter()
        .filter(|(_, _, v)| v.contains(secret.expose_base32()))
        .map(|(t, c, _)| format!("{t}.{c}"))
        .collect();
    assert!(seed_cells.is_empty(), "{seed_cells:?}");
}

/// Every page of the reset flow, as a guest meets it.
async fn reset_pages(app: &TestApp) -> Vec<(String, Page)> {
    let mut pages = Vec::new();
    let mut b = app.browser();
    pages.push(("GET /reset".to_string(), b.get("/reset").await));
    let token = csrf(&mut b).await;
    pages.push((
        "POST /reset".into(),
        b.post_form("/reset", &token, &[("email", ALICE)]).await,
    ));
    pages.push(("GET /reset/code".into(), b.get("/reset/code").await));
    pages.push((
        "POST /reset (field error)".into(),
        b.post_form("/reset", &token, &[("email", "not an address")])
            .await,
    ));
    pages.push((
        "POST /reset (domain page)".into(),
        b.post_form("/reset", &token, &[("email", "carol@contoso.test")])
            .await,
    ));
    pages.push((
        "POST /reset/code (wrong)".into(),
        b.post_form("/reset/code", &token, &[("code", "AAAA-AAAA")])
            .await,
    ));
    pages.push((
        "GET /reset/link/bad".into(),
        b.get("/reset/link/zzzz").await,
    ));
    let m = reset_mail(app, ALICE, 1).await;
    let mut r = app.browser();
    pages.push(("GET /reset/link/{t}".into(), r.get(&m.link).await));
    pages.push(("GET /reset/new".into(), r.get("/reset/new").await));
    pages.push((
        "POST /reset/new (refused)".into(),
        choose(&mut r, "short", "short").await,
    ));
    pages.push(("POST /reset/new".into(), choose(&mut r, NEW, NEW).await));
    pages.push(("GET /reset/done".into(), r.get("/reset/done").await));
    let mut v = app.browser();
    let em = ask_and_mail(app, ERIN, 1).await;
    v.get(&em.link).await;
    pages.push(("GET /reset/verify".into(), v.get("/reset/verify").await));
    pages.push((
        "POST /reset/verify (wrong)".into(),
        post_totp(&mut v, "000001").await,
    ));
    pages.push((
        "POST /reset (403)".into(),
        b.post_raw("/reset", "email=x".into(), &[]).await,
    ));
    pages.push((
        "POST /reset (413)".into(),
        b.post_raw("/reset", "a".repeat(32 * 1024), &[]).await,
    ));
    pages.push(("GET /reset/nope (404)".into(), b.get("/reset/nope").await));
    pages
}

fn is_html(p: &Page) -> bool {
    p.header("content-type")
        .is_some_and(|c| c.starts_with("text/html"))
}

/// Every `src=` and `href=` value in a page.
fn urls_in(html: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for attr in ["src=\"", "href=\"", "action=\""] {
        let mut rest = html;
        while let Some(i) = rest.find(attr) {
            let tail = &rest[i + attr.len()..];
            let end = tail.find('"').unwrap_or(tail.len());
            // The element the attribute belongs to.
            let tag_start = rest[..i].rfind('<').unwrap_or(0);
            let tag_end = i + attr.len() + end + tail[end..].find('>').unwrap_or(0);
            out.push((
                tail[..end].to_string(),
                rest[tag_start..tag_end].to_string(),
            ));
            rest = &tail[end..];
        }
    }
    out
}

fn same_origin(url: &str) -> bool {
    (url.starts_with('/') && !url.starts_with("//"))
        || url.starts_with(&format!("{ORIGIN}/"))
        || url.starts_with('#')
}

#[tokio::test]
async fn reset_pages_send_no_referrer_and_load_nothing_from_elsewhere() {
    // docs/security.md#38: `Referrer-Policy: no-referrer` and every src/href same-origin. The one
    // link out (the helpdesk on the domain page) is a plain link with rel=noreferrer.
    let (app, _) = totp_app().await;
    app.user(ALICE, OLD, true, false);
    for (name, p) in reset_pages(&app).await {
        assert_eq!(p.header("referrer-policy"), Some("no-referrer"), "{name}");
        for (url, tag) in urls_in(&p.body) {
            if same_origin(&url) {
                continue;
            }
            assert!(
                tag.starts_with("<a ") && tag.contains("noreferrer"),
                "{name}: off-origin {url} in {tag}"
            );
        }
        // Scripts only from this origin's /static, never inline (docs/security.md#39).
        for (at, _) in p.body.match_indices("<script") {
            let tag = &p.body[at..];
            let tag = &tag[..tag.find("</script>").expect("a closed script") + 9];
            assert!(
                tag.starts_with("<script src=\"/static/") && tag.ends_with("\" defer></script>"),
                "{name}: script {tag}"
            );
        }
        assert!(!p.body.contains("<iframe"), "{name}: iframe");
    }
}

#[tokio::test]
async fn every_html_response_has_a_strict_csp() {
    // docs/security.md#39: object-src 'none'; base-uri 'none'; frame-ancestors 'none'; no script
    // 'unsafe-inline'; on every HTML response, error pages included.
    let (app, _) = totp_app().await;
    app.user(ALICE, OLD, true, false);
    let mut html_seen = 0;
    for (name, p) in reset_pages(&app).await {
        let csp = p.header("content-security-policy");
        if !is_html(&p) {
            continue;
        }
        html_seen += 1;
        let csp = csp.unwrap_or_else(|| panic!("{name}: no CSP"));
        let directives: Vec<&str> = csp.split(';').map(str::trim).collect();
        for d in [
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        ] {
            assert!(directives.contains(&d), "{name}: {d} missing in {csp}");
        }
        let script = directives
            .iter()
            .find(|d| d.starts_with("script-src "))
            .or_else(|| directives.iter().find(|d| d.starts_with("default-src ")))
            .unwrap_or_else(|| panic!("{name}: neither script-src nor default-src: {csp}"));
        assert!(!script.contains("unsafe-inline"), "{name}: {script}");
        assert!(!script.contains("unsafe-eval"), "{name}: {script}");
        assert!(!script.contains('*'), "{name}: {script}");
    }
    assert!(html_seen >= 12, "only {html_seen} HTML responses");
}

#[tokio::test]
async fn reset_pages_are_never_cached_and_pin_https() {
    // docs/security.md#40: HSTS (≥ 1 year, includeSubDomains), nosniff and no-store.
    let (app, _) = totp_app().await;
    app.user(ALICE, OLD, true, false);
    for (name, p) in reset_pages(&app).await {
        let hsts = p
            .header("strict-transport-security")
            .unwrap_or_else(|| panic!("{name}: no HSTS"));
        let max_age: u64 = hsts
            .split(';')
            .find_map(|d| d.trim().strip_prefix("max-age="))
            .unwrap_or_else(|| panic!("{name}: {hsts}"))
            .parse()
            .unwrap();
        assert!(max_age >= 31_536_000, "{name}: {hsts}");
        assert!(hsts.contains("includeSubDomains"), "{name}: {hsts}");
        assert_eq!(
            p.header("x-content-type-options"),
            Some("nosniff"),
            "{name}"
        );
        let cache = p
            .header("cache-control")
            .unwrap_or_else(|| panic!("{name}: no Cache-Control"));
        assert!(cache.contains("no-store"), "{name}: {cache}");
    }
}
