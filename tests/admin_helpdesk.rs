//! Tenant settings and helpdesk actions in the console: each works, is audited with the admin
//! as actor, and respects roles (docs/security.md#6, #35, #36).

mod admin_support;
mod support;

use admin_support::*;
use support::browser::{Browser, Page};
use support::TestApp;

const PW: &str = "old-lantern-orchard-27";

struct World {
    app: TestApp,
    northwind: String,
    platform: AdminLogin,
    tenant_admin: AdminLogin,
}

async fn world() -> World {
    // These tests sign in many times a minute: the per-IP admin sign-in limit has tests of its own.
    let app =
        TestApp::spawn_with("[rate_limits.admin_login]\nper_minute = 6000\nburst = 6000").await;
    let nw = app.tenant("Northwind", "northwind.test", "managed", "premium");
    app.tenant("Contoso", "contoso.test", "managed", "free");
    let platform = set_up(&app, "root@ops.test", None).await;
    let tenant_admin = set_up(&app, "it@northwind.test", Some("northwind.test")).await;
    World {
        app,
        northwind: nw.id.into_string(),
        platform,
        tenant_admin,
    }
}

fn guest(app: &TestApp, email: &str) -> latchkey::db::models::User {
    let mut conn = app.state.db.get().unwrap();
    latchkey::db::users::find_by_email(
        &mut conn,
        &latchkey::domain::EmailAddress::parse(email).unwrap(),
    )
    .unwrap()
    .unwrap()
}

fn tenant(app: &TestApp, id: &str) -> latchkey::db::models::Tenant {
    let mut conn = app.state.db.get().unwrap();
    latchkey::db::tenants::find_by_id(&mut conn, &latchkey::domain::TenantId::from_string(id))
        .unwrap()
        .unwrap()
}

fn last_event(app: &TestApp, name: &str) -> latchkey::db::models::AuditEvent {
    app.audit_events()
        .into_iter()
        .rev()
        .find(|e| e.event == name)
        .unwrap_or_else(|| panic!("no {name} event"))
}

/// A live reset token for `email`, as the reset worker issues it; returns the raw token.
fn issue_token(app: &TestApp, email: &str) -> String {
    let user = guest(app, email);
    let secret = latchkey::security::TokenSecret::generate();
    let mut conn = app.state.db.get().unwrap();
    let now = app.state.now();
    latchkey::db::reset_tokens::issue(
        &mut conn,
        &latchkey::db::reset_tokens::NewToken {
            user_id: user.user_id(),
            tenant_id: user.tenant_id(),
            token_hash: secret.hash().into_string(),
            code_hash: None,
            flow_id_hash: None,
            issued_by: None,
            totp_required: false,
            expires_at: now + chrono::Duration::minutes(20),
        },
        now,
    )
    .unwrap();
    secret.expose().to_string()
}

async fn link_works(app: &TestApp, token: &str) -> bool {
    let p = app.browser().get(&format!("/reset/link/{token}")).await;
    p.status == 303
}

async fn save_tenant(b: &mut Browser, id: &str, fields: &[(&str, &str)]) -> Page {
    let path = format!("/admin/tenants/{id}");
    b.submit(&path, &path, fields).await
}

#[tokio::test]
async fn a_tenant_admin_cannot_change_the_plan() {
    let w = world().await;
    let mut b = signed_in(&w.app, &w.tenant_admin).await;
    let page = b.get(&format!("/admin/tenants/{}", w.northwind)).await;
    assert!(
        !page.body.contains("name=\"plan\""),
        "no plan field for tenant admins"
    );
    let p = save_tenant(
        &mut b,
        &w.northwind,
        &[
            ("plan", "free"),
            ("sspr_enabled", "on"),
            ("methods_required", "1"),
        ],
    )
    .await;
    assert_eq!(p.status, 403);
    assert_eq!(tenant(&w.app, &w.northwind).plan.as_str(), "premium");
    let refused = last_event(&w.app, "tenant_update_refused");
    assert_eq!(refused.actor, format!("admin:{}", w.tenant_admin.id));
}

#[tokio::test]
async fn a_tenant_admin_changes_their_settings_and_the_change_is_audited_before_and_after() {
    let w = world().await;
    let mut b = signed_in(&w.app, &w.tenant_admin).await;
    let p = save_tenant(
        &mut b,
        &w.northwind,
        &[
            ("sspr_enabled", "on"),
            ("methods_required", "2"),
            ("helpdesk_url", "mailto:helpdesk@northwind.test"),
        ],
    )
    .await;
    assert_eq!(p.status, 303, "{}", p.body);
    let t = tenant(&w.app, &w.northwind);
    assert_eq!(t.methods_required, 2);
    assert_eq!(
        t.helpdesk_url.as_deref(),
        Some("mailto:helpdesk@northwind.test")
    );
    assert_eq!(t.plan.as_str(), "premium");
    let e = last_event(&w.app, "tenant_updated");
    assert_eq!(e.actor, format!("admin:{}", w.tenant_admin.id));
    let detail: serde_json::Value = serde_json::from_str(e.detail.as_deref().unwrap()).unwrap();
    assert_eq!(detail["before"]["methods_required"], 1);
    assert_eq!(detail["after"]["methods_required"], 2);
    assert_eq!(
        detail["before"]["helpdesk_url"],
        "https://help.northwind.test/"
    );

    // Bad values re-render with a reason and change nothing.
    let p = save_tenant(
        &mut b,
        &w.northwind,
        &[
            ("methods_required", "1"),
            ("helpdesk_url", "javascript:alert(1)"),
        ],
    )
    .await;
    assert_eq!(p.status, 400);
    assert!(p.body.contains("helpdesk link must be"), "{}", p.body);
    assert_eq!(tenant(&w.app, &w.northwind).methods_required, 2);
}

#[tokio::test]
async fn plan_to_free_revokes_outstanding_reset_tokens() {
    // docs/security.md#6: a licence dropped kills the links it allowed.
    let w = world().await;
    w.app.user("nina@northwind.test", PW, true, false);
    let token = issue_token(&w.app, "nina@northwind.test");
    let mut b = signed_in(&w.app, &w.platform).await;
    let p = save_tenant(
        &mut b,
        &w.northwind,
        &[
            ("plan", "free"),
            ("sspr_enabled", "on"),
            ("methods_required", "1"),
        ],
    )
    .await;
    assert_eq!(p.status, 303, "{}", p.body);
    assert!(p.location().unwrap().contains("revoked=1"));
    assert_eq!(tenant(&w.app, &w.northwind).plan.as_str(), "free");
    assert!(!link_works(&w.app, &token).await);
    let e = last_event(&w.app, "tenant_updated");
    let detail: serde_json::Value = serde_json::from_str(e.detail.as_deref().unwrap()).unwrap();
    assert_eq!(detail["before"]["plan"], "premium");
    assert_eq!(detail["after"]["plan"], "free");
    assert_eq!(detail["revoked_reset_tokens"], 1);
}

#[tokio::test]
async fn switching_sspr_off_revokes_outstanding_reset_tokens() {
    // docs/security.md#6
    let w = world().await;
    w.app.user("nina@northwind.test", PW, true, false);
    let token = issue_token(&w.app, "nina@northwind.test");
    assert!(link_works(&w.app, &token).await);
    let mut b = signed_in(&w.app, &w.tenant_admin).await;
    let p = save_tenant(&mut b, &w.northwind, &[("methods_required", "1")]).await;
    assert_eq!(p.status, 303, "{}", p.body);
    assert!(!tenant(&w.app, &w.northwind).sspr_enabled);
    assert!(!link_works(&w.app, &token).await);
}

#[tokio::test]
async fn helpdesk_issues_a_12_hour_reset_link_shown_once() {
    let w = world().await;
    w.app.user("nina@northwind.test", PW, true, false);
    let nina = guest(&w.app, "nina@northwind.test");
    let mut b = signed_in(&w.app, &w.tenant_admin).await;
    let path = format!("/admin/guests/{}", nina.id);
    let page = b.get(&path).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("The policy allows a reset"),
        "{}",
        page.body
    );
    let p = b
        .post_form(&format!("{path}/reset-link"), &page.csrf().unwrap(), &[])
        .await;
    assert_eq!(p.status, 200, "{}", p.body);
    let at = p
        .body
        .find("https://reset.test.example/reset/link/")
        .unwrap();
    let link: String = p.body[at..].chars().take_while(|c| *c != '"').collect();
    let token = link.rsplit('/').next().unwrap().to_string();
    assert_eq!(token.len(), 43);
    // Only the hash is stored (docs/security.md#2), and the audit holds no token.
    assert!(w
        .app
        .audit_events()
        .iter()
        .all(|e| !format!("{e:?}").contains(&token)));
    let e = last_event(&w.app, "helpdesk_reset_link_issued");
    assert_eq!(e.actor, format!("admin:{}", w.tenant_admin.id));
    assert_eq!(
        e.user_id.as_ref().map(|u| u.as_str()),
        Some(nina.id.as_str())
    );
    assert_eq!(e.outcome, "success");
    // Valid 12 hours, not longer.
    w.app.clock.advance(chrono::Duration::hours(11));
    assert!(link_works(&w.app, &token).await);
    w.app.clock.advance(chrono::Duration::minutes(61));
    assert!(!link_works(&w.app, &token).await);
}

#[tokio::test]
async fn no_link_is_issued_when_the_policy_refuses_and_the_page_says_why() {
    let w = world().await;
    w.app.user("carl@contoso.test", PW, true, false);
    let carl = guest(&w.app, "carl@contoso.test");
    let mut b = signed_in(&w.app, &w.platform).await;
    let path = format!("/admin/guests/{}", carl.id);
    let page = b.get(&path).await;
    assert!(page.body.contains("tenant_not_licensed"), "{}", page.body);
    let p = b
        .post_form(&format!("{path}/reset-link"), &page.csrf().unwrap(), &[])
        .await;
    assert_eq!(p.status, 200);
    assert!(p.body.contains("No link was issued"));
    assert!(!p.body.contains("/reset/link/"));
    assert_eq!(
        last_event(&w.app, "helpdesk_reset_link_issued").outcome,
        "denied"
    );
    // Viewing the guest is audited (docs/security.md#36).
    let seen = last_event(&w.app, "admin_viewed_guest");
    assert_eq!(
        seen.user_id.as_ref().map(|u| u.as_str()),
        Some(carl.id.as_str())
    );
    assert_eq!(seen.actor, format!("admin:{}", w.platform.id));
}

/// Presses the guest page's `action` button: it is there, and it returns to the guest page
/// with that action's notice.
async fn run(b: &mut Browser, path: &str, action: &str) {
    let page = b.get(path).await;
    assert!(
        page.body.contains(&format!("{path}/{action}")),
        "no {action} button"
    );
    let p = b
        .post_form(&format!("{path}/{action}"), &page.csrf().unwrap(), &[])
        .await;
    assert_eq!(p.status, 303, "{action}: {}", p.body);
    assert_eq!(p.location(), Some(format!("{path}?done={action}").as_str()));
}

#[tokio::test]
async fn helpdesk_resets_totp_clears_lockout_and_marks_mail_state() {
    let w = world().await;
    w.app.user("erin@northwind.test", PW, true, true);
    let erin = guest(&w.app, "erin@northwind.test");
    w.app.sql(&format!(
        "UPDATE users SET locked_until = '2999-01-01 00:00:00' WHERE id = '{}'",
        erin.id
    ));
    let mut b = signed_in(&w.app, &w.tenant_admin).await;
    let path = format!("/admin/guests/{}", erin.id);
    let actor = format!("admin:{}", w.tenant_admin.id);

    run(&mut b, &path, "reset-totp").await;
    assert!(guest(&w.app, "erin@northwind.test").totp_secret.is_none());
    assert_eq!(last_event(&w.app, "helpdesk_totp_reset").actor, actor);

    run(&mut b, &path, "unlock").await;
    assert!(guest(&w.app, "erin@northwind.test").locked_until.is_none());
    assert_eq!(last_event(&w.app, "helpdesk_lockout_cleared").actor, actor);

    run(&mut b, &path, "mark-bounced").await;
    assert!(guest(&w.app, "erin@northwind.test").bounced_at.is_some());
    let e = last_event(&w.app, "helpdesk_marked_bounced");
    assert_eq!(
        (e.actor.as_str(), e.email.as_deref()),
        (actor.as_str(), Some("erin@northwind.test"))
    );
    let page = b.get(&path).await;
    assert!(page.body.contains("email_undeliverable"), "{}", page.body);

    run(&mut b, &path, "mark-deliverable").await;
    assert!(guest(&w.app, "erin@northwind.test").bounced_at.is_none());
    assert_eq!(
        last_event(&w.app, "helpdesk_marked_deliverable").actor,
        actor
    );
    let page = b.get(&format!("{path}?done=mark-deliverable")).await;
    assert!(page.body.contains("marked as deliverable again"));
}

#[tokio::test]
async fn guests_are_found_by_address() {
    let w = world().await;
    w.app.user("nina@northwind.test", PW, true, false);
    w.app.user("nora@northwind.test", PW, true, false);
    w.app.user("carl@contoso.test", PW, true, false);
    let mut b = signed_in(&w.app, &w.tenant_admin).await;
    let p = b.get("/admin/guests?q=NINA").await;
    assert!(p.body.contains("nina@northwind.test"));
    assert!(!p.body.contains("nora@northwind.test"));
    let p = b.get("/admin/guests?q=%25").await;
    assert!(
        p.body.contains("No guests found"),
        "a % is matched literally"
    );
    let p = b.get("/admin/guests").await;
    assert!(p.body.contains("nora@northwind.test"));
    assert!(!p.body.contains("carl@contoso.test"));
}

/// Every address column is written through `EmailAddress`, so stored text that no longer parses
/// is an integrity fault: reading that row fails as any data error does (docs/architecture.md,
/// Storage), without a panic, and no other guest is affected.
#[tokio::test]
async fn a_stored_address_that_does_not_parse_fails_the_reads_of_its_row_only() {
    let w = world().await;
    w.app.user("ann@northwind.test", PW, true, false);
    w.app.user("bob@northwind.test", PW, true, false);
    let (ann, bob) = (
        guest(&w.app, "ann@northwind.test"),
        guest(&w.app, "bob@northwind.test"),
    );
    let bobs_link = issue_token(&w.app, "bob@northwind.test");
    w.app.sql(&format!(
        "UPDATE users SET email = 'bob@northwind.test,eve@evil.test' WHERE id = '{}'",
        bob.id
    ));
    let mut b = signed_in(&w.app, &w.tenant_admin).await;
    let p = b.get(&format!("/admin/guests/{}", bob.id)).await;
    assert_eq!(p.status, 500, "{}", p.body);
    assert!(!p.body.contains("eve@evil.test"), "{}", p.body);
    let p = b.get(&format!("/admin/guests/{}", ann.id)).await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(p.body.contains("ann@northwind.test"));
    let p = w
        .app
        .browser()
        .get(&format!("/reset/link/{bobs_link}"))
        .await;
    assert_eq!(p.status, 500, "{}", p.body);
    assert!(!p.body.contains("eve@evil.test"), "{}", p.body);
    assert!(link_works(&w.app, &issue_token(&w.app, "ann@northwind.test")).await);
}

/// A guest of a tenant that pays for no reset fails their password until sign-in refuses them,
/// the console shows it (`shown`), and the helpdesk lets them in again (docs/security.md#30,
/// #36): no reset is needed, and the right password works at once.
async fn failed_sign_ins_cleared_by_the_helpdesk(limits: &str, wrong: usize, shown: &str) {
    let app = TestApp::spawn_with(&format!(
        "[rate_limits]\n{limits}\n[rate_limits.admin_login]\nper_minute = 6000\nburst = 6000"
    ))
    .await;
    app.tenant("Contoso", "contoso.test", "managed", "free");
    let admin = set_up(&app, "it@contoso.test", Some("contoso.test")).await;
    app.user("gus@contoso.test", PW, true, false);
    let gus = guest(&app, "gus@contoso.test");
    let sign_in = |password: &'static str| {
        let mut b = app.browser();
        async move {
            b.submit(
                "/signin",
                "/signin",
                &[("email", "gus@contoso.test"), ("password", password)],
            )
            .await
        }
    };
    for _ in 0..wrong {
        assert_ne!(
            sign_in("not-the-password").await.location(),
            Some("/account")
        );
    }
    let refused = sign_in(PW).await;
    assert_ne!(refused.location(), Some("/account"), "{}", refused.body);

    let mut b = signed_in(&app, &admin).await;
    let path = format!("/admin/guests/{}", gus.id);
    let page = b.get(&path).await;
    assert!(page.body.contains(shown), "{}", page.body);
    run(&mut b, &path, "unlock").await;
    let page = b.get(&format!("{path}?done=unlock")).await;
    assert!(page.body.contains("sign in again now"), "{}", page.body);
    assert!(
        !page.body.contains(&format!("{path}/unlock")),
        "{}",
        page.body
    );
    assert_eq!(
        last_event(&app, "helpdesk_lockout_cleared").actor,
        format!("admin:{}", admin.id)
    );

    let p = sign_in(PW).await;
    assert_eq!(p.location(), Some("/account"), "{}", p.body);
}

#[tokio::test]
async fn the_helpdesk_ends_a_sign_in_pause() {
    failed_sign_ins_cleared_by_the_helpdesk(
        "failures_before_backoff = 2\nfailure_backoff_base_seconds = 3600\n\
         failure_backoff_max_seconds = 3600",
        3,
        "paused after failed attempts, until",
    )
    .await;
}

#[tokio::test]
async fn the_helpdesk_lifts_the_hard_stop() {
    failed_sign_ins_cleared_by_the_helpdesk(
        "failures_before_backoff = 10\nmax_consecutive_failures = 3",
        3,
        "<strong>stopped</strong> after too many failed attempts",
    )
    .await;
}
