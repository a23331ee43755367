//! The signed-in guest's account: TOTP enrolment and removal, the reset policy shown on
//! `/account`, and email verification links (docs/security.md#24, #25, #31, #37).

mod support;
use latchkey::security::TotpSecret;
use support::browser::Page;
use support::smtp::link_with;
use support::TestApp;

const PASSWORD: &str = "old-lantern-orchard-27";

fn user(app: &TestApp, email: &str) -> latchkey::db::models::User {
    let email = latchkey::domain::EmailAddress::parse(email).unwrap();
    let mut conn = app.state.db.get().unwrap();
    latchkey::db::users::find_by_email(&mut conn, &email)
        .unwrap()
        .unwrap()
}

fn now_unix(app: &TestApp) -> u64 {
    app.state.clock.now().timestamp() as u64
}

/// The base32 key shown for manual entry on the setup page.
fn shown_secret(p: &Page) -> TotpSecret {
    let at = p.body.find("id=\"totp-secret\">").expect("secret shown") + 17;
    let rest = &p.body[at..];
    let grouped = &rest[..rest.find('<').unwrap()];
    TotpSecret::from_base32(grouped).expect("base32 secret")
}

/// A six-digit code that is not valid for `secret` around now.
fn wrong_code(app: &TestApp, secret: &TotpSecret) -> String {
    let now = now_unix(app);
    let valid: Vec<String> = [now - 30, now, now + 30]
        .iter()
        .map(|t| secret.code_at(*t).unwrap())
        .collect();
    (0..)
        .map(|n| format!("{:06}", n * 7919 % 1_000_000))
        .find(|c| !valid.contains(c))
        .unwrap()
}

#[tokio::test]
async fn a_guest_enrols_an_authenticator_and_the_reset_then_asks_for_it() {
    // docs/security.md#24, #25
    let app = TestApp::with_partners().await;
    app.user("alice@fabrikam.test", PASSWORD, true, false);
    let mut b = app.signed_in_guest("alice@fabrikam.test", PASSWORD).await;

    let setup = b.get("/account/security").await;
    assert_eq!(setup.status, 200, "{}", setup.body);
    assert!(setup
        .body
        .contains("src=\"data:image/svg+xml;base64,PHN2ZyB4bWxucz0i"));
    assert!(setup.body.contains("autocomplete=\"one-time-code\""));
    let secret = shown_secret(&setup);
    // Reloading keeps the same secret (the guest may have scanned it already).
    let again = b.get("/account/security").await;
    assert_eq!(shown_secret(&again).expose_base32(), secret.expose_base32());
    // Nothing is stored before it is confirmed.
    assert!(user(&app, "alice@fabrikam.test").totp_secret.is_none());

    // A wrong code does not enrol.
    let p = b
        .post_form(
            "/account/security/totp",
            &again.csrf().unwrap(),
            &[("code", &wrong_code(&app, &secret))],
        )
        .await;
    assert_eq!(p.status, 200);
    assert!(p.body.contains("not right"), "{}", p.body);
    assert!(p.body.contains("aria-invalid=\"true\""));
    assert!(user(&app, "alice@fabrikam.test").totp_secret.is_none());

    // The right code does.
    let code = secret.code_at(now_unix(&app)).unwrap();
    let p = b
        .post_form(
            "/account/security/totp",
            &p.csrf().unwrap(),
            &[("code", &code)],
        )
        .await;
    p.assert_see_other("/account/security?enrolled=1");
    let stored = user(&app, "alice@fabrikam.test");
    // Encrypted at rest: an envelope, not the seed.
    let sealed = stored.totp_secret.as_deref().unwrap();
    assert!(sealed.starts_with("v1."), "{sealed}");
    assert!(!sealed.contains(secret.expose_base32()));
    let page = b.get("/account/security?enrolled=1").await;
    assert!(page.body.contains("Your authenticator app is set up"));
    assert!(!page.body.contains("totp-secret"));
    assert!(b.get("/account").await.body.contains("Authenticator app"));
    let events = app.audit_events();
    assert!(events
        .iter()
        .any(|e| e.event == "totp_enrolled" && e.outcome == "success"));
    assert!(events
        .iter()
        .any(|e| e.event == "totp_enrolled" && e.outcome == "failure"));
    // docs/security.md#37: the seed is in no audit row.
    for e in &events {
        assert!(!format!("{e:?}").contains(secret.expose_base32()));
    }

    // The reset now asks for the app's code.
    let mut r = app.browser();
    r.ask_reset("alice@fabrikam.test").await;
    let mail = app.wait_mail_to("alice@fabrikam.test", 1).await;
    let link = link_with(&mail.text(), "/reset/link/").expect("link");
    r.get(&link).await.assert_see_other("/reset/verify");
    // The code that confirmed the enrolment cannot be replayed there (docs/security.md#25).
    let verify = r.get("/reset/verify").await;
    let p = r
        .post_form("/reset/verify", &verify.csrf().unwrap(), &[("code", &code)])
        .await;
    assert!(p.body.contains("not right"), "{}", p.body);
    app.clock.advance(chrono::Duration::seconds(30));
    let next = secret.code_at(now_unix(&app)).unwrap();
    let p = r
        .post_form("/reset/verify", &verify.csrf().unwrap(), &[("code", &next)])
        .await;
    p.assert_see_other("/reset/new");
}

#[tokio::test]
async fn an_expired_setup_shows_a_new_code_and_enrols_nothing() {
    let app = TestApp::with_partners().await;
    app.user("bea@fabrikam.test", PASSWORD, true, false);
    let mut b = app.signed_in_guest("bea@fabrikam.test", PASSWORD).await;
    let setup = b.get("/account/security").await;
    let secret = shown_secret(&setup);
    // Keep the session alive, but let the 15-minute setup lapse.
    app.clock.advance(chrono::Duration::minutes(10));
    b.get("/account").await;
    app.clock.advance(chrono::Duration::minutes(10));
    let code = secret.code_at(now_unix(&app)).unwrap();
    let p = b
        .post_form(
            "/account/security/totp",
            &setup.csrf().unwrap(),
            &[("code", &code)],
        )
        .await;
    assert_eq!(p.status, 200);
    assert!(p.body.contains("expired"), "{}", p.body);
    assert_ne!(shown_secret(&p).expose_base32(), secret.expose_base32());
    assert!(user(&app, "bea@fabrikam.test").totp_secret.is_none());
}

#[tokio::test]
async fn removing_the_authenticator_needs_the_password_or_a_current_code() {
    let app = TestApp::with_partners().await;
    let secret = app
        .user("carl@fabrikam.test", PASSWORD, true, true)
        .unwrap();
    let mut b = app.signed_in_guest("carl@fabrikam.test", PASSWORD).await;
    let page = b.get("/account/security").await;
    assert!(page.body.contains("Remove the authenticator app"));
    let token = page.csrf().unwrap();

    // Neither, a wrong password, a wrong code: refused, still enrolled.
    for fields in [
        vec![],
        vec![("password", "not-the-password-1")],
        vec![("code", "000000x")],
    ] {
        let p = b
            .post_form("/account/security/totp/remove", &token, &fields)
            .await;
        assert_eq!(p.status, 200);
        assert!(
            p.body.contains("password or code is not right"),
            "{}",
            p.body
        );
        assert!(user(&app, "carl@fabrikam.test").totp_secret.is_some());
    }
    // A current code removes it.
    let code = secret.code_at(now_unix(&app)).unwrap();
    let p = b
        .post_form("/account/security/totp/remove", &token, &[("code", &code)])
        .await;
    p.assert_see_other("/account/security?removed=1");
    assert!(user(&app, "carl@fabrikam.test").totp_secret.is_none());
    assert!(app
        .audit_events()
        .iter()
        .any(|e| e.event == "totp_removed" && e.outcome == "success"));

    // Enrol again, then remove with the password.
    let setup = b.get("/account/security").await;
    let secret = shown_secret(&setup);
    app.clock.advance(chrono::Duration::seconds(30));
    let code = secret.code_at(now_unix(&app)).unwrap();
    let p = b
        .post_form(
            "/account/security/totp",
            &setup.csrf().unwrap(),
            &[("code", &code)],
        )
        .await;
    p.assert_see_other("/account/security?enrolled=1");
    let p = b
        .post_form(
            "/account/security/totp/remove",
            &token,
            &[("password", PASSWORD)],
        )
        .await;
    p.assert_see_other("/account/security?removed=1");
    assert!(user(&app, "carl@fabrikam.test").totp_secret.is_none());
}

#[tokio::test]
async fn the_account_page_shows_whether_the_tenant_allows_self_service_reset() {
    let app = TestApp::with_partners().await;
    app.user("dora@contoso.test", PASSWORD, true, false);
    let b = &mut app.signed_in_guest("dora@contoso.test", PASSWORD).await;
    let p = b.get("/account").await;
    assert!(p.body.contains("Contoso"));
    assert!(p.body.contains("Managed by your organisation"));
    assert!(p
        .body
        .contains("has not turned on self-service password reset"));
    // No licensing code on a guest page (docs/policy.md: the console keeps the codes).
    assert!(!p.body.contains("LK-TENANT-NOT-LICENSED"));
    assert!(p.body.contains("https://help.contoso.test/"));

    // Northwind requires two methods: without an app the page says so, without a reference.
    app.sql("UPDATE tenants SET methods_required = 2 WHERE name = 'Northwind'");
    app.user("eve@northwind.test", PASSWORD, true, false);
    let b = &mut app.signed_in_guest("eve@northwind.test", PASSWORD).await;
    let p = b.get("/account").await;
    assert!(
        p.body.contains("requires an authenticator app"),
        "{}",
        p.body
    );
    assert!(p.body.contains("Set up an authenticator app"));
    assert!(!p.body.contains("LK-"));
}

/// What the reset policy decides for `email` now.
async fn decision(app: &TestApp, email: &str) -> latchkey::policy::Decision {
    let email = latchkey::domain::EmailAddress::parse(email).unwrap();
    latchkey::services::eligibility::gather(
        &app.state.db,
        &app.state.deliverability,
        app.state.clock.as_ref(),
        &app.state.settings,
        &email,
    )
    .await
    .unwrap()
    .decide()
}

#[tokio::test]
async fn an_email_verification_link_confirms_only_on_post() {
    let app = TestApp::with_partners().await;
    app.user("finn@fabrikam.test", PASSWORD, false, false);
    assert_eq!(
        decision(&app, "finn@fabrikam.test").await.code(),
        "email_unverified"
    );

    // The reset worker mails a verification link to an unverified guest.
    let mut b = app.browser();
    b.ask_reset("finn@fabrikam.test").await;
    let mail = app.wait_mail_to("finn@fabrikam.test", 1).await;
    let link = link_with(&mail.text(), "/verify/").expect("verification link");

    // A GET (a mail scanner, or the guest) only shows the button.
    let scanner = app.browser().get(&link).await;
    assert_eq!(scanner.status, 200);
    let page = b.get(&link).await;
    assert!(page.body.contains("Confirm my email address"));
    assert!(user(&app, "finn@fabrikam.test").verified_at.is_none());

    // A POST without the CSRF token changes nothing (docs/security.md#31).
    let path = url::Url::parse(&link).unwrap().path().to_string();
    let p = b.post_raw(&path, String::new(), &[]).await;
    assert_eq!(p.status, 403);
    let p = b.post_raw(&path, "csrf_token=forged".into(), &[]).await;
    assert_eq!(p.status, 403);
    assert!(user(&app, "finn@fabrikam.test").verified_at.is_none());

    let p = b.post_form(&path, &page.csrf().unwrap(), &[]).await;
    assert_eq!(p.status, 200);
    assert!(
        p.body.contains("Your email address is confirmed"),
        "{}",
        p.body
    );
    assert!(user(&app, "finn@fabrikam.test").verified_at.is_some());
    assert!(decision(&app, "finn@fabrikam.test").await.is_allow());
    assert!(app
        .audit_events()
        .iter()
        .any(|e| e.event == "email_verified" && e.outcome == "success"));

    // Used once: the link is dead now, for GET and POST alike; bad tokens get the same page.
    let p = b.get(&link).await;
    assert!(p.body.contains("invalid or has expired"));
    let p = b.post_form(&path, &page.csrf().unwrap(), &[]).await;
    assert!(p.body.contains("invalid or has expired"));
    let long = "a".repeat(10_000);
    for bad in ["/verify/zzzz", "/verify/%00", &format!("/verify/{long}")] {
        let p = b.get(bad).await;
        assert_eq!(p.status, 200, "{bad}");
        assert!(p.body.contains("invalid or has expired"), "{bad}");
    }
    // docs/security.md#37: the token is in no audit row.
    let token = path.trim_start_matches("/verify/");
    for e in app.audit_events() {
        assert!(!format!("{e:?}").contains(token));
    }
}

#[tokio::test]
async fn the_account_page_explains_what_managing_the_organisation_changes_before_offering_it() {
    // Taking a domain over makes the guest its admin and puts every guest's self-service reset
    // under the organisation's plan: the page says so before the link, and offers it only
    // where nobody administers the organisation yet.
    let app = TestApp::with_partners().await;
    app.user("finn@fabrikam.test", PASSWORD, true, false);
    app.user("dora@contoso.test", PASSWORD, true, false);
    let p = app
        .signed_in_guest("finn@fabrikam.test", PASSWORD)
        .await
        .get("/account")
        .await;
    let text = support::browser::visible_text(&p.body);
    let explained = text
        .find("You become the administrator of every fabrikam.test guest account")
        .unwrap_or_else(|| panic!("no explanation: {text}"));
    let plan = text
        .find("depends on the organisation's plan: on the free plan, self-service reset is switched off")
        .unwrap_or_else(|| panic!("no consequence for reset: {text}"));
    let offered = text
        .find("Manage fabrikam.test: how it works")
        .unwrap_or_else(|| panic!("no link: {text}"));
    assert!(explained < offered && plan < offered, "{text}");
    assert!(!text.contains("Manage this organisation"), "{text}");
    // A managed organisation has its administrators: nothing to offer.
    let p = app
        .signed_in_guest("dora@contoso.test", PASSWORD)
        .await
        .get("/account")
        .await;
    assert!(!p.body.contains("/account/organisation"), "{}", p.body);
}
