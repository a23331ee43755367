//! The whole reset, black-box over HTTP with a real SMTP server: by link, by code, with TOTP.

mod support;
use support::browser::visible_text;
use support::smtp::{code_in, link_with};
use support::TestApp;

const OLD: &str = "old-lantern-orchard-27";
const NEW: &str = "brisk-meadow-compass-81";

#[tokio::test]
async fn a_guest_resets_by_link_and_gets_a_changed_notice() {
    let app = TestApp::with_partners().await;
    app.user("alice@fabrikam.test", OLD, true, false);
    let before = app.password_hash("alice@fabrikam.test").unwrap();
    let mut b = app.browser();
    let page = b.ask_reset("alice@fabrikam.test").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Check your email"));
    let mail = app.wait_mail_to("alice@fabrikam.test", 1).await;
    let link = link_with(&mail.text(), "/reset/link/").expect("link");
    // The link is on the configured origin (docs/security.md#14).
    assert!(
        link.starts_with("https://reset.test.example/reset/link/"),
        "{link}"
    );

    // Opening the link moves the token out of the URL (docs/security.md#10).
    let mut other_device = app.browser();
    let p = other_device.get(&link).await;
    p.assert_see_other("/reset/new");
    // A GET never consumes: a mail scanner opening it first changes nothing.
    let p = app.browser().get(&link).await;
    assert_eq!(p.status, 303);

    let form = other_device.get("/reset/new").await;
    assert!(form.body.contains("autocomplete=\"new-password\""));
    let p = other_device
        .post_form(
            "/reset/new",
            &form.csrf().unwrap(),
            &[("password", NEW), ("password_confirm", NEW)],
        )
        .await;
    p.assert_see_other("/reset/done");
    // docs/security.md#27: no automatic sign-in.
    assert!(
        p.set_cookies().iter().all(|c| !c.contains("lk_session")),
        "{:?}",
        p.set_cookies()
    );
    let done = other_device.get("/reset/done").await;
    assert!(done.body.contains("Your password was changed"));

    let after = app.password_hash("alice@fabrikam.test").unwrap();
    assert_ne!(before, after);
    assert!(after.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
    // docs/security.md#18: the notice goes to the address of record, without a token.
    let notice = app.wait_mail_to("alice@fabrikam.test", 2).await;
    assert!(notice.text().contains("password"), "{}", notice.text());
    assert!(link_with(&notice.text(), "/reset/link/").is_none());
    // docs/security.md#4: the link is dead now.
    let p = app.browser().get(&link).await;
    assert_eq!(p.status, 200);
    assert!(p.body.contains("invalid or has expired"));
}

#[tokio::test]
async fn a_guest_resets_by_code_in_the_same_browser_only() {
    let app = TestApp::with_partners().await;
    app.user("dave@northwind.test", OLD, true, false);
    let mut b = app.browser();
    b.ask_reset("dave@northwind.test").await;
    let mail = app.wait_mail_to("dave@northwind.test", 1).await;
    let code = code_in(&mail.text()).expect("code");

    // Another browser (no reset_flow cookie) cannot use the code.
    let mut stranger = app.browser();
    let p = stranger
        .submit("/reset", "/reset/code", &[("code", &code)])
        .await;
    assert_eq!(p.status, 200);
    assert!(p.body.contains("not right"), "{}", p.body);

    let page = b.get("/reset").await;
    let p = b
        .post_form(
            "/reset/code",
            &page.csrf().unwrap(),
            &[("code", &code.to_lowercase())],
        )
        .await;
    p.assert_see_other("/reset/new");
    let p = b.set_new_password(NEW).await;
    p.assert_see_other("/reset/done");
}

#[tokio::test]
async fn an_enrolled_totp_cannot_be_skipped() {
    // docs/security.md#24, #26
    let app = TestApp::with_partners().await;
    let secret = app.user("erin@northwind.test", OLD, true, true).unwrap();
    let before = app.password_hash("erin@northwind.test");
    let mut b = app.browser();
    b.ask_reset("erin@northwind.test").await;
    let mail = app.wait_mail_to("erin@northwind.test", 1).await;
    let link = link_with(&mail.text(), "/reset/link/").unwrap();
    let p = b.get(&link).await;
    p.assert_see_other("/reset/verify");
    // Straight to the last step: sent back to the TOTP step; a POST is refused.
    let p = b.get("/reset/new").await;
    p.assert_see_other("/reset/verify");
    let verify = b.get("/reset/verify").await;
    let token = verify.csrf().unwrap();
    let p = b
        .post_form(
            "/reset/new",
            &token,
            &[("password", NEW), ("password_confirm", NEW)],
        )
        .await;
    p.assert_see_other("/reset/verify");
    // Without any redeemed token, the last step is the invalid page.
    let mut stranger = app.browser();
    let page = stranger.get("/reset").await;
    let p = stranger
        .post_form(
            "/reset/new",
            &page.csrf().unwrap(),
            &[("password", NEW), ("password_confirm", NEW)],
        )
        .await;
    assert!(p.body.contains("invalid or has expired"), "{}", p.body);
    assert_eq!(app.password_hash("erin@northwind.test"), before);

    // A wrong code, then the right one.
    let p = b
        .post_form("/reset/verify", &token, &[("code", "000000")])
        .await;
    assert!(p.body.contains("not right"));
    let now = chrono::Utc::now().timestamp() as u64;
    let code = secret.code_at(now).unwrap();
    let p = b
        .post_form("/reset/verify", &token, &[("code", &code)])
        .await;
    if p.status != 303 {
        for e in app.audit_events() {
            eprintln!("{} {} {:?}", e.event, e.outcome, e.reason);
        }
    }
    p.assert_see_other("/reset/new");
    let p = b.set_new_password(NEW).await;
    p.assert_see_other("/reset/done");
}

#[tokio::test]
async fn a_free_managed_tenant_shows_the_domain_page_with_the_helpdesk() {
    let app = TestApp::with_partners().await;
    app.user("carol@contoso.test", OLD, true, false);
    let mut b = app.browser();
    let p = b.ask_reset("carol@contoso.test").await;
    assert_eq!(p.status, 200);
    // Written for a guest: a sentence that starts with a capital, says each thing once, and
    // carries no licensing code (the console keeps those).
    let text = visible_text(&p.body);
    assert!(
        text.contains(
            "You can't reset your password here \
             Accounts ending in @contoso.test belong to Contoso. \
             Your organisation manages your account and has not turned on self-service \
             password reset."
        ),
        "{text}"
    );
    assert_eq!(text.matches("helpdesk").count(), 2, "{text}");
    assert_eq!(text.matches("manages").count(), 1, "{text}");
    assert!(!p.body.contains("LK-"), "{}", p.body);
    assert!(!p.body.to_lowercase().contains("licen"), "{}", p.body);
    assert!(p.body.contains("https://help.contoso.test/"));
    assert!(text.contains("Contact Contoso's helpdesk"), "{text}");
    // The same for an address that has no account: it is domain-level, public knowledge.
    let other = b.ask_reset("nobody@contoso.test").await;
    assert_eq!(other.body, p.body);
    app.drain_jobs().await;
    assert!(app.mails_to("carol@contoso.test").is_empty());
}

#[tokio::test]
async fn a_malformed_address_rerenders_the_form_with_a_field_error() {
    let app = TestApp::with_partners().await;
    let mut b = app.browser();
    let p = b.ask_reset("a@b.c,evil@x.y").await;
    assert_eq!(p.status, 400);
    assert!(p.body.contains("field-error"), "{}", p.body);
    assert!(p.body.contains("aria-invalid=\"true\""));
}

/// Concurrent requests share their trip to the database (a batch on PostgreSQL, the group
/// commit on SQLite): each is still answered by its own domain, a denial is audited for its own
/// address, and only the accepted ones are evaluated and mailed.
#[tokio::test]
async fn concurrent_requests_for_different_domains_each_get_their_own_answer() {
    let app = TestApp::spawn_with_mail(
        "[rate_limits]\nenabled = false\nmails_per_address_hour = 100\nmails_per_address_day = 100\n",
    )
    .await;
    app.tenant("Fabrikam", "fabrikam.test", "unmanaged", "free");
    app.tenant("Contoso", "contoso.test", "managed", "free");
    app.user("alice@fabrikam.test", OLD, true, false);
    let asks = (0..24).map(|i| {
        let mut b = app.browser();
        let email = match i % 3 {
            0 => format!("guest{i}@contoso.test"),
            1 => format!("guest{i}@fabrikam.test"),
            _ => "alice@fabrikam.test".to_string(),
        };
        async move { (email.clone(), b.ask_reset(&email).await) }
    });
    for (email, page) in futures_util::future::join_all(asks).await {
        assert_eq!(page.status, 200, "{email}");
        let denied = page
            .body
            .contains("You can&#x27;t reset your password here")
            || visible_text(&page.body).contains("You can't reset your password here");
        assert_eq!(
            denied,
            email.ends_with("@contoso.test"),
            "{email}: {}",
            page.body
        );
        assert_eq!(
            page.body.contains("Check your email"),
            !email.ends_with("@contoso.test"),
            "{email}"
        );
    }
    app.drain_jobs().await;
    let events = app.audit_events();
    let requested = |email: &str| -> Vec<&latchkey::db::models::AuditEvent> {
        events
            .iter()
            .filter(|e| e.event == "reset_requested" && e.email.as_deref() == Some(email))
            .collect()
    };
    for i in (0..24).filter(|i| i % 3 != 2) {
        // One row each: the request path's denial, or the worker's evaluation — never both.
        let domain = if i % 3 == 0 { "contoso" } else { "fabrikam" };
        let email = format!("guest{i}@{domain}.test");
        let rows = requested(&email);
        assert_eq!(rows.len(), 1, "{email}: {rows:#?}");
        assert!(app.mails_to(&email).is_empty());
    }
    assert_eq!(requested("alice@fabrikam.test").len(), 8);
    assert_eq!(
        app.mails_to("alice@fabrikam.test").len(),
        8,
        "every accepted request for the account is evaluated and mailed once"
    );
}
