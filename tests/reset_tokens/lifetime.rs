//! Tokens and codes: random, hashed at rest, single use, bounded in time, and killed by anything that changes the decision.

use super::*;

#[tokio::test]
async fn emailed_tokens_are_long_random_and_unique() {
    // docs/security.md#1: capture 500 emailed tokens.
    const N: usize = 500;
    let app = app().await;
    app.user("alice@fabrikam.test", OLD, true, false);
    let mut b = app.browser();
    let token = csrf(&mut b).await;
    let mut pending = Vec::new();
    for _ in 0..N {
        let mut b = b.clone();
        let token = token.clone();
        pending.push(tokio::spawn(async move {
            b.post_form("/reset", &token, &[("email", "alice@fabrikam.test")])
                .await
                .status
        }));
        if pending.len() == 16 {
            for p in pending.drain(..) {
                assert_eq!(p.await.unwrap(), 303);
            }
        }
    }
    for p in pending.drain(..) {
        assert_eq!(p.await.unwrap(), 303);
    }
    let mails = app
        .sink()
        .wait_for(N, std::time::Duration::from_secs(60))
        .await;
    let tokens: Vec<String> = mails
        .into_iter()
        .map(|m| parse_reset_mail(m).token)
        .collect();
    assert_eq!(tokens.len(), N);
    for t in &tokens {
        // ≥ 128 bits: at least 22 base64url characters (Latchkey: 32 bytes, 43 characters).
        assert!(t.len() >= 22, "{t}");
        assert!(
            t.bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'),
            "not base64url: {t}"
        );
    }
    let unique: HashSet<&String> = tokens.iter().collect();
    assert_eq!(unique.len(), N, "duplicate tokens");
    let prefixes: HashSet<&str> = tokens.iter().map(|t| &t[..8]).collect();
    assert_eq!(prefixes.len(), N, "tokens share an 8-character prefix");
}

#[tokio::test]
async fn only_a_hash_of_the_token_is_stored() {
    // docs/security.md#2: the raw token (and the code) appear in no column.
    let app = app().await;
    app.user("alice@fabrikam.test", OLD, true, false);
    let m = ask_and_mail(&app, "alice@fabrikam.test", 1).await;
    app.drain_jobs().await;
    // The dump really reads the database: the user's address is in it.
    assert!(!db_cells_with(&app, "alice@fabrikam.test").is_empty());
    assert!(db_cells_with(&app, &m.token).is_empty());
    assert!(db_cells_with(&app, &m.code).is_empty());
    assert!(db_cells_with(&app, &m.code.replace('-', "")).is_empty());
    // Opening the link does not store it either.
    let mut b = open_link(&app, &m.link, "/reset/new").await;
    assert!(db_cells_with(&app, &m.token).is_empty());
    assert_done(&choose(&mut b, NEW, NEW).await);
    app.drain_jobs().await;
    assert!(db_cells_with(&app, &m.token).is_empty());
}

#[tokio::test]
async fn a_token_works_until_its_ttl_and_not_after() {
    // docs/security.md#3: with the injected clock, TTL−1 s works and TTL+1 s is the invalid page.
    let app = app().await;
    app.user("alice@fabrikam.test", OLD, true, false);
    let before = app.password_hash("alice@fabrikam.test");
    let m = ask_and_mail(&app, "alice@fabrikam.test", 1).await;
    app.clock.advance(chrono::Duration::seconds(TTL_SECS - 1));
    let mut b = open_link(&app, &m.link, "/reset/new").await;
    let form = b.get("/reset/new").await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains("Choose a new password"), "{}", form.body);
    app.clock.advance(chrono::Duration::seconds(2));
    // TTL+1 s: the link, the page and the form are all dead.
    let p = app.browser().get(&m.link).await;
    assert_invalid(&p);
    assert_invalid(&b.get("/reset/new").await);
    assert_invalid(&choose(&mut b, NEW, NEW).await);
    assert_eq!(app.password_hash("alice@fabrikam.test"), before);
}

#[tokio::test]
async fn a_code_works_until_its_ttl_and_not_after() {
    // docs/security.md#3, for the code mailed beside the link.
    let app = app().await;
    app.user("alice@fabrikam.test", OLD, true, false);
    let (mut b, _) = ask(&app, "alice@fabrikam.test").await;
    let m = reset_mail(&app, "alice@fabrikam.test", 1).await;
    app.clock.advance(chrono::Duration::seconds(TTL_SECS + 1));
    let token = csrf(&mut b).await;
    let p = b
        .post_form("/reset/code", &token, &[("code", &m.code)])
        .await;
    assert_ne!(p.status, 303, "an expired code was accepted");
    assert_eq!(p.status, 200);
}

#[tokio::test]
async fn a_reset_link_works_once() {
    // docs/security.md#4: after a successful reset, repeating the GET or the POST gives the invalid
    // page and the hash is unchanged.
    let app = app().await;
    app.user("alice@fabrikam.test", OLD, true, false);
    let m = ask_and_mail(&app, "alice@fabrikam.test", 1).await;
    let mut b = open_link(&app, &m.link, "/reset/new").await;
    let mut replay = b.clone();
    assert_done(&choose(&mut b, NEW, NEW).await);
    let after = app.password_hash("alice@fabrikam.test").unwrap();
    assert_invalid(&app.browser().get(&m.link).await);
    assert_invalid(&b.get("/reset/new").await);
    // The same browser state as before the POST (the sealed cookie still held).
    let p = choose(
        &mut replay,
        "other-quiet-harbour-44",
        "other-quiet-harbour-44",
    )
    .await;
    assert_invalid(&p);
    assert!(p.body.contains(ALREADY_USED), "{}", p.body);
    assert_eq!(app.password_hash("alice@fabrikam.test").unwrap(), after);
    assert!(verifies(&app, &after, NEW).await);
}

#[tokio::test]
async fn a_newer_request_supersedes_the_older_link() {
    // docs/security.md#6: outstanding tokens die when a newer one is issued …
    let app = app().await;
    app.user("alice@fabrikam.test", OLD, true, false);
    let first = ask_and_mail(&app, "alice@fabrikam.test", 1).await;
    let mut early = open_link(&app, &first.link, "/reset/new").await;
    let second = ask_and_mail(&app, "alice@fabrikam.test", 2).await;
    assert_ne!(first.token, second.token);
    assert_invalid(&app.browser().get(&first.link).await);
    // … also for a browser that opened the older link before the newer request.
    let before = app.password_hash("alice@fabrikam.test");
    assert_invalid(&choose(&mut early, NEW, NEW).await);
    assert_eq!(app.password_hash("alice@fabrikam.test"), before);
    let mut b = open_link(&app, &second.link, "/reset/new").await;
    assert_done(&choose(&mut b, NEW, NEW).await);
}

#[tokio::test]
async fn a_reset_kills_every_other_outstanding_token() {
    // docs/security.md#6: a reset (password change) revokes the user's other tokens: the code of
    // the same flow dies with the link.
    let app = app().await;
    app.user("alice@fabrikam.test", OLD, true, false);
    let (mut asker, _) = ask(&app, "alice@fabrikam.test").await;
    let m = reset_mail(&app, "alice@fabrikam.test", 1).await;
    let mut b = open_link(&app, &m.link, "/reset/new").await;
    assert_done(&choose(&mut b, NEW, NEW).await);
    let token = csrf(&mut asker).await;
    let p = asker
        .post_form("/reset/code", &token, &[("code", &m.code)])
        .await;
    assert_ne!(p.status, 303, "the code still worked after the reset");
}

#[tokio::test]
async fn dropping_the_plan_to_free_between_request_and_redemption_kills_the_token() {
    // docs/security.md#6 (policy flip: licence unpaid), Re-checked at redemption.
    let app = app().await;
    app.user("dave@northwind.test", OLD, true, false);
    let before = app.password_hash("dave@northwind.test");
    let m = ask_and_mail(&app, "dave@northwind.test", 1).await;
    let mut b = open_link(&app, &m.link, "/reset/new").await;
    app.sql("UPDATE tenants SET plan = 'free' WHERE name = 'Northwind'");
    assert_invalid(&choose(&mut b, NEW, NEW).await);
    assert_eq!(app.password_hash("dave@northwind.test"), before);
    // And the token stays dead when the plan comes back.
    app.sql("UPDATE tenants SET plan = 'premium' WHERE name = 'Northwind'");
    assert_invalid(&app.browser().get(&m.link).await);
    assert_eq!(app.password_hash("dave@northwind.test"), before);
}

#[tokio::test]
async fn taking_the_tenant_over_between_request_and_redemption_kills_the_token() {
    // docs/security.md#6 (policy flip: tenant becomes managed, without a licence).
    let app = app().await;
    app.user("alice@fabrikam.test", OLD, true, false);
    let before = app.password_hash("alice@fabrikam.test");
    let m = ask_and_mail(&app, "alice@fabrikam.test", 1).await;
    let mut b = open_link(&app, &m.link, "/reset/new").await;
    app.sql("UPDATE tenants SET kind = 'managed', plan = 'free' WHERE name = 'Fabrikam'");
    assert_invalid(&choose(&mut b, NEW, NEW).await);
    assert_eq!(app.password_hash("alice@fabrikam.test"), before);
}

#[tokio::test]
async fn disabling_the_account_between_request_and_redemption_kills_the_token() {
    // docs/security.md#6 (disablement).
    let app = app().await;
    app.user("alice@fabrikam.test", OLD, true, false);
    let before = app.password_hash("alice@fabrikam.test");
    let m = ask_and_mail(&app, "alice@fabrikam.test", 1).await;
    let mut b = open_link(&app, &m.link, "/reset/new").await;
    app.sql("UPDATE users SET disabled = TRUE WHERE email = 'alice@fabrikam.test'");
    assert_invalid(&choose(&mut b, NEW, NEW).await);
    assert_eq!(app.password_hash("alice@fabrikam.test"), before);
}

#[tokio::test]
async fn taking_the_tenant_over_before_the_link_is_opened_kills_the_token_at_the_link() {
    // docs/security.md#6: the link step re-checks the policy too, with the address's tenant as
    // it is when the link is opened (read in the same trip as the token).
    let app = app().await;
    app.user("alice@fabrikam.test", OLD, true, false);
    let before = app.password_hash("alice@fabrikam.test");
    let m = ask_and_mail(&app, "alice@fabrikam.test", 1).await;
    app.sql("UPDATE tenants SET kind = 'managed', plan = 'free' WHERE name = 'Fabrikam'");
    assert_invalid(&app.browser().get(&m.link).await);
    let denied: Vec<_> = app
        .audit_events()
        .into_iter()
        .filter(|e| e.event == "reset_denied_at_redemption")
        .collect();
    assert_eq!(denied.len(), 1, "one denial, at the link");
    assert_eq!(denied[0].reason.as_deref(), Some("tenant_not_licensed"));
    // The token is dead: restoring the licence does not bring it back.
    app.sql("UPDATE tenants SET plan = 'premium' WHERE name = 'Fabrikam'");
    assert_invalid(&app.browser().get(&m.link).await);
    assert_eq!(app.password_hash("alice@fabrikam.test"), before);
}
