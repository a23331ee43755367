//! The second factor: an enrolled TOTP can be neither skipped nor guessed past (docs/security.md#24–#27).

use super::*;

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
