//! The persistent limits inside the reset flow, over HTTP (docs/operations.md#rate-limits, docs/security.md#28–#30).

mod support;
use support::TestApp;

fn mask(body: &str) -> String {
    match support::browser::csrf_in(body) {
        Some(t) => body.replace(&t, "CSRF"),
        None => body.to_string(),
    }
}

// docs/security.md#28, #11: 10 requests → at most 3 mails, and 10 identical uniform pages.
#[tokio::test]
async fn ten_requests_for_one_address_send_three_mails_behind_identical_pages() {
    let app = TestApp::spawn_with_mail("").await;
    app.tenant("Fabrikam", "fabrikam.test", "unmanaged", "free");
    app.user("alice@fabrikam.test", "old-lantern-orchard-27", true, false);
    let mut b = app.browser();
    let mut bodies = Vec::new();
    for _ in 0..10 {
        let p = b.ask_reset("alice@fabrikam.test").await;
        assert_eq!(p.status, 200);
        bodies.push(mask(&p.body));
    }
    assert!(bodies.windows(2).all(|w| w[0] == w[1]), "the pages differ");
    app.drain_jobs().await;
    assert_eq!(app.mails_to("alice@fabrikam.test").len(), 3);
    let suppressed = app
        .audit_events()
        .iter()
        .filter(|e| e.event == "mail_suppressed")
        .count();
    assert_eq!(suppressed, 7);
}

// docs/security.md#9: 5 wrong codes end the flow, for existing and unknown accounts alike.
#[tokio::test]
async fn five_wrong_codes_end_the_flow_whether_or_not_the_account_exists() {
    let app = TestApp::spawn_with_mail("").await;
    app.tenant("Fabrikam", "fabrikam.test", "unmanaged", "free");
    app.user("alice@fabrikam.test", "old-lantern-orchard-27", true, false);
    let mut pages = Vec::new();
    for email in ["alice@fabrikam.test", "nobody@fabrikam.test"] {
        let mut b = app.browser();
        b.ask_reset(email).await;
        app.drain_jobs().await;
        let mut seen = Vec::new();
        for _ in 0..5 {
            let p = b
                .submit("/reset", "/reset/code", &[("code", "AAAA-AAAA")])
                .await;
            seen.push((p.status, mask(&p.body).contains("invalid or has expired")));
        }
        pages.push(seen);
        if email.starts_with("alice") {
            // The right code no longer works.
            let mail = app.wait_mail_to(email, 1).await;
            let code = support::smtp::code_in(&mail.text()).unwrap();
            let p = b.submit("/reset", "/reset/code", &[("code", &code)]).await;
            assert_ne!(p.status, 303);
        }
    }
    assert_eq!(pages[0], pages[1]);
    assert_eq!(pages[0].last(), Some(&(200, true)));
}

// docs/security.md#30: failed sign-ins back off per account; a throttled attempt looks like a
// wrong password; time (or a completed reset) lets the real user back in.
#[tokio::test]
async fn failed_sign_ins_back_off_per_account() {
    let app = TestApp::spawn_with_mail("").await;
    app.tenant("Fabrikam", "fabrikam.test", "unmanaged", "free");
    app.user("alice@fabrikam.test", "old-lantern-orchard-27", true, false);
    let mut b = app.browser();
    for _ in 0..4 {
        let p = b
            .submit(
                "/signin",
                "/signin",
                &[
                    ("email", "alice@fabrikam.test"),
                    ("password", "wrong-guess-000000"),
                ],
            )
            .await;
        assert_eq!(p.status, 200);
    }
    // Backing off: even the right password is refused, with the same answer.
    let p = b
        .submit(
            "/signin",
            "/signin",
            &[
                ("email", "alice@fabrikam.test"),
                ("password", "old-lantern-orchard-27"),
            ],
        )
        .await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(p.body.contains("t match"), "{}", p.body);
    assert!(app
        .audit_events()
        .iter()
        .any(|e| e.reason.as_deref() == Some("throttled")));
    // After the wait, it works.
    app.clock.advance(chrono::Duration::minutes(20));
    let p = b
        .submit(
            "/signin",
            "/signin",
            &[
                ("email", "alice@fabrikam.test"),
                ("password", "old-lantern-orchard-27"),
            ],
        )
        .await;
    assert_eq!(p.status, 303, "{}", p.body);
}
