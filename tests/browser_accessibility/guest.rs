//! The guest pages, in the order a person meets them, with the keyboard walk of the reset.

use super::*;
use latchkey::security::TotpSecret;
use latchkey::services::clock::Clock;
use support::axe::tab_walk;
use support::chromium::wait_for_path;

/// The guest pages, in the order a person meets them. Returns the keyboard walk's problems.
pub async fn pages(
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

    // "This wasn't me", from the same mail: the confirmation, the protected account, and the
    // link once more.
    let not_me = link_with(&mail.text(), "/reset/not-me/").expect("a this-wasn't-me link");
    c.goto(&not_me).await.unwrap();
    wait_for_path(c, "/reset/not-me").await;
    audit.check("not-me-confirm").await;
    submit(c, None).await.unwrap();
    wait_for_heading_not(c, "This wasn't you?").await;
    audit.check("not-me-done").await;
    c.goto(&not_me).await.unwrap();
    wait_for_path(c, "/reset/not-me").await;
    audit.check("not-me-invalid").await;
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
    wait_for_heading_not(c, "Create an account").await;
    audit.check("signup-check-email").await;
    let mail = app.wait_mail_to("new.person@fabrikam.test", 1).await;
    let complete = link_with(&mail.text(), "/signup/complete/").expect("a sign-up link");
    c.goto(&complete).await.unwrap();
    audit.check("signup-complete").await;
    fill(c, "password", NEW_PASSWORD).await.unwrap();
    fill(c, "password_confirm", "something-else-entirely-12")
        .await
        .unwrap();
    submit(c, Some("password_confirm")).await.unwrap();
    wait_for_error(c).await;
    audit.check("signup-complete-error").await;

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
