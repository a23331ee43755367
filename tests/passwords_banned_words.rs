//! A tenant's banned password words, black-box: edited on the console (tenant admins for their
//! own tenant, platform admins for any), audited with the list before and after, and refused in
//! the passwords of that tenant's guests, whatever the case, spacing or look-alike spelling, at
//! reset and at signup. Runs on PostgreSQL too (LATCHKEY_TEST_PG).

mod admin_support;
mod sec_support;
mod support;

use admin_support::{set_up, signed_in};
use sec_support::*;
use support::browser::{Browser, Page};
use support::smtp::link_with;
use support::TestApp;

const BANNED: &str =
    "This password contains a word your organisation does not allow; choose another.";
const WITH_WIDGET: &str = "W1dg3t-velvet-orbit-42";

fn tenant_id(app: &TestApp, domain: &str) -> String {
    let mut conn = app.state.db.get().unwrap();
    String::from(
        latchkey::db::tenants::find_by_domain(&mut conn, domain)
            .unwrap()
            .expect("tenant")
            .id,
    )
}

fn words_path(id: &str) -> String {
    format!("/admin/tenants/{id}/banned-words")
}

/// Opens the banned-words page and saves `words`; returns the reply to the POST.
async fn save_words(b: &mut Browser, id: &str, words: &str) -> Page {
    let page = b.get(&words_path(id)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    b.post_form(&words_path(id), &page.csrf().unwrap(), &[("words", words)])
        .await
}

fn banned_word_events(app: &TestApp) -> Vec<serde_json::Value> {
    app.audit_events()
        .into_iter()
        .filter(|e| e.event == "tenant_banned_words_updated")
        .map(|e| serde_json::from_str(e.detail.as_deref().unwrap()).unwrap())
        .collect()
}

fn assert_refused(p: &Page) {
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(p.body.contains("field-error"), "{}", p.body);
    let escaped = BANNED.replace('\'', "&#39;");
    assert!(p.body.contains(&escaped), "{}", p.body);
}

#[tokio::test]
async fn a_tenant_admin_bans_words_that_its_guests_cannot_use_in_any_spelling() {
    let app = app().await;
    let northwind = tenant_id(&app, "northwind.test");
    let admin = set_up(&app, "it@northwind.test", Some("northwind.test")).await;
    let mut b = signed_in(&app, &admin).await;

    // The tenant page links to the list.
    let tenant_page = b.get(&format!("/admin/tenants/{northwind}")).await;
    assert!(
        tenant_page.body.contains(&words_path(&northwind)),
        "{}",
        tenant_page.body
    );

    let p = save_words(&mut b, &northwind, " Widget\nAcme Rocket, gizmo\n").await;
    assert_eq!(p.status, 303, "{}", p.body);
    assert_eq!(
        p.location(),
        Some(format!("{}?saved=1", words_path(&northwind)).as_str())
    );
    let shown = b.get(p.location().unwrap()).await;
    assert!(shown.body.contains("Saved."), "{}", shown.body);
    assert!(
        shown.body.contains("Acme Rocket\ngizmo\nWidget"),
        "{}",
        shown.body
    );
    let p = save_words(&mut b, &northwind, "Widget\nAcme Rocket").await;
    assert_eq!(p.status, 303, "{}", p.body);

    // Each save is audited with the lists before and after, by this admin, for this tenant.
    let events = banned_word_events(&app);
    assert_eq!(
        events,
        vec![
            serde_json::json!({ "before": [], "after": ["Acme Rocket", "gizmo", "Widget"] }),
            serde_json::json!({ "before": ["Acme Rocket", "gizmo", "Widget"], "after": ["Acme Rocket", "Widget"] }),
        ]
    );
    let rows: Vec<_> = app
        .audit_events()
        .into_iter()
        .filter(|e| e.event == "tenant_banned_words_updated")
        .collect();
    assert!(rows.iter().all(|e| e.tenant_id.as_ref().map(|t| t.as_str())
        == Some(northwind.as_str())
        && e.actor == format!("admin:{}", admin.id)));

    // A guest of the tenant: refused in leet, in capitals and with spaces; gizmo is allowed again.
    app.user("bob@northwind.test", OLD, true, false);
    let before = app.password_hash("bob@northwind.test");
    let m = ask_and_mail(&app, "bob@northwind.test", 1).await;
    let mut guest = open_link(&app, &m.link, "/reset/new").await;
    for p in [
        WITH_WIDGET,
        "ACME ROCKET velvet orbit 42",
        "4cm3-r0ck3t velvet orbit",
    ] {
        assert_refused(&choose(&mut guest, p, p).await);
    }
    assert_eq!(app.password_hash("bob@northwind.test"), before);
    assert_done(&choose(&mut guest, "gizmo-velvet-orbit-42", "gizmo-velvet-orbit-42").await);

    // Another tenant's guest is not bound by Northwind's words.
    app.user("alice@fabrikam.test", OLD, true, false);
    assert_done(&reset_to(&app, "alice@fabrikam.test", 1, WITH_WIDGET).await);
}

#[tokio::test]
async fn another_tenants_list_is_not_found_for_a_tenant_admin_and_open_to_a_platform_admin() {
    let app = app().await;
    let (northwind, fabrikam) = (
        tenant_id(&app, "northwind.test"),
        tenant_id(&app, "fabrikam.test"),
    );
    let tenant_admin = set_up(&app, "it@northwind.test", Some("northwind.test")).await;
    let mut b = signed_in(&app, &tenant_admin).await;
    assert_eq!(b.get(&words_path(&fabrikam)).await.status, 404);
    let own = b.get(&words_path(&northwind)).await;
    let p = b
        .post_form(
            &words_path(&fabrikam),
            &own.csrf().unwrap(),
            &[("words", "Tailwind")],
        )
        .await;
    assert_eq!(p.status, 404, "{}", p.body);
    assert!(banned_word_events(&app).is_empty());

    // A platform admin edits any tenant: Fabrikam (unmanaged, no admin of its own).
    let platform = set_up(&app, "ops@latchkey.test", None).await;
    let mut b = signed_in(&app, &platform).await;
    let p = save_words(&mut b, &fabrikam, "Tailwind").await;
    assert_eq!(p.status, 303, "{}", p.body);

    // The list applies when a new guest of the tenant sets a password at signup.
    let mut b = app.browser();
    b.submit("/signup", "/signup", &[("email", "lee@fabrikam.test")])
        .await;
    let mail = app.wait_mail_to("lee@fabrikam.test", 1).await;
    let link = link_with(&mail.text(), "/signup/complete/").expect("signup link");
    let path = url::Url::parse(&link).unwrap().path().to_string();
    let form = b.get(&link).await;
    let weak = "Ta1lw1nd-velvet-orbit-42";
    let p = b
        .post_form(
            &path,
            &form.csrf().unwrap(),
            &[("password", weak), ("password_confirm", weak)],
        )
        .await;
    assert_refused(&p);
    let p = b
        .post_form(
            &path,
            &p.csrf().unwrap(),
            &[("password", NEW), ("password_confirm", NEW)],
        )
        .await;
    assert!(p.body.contains("Your account is ready"), "{}", p.body);
}

#[tokio::test]
async fn a_list_with_a_too_short_word_is_refused_and_nothing_changes() {
    let app = app().await;
    let northwind = tenant_id(&app, "northwind.test");
    let admin = set_up(&app, "it@northwind.test", Some("northwind.test")).await;
    let mut b = signed_in(&app, &admin).await;
    assert_eq!(save_words(&mut b, &northwind, "Widget").await.status, 303);
    let p = save_words(&mut b, &northwind, "gizmo\nok").await;
    assert_eq!(p.status, 400, "{}", p.body);
    assert!(p.body.contains("is too short"), "{}", p.body);
    // What was typed is shown again for correction; the stored list is unchanged.
    assert!(p.body.contains("gizmo\nok"), "{}", p.body);
    let shown = b.get(&words_path(&northwind)).await;
    assert!(shown.body.contains(">Widget</textarea>"), "{}", shown.body);
    assert_eq!(banned_word_events(&app).len(), 1);
}
