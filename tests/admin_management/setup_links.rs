//! Re-issued set-up links, and the set-up page's errors.

use super::*;

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
    let (p, secret) = submit_setup(
        &app,
        &mut fresh,
        &path_of(&link),
        (ADMIN_PASSWORD, ADMIN_PASSWORD),
        |c| c,
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
    let (p, secret) =
        submit_setup(&app, &mut b, &path, (ADMIN_PASSWORD, ADMIN_PASSWORD), |c| c).await;
    assert_eq!(p.status, 303, "{}", p.body);
    // Straight to sign-in, within the same 30 seconds: the same code.
    let code = secret.code_at(app.clock.now().timestamp() as u64).unwrap();
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
    let (p, secret) = submit_setup(
        &app,
        &mut b,
        &path,
        (ADMIN_PASSWORD, ADMIN_PASSWORD),
        |good| if good == "000000" { "111111" } else { "000000" }.to_string(),
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

    // Only the code typed again: a right one.
    let good = next_code(&app, &secret);
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
    let (p, _) = submit_setup(
        &app,
        &mut b,
        &path,
        (ADMIN_PASSWORD, "something-else-entirely-42"),
        |c| c,
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
