//! The console as an IT admin reads it: tenants show the self-service state the policy applies
//! and what a save changed; the guest list names tenants and guests; removing an authenticator
//! and revoking an API key go through a confirmation page (a GET changes nothing); the helpdesk
//! link sits in a copy field; pending invitations are listed; API-key scopes name the tenant;
//! the insights speak in proper plurals and change their range.

mod admin_support;
mod support;

use admin_support::*;
use support::browser::{visible_text, Browser};
use support::TestApp;

const PW: &str = "old-lantern-orchard-27";

struct World {
    app: TestApp,
    contoso: String,
    b: Browser,
}

async fn world() -> World {
    let app =
        TestApp::spawn_with_mail("[rate_limits.admin_login]\nper_minute = 6000\nburst = 6000")
            .await;
    app.tenant("Northwind", "northwind.test", "managed", "premium");
    let contoso = app.tenant("Contoso", "contoso.test", "managed", "free");
    app.tenant("Fabrikam", "fabrikam.test", "unmanaged", "free");
    let admin = set_up(&app, "root@ops.test", None).await;
    let b = signed_in(&app, &admin).await;
    World {
        app,
        contoso: contoso.id.into_string(),
        b,
    }
}

fn user(app: &TestApp, email: &str) -> latchkey::db::models::User {
    let mut conn = app.state.db.get().unwrap();
    latchkey::db::users::find_by_email(
        &mut conn,
        &latchkey::domain::EmailAddress::parse(email).unwrap(),
    )
    .unwrap()
    .unwrap()
}

#[tokio::test]
async fn tenants_show_the_self_service_state_the_policy_applies_not_the_switch() {
    let mut w = world().await;
    let list = visible_text(&w.b.get("/admin/tenants").await.body);
    assert!(
        list.contains("Contoso managed free off — managed tenant without the paid plan"),
        "{list}"
    );
    assert!(list.contains("Northwind managed premium on — paid plan, switch on"));
    assert!(list.contains("Fabrikam unmanaged n/a on — unmanaged tenant: always on"));

    let page = w.b.get(&format!("/admin/tenants/{}", w.contoso)).await;
    let text = visible_text(&page.body);
    assert!(
        text.contains("Self-service reset: off — managed tenant without the paid plan"),
        "{text}"
    );
    // The switch says what it is, with the state in effect beside it: no contradiction.
    assert!(text.contains("Allow self-service reset (takes effect only for a managed tenant on the paid plan) In effect now: self-service reset off"), "{text}");
    assert!(!text.contains("Self-service password reset is on"));
}

#[tokio::test]
async fn saved_says_what_changed() {
    let mut w = world().await;
    let path = format!("/admin/tenants/{}", w.contoso);
    let save = |plan: &'static str, sspr: Option<&'static str>, methods: &'static str| {
        let mut f = vec![
            ("plan", plan),
            ("methods_required", methods),
            ("helpdesk_url", "https://help.contoso.test/"),
        ];
        if let Some(s) = sspr {
            f.push(("sspr_enabled", s));
        }
        f
    };
    let p =
        w.b.submit(&path, &path, &save("premium", Some("on"), "1"))
            .await;
    p.assert_see_other(&format!("{path}?saved=plan"));
    let text = visible_text(&w.b.follow(p).await.body);
    assert!(
        text.contains("Saved. Plan changed from free to premium (paid)."),
        "{text}"
    );
    assert!(text.contains("Self-service reset: on — paid plan, switch on"));

    let p = w.b.submit(&path, &path, &save("premium", None, "2")).await;
    let text = visible_text(&w.b.follow(p).await.body);
    assert!(
        text.contains(
            "Saved. Self-service reset switched off. Methods required changed from 1 to 2."
        ),
        "{text}"
    );
    assert!(text.contains("Self-service reset: off — switched off by the tenant's admin"));

    let p = w.b.submit(&path, &path, &save("premium", None, "2")).await;
    let text = visible_text(&w.b.follow(p).await.body);
    assert!(text.contains("Saved. Nothing changed."), "{text}");
}

#[tokio::test]
async fn the_guest_list_names_each_guest_and_their_tenant() {
    let mut w = world().await;
    w.app.user("ann@northwind.test", PW, true, false);
    w.app
        .sql("UPDATE users SET display_name = 'Ann Lee' WHERE email = 'ann@northwind.test'");
    let page = w.b.get("/admin/guests").await;
    let text = visible_text(&page.body);
    assert!(
        text.contains("Email Name Tenant Verified Authenticator State"),
        "{text}"
    );
    assert!(
        text.contains("ann@northwind.test Ann Lee Northwind yes none ok"),
        "{text}"
    );
    // The guest's page has a normal heading with their name, not a monospace address.
    let id = user(&w.app, "ann@northwind.test").id;
    let page = w.b.get(&format!("/admin/guests/{id}")).await;
    assert!(
        page.body.contains(
            "<h1 class=\"address\">Ann Lee <span class=\"muted\">·</span> ann@northwind.test</h1>"
        ),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn removing_an_authenticator_asks_first_and_a_get_changes_nothing() {
    let mut w = world().await;
    w.app.user("bo@northwind.test", PW, true, true);
    let id = user(&w.app, "bo@northwind.test").id;
    let guest = w.b.get(&format!("/admin/guests/{id}")).await;
    // No one-click form: a link to the confirmation page.
    assert!(
        !guest
            .body
            .contains(&format!("action=\"/admin/guests/{id}/reset-totp\"")),
        "the guest page must not remove the authenticator in one click"
    );
    assert!(guest
        .body
        .contains(&format!("href=\"/admin/guests/{id}/reset-totp\"")));
    let confirm = w.b.get(&format!("/admin/guests/{id}/reset-totp")).await;
    assert_eq!(confirm.status, 200);
    let text = visible_text(&confirm.body);
    assert!(
        text.contains("Remove this guest's authenticator?"),
        "{text}"
    );
    assert!(text.contains("Check who is asking."), "{text}");
    assert!(text.contains("call them back on a number you already know"));
    assert!(
        user(&w.app, "bo@northwind.test").totp_secret.is_some(),
        "GET changed nothing"
    );
    let p =
        w.b.post_form(
            &format!("/admin/guests/{id}/reset-totp"),
            &confirm.csrf().unwrap(),
            &[],
        )
        .await;
    p.assert_see_other(&format!("/admin/guests/{id}?done=reset-totp"));
    assert!(user(&w.app, "bo@northwind.test").totp_secret.is_none());
}

#[tokio::test]
async fn api_keys_name_their_tenant_and_revoking_one_asks_first() {
    let mut w = world().await;
    let p =
        w.b.submit(
            "/admin/api-keys",
            "/admin/api-keys",
            &[("name", "HR sync"), ("tenant_domain", "northwind.test")],
        )
        .await;
    assert_eq!(p.status, 200, "{}", p.body);
    let list = w.b.get("/admin/api-keys").await;
    let text = visible_text(&list.body);
    assert!(text.contains("tenant: Northwind"), "{text}");
    let at = list.body.find("/admin/api-keys/").unwrap();
    let rest = &list.body[at..];
    let link = rest[..rest.find('"').unwrap()].to_string();
    assert!(link.ends_with("/revoke"), "{link}");
    assert!(
        !list
            .body
            .contains("method=\"post\" action=\"/admin/api-keys/"),
        "no one-click revoke"
    );
    let confirm = w.b.get(&link).await;
    assert_eq!(confirm.status, 200);
    let text = visible_text(&confirm.body);
    assert!(text.contains("Revoke this API key?"), "{text}");
    assert!(text.contains("scope tenant: Northwind"), "{text}");
    assert!(text.contains("This cannot be undone."));
    let live = |app: &TestApp| {
        let mut conn = app.state.db.get().unwrap();
        latchkey::db::api_keys::list(&mut conn)
            .unwrap()
            .iter()
            .filter(|k| k.revoked_at.is_none())
            .count()
    };
    assert_eq!(live(&w.app), 1, "GET changed nothing");
    let p = w.b.post_form(&link, &confirm.csrf().unwrap(), &[]).await;
    p.assert_see_other("/admin/api-keys");
    assert_eq!(live(&w.app), 0);
}

#[tokio::test]
async fn the_helpdesk_link_is_in_a_full_width_copy_field() {
    let mut w = world().await;
    w.app.user("cy@northwind.test", PW, true, false);
    let id = user(&w.app, "cy@northwind.test").id;
    let path = format!("/admin/guests/{id}");
    let p = w.b.submit(&path, &format!("{path}/reset-link"), &[]).await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(p
        .body
        .contains("<input type=\"text\" id=\"link\" class=\"copy-field\" value=\"http"));
    assert!(p.body.contains("readonly"));
    // The copy button appears only when the script runs; the script is same-origin.
    assert!(p.body.contains(
        "<button type=\"button\" class=\"secondary\" data-copy=\"link\" hidden>Copy</button>"
    ));
    assert!(p
        .body
        .contains("<script src=\"/static/copy.js\" defer></script>"));
    let csp = p.header("content-security-policy").unwrap_or_default();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    let js = w.b.get("/static/copy.js").await;
    assert_eq!(js.status, 200);
    assert!(js
        .header("content-type")
        .unwrap()
        .starts_with("text/javascript"));
}

#[tokio::test]
async fn pending_invitations_are_listed_with_their_tenant() {
    let mut w = world().await;
    let inviter = latchkey::onboarding::Inviter::Operator;
    let report = latchkey::onboarding::invitations::upload_csv(
        &w.app.state,
        inviter,
        b"Email,DisplayName\ndee@northwind.test,Dee\n".to_vec(),
    )
    .await
    .unwrap()
    .unwrap();
    assert!(report.summary().contains('1'), "{}", report.summary());
    let text = visible_text(&w.b.get("/admin/invitations").await.body);
    assert!(
        text.contains("Pending invitations Sent and not yet accepted"),
        "{text}"
    );
    assert!(
        text.contains("Email Name Tenant Sent Expires dee@northwind.test Dee Northwind"),
        "{text}"
    );
}

#[tokio::test]
async fn insights_count_in_words_and_change_their_range() {
    let mut w = world().await;
    let text = visible_text(&w.b.get("/admin/insights").await.body);
    assert!(text.contains("0 mails bounced."), "{text}");
    assert!(!text.contains("(s)"));
    let mut bounce = new_event(&w.app, None, Event::MailBounced, Outcome::Failure);
    bounce.email = Some("x@northwind.test".into());
    event(&w.app, bounce);
    // A reset request twenty days ago: inside 30 days, outside 7.
    let mut old = new_event(&w.app, None, Event::ResetRequested, Outcome::Allowed);
    old.occurred_at -= chrono::Duration::days(20);
    event(&w.app, old);

    let page = w.b.get("/admin/insights").await;
    let text = visible_text(&page.body);
    assert!(text.contains("1 mail bounced."), "{text}");
    assert!(text.contains("Last 30 days:"), "{text}");
    assert!(page.body.contains("<td id=\"total-requested\">1</td>"));
    assert!(page
        .body
        .contains("<option value=\"30\" selected>Last 30 days</option>"));

    let page = w.b.get("/admin/insights?days=7").await;
    assert!(visible_text(&page.body).contains("Last 7 days:"));
    assert!(page
        .body
        .contains("<option value=\"7\" selected>Last 7 days</option>"));
    assert!(page.body.contains("<td id=\"total-requested\">0</td>"));
    // A value not offered shows the default rather than an error.
    let page = w.b.get("/admin/insights?days=100000").await;
    assert_eq!(page.status, 200);
    assert!(visible_text(&page.body).contains("Last 30 days:"));
}
