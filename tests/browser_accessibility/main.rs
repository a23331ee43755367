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

#[path = "../admin_support/mod.rs"]
mod admin_support;
mod console;
mod guest;
#[path = "../support/mod.rs"]
mod support;

use fantoccini::{Client, Locator};
use futures_util::FutureExt;
use latchkey::domain::EmailAddress;
use std::panic::AssertUnwindSafe;
use support::axe::{axe_source, screenshot_dir, Audit};
use support::chromium::{browser, js};
use support::smtp::link_with;
use support::TestApp;

pub const PASSWORD: &str = "old-lantern-orchard-27";
pub const NEW_PASSWORD: &str = "brisk-meadow-compass-81";
pub const PLATFORM_ADMIN: &str = "ops@latchkey.example";

/// Every page checked, in the order the walk reaches it: a new page gets a line here and a step
/// in `guest.rs` or `console.rs`.
const PAGES: &[&str] = &[
    // Guest pages.
    "guest-landing",
    "reset-request",
    "reset-check-email",
    "reset-code-error",
    "reset-totp",
    "reset-totp-error",
    "reset-new-password",
    "reset-new-password-error",
    "reset-done",
    "reset-link-invalid",
    "not-me-confirm",
    "not-me-done",
    "not-me-invalid",
    "reset-refused-managed-tenant",
    "signup",
    "signup-check-email",
    "signup-complete",
    "signup-complete-error",
    "verify-confirm",
    "verify-done",
    "verify-invalid",
    "invitation",
    "invitation-invalid",
    "signin",
    "signin-error",
    "account",
    "account-security",
    "account-organisation",
    "console-forbidden",
    "not-found",
    // Console pages.
    "console-setup",
    "console-setup-error",
    "console-login",
    "console-login-totp",
    "console-audit",
    "console-event",
    "console-insights",
    "console-tenants",
    "console-tenant",
    "console-banned-words",
    "console-guests",
    "console-guest-delete",
    "console-webhooks",
    "console-admins",
    "console-admin-disable",
    "console-time-zone",
    "console-invitations",
    "console-invitations-report",
    "console-api-keys",
    "console-api-key-created",
    "console-api-key-revoke",
    "console-guest",
    "console-guest-reset-totp",
    "console-reset-link",
];

pub type Res = Result<(), fantoccini::error::CmdError>;

/// Types `text` into the field `id`.
pub async fn fill(c: &Client, id: &str, text: &str) -> Res {
    let field = c.find(Locator::Id(id)).await?;
    field.clear().await?;
    field.send_keys(text).await
}

/// Presses the submit button of the form holding the field `field`, or (`None`) of the first
/// form in `<main>` that is not one of the console bar's small inline forms.
pub async fn submit(c: &Client, field: Option<&str>) -> Res {
    let css = match field {
        Some(id) => format!("form:has(#{id}) button[type=submit]"),
        None => "main form:not(.inline) button[type=submit]".to_string(),
    };
    c.find(Locator::Css(&css)).await?.click().await
}

/// Waits for a field error on the page (a form answered with an error).
pub async fn wait_for_error(c: &Client) {
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

pub fn user_id(app: &TestApp, email: &str) -> String {
    let mut conn = app.state.db.get().unwrap();
    String::from(
        latchkey::db::users::find_by_email(&mut conn, &EmailAddress::parse(email).unwrap())
            .unwrap()
            .expect("user")
            .id,
    )
}

/// Invites `email` as the operator would; returns the invitation link from the mail.
pub async fn invitation_link(app: &TestApp, email: &str) -> String {
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

/// Waits until the page's text contains `text`.
pub async fn wait_for_text(c: &Client, text: &str) {
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
pub async fn wait_for_heading_not(c: &Client, old: &str) {
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
        let mut keyboard = guest::pages(&c, &app, &erin, &mut audit).await;
        keyboard.extend(console::pages(&c, &app, &mut audit).await);
        // The checks themselves work: focus without an outline fails the keyboard walk, and a
        // page with an image without text and a field without a label fails axe.
        c.goto(&app.url("/reset")).await.unwrap();
        js(
            &c,
            // Through the CSS object model: the page's policy forbids inline style elements.
            "document.styleSheets[0].insertRule(
               '*:focus { outline: none !important; box-shadow: none !important; }',
               document.styleSheets[0].cssRules.length);
             return true;",
        )
        .await;
        let hidden = support::axe::tab_walk(&c, "/reset without a focus style").await;
        assert!(
            hidden.iter().any(|p| p.contains("no visible focus")),
            "the keyboard walk sees a focus that does not show: {hidden:?}"
        );
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
    assert_eq!(audit.pages, PAGES, "the pages checked are the list");
    assert!(
        keyboard.is_empty(),
        "keyboard walk of the reset and the console sign-in:\n{}",
        keyboard.join("\n")
    );
    // Sideways scrolling on the phone is printed, not failed on (tests/browser_guest_pages.rs
    // asserts it for the guest pages).
    if !audit.too_wide.is_empty() {
        eprintln!(
            "pages that scroll sideways at {}px:\n{}",
            support::axe::PHONE.0,
            audit.too_wide.join("\n")
        );
    }
    audit.assert_clean();
}
