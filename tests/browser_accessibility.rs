//! Accessibility, automated: axe-core runs in a real browser (headless Chromium through
//! chromedriver) over every guest page and every console page, at 1280 px and on a 390×844
//! phone, and any serious or critical violation fails the test (each listed with its rule, the
//! page and the elements). The reset is also walked by keyboard only: Tab reaches every control
//! of each reset page, in order, and each shows its focus. A screenshot of each page at both
//! widths is saved under `target/screenshots/accessibility/` (the path is printed).
//!
//! The pages are reached as a person reaches them, in one browser session: forms are filled
//! and submitted, links from the mail followed, admins sign in with password and TOTP.
//!
//! Needs `chromium`, `chromium-driver` (Debian) and axe-core (npm; `.ci/run` installs it, see
//! `tests/support/axe.rs`). Without them the test prints that it skipped; under `CI=true` a
//! missing one is a failure.

mod admin_support;
mod support;

use admin_support::{create_admin, next_code, set_up, ADMIN_PASSWORD};
use fantoccini::{Client, Locator};
use futures_util::FutureExt;
use latchkey::domain::EmailAddress;
use latchkey::security::TotpSecret;
use latchkey::services::clock::Clock;
use std::panic::AssertUnwindSafe;
use support::axe::{axe_source, screenshot_dir, tab_walk, Audit};
use support::chromium::{browser, js, wait_for_path};
use support::smtp::link_with;
use support::TestApp;

const PASSWORD: &str = "old-lantern-orchard-27";
const NEW_PASSWORD: &str = "brisk-meadow-compass-81";
const PLATFORM_ADMIN: &str = "ops@latchkey.example";

type Res = Result<(), fantoccini::error::CmdError>;

/// Types `text` into the field `id`.
async fn fill(c: &Client, id: &str, text: &str) -> Res {
    let field = c.find(Locator::Id(id)).await?;
    field.clear().await?;
    field.send_keys(text).await
}

/// Presses the submit button of the form holding the field `field`, or (`None`) of the first
/// form in `<main>` that is not one of the console bar's small inline forms.
async fn submit(c: &Client, field: Option<&str>) -> Res {
    let css = match field {
        Some(id) => format!("form:has(#{id}) button[type=submit]"),
        None => "main form:not(.inline) button[type=submit]".to_string(),
    };
    c.find(Locator::Css(&css)).await?.click().await
}

/// Waits for a field error on the page (a form answered with an error).
async fn wait_for_error(c: &Client) {
    for _ in 0..200 {
        if js(
            c,
            "return document.querySelector('.field-error, .error-summary') !== null;",
        )
        .await
            == serde_json::Value::Bool(true)
        {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the page never showed an error");
}

fn user_id(app: &TestApp, email: &str) -> String {
    let mut conn = app.state.db.get().unwrap();
    latchkey::db::users::find_by_email(&mut conn, &EmailAddress::parse(email).unwrap())
        .unwrap()
        .expect("user")
        .id
}

/// Invites `email` as the operator would; returns the invitation link from the mail.
async fn invitation_link(app: &TestApp, email: &str) -> String {
    use latchkey::onboarding::invitations::{self, InviteRequest};
    let (settings, now) = (app.state.settings.clone(), app.state.now());
    let req = InviteRequest {
        email: email.into(),
        display_name: Some("Grace".into()),
        cc_email: None,
    };
    app.state
        .db
        .run(move |c| {
            invitations::invite_one(
                c,
                &settings,
                &latchkey::onboarding::Inviter::Operator,
                &req,
                None,
                now,
            )
        })
        .await
        .unwrap();
    app.state.jobs_wakeup.notify_one();
    let mail = app.wait_mail_to(email, 1).await;
    link_with(&mail.text(), "/invite/").expect("an invitation link")
}

/// The guest pages, in the order a person meets them. Returns the keyboard walk's problems.
async fn guest_pages(
    c: &Client,
    app: &TestApp,
    erin: &TotpSecret,
    audit: &mut Audit<'_>,
) -> Vec<String> {
    let mut keyboard = Vec::new();
    let go = |path: &str| app.url(path);

    c.goto(&go("/")).await.unwrap();
    audit.check("guest-landing").await;

    // The reset, by keyboard and by axe: request, check email (and a wrong code), the TOTP
    // step (and a wrong code), the new password (and a mismatch), done.
    c.goto(&go("/reset")).await.unwrap();
    keyboard.extend(tab_walk(c, "/reset").await);
    audit.check("reset-request").await;
    fill(c, "email", "erin@northwind.test").await.unwrap();
    submit(c, Some("email")).await.unwrap();
    wait_for_path(c, "/reset/code").await;
    keyboard.extend(tab_walk(c, "/reset/code").await);
    audit.check("reset-check-email").await;
    fill(c, "code", "AAAA-AAAA").await.unwrap();
    submit(c, Some("code")).await.unwrap();
    wait_for_error(c).await;
    audit.check("reset-code-error").await;

    let mail = app.wait_mail_to("erin@northwind.test", 1).await;
    let link = link_with(&mail.text(), "/reset/link/").expect("a reset link");
    c.goto(&link).await.unwrap();
    wait_for_path(c, "/reset/verify").await;
    keyboard.extend(tab_walk(c, "/reset/verify").await);
    audit.check("reset-totp").await;
    fill(c, "code", "000000").await.unwrap();
    submit(c, Some("code")).await.unwrap();
    wait_for_error(c).await;
    audit.check("reset-totp-error").await;
    let code = erin.code_at(app.clock.now().timestamp() as u64).unwrap();
    fill(c, "code", &code).await.unwrap();
    submit(c, Some("code")).await.unwrap();
    wait_for_path(c, "/reset/new").await;
    keyboard.extend(tab_walk(c, "/reset/new").await);
    audit.check("reset-new-password").await;
    fill(c, "password", NEW_PASSWORD).await.unwrap();
    fill(c, "password_confirm", "something-else-entirely-12")
        .await
        .unwrap();
    submit(c, Some("password_confirm")).await.unwrap();
    wait_for_error(c).await;
    audit.check("reset-new-password-error").await;
    fill(c, "password", NEW_PASSWORD).await.unwrap();
    fill(c, "password_confirm", NEW_PASSWORD).await.unwrap();
    submit(c, Some("password_confirm")).await.unwrap();
    wait_for_path(c, "/reset/done").await;
    keyboard.extend(tab_walk(c, "/reset/done").await);
    audit.check("reset-done").await;

    // A used link, and a managed tenant whose plan does not include self-service reset.
    c.goto(&link).await.unwrap();
    audit.check("reset-link-invalid").await;
    c.goto(&go("/reset")).await.unwrap();
    fill(c, "email", "carol@contoso.test").await.unwrap();
    submit(c, Some("email")).await.unwrap();
    wait_for_heading_not(c, "Forgot your password?").await;
    audit.check("reset-refused-managed-tenant").await;

    // Sign-up.
    c.goto(&go("/signup")).await.unwrap();
    audit.check("signup").await;
    fill(c, "email", "new.person@fabrikam.test").await.unwrap();
    submit(c, Some("email")).await.unwrap();
    wait_for_heading_not(c, "").await;
    audit.check("signup-check-email").await;

    // An email verification link (an unverified guest asked for a reset).
    let mut b = app.browser();
    b.ask_reset("gina@fabrikam.test").await;
    let mail = app.wait_mail_to("gina@fabrikam.test", 1).await;
    let verify = link_with(&mail.text(), "/verify/").expect("a verification link");
    c.goto(&verify).await.unwrap();
    audit.check("verify-confirm").await;
    submit(c, None).await.unwrap();
    wait_for_heading_not(c, "Confirm your email address").await;
    audit.check("verify-done").await;
    c.goto(&go("/verify/zzzz")).await.unwrap();
    audit.check("verify-invalid").await;

    // An invitation.
    let invite = invitation_link(app, "grace@fabrikam.test").await;
    c.goto(&invite).await.unwrap();
    audit.check("invitation").await;
    c.goto(&go("/invite/zzzz")).await.unwrap();
    audit.check("invitation-invalid").await;

    // Sign-in (a wrong password first), the account pages, the organisation take-over.
    c.goto(&go("/signin")).await.unwrap();
    audit.check("signin").await;
    fill(c, "email", "finn@fabrikam.test").await.unwrap();
    fill(c, "password", "not-the-password-at-all")
        .await
        .unwrap();
    submit(c, Some("password")).await.unwrap();
    wait_for_error(c).await;
    audit.check("signin-error").await;
    fill(c, "email", "finn@fabrikam.test").await.unwrap();
    fill(c, "password", PASSWORD).await.unwrap();
    submit(c, Some("password")).await.unwrap();
    wait_for_path(c, "/account").await;
    audit.check("account").await;
    c.goto(&go("/account/security")).await.unwrap();
    audit.check("account-security").await;
    c.goto(&go("/account/organisation")).await.unwrap();
    audit.check("account-organisation").await;

    // A guest who opens the console is turned away.
    c.goto(&go("/admin/audit")).await.unwrap();
    audit.check("console-forbidden").await;

    c.goto(&go("/no-such-page")).await.unwrap();
    audit.check("not-found").await;
    keyboard
}

/// Waits until the page's text contains `text`.
async fn wait_for_text(c: &Client, text: &str) {
    for _ in 0..200 {
        let body = js(c, "return document.body ? document.body.innerText : '';").await;
        if body.as_str().is_some_and(|b| b.contains(text)) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let body = js(c, "return document.body ? document.body.innerText : '';").await;
    panic!("the page never showed {text:?}: {body}");
}

/// Waits until the page's first heading is there and is not `old`.
async fn wait_for_heading_not(c: &Client, old: &str) {
    for _ in 0..200 {
        let h1 = js(
            c,
            "const h = document.querySelector('h1'); return h ? h.textContent.trim() : null;",
        )
        .await;
        if h1.as_str().is_some_and(|h| h != old) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the page never moved on from {old:?}");
}

/// The console pages: set-up, sign-in, then every page of the nav and each detail page.
async fn console_pages(c: &Client, app: &TestApp, audit: &mut Audit<'_>) {
    let go = |path: &str| app.url(path);
    c.delete_all_cookies().await.unwrap();

    // A new admin's set-up page (the link from `latchkey admin create`), with a wrong code.
    let (_, setup) = create_admin(app, "new.admin@latchkey.example", None);
    c.goto(&go(&setup)).await.unwrap();
    wait_for_path(c, "/admin/setup").await;
    audit.check("console-setup").await;
    fill(c, "password", ADMIN_PASSWORD).await.unwrap();
    fill(c, "password_confirm", ADMIN_PASSWORD).await.unwrap();
    fill(c, "code", "000000").await.unwrap();
    submit(c, Some("code")).await.unwrap();
    wait_for_error(c).await;
    audit.check("console-setup-error").await;
    c.delete_all_cookies().await.unwrap();

    // Sign-in: password, then the authenticator code.
    let admin = set_up(app, PLATFORM_ADMIN, None).await;
    c.goto(&go("/admin/login")).await.unwrap();
    audit.check("console-login").await;
    fill(c, "email", PLATFORM_ADMIN).await.unwrap();
    fill(c, "password", ADMIN_PASSWORD).await.unwrap();
    submit(c, Some("password")).await.unwrap();
    wait_for_path(c, "/admin/login/totp").await;
    audit.check("console-login-totp").await;
    fill(c, "code", &next_code(app, &admin.secret))
        .await
        .unwrap();
    submit(c, Some("code")).await.unwrap();
    wait_for_path(c, "/admin/audit").await;
    audit.check("console-audit").await;

    let northwind = tenant_id(app, "northwind.test");
    let erin = user_id(app, "erin@northwind.test");
    let event = app.audit_events().last().expect("an audit event").id;
    let other_admin = {
        let mut conn = app.state.db.get().unwrap();
        latchkey::db::admins::find_by_email(
            &mut conn,
            &EmailAddress::parse("new.admin@latchkey.example").unwrap(),
        )
        .unwrap()
        .expect("the other admin")
        .id
    };
    for (name, path) in [
        ("console-event", format!("/admin/audit/{event}")),
        ("console-insights", "/admin/insights".into()),
        ("console-tenants", "/admin/tenants".into()),
        ("console-tenant", format!("/admin/tenants/{northwind}")),
        (
            "console-banned-words",
            format!("/admin/tenants/{northwind}/banned-words"),
        ),
        ("console-guests", "/admin/guests".into()),
        (
            "console-guest-delete",
            format!("/admin/guests/{erin}/delete"),
        ),
        ("console-webhooks", "/admin/webhooks".into()),
        ("console-admins", "/admin/admins".into()),
        (
            "console-admin-disable",
            format!("/admin/admins/{other_admin}/disable"),
        ),
        ("console-time-zone", "/admin/time-zone".into()),
    ] {
        c.goto(&go(&path)).await.unwrap();
        audit.check(name).await;
    }
    // Invitations by CSV upload, and the report after it.
    c.goto(&go("/admin/invitations")).await.unwrap();
    audit.check("console-invitations").await;
    let csv = app.dir.path().join("guests.csv");
    std::fs::write(
        &csv,
        "Email,DisplayName\nhank@fabrikam.test,Hank\nnot-an-address,Nobody\n",
    )
    .unwrap();
    c.find(Locator::Id("file"))
        .await
        .unwrap()
        .send_keys(&csv.display().to_string())
        .await
        .unwrap();
    submit(c, Some("file")).await.unwrap();
    wait_for_text(c, "Report").await;
    audit.check("console-invitations-report").await;

    // API keys, and the page that shows a new key once.
    c.goto(&go("/admin/api-keys")).await.unwrap();
    audit.check("console-api-keys").await;
    fill(c, "name", "HR sync").await.unwrap();
    fill(c, "tenant_domain", "fabrikam.test").await.unwrap();
    submit(c, Some("tenant_domain")).await.unwrap();
    wait_for_text(c, "shown only once").await;
    audit.check("console-api-key-created").await;

    // A guest's page, and the helpdesk's reset link for the guest (the page after its button).
    c.goto(&go(&format!("/admin/guests/{erin}"))).await.unwrap();
    audit.check("console-guest").await;
    c.find(Locator::Css(&format!(
        "form[action=\"/admin/guests/{erin}/reset-link\"] button"
    )))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    wait_for_heading_not(c, "erin@northwind.test").await;
    audit.check("console-reset-link").await;
}

fn tenant_id(app: &TestApp, domain: &str) -> String {
    let mut conn = app.state.db.get().unwrap();
    latchkey::db::tenants::find_by_domain(&mut conn, domain)
        .unwrap()
        .expect("tenant")
        .id
}

#[tokio::test]
async fn every_guest_and_console_page_passes_axe_at_desktop_and_phone_widths() {
    let Some(axe) = axe_source() else {
        return;
    };
    let profile = tempfile::tempdir().unwrap();
    let Some((_driver, c)) = browser(profile.path()).await else {
        return;
    };
    // A webhook, so its page lists one (its deliveries fail: nothing listens on port 9).
    let app = TestApp::spawn_self_addressed_with_mail(
        "[[webhooks]]\nurl = \"http://127.0.0.1:9/hook\"\n\
         secret = \"whsec_C2FSd3VlYm9va3MtdGVzdC1zZWNyZXQtMzItYnl0ZXM=\"\n\
         events = [\"reset_requested\"]\ntimeout_seconds = 1\n",
    )
    .await;
    app.tenant("Fabrikam", "fabrikam.test", "unmanaged", "free");
    app.tenant("Northwind", "northwind.test", "managed", "premium");
    app.tenant("Contoso", "contoso.test", "managed", "free");
    let erin = app
        .user("erin@northwind.test", PASSWORD, true, true)
        .unwrap();
    app.user("carol@contoso.test", PASSWORD, true, false);
    app.user("finn@fabrikam.test", PASSWORD, true, false);
    app.user("gina@fabrikam.test", PASSWORD, false, false);

    let shots = screenshot_dir("accessibility");
    let mut audit = Audit::new(&c, axe, shots.clone());
    // The browser is closed even when a step fails, so no Chromium outlives the test.
    let walked = AssertUnwindSafe(async {
        let keyboard = guest_pages(&c, &app, &erin, &mut audit).await;
        console_pages(&c, &app, &mut audit).await;
        // The check itself works: a page with an image without text and a field without a
        // label fails it.
        c.goto(&app.url("/reset")).await.unwrap();
        js(
            &c,
            "const m = document.querySelector('main');
             m.insertAdjacentHTML('beforeend', '<img src=\"/static/none.png\"><input type=text>');
             return true;",
        )
        .await;
        let ids = audit.violation_ids().await;
        assert!(
            ids.iter().any(|i| i == "image-alt") && ids.iter().any(|i| i == "label"),
            "axe finds a planted image without alt text and an unlabelled field: {ids:?}"
        );
        keyboard
    })
    .catch_unwind()
    .await;
    let _ = c.clone().close().await;
    let keyboard = walked.unwrap_or_else(|e| std::panic::resume_unwind(e));

    eprintln!(
        "accessibility: {} pages checked at {}px and {}px; screenshots in {}",
        audit.pages.len(),
        support::axe::DESKTOP.0,
        support::axe::PHONE.0,
        shots.display()
    );
    assert!(
        keyboard.is_empty(),
        "keyboard walk of the reset:\n{}",
        keyboard.join("\n")
    );
    audit.assert_clean();
}
