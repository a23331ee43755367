//! A guest's lifecycle from the console, black-box over HTTP: disable (sessions end, policy
//! rule 4 fires), enable, delete after a confirmation step (personal data gone, the audit
//! pseudonymised); CSRF, tenant scope, and the admin as actor of each audit event.

mod admin_support;
mod support;

use admin_support::*;
use support::TestApp;

const PW: &str = "old-lantern-orchard-27";

async fn app() -> TestApp {
    TestApp::spawn_with("[rate_limits.admin_login]\nper_minute = 6000\nburst = 6000").await
}

fn guest(app: &TestApp, email: &str) -> Option<latchkey::db::models::User> {
    let mut conn = app.state.db.get().unwrap();
    latchkey::db::users::find_by_email(
        &mut conn,
        &latchkey::domain::EmailAddress::parse(email).unwrap(),
    )
    .unwrap()
}

fn events(app: &TestApp, name: &str) -> Vec<latchkey::db::models::AuditEvent> {
    app.audit_events()
        .into_iter()
        .filter(|e| e.event == name)
        .collect()
}

#[tokio::test]
async fn a_tenant_admin_disables_and_enables_a_guest_and_the_guest_is_signed_out() {
    let app = app().await;
    app.tenant("Northwind", "northwind.test", "managed", "premium");
    app.user("erin@northwind.test", PW, true, false);
    let erin = guest(&app, "erin@northwind.test").unwrap();
    let admin = set_up(&app, "it@northwind.test", Some("northwind.test")).await;

    // Erin is signed in.
    let mut g = app.browser();
    let p = g
        .submit(
            "/signin",
            "/signin",
            &[("email", "erin@northwind.test"), ("password", PW)],
        )
        .await;
    assert_eq!(p.status, 303, "{}", p.body);
    assert_eq!(g.get("/account").await.status, 200);

    let mut b = signed_in(&app, &admin).await;
    let path = format!("/admin/guests/{}", erin.id);
    let page = b.get(&path).await;
    assert!(
        page.body.contains(&format!("{path}/disable")),
        "{}",
        page.body
    );
    let p = b
        .post_form(&format!("{path}/disable"), &page.csrf().unwrap(), &[])
        .await;
    assert_eq!(p.status, 303, "{}", p.body);
    assert_eq!(p.location(), Some(format!("{path}?done=disable").as_str()));
    assert!(guest(&app, "erin@northwind.test").unwrap().disabled);
    let e = events(&app, "user_disabled").pop().unwrap();
    assert_eq!(e.actor, format!("admin:{}", admin.id));
    assert_eq!(e.email.as_deref(), Some("erin@northwind.test"));

    // Her session ended; the policy now says account_disabled.
    let p = g.get("/account").await;
    assert_eq!(p.status, 303, "{}", p.body);
    let page = b.get(&format!("{path}?done=disable")).await;
    assert!(page.body.contains("account_disabled"), "{}", page.body);
    assert!(page.body.contains("The guest is disabled"), "{}", page.body);

    let p = b
        .post_form(&format!("{path}/enable"), &page.csrf().unwrap(), &[])
        .await;
    assert_eq!(p.status, 303, "{}", p.body);
    assert!(!guest(&app, "erin@northwind.test").unwrap().disabled);
    assert_eq!(events(&app, "user_enabled").len(), 1);

    // Without the CSRF token nothing happens.
    let p = b
        .try_post_form(&format!("{path}/disable"), "", &[])
        .await
        .expect("an answer");
    assert!(p.status == 400 || p.status == 403, "{}", p.status);
    assert!(!guest(&app, "erin@northwind.test").unwrap().disabled);
}

#[tokio::test]
async fn deleting_a_guest_asks_for_the_address_then_erases_and_pseudonymises() {
    let app = app().await;
    app.tenant("Northwind", "northwind.test", "managed", "premium");
    app.user("erin@northwind.test", PW, true, true);
    let erin = guest(&app, "erin@northwind.test").unwrap();
    let admin = set_up(&app, "root@ops.test", None).await;
    let mut b = signed_in(&app, &admin).await;
    let path = format!("/admin/guests/{}", erin.id);
    // Viewing the guest writes an event naming her.
    let page = b.get(&path).await;
    assert!(
        page.body.contains(&format!("{path}/delete")),
        "{}",
        page.body
    );

    let confirm = b.get(&format!("{path}/delete")).await;
    assert_eq!(confirm.status, 200);
    assert!(
        confirm.body.contains("cannot be undone"),
        "{}",
        confirm.body
    );
    let csrf = confirm.csrf().unwrap();
    let p = b
        .post_form(
            &format!("{path}/delete"),
            &csrf,
            &[("confirm_email", "someone@northwind.test")],
        )
        .await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(p.body.contains("nothing was deleted"), "{}", p.body);
    assert!(guest(&app, "erin@northwind.test").is_some());

    let p = b
        .post_form(
            &format!("{path}/delete"),
            &csrf,
            &[("confirm_email", "Erin@Northwind.test")],
        )
        .await;
    assert_eq!(p.status, 303, "{}", p.body);
    assert_eq!(p.location(), Some("/admin/guests?deleted=1"));
    assert!(guest(&app, "erin@northwind.test").is_none());
    let all = app.audit_events();
    assert!(
        all.iter()
            .all(|e| e.email.as_deref() != Some("erin@northwind.test")
                && !e
                    .detail
                    .as_deref()
                    .unwrap_or("")
                    .contains("erin@northwind.test")),
        "the address is gone from the audit"
    );
    let deleted = events(&app, "user_deleted").pop().unwrap();
    assert_eq!(deleted.actor, format!("admin:{}", admin.id));
    let alias = deleted.email.clone().unwrap();
    assert!(alias.starts_with("deleted-"), "{alias}");
    assert!(
        events(&app, "admin_viewed_guest")
            .iter()
            .all(|e| e.email.as_deref() == Some(alias.as_str())),
        "earlier events carry the same pseudonym"
    );
    let page = b.get("/admin/guests?deleted=1").await;
    assert!(page.body.contains("were deleted"), "{}", page.body);
    assert_eq!(b.get(&path).await.status, 404);
}

#[tokio::test]
async fn another_tenants_admin_cannot_disable_or_delete_a_guest() {
    let app = app().await;
    app.tenant("Northwind", "northwind.test", "managed", "premium");
    app.tenant("Contoso", "contoso.test", "managed", "premium");
    app.user("erin@northwind.test", PW, true, false);
    let erin = guest(&app, "erin@northwind.test").unwrap();
    let other = set_up(&app, "it@contoso.test", Some("contoso.test")).await;
    let mut b = signed_in(&app, &other).await;
    let csrf = b
        .get("/admin/guests")
        .await
        .csrf()
        .expect("the sign-out form carries a token");
    let path = format!("/admin/guests/{}", erin.id);
    assert_eq!(b.get(&format!("{path}/delete")).await.status, 404);
    for action in ["disable", "delete"] {
        let p = b
            .post_form(
                &format!("{path}/{action}"),
                &csrf,
                &[("confirm_email", "erin@northwind.test")],
            )
            .await;
        assert_eq!(p.status, 404, "{action}");
    }
    let erin = guest(&app, "erin@northwind.test").unwrap();
    assert!(!erin.disabled);
}
