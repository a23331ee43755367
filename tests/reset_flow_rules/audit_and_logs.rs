//! The audit trail of a full flow, and no secret in the logs or the database (docs/security.md#36, #37).

use super::*;

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
            .position(|e| {
                e.event == name && e.user_id.as_ref().map(|u| u.as_str()) == Some(erin.as_str())
            })
            .unwrap_or_else(|| panic!("no {name} for erin after #{from}: {names:?}"))
            + from;
        let e = &events[i];
        assert_eq!(e.outcome, outcome, "{name}");
        assert_eq!(
            e.tenant_id.as_ref().map(|t| t.as_str()),
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
    assert_eq!(
        unknown.tenant_id.as_ref().map(|t| t.as_str()),
        Some(tenant.as_str())
    );
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
