//! Known and unknown addresses do the same work: the same statements, pages and counters.

use super::*;

#[tokio::test]
async fn item_8_a_wrong_password_does_the_same_work_for_known_and_unknown_addresses() {
    let _serial = SERIAL.lock().await;
    let app = accounts().await;
    let (mut known, mut unknown) = (app.browser(), app.browser());
    // Warm both paths up (pool connections, the dummy hash, template caches).
    wrong_password(&mut app.browser(), "warm@fabrikam.test").await;
    app.sql("DELETE FROM rate_counters");
    let (mut replies_known, mut replies_unknown) = (Vec::new(), Vec::new());
    // Past the free failures into the backoff: both addresses are throttled at the same try.
    for attempt in 1..=6 {
        let before = counter(&app, "latchkey_password_verifications_total").await;
        let token = csrf_of(&mut known, "/signin").await;
        let (k, k_sql) = statements_of(known.post_form(
            "/signin",
            &token,
            &[("email", KNOWN), ("password", WRONG_PASSWORD)],
        ))
        .await;
        let mid = counter(&app, "latchkey_password_verifications_total").await;
        let token = csrf_of(&mut unknown, "/signin").await;
        let (u, u_sql) = statements_of(unknown.post_form(
            "/signin",
            &token,
            &[("email", UNKNOWN), ("password", WRONG_PASSWORD)],
        ))
        .await;
        let after = counter(&app, "latchkey_password_verifications_total").await;
        assert_eq!(
            mid - before,
            1.0,
            "try {attempt}: argon2 runs for the account"
        );
        assert_eq!(
            after - mid,
            1.0,
            "try {attempt}: argon2 runs for no account"
        );
        assert!(!k_sql.is_empty());
        assert_same_statements(&k_sql, &u_sql, attempt);
        assert_eq!(shape(&k, KNOWN), shape(&u, UNKNOWN), "try {attempt}");
        // The same failure counts (one row each, the same count).
        let counts = failure_counts(&app);
        assert_eq!(counts.len(), 2, "{counts:?}");
        assert_eq!(counts[0], counts[1], "try {attempt}");
        replies_known.push(k.status);
        replies_unknown.push(u.status);
    }
    // The same audit trail: one failed sign-in per try, the same reasons in the same order.
    let reasons = |mine: &dyn Fn(&latchkey::db::models::AuditEvent) -> bool| -> Vec<String> {
        app.audit_events()
            .iter()
            .filter(|e| e.event == "signin" && mine(e))
            .map(|e| {
                match e.reason.as_deref() {
                    Some("wrong_password" | "unknown_account") => "failed",
                    Some(other) => other,
                    None => "none",
                }
                .to_string()
            })
            .collect()
    };
    let known_uid = user_row(&app, KNOWN).id;
    let k = reasons(&|e| e.user_id.as_ref().map(|u| u.as_str()) == Some(known_uid.as_str()));
    let u = reasons(&|e| e.user_id.is_none() && e.email.as_deref() != Some("warm@fabrikam.test"));
    assert_eq!(k.len(), 6);
    assert_eq!(k, u.iter().rev().take(6).rev().cloned().collect::<Vec<_>>());
    assert!(k.contains(&"throttled".to_string()), "{k:?}");
}

#[tokio::test]
async fn item_8_a_wrong_code_does_the_same_work_for_known_and_unknown_addresses() {
    let _serial = SERIAL.lock().await;
    let app = accounts().await;
    // Warm up.
    let mut warm = flow_for(&app, "warm@fabrikam.test").await;
    let token = csrf(&mut warm).await;
    warm.post_form("/reset/code", &token, &[("code", WRONG_CODE)])
        .await;
    let mut known = flow_for(&app, KNOWN).await;
    let mut unknown = flow_for(&app, UNKNOWN).await;
    let live_tokens = || {
        count(
            &app,
            "SELECT COUNT(*) AS n FROM reset_tokens WHERE used_at IS NULL AND revoked_at IS NULL",
        )
    };
    let live_decoys = || {
        count(
            &app,
            "SELECT COUNT(*) AS n FROM reset_decoys WHERE revoked_at IS NULL",
        )
    };
    // A decoy is not a token: the count of tokens is the account's one, and the flows of the
    // warm-up and the unknown address each hold a decoy.
    assert_eq!(live_tokens(), 1, "the account's flow holds its token");
    assert_eq!(live_decoys(), 2, "the flows without a token hold a decoy");
    // Every try up to and past the budget (5): the same statements, the same reply.
    for attempt in 1..=7 {
        let (kt, ut) = (csrf(&mut known).await, csrf(&mut unknown).await);
        let (k, k_sql) =
            statements_of(known.post_form("/reset/code", &kt, &[("code", WRONG_CODE)])).await;
        let (u, u_sql) =
            statements_of(unknown.post_form("/reset/code", &ut, &[("code", WRONG_CODE)])).await;
        assert!(!k_sql.is_empty());
        assert_same_statements(&k_sql, &u_sql, attempt);
        assert_eq!(shape(&k, KNOWN), shape(&u, UNKNOWN), "try {attempt}");
        if attempt == 5 {
            assert_eq!(live_tokens(), 0, "the spent budget revokes the token");
            assert_eq!(
                live_decoys(),
                1,
                "and the unknown flow's decoy (not the warm-up's)"
            );
        }
    }
    // The same audit trail for both flows: the requests alternated, so do their rows (past
    // the budget the account's token is revoked and its rows carry no user either).
    let trail: Vec<(String, Option<String>)> = app
        .audit_events()
        .iter()
        .filter(|e| e.event.starts_with("code_"))
        .skip(1) // the warm-up
        .map(|e| (e.event.clone(), e.reason.clone()))
        .collect();
    assert_eq!(trail.len(), 14, "{trail:?}");
    let k: Vec<_> = trail.iter().step_by(2).collect();
    let u: Vec<_> = trail.iter().skip(1).step_by(2).collect();
    assert_eq!(k, u);
    assert_eq!(k[4].1.as_deref(), Some("flow_ended"));
}

#[tokio::test]
async fn item_8_a_decoy_never_lets_a_code_in() {
    // A decoy's code was never sent; even a decoy that held the hash of a real code (copied
    // from the account's token here) lets nothing in: only tokens are redeemed.
    let _serial = SERIAL.lock().await;
    let app = accounts().await;
    let (mut mine, _) = ask(&app, KNOWN).await;
    let mail = reset_mail(&app, KNOWN, 1).await;
    let mut stranger = flow_for(&app, UNKNOWN).await;
    app.sql("UPDATE reset_decoys SET code_hash = (SELECT code_hash FROM reset_tokens)");
    let token = csrf(&mut stranger).await;
    let p = stranger
        .post_form("/reset/code", &token, &[("code", &mail.code)])
        .await;
    let wrong = stranger
        .post_form("/reset/code", &token, &[("code", WRONG_CODE)])
        .await;
    // Each try spends one of the flow's budget, so the two replies differ in the count of
    // tries left alone.
    let (mut a, mut b) = (shape(&p, UNKNOWN), shape(&wrong, UNKNOWN));
    assert!(a.2.contains("You have 4 tries left."), "{}", a.2);
    a.2 = a.2.replace("4 tries left", "N tries left");
    b.2 = b.2.replace("3 tries left", "N tries left");
    assert_eq!(a, b, "a decoy's code is a wrong code");
    let accepted = || {
        app.audit_events()
            .iter()
            .filter(|e| e.event == "code_accepted")
            .count()
    };
    assert_eq!(accepted(), 0);
    // The account's own flow still takes its code.
    let token = csrf(&mut mine).await;
    let p = mine
        .post_form("/reset/code", &token, &[("code", &mail.code)])
        .await;
    assert_eq!(p.status, 303, "{}", p.body);
    assert_eq!(accepted(), 1);
}

// ---- the measurement ------------------------------------------------------------------------
