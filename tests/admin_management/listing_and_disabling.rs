//! Listing admins, disabling and enabling them, and who may.

use super::*;

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
