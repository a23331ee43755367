//! Managing admins from the console, black-box over HTTP: the list, disable, enable and a new
//! set-up link (each behind a confirmation, CSRF-protected and audited with actor and target);
//! the refusals (themselves, tenant admins, no confirmation, no CSRF token); a disabled
//! admin's session stops at the next request; a re-issued link replaces the old one and resets
//! the authenticator. Also the set-up and sign-in pages a new admin meets: field errors, the
//! password kept across a wrong code, and when the next code comes after a reused one.

mod admin_support;
mod support;

use admin_support::*;
use latchkey::security::TotpSecret;
use latchkey::services::clock::Clock;
use support::browser::Browser;
use support::TestApp;

async fn app() -> TestApp {
    TestApp::spawn_with("[rate_limits.admin_login]\nper_minute = 6000\nburst = 6000").await
}

fn admin_row(app: &TestApp, email: &str) -> latchkey::db::models::Admin {
    let mut conn = app.state.db.get().unwrap();
    latchkey::db::admins::find_by_email(
        &mut conn,
        &latchkey::domain::EmailAddress::parse(email).unwrap(),
    )
    .unwrap()
    .expect("admin")
}

fn events(app: &TestApp, name: &str) -> Vec<latchkey::db::models::AuditEvent> {
    app.audit_events()
        .into_iter()
        .filter(|e| e.event == name)
        .collect()
}

/// Confirms `change` (`disable`, `enable`, `reissue`) for `target_id` through its
/// confirmation page.
async fn confirm(b: &mut Browser, target_id: &str, change: &str) -> support::browser::Page {
    let path = format!("/admin/admins/{target_id}/{change}");
    let form = b.get(&path).await;
    assert_eq!(form.status, 200, "{}", form.body);
    b.post_form(&path, &form.csrf().unwrap(), &[("confirm", "yes")])
        .await
}

/// The value of the read-only link field on the re-issue page.
fn link_on(page: &support::browser::Page) -> String {
    let at = page.body.find("id=\"link\"").expect("link field");
    let rest = &page.body[at..];
    let v = rest.find("value=\"").unwrap() + "value=\"".len();
    let rest = &rest[v..];
    rest[..rest.find('"').unwrap()].to_string()
}

/// The path part of a set-up link.
fn path_of(link: &str) -> String {
    link[link.find("/admin/setup/").expect("a set-up link")..].to_string()
}

async fn two_platform_admins_and_a_tenant_admin(
    app: &TestApp,
) -> (AdminLogin, AdminLogin, AdminLogin) {
    app.tenant("Northwind", "northwind.test", "managed", "premium");
    let root = set_up(app, "root@ops.test", None).await;
    let ops = set_up(app, "ops@ops.test", None).await;
    let it = set_up(app, "it@northwind.test", Some("northwind.test")).await;
    (root, ops, it)
}

#[tokio::test]
async fn a_platform_admin_lists_admins_with_role_state_authenticator_and_last_sign_in() {
    let app = app().await;
    let (root, _ops, it) = two_platform_admins_and_a_tenant_admin(&app).await;
    create_admin(&app, "new@ops.test", None);
    // The tenant admin signed in once; the others never.
    signed_in(&app, &it).await;
    let mut b = signed_in(&app, &root).await;
    let home = b.get("/admin/audit").await;
    assert!(home.body.contains("href=\"/admin/admins\""), "nav link");

    let p = b.get("/admin/admins").await;
    assert_eq!(p.status, 200, "{}", p.body);
    for text in [
        "root@ops.test",
        "(you)",
        "ops@ops.test",
        "it@northwind.test",
        "tenant admin of Northwind",
        "platform admin",
        "new@ops.test",
        "set-up pending",
        "link valid until",
        "not enrolled",
        "enrolled",
        "never",
    ] {
        assert!(p.body.contains(text), "{text:?} missing: {}", p.body);
    }
    let it_row = &p.body[p.body.find("it@northwind.test").unwrap()..];
    let it_row = &it_row[..it_row.find("</tr>").unwrap()];
    assert!(it_row.contains("active"), "{it_row}");
    assert!(it_row.contains(" UTC"), "a last sign-in time: {it_row}");
    assert!(!it_row.contains("never"), "{it_row}");
    // Actions are links to confirmation pages, never one-click forms; none on one's own row.
    assert!(p.body.contains(&format!("/admin/admins/{}/disable", it.id)));
    assert!(p.body.contains(&format!("/admin/admins/{}/reissue", it.id)));
    assert!(!p
        .body
        .contains(&format!("/admin/admins/{}/disable", root.id)));
    assert!(!p.body.contains("method=\"post\" action=\"/admin/admins/"));
    // Never a secret.
    assert!(!p.body.contains("argon2"), "{}", p.body);
}

#[tokio::test]
async fn a_tenant_admin_cannot_see_or_change_admins() {
    let app = app().await;
    let (root, _ops, it) = two_platform_admins_and_a_tenant_admin(&app).await;
    let mut b = signed_in(&app, &it).await;
    let home = b.get("/admin/audit").await;
    assert!(!home.body.contains("href=\"/admin/admins\""), "no nav link");
    assert_eq!(b.get("/admin/admins").await.status, 404);
    let path = format!("/admin/admins/{}/disable", root.id);
    assert_eq!(b.get(&path).await.status, 404);
    let p = b
        .post_form(&path, &home.csrf().unwrap(), &[("confirm", "yes")])
        .await;
    assert_eq!(p.status, 404, "{}", p.body);
    assert!(!admin_row(&app, "root@ops.test").disabled);
    assert!(events(&app, "admin_disabled").is_empty());
}

#[tokio::test]
async fn disabling_an_admin_needs_confirmation_ends_their_session_and_refuses_sign_in() {
    let app = app().await;
    let (root, ops, _it) = two_platform_admins_and_a_tenant_admin(&app).await;
    let mut victim = signed_in(&app, &ops).await;
    assert_eq!(victim.get("/admin/audit").await.status, 200);
    let mut b = signed_in(&app, &root).await;

    let path = format!("/admin/admins/{}/disable", ops.id);
    let form = b.get(&path).await;
    assert_eq!(form.status, 200, "{}", form.body);
    assert!(form.body.contains("Disable this admin?"), "{}", form.body);
    assert!(form.body.contains("ops@ops.test"));
    // The button alone is not enough: the box must be ticked.
    let p = b.post_form(&path, &form.csrf().unwrap(), &[]).await;
    assert_eq!(p.status, 400, "{}", p.body);
    assert!(p.body.contains("Tick the box to confirm"), "{}", p.body);
    assert!(p.body.contains("id=\"confirm-error\""), "{}", p.body);
    assert!(!admin_row(&app, "ops@ops.test").disabled);

    let p = b
        .post_form(&path, &form.csrf().unwrap(), &[("confirm", "yes")])
        .await;
    assert_eq!(p.status, 303, "{}", p.body);
    let list = b.get(p.location().unwrap()).await;
    assert!(list.body.contains("Disabled ops@ops.test"), "{}", list.body);
    assert!(admin_row(&app, "ops@ops.test").disabled);
    let e = events(&app, "admin_disabled").pop().expect("audited");
    assert_eq!(e.actor, format!("admin:{}", root.id));
    assert_eq!(e.email.as_deref(), Some("ops@ops.test"));
    assert!(e.detail.unwrap().contains(&ops.id));

    // Their open session stops at its next request; sign-in is refused.
    let p = victim.get("/admin/audit").await;
    assert_eq!(p.status, 303, "{}", p.body);
    assert_eq!(p.location(), Some("/admin/login"));
    let mut again = app.browser();
    let p = password_step(&mut again, &ops.email, ADMIN_PASSWORD).await;
    assert_eq!(p.status, 200, "refused like any failure: {}", p.body);
    assert!(p.body.contains("That did not work"), "{}", p.body);

    // Enabled again: sign-in works, the old session stays ended.
    let p = confirm(&mut b, &ops.id, "enable").await;
    assert_eq!(p.status, 303, "{}", p.body);
    assert!(!admin_row(&app, "ops@ops.test").disabled);
    let e = events(&app, "admin_enabled").pop().expect("audited");
    assert_eq!(e.actor, format!("admin:{}", root.id));
    assert_eq!(e.email.as_deref(), Some("ops@ops.test"));
    assert_eq!(victim.get("/admin/audit").await.status, 303);
    signed_in(&app, &ops).await;
}

#[tokio::test]
async fn an_admin_cannot_disable_or_reissue_themselves() {
    let app = app().await;
    let (root, _ops, _it) = two_platform_admins_and_a_tenant_admin(&app).await;
    let mut b = signed_in(&app, &root).await;
    for change in ["disable", "reissue"] {
        let p = confirm(&mut b, &root.id, change).await;
        assert_eq!(p.status, 409, "{}", p.body);
        assert!(
            p.body.contains("You cannot do this to your own account"),
            "{}",
            p.body
        );
    }
    let me = admin_row(&app, "root@ops.test");
    assert!(!me.disabled);
    assert!(me.totp_secret.is_some());
    assert_eq!(b.get("/admin/audit").await.status, 200, "still signed in");
    let refused = events(&app, "admin_change_refused");
    assert_eq!(refused.len(), 2);
    assert_eq!(refused[0].reason.as_deref(), Some("themselves"));
    assert_eq!(refused[0].outcome, "denied");
    assert_eq!(refused[0].actor, format!("admin:{}", root.id));
}

#[tokio::test]
async fn admin_changes_without_a_csrf_token_are_refused() {
    let app = app().await;
    let (root, ops, _it) = two_platform_admins_and_a_tenant_admin(&app).await;
    let mut b = signed_in(&app, &root).await;
    for change in ["disable", "reissue"] {
        let path = format!("/admin/admins/{}/{change}", ops.id);
        let p = b.post_raw(&path, "confirm=yes".into(), &[]).await;
        assert!(p.status == 400 || p.status == 403, "{change}: {}", p.status);
    }
    let row = admin_row(&app, "ops@ops.test");
    assert!(!row.disabled);
    assert!(row.totp_secret.is_some());
    assert!(events(&app, "admin_disabled").is_empty());
    assert!(events(&app, "admin_setup_reissued").is_empty());
}

#[tokio::test]
async fn a_reissued_set_up_link_resets_the_authenticator_and_ends_sessions() {
    let app = app().await;
    let (root, _ops, it) = two_platform_admins_and_a_tenant_admin(&app).await;
    let mut victim = signed_in(&app, &it).await;
    let mut b = signed_in(&app, &root).await;

    let path = format!("/admin/admins/{}/reissue", it.id);
    let form = b.get(&path).await;
    assert!(
        form.body
            .contains("make sure the request really comes from it@northwind.test"),
        "asks to check the caller: {}",
        form.body
    );
    let p = b.post_form(&path, &form.csrf().unwrap(), &[]).await;
    assert_eq!(p.status, 400, "no confirmation, nothing done: {}", p.body);
    assert!(admin_row(&app, "it@northwind.test").totp_secret.is_some());

    let p = confirm(&mut b, &it.id, "reissue").await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(p.body.contains("shown only this once"), "{}", p.body);
    assert!(p.body.contains("readonly"), "{}", p.body);
    assert!(p.body.contains("Ctrl+A"), "how to copy it: {}", p.body);
    let link = link_on(&p);
    assert!(link.starts_with("http"), "{link}");

    let row = admin_row(&app, "it@northwind.test");
    assert!(row.totp_secret.is_none());
    assert!(row.password_hash.is_none());
    // Valid as long as a first link: 24 hours from now (the server's clock, give or take
    // the request's own duration).
    let lifetime = row.setup_expires_at.unwrap() - app.state.now();
    assert!(
        (lifetime - chrono::Duration::hours(24)).num_seconds().abs() < 60,
        "{lifetime:?}"
    );
    let e = events(&app, "admin_setup_reissued").pop().expect("audited");
    assert_eq!(e.actor, format!("admin:{}", root.id));
    assert_eq!(e.email.as_deref(), Some("it@northwind.test"));
    assert!(!e.detail.unwrap_or_default().contains(&path_of(&link)[13..]));

    // Their session ended; the old password no longer signs in.
    assert_eq!(victim.get("/admin/audit").await.status, 303);
    let mut again = app.browser();
    let p = password_step(&mut again, &it.email, ADMIN_PASSWORD).await;
    assert!(p.body.contains("That did not work"), "{}", p.body);
    let list = b.get("/admin/admins").await;
    let row_html = &list.body[list.body.find("it@northwind.test").unwrap()..];
    assert!(row_html[..row_html.find("</tr>").unwrap()].contains("set-up pending"));

    // The new link sets them up again, with a new authenticator.
    let mut fresh = app.browser();
    assert_eq!(fresh.get(&path_of(&link)).await.status, 303);
    let form = fresh.get("/admin/setup").await;
    let secret = TotpSecret::from_base32(&key_on(&form)).unwrap();
    let code = next_code(&app, &secret);
    let p = fresh
        .post_form(
            "/admin/setup",
            &form.csrf().unwrap(),
            &[
                ("password", ADMIN_PASSWORD),
                ("password_confirm", ADMIN_PASSWORD),
                ("code", &code),
            ],
        )
        .await;
    assert_eq!(p.location(), Some("/admin/login?setup=done"), "{}", p.body);
    signed_in(
        &app,
        &AdminLogin {
            secret,
            ..it.clone()
        },
    )
    .await;
}

#[tokio::test]
async fn a_reissued_link_replaces_the_old_one() {
    let app = app().await;
    let (root, _ops, _it) = two_platform_admins_and_a_tenant_admin(&app).await;
    let (pending, old_path) = create_admin(&app, "new@ops.test", None);
    let mut b = signed_in(&app, &root).await;
    let p = confirm(&mut b, &pending, "reissue").await;
    assert_eq!(p.status, 200, "{}", p.body);
    let new_path = path_of(&link_on(&p));
    assert_ne!(new_path, old_path);

    let mut other = app.browser();
    let p = other.get(&old_path).await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(p.body.contains("invalid or has expired"), "{}", p.body);
    assert!(p.body.contains("Only the newest link works"), "{}", p.body);
    let p = other.get(&new_path).await;
    assert_eq!(p.location(), Some("/admin/setup"));
}

#[tokio::test]
async fn a_disabled_admin_gets_no_new_set_up_link_and_their_link_stops() {
    let app = app().await;
    let (root, _ops, _it) = two_platform_admins_and_a_tenant_admin(&app).await;
    let (pending, link) = create_admin(&app, "new@ops.test", None);
    let mut b = signed_in(&app, &root).await;
    assert_eq!(confirm(&mut b, &pending, "disable").await.status, 303);
    let p = app.browser().get(&link).await;
    assert!(p.body.contains("invalid or has expired"), "{}", p.body);
    let p = confirm(&mut b, &pending, "reissue").await;
    assert_eq!(p.status, 409, "{}", p.body);
    assert!(p.body.contains("enable them first"), "{}", p.body);
    assert_eq!(
        events(&app, "admin_change_refused")[0].reason.as_deref(),
        Some("disabled")
    );
}

#[tokio::test]
async fn a_new_admin_who_reuses_the_set_up_code_is_told_when_the_next_code_comes() {
    let app = app().await;
    let (_, path) = create_admin(&app, "new@ops.test", None);
    let mut b = app.browser();
    b.get(&path).await;
    let form = b.get("/admin/setup").await;
    let secret = TotpSecret::from_base32(&key_on(&form)).unwrap();
    let code = next_code(&app, &secret);
    let p = b
        .post_form(
            "/admin/setup",
            &form.csrf().unwrap(),
            &[
                ("password", ADMIN_PASSWORD),
                ("password_confirm", ADMIN_PASSWORD),
                ("code", &code),
            ],
        )
        .await;
    assert_eq!(p.status, 303, "{}", p.body);
    // Straight to sign-in, within the same 30 seconds: the same code.
    let p = password_step(&mut b, "new@ops.test", ADMIN_PASSWORD).await;
    assert_eq!(p.location(), Some("/admin/login/totp"));
    let p = totp_step(&mut b, &code).await;
    assert_eq!(p.status, 200);
    let now = app.clock.now().timestamp();
    let wait = 30 - now.rem_euclid(30);
    assert!(p.body.contains("already used"), "{}", p.body);
    assert!(
        p.body.contains(&format!("in about {wait} second")),
        "says when ({wait} s): {}",
        p.body
    );
    // The page no longer promises a missing action.
    assert!(!p.body.contains("Ask a platform admin to issue you"));
    assert!(p.body.contains("latchkey admin reissue"), "{}", p.body);
    // The next code signs in.
    let next = next_code(&app, &secret);
    let p = totp_step(&mut b, &next).await;
    assert_eq!(p.location(), Some("/admin/audit"), "{}", p.body);
}

#[tokio::test]
async fn the_set_up_page_shows_a_wrong_code_at_its_field_and_keeps_a_good_password() {
    let app = app().await;
    let (_, path) = create_admin(&app, "new@ops.test", None);
    let mut b = app.browser();
    b.get(&path).await;
    let form = b.get("/admin/setup").await;
    let secret = TotpSecret::from_base32(&key_on(&form)).unwrap();
    let good = next_code(&app, &secret);
    let wrong = if good == "000000" { "111111" } else { "000000" };
    let p = b
        .post_form(
            "/admin/setup",
            &form.csrf().unwrap(),
            &[
                ("password", ADMIN_PASSWORD),
                ("password_confirm", ADMIN_PASSWORD),
                ("code", wrong),
            ],
        )
        .await;
    assert_eq!(p.status, 200, "{}", p.body);
    // The summary at the top links to the field; the error sits next to the field.
    assert!(p.body.contains("There is a problem"), "{}", p.body);
    assert!(p.body.contains("href=\"#code\""), "{}", p.body);
    let at_field = p.body.find("id=\"code-error\"").expect("field error");
    assert!(at_field > p.body.find("for=\"code\"").unwrap());
    assert!(p.body.contains("aria-describedby=\"code-error\""));
    assert!(!p.body.contains("password-error"), "{}", p.body);
    // The password was fine: kept, never written into the page.
    assert!(p.body.contains("is kept for this set-up"), "{}", p.body);
    assert!(!p.body.contains(ADMIN_PASSWORD));

    // Only the code typed again.
    let p = b
        .post_form(
            "/admin/setup",
            &p.csrf().unwrap(),
            &[("password", ""), ("password_confirm", ""), ("code", &good)],
        )
        .await;
    assert_eq!(p.location(), Some("/admin/login?setup=done"), "{}", p.body);
    signed_in(
        &app,
        &AdminLogin {
            id: String::new(),
            email: "new@ops.test".into(),
            secret,
        },
    )
    .await;
}

#[tokio::test]
async fn a_refused_set_up_password_is_reported_at_its_field_and_says_the_fields_were_cleared() {
    let app = app().await;
    let (_, path) = create_admin(&app, "new@ops.test", None);
    let mut b = app.browser();
    b.get(&path).await;
    let form = b.get("/admin/setup").await;
    let secret = TotpSecret::from_base32(&key_on(&form)).unwrap();
    let code = next_code(&app, &secret);
    let p = b
        .post_form(
            "/admin/setup",
            &form.csrf().unwrap(),
            &[
                ("password", ADMIN_PASSWORD),
                ("password_confirm", "something-else-entirely-42"),
                ("code", &code),
            ],
        )
        .await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(p.body.contains("href=\"#password\""), "{}", p.body);
    assert!(p.body.contains("id=\"password-error\""), "{}", p.body);
    assert!(
        p.body.contains("the password fields were cleared"),
        "{}",
        p.body
    );
    assert!(
        !p.body.contains("code-error"),
        "the code was right: {}",
        p.body
    );
    assert!(!p.body.contains("is kept for this set-up"));
    assert!(admin_row(&app, "new@ops.test").password_hash.is_none());
}
