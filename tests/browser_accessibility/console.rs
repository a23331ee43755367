//! The console pages: set-up, sign-in, then every page of the nav and each detail page.

use super::*;
use admin_support::{create_admin, next_code, set_up, ADMIN_PASSWORD};
use support::axe::tab_walk;
use support::chromium::wait_for_path;

/// The console pages: set-up, sign-in, then every page of the nav and each detail page.
/// Returns the keyboard walk's problems on the two sign-in steps.
pub async fn pages(c: &Client, app: &TestApp, audit: &mut Audit<'_>) -> Vec<String> {
    let mut keyboard = Vec::new();
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
    keyboard.extend(tab_walk(c, "/admin/login").await);
    audit.check("console-login").await;
    fill(c, "email", PLATFORM_ADMIN).await.unwrap();
    fill(c, "password", ADMIN_PASSWORD).await.unwrap();
    submit(c, Some("password")).await.unwrap();
    wait_for_path(c, "/admin/login/totp").await;
    keyboard.extend(tab_walk(c, "/admin/login/totp").await);
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
    // Revoking a key asks first.
    c.goto(&go("/admin/api-keys")).await.unwrap();
    c.find(Locator::Css("a[href$='/revoke']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(c, "Revoke this API key?").await;
    audit.check("console-api-key-revoke").await;

    // A guest's page, and the helpdesk's reset link for the guest (the page after its button).
    c.goto(&go(&format!("/admin/guests/{erin}"))).await.unwrap();
    audit.check("console-guest").await;
    // Removing the authenticator asks first, and reminds to check who is asking.
    c.goto(&go(&format!("/admin/guests/{erin}/reset-totp")))
        .await
        .unwrap();
    audit.check("console-guest-reset-totp").await;
    c.goto(&go(&format!("/admin/guests/{erin}"))).await.unwrap();
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
    keyboard
}

fn tenant_id(app: &TestApp, domain: &str) -> String {
    let mut conn = app.state.db.get().unwrap();
    String::from(
        latchkey::db::tenants::find_by_domain(&mut conn, domain)
            .unwrap()
            .expect("tenant")
            .id,
    )
}
