//! docs/security.md group D (passwords, #19–#23), through `/reset/new`.

mod sec_support;
mod support;

use sec_support::*;
use support::browser::{Browser, Page};
use support::TestApp;

const ALICE: &str = "alice@fabrikam.test";

/// A browser at `/reset/new` with a live token for `addr` (the `n`-th mail to it).
async fn at_new_password(app: &TestApp, addr: &str, n: usize) -> Browser {
    let m = ask_and_mail(app, addr, n).await;
    open_link(app, &m.link, "/reset/new").await
}

fn assert_rerendered_with(p: &Page, reason: &str) {
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(p.body.contains("Choose a new password"), "{}", p.body);
    assert!(p.body.contains("field-error"), "{}", p.body);
    assert!(p.body.contains(reason), "expected {reason:?} in {}", p.body);
}

#[tokio::test]
async fn too_short_or_mismatched_passwords_are_rerendered_and_change_nothing() {
    // docs/security.md#19: minimum−1 characters or mismatched fields re-render with an error and
    // leave the hash alone; exactly the minimum succeeds.
    let app = app().await;
    app.user(ALICE, OLD, true, false);
    let before = app.password_hash(ALICE);
    let mut b = at_new_password(&app, ALICE, 1).await;
    let eleven = "qz7Vb#p2Lx9";
    assert_eq!(eleven.chars().count(), 11);
    assert_rerendered_with(
        &choose(&mut b, eleven, eleven).await,
        "Use at least 12 characters.",
    );
    assert_rerendered_with(
        &choose(&mut b, NEW, "brisk-meadow-compass-82").await,
        "The two passwords don&#39;t match.",
    );
    assert_rerendered_with(&choose(&mut b, NEW, "").await, "match");
    assert_eq!(app.password_hash(ALICE), before);
    // The token survives a refused password.
    let twelve = "qz7Vb#p2Lx9!";
    assert_eq!(twelve.chars().count(), 12);
    assert_done(&choose(&mut b, twelve, twelve).await);
    assert!(verifies(&app, &app.password_hash(ALICE).unwrap(), twelve).await);
}

#[tokio::test]
async fn a_64_character_password_is_stored_exactly() {
    // docs/security.md#20: 64 characters work; the 63-character prefix, a trimmed and a
    // lower-cased variant do not match the stored hash.
    let app = app().await;
    app.user(ALICE, OLD, true, false);
    let mut b = at_new_password(&app, ALICE, 1).await;
    let pw = " Tangerine Orbit Velvet Quarry Lantern Mosaic Harbor Zephyr 427 ";
    assert_eq!(pw.chars().count(), 64);
    assert_done(&choose(&mut b, pw, pw).await);
    let hash = app.password_hash(ALICE).unwrap();
    assert!(verifies(&app, &hash, pw).await);
    for variant in [
        pw[..63].to_string(),
        pw.trim().to_string(),
        pw.to_lowercase(),
        pw.to_uppercase(),
    ] {
        assert!(
            !verifies(&app, &hash, &variant).await,
            "{variant:?} matched: the password was truncated or modified"
        );
    }
}

#[tokio::test]
async fn a_one_megabyte_password_is_refused_by_the_body_limit() {
    // docs/security.md#20, #43: a 1 MB form is a 413 before anything reads it.
    let app = app().await;
    app.user(ALICE, OLD, true, false);
    let before = app.password_hash(ALICE);
    let mut b = at_new_password(&app, ALICE, 1).await;
    let token = csrf(&mut b).await;
    let huge = "a".repeat(1024 * 1024);
    let body = serde_urlencoded::to_string([
        ("csrf_token", token.as_str()),
        ("password", huge.as_str()),
        ("password_confirm", huge.as_str()),
    ])
    .unwrap();
    let started = std::time::Instant::now();
    let p = b.post_raw("/reset/new", body, &[]).await;
    assert_eq!(p.status, 413);
    assert!(started.elapsed() < std::time::Duration::from_secs(1));
    assert_eq!(app.password_hash(ALICE), before);
    // The token is still good.
    assert_eq!(b.get("/reset/new").await.status, 200);
}

#[tokio::test]
async fn a_long_password_under_the_body_limit_is_refused_without_hashing() {
    // docs/security.md#20: a 15 KiB password fits the 16 KiB form limit but is refused as too
    // long before any argon2 work: it answers faster than one hash takes.
    let app = app().await;
    app.user(ALICE, OLD, true, false);
    let before = app.password_hash(ALICE);
    let mut b = at_new_password(&app, ALICE, 1).await;
    let token = csrf(&mut b).await;
    let long = "b".repeat(15 * 1024);
    let post = |b: &mut Browser, pw: String, confirm: String| {
        let mut b = b.clone();
        let token = token.clone();
        async move {
            let started = std::time::Instant::now();
            let p = b
                .post_form(
                    "/reset/new",
                    &token,
                    &[("password", &pw), ("password_confirm", &confirm)],
                )
                .await;
            (p, started.elapsed())
        }
    };
    // What one argon2 hash costs here: the cost of a sign-in verify of the current password.
    let hash_started = std::time::Instant::now();
    assert!(verifies(&app, before.as_deref().unwrap(), OLD).await);
    let one_hash = hash_started.elapsed();
    // The confirmation is short so the whole form stays under the 16 KiB body limit.
    let (p, took) = post(&mut b, long.clone(), "x".to_string()).await;
    assert_rerendered_with(&p, "Use at most 256 characters.");
    assert!(
        took < std::time::Duration::from_millis(100) || took < one_hash,
        "refusing took {took:?} (one hash: {one_hash:?})"
    );
    // A long confirmation alone is refused the same way.
    let (p, _) = post(&mut b, NEW.to_string(), long).await;
    assert_eq!(p.status, 200);
    assert!(p.body.contains("field-error"));
    assert_eq!(app.password_hash(ALICE), before);
}

#[tokio::test]
async fn passphrases_and_unicode_are_accepted_without_composition_rules() {
    // docs/security.md#21: `correct horse battery staple` and `pässwörd ñandú 😀😀` are accepted,
    // and the form suits password managers.
    let app = app().await;
    app.user(ALICE, OLD, true, false);
    let mut b = at_new_password(&app, ALICE, 1).await;
    let form = b.get("/reset/new").await;
    let html = &form.body;
    assert_eq!(html.matches("type=\"password\"").count(), 2, "{html}");
    assert_eq!(
        html.matches("autocomplete=\"new-password\"").count(),
        2,
        "{html}"
    );
    assert!(html.contains("autocomplete=\"username\""));
    for blocker in ["onpaste", "oncopy", "oncut", "ondrop"] {
        assert!(!html.to_lowercase().contains(blocker), "{blocker}");
    }
    // The one script is the show-password control, from /static, and it blocks nothing.
    for (at, _) in html.match_indices("<script") {
        assert!(
            html[at..].starts_with("<script src=\"/static/show-password.js\""),
            "{html}"
        );
    }
    let script = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/static/show-password.js"
    ))
    .unwrap();
    for blocker in ["paste", "copy", "cut", "drop", "preventDefault"] {
        assert!(!script.contains(blocker), "{blocker}");
    }
    let phrase = "correct horse battery staple";
    assert_done(&choose(&mut b, phrase, phrase).await);
    assert!(verifies(&app, &app.password_hash(ALICE).unwrap(), phrase).await);

    app.wait_mail_to(ALICE, 2).await; // the "changed" notice
    let mut b = at_new_password(&app, ALICE, 3).await;
    let unicode = "pässwörd ñandú 😀😀";
    assert_done(&choose(&mut b, unicode, unicode).await);
    assert!(verifies(&app, &app.password_hash(ALICE).unwrap(), unicode).await);
}

#[tokio::test]
async fn common_passwords_and_context_words_are_refused_with_a_reason() {
    // docs/security.md#22: the blocklist and the tenant name, each with its reason shown.
    let app = app().await;
    app.user(ALICE, OLD, true, false);
    let before = app.password_hash(ALICE);
    let mut b = at_new_password(&app, ALICE, 1).await;
    assert_rerendered_with(
        &choose(&mut b, "password123456", "password123456").await,
        "too common",
    );
    for context in [
        "Fabrikam-orbit-7731-zephyr",
        "quiet-FABRIKAM-harbour-88",
        "alice-velvet-quarry-2291",
    ] {
        assert_rerendered_with(
            &choose(&mut b, context, context).await,
            "organisation&#39;s name",
        );
    }
    assert_rerendered_with(
        &choose(&mut b, OLD, OLD).await,
        "different from your current",
    );
    assert_eq!(app.password_hash(ALICE), before);
}

#[tokio::test]
async fn passwords_are_stored_as_argon2id_with_unique_salts() {
    // docs/security.md#23: `$argon2id$v=19$m>=19456,t>=2,p>=1`, and two identical passwords hash
    // differently.
    let app = app().await;
    app.user(ALICE, OLD, true, false);
    app.user("bob@fabrikam.test", OLD, true, false);
    assert_done(&reset_to(&app, ALICE, 1, NEW).await);
    assert_done(&reset_to(&app, "bob@fabrikam.test", 1, NEW).await);
    let a = app.password_hash(ALICE).unwrap();
    let b = app.password_hash("bob@fabrikam.test").unwrap();
    for phc in [&a, &b] {
        let rest = phc.strip_prefix("$argon2id$v=19$").expect(phc);
        let params = rest.split('$').next().unwrap();
        let get = |k: &str| -> u32 {
            params
                .split(',')
                .find_map(|kv| kv.strip_prefix(&format!("{k}=")))
                .unwrap()
                .parse()
                .unwrap()
        };
        assert!(get("m") >= 19456 && get("t") >= 2 && get("p") >= 1, "{phc}");
    }
    assert!(a.starts_with("$argon2id$v=19$m=19456,t=2"));
    assert_ne!(a, b, "same password, same hash: no unique salt");
    assert_ne!(a.split('$').nth(4), b.split('$').nth(4), "same salt");
    assert!(verifies(&app, &a, NEW).await && verifies(&app, &b, NEW).await);
}
