//! Stored languages (docs/languages.md): a guest's own, set on the account page or at sign-in,
//! and a tenant's default, set in the console; the order a page and a mail apply them in,
//! against the real server.

mod admin_support;
mod support;
use admin_support::{set_up, signed_in, AdminLogin};
use latchkey::domain::UserId;
use support::browser::{visible_text, Browser, Page};
use support::TestApp;

const PW: &str = "old-lantern-orchard-27";

/// The app with Northwind (managed, premium), a platform admin, and a fast admin sign-in.
async fn app() -> (TestApp, AdminLogin) {
    let app =
        TestApp::spawn_with_mail("[rate_limits.admin_login]\nper_minute = 6000\nburst = 6000")
            .await;
    app.tenant("Northwind", "northwind.test", "managed", "premium");
    let admin = set_up(&app, "root@ops.test", None).await;
    (app, admin)
}

fn tenant_id(app: &TestApp, domain: &str) -> String {
    let mut conn = app.state.db.get().unwrap();
    String::from(
        latchkey::db::tenants::find_by_domain(&mut conn, domain)
            .unwrap()
            .unwrap()
            .id,
    )
}

fn user_id(app: &TestApp, email: &str) -> UserId {
    let email = latchkey::domain::EmailAddress::parse(email).unwrap();
    let mut conn = app.state.db.get().unwrap();
    latchkey::db::users::find_by_email(&mut conn, &email)
        .unwrap()
        .unwrap()
        .user_id()
}

/// (the guest's stored language, their tenant's default) as stored.
fn stored(app: &TestApp, email: &str) -> (Option<String>, Option<String>) {
    let id = user_id(app, email);
    let mut conn = app.state.db.get().unwrap();
    latchkey::db::languages::of_user(&mut conn, &id).unwrap()
}

/// The `<html lang>` of a page.
fn html_lang(p: &Page) -> &str {
    let at = p.body.find("<html lang=\"").expect("<html lang>") + 12;
    &p.body[at..at + 2]
}

/// Forgets this browser's explicit choice (the `lk_lang` cookie, whatever its prefix).
fn forget_choice(b: &mut Browser) {
    b.cookies.retain(|name, _| !name.ends_with("lk_lang"));
}

/// The console's tenant form with every setting as Northwind has it, plus `language` when
/// given (absent: an older form without the field).
async fn save_tenant(b: &mut Browser, tenant: &str, language: Option<&str>) -> Page {
    let path = format!("/admin/tenants/{tenant}");
    let mut fields = vec![
        ("plan", "premium"),
        ("sspr_enabled", "on"),
        ("methods_required", "1"),
        ("helpdesk_url", "https://help.northwind.test/"),
    ];
    if let Some(l) = language {
        fields.push(("default_language", l));
    }
    b.submit(&path, &path, &fields).await
}

/// Saves `language` with the account page's form.
async fn choose(b: &mut Browser, language: &str) -> Page {
    b.submit("/account", "/account/language", &[("language", language)])
        .await
}

#[tokio::test]
async fn a_page_about_the_account_takes_cookie_then_preference_then_tenant_then_browser_then_english(
) {
    let (app, admin) = app().await;
    app.user("ann@northwind.test", PW, true, false);
    let mut guest = app.signed_in_guest("ann@northwind.test", PW).await;
    let de = [("accept-language", "de-DE,de;q=0.9")];
    let fr = [("accept-language", "fr-CH, fr;q=0.9, en;q=0.5")];

    // Nothing stored, no header: English.
    let p = guest.get("/account").await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert_eq!(html_lang(&p), "en");
    assert!(visible_text(&p.body).contains("Save language"));
    // The browser's language.
    let p = guest.get_with("/account", &fr).await;
    assert_eq!(html_lang(&p), "fr");
    assert!(visible_text(&p.body).contains("Enregistrer la langue"));

    // The tenant's default beats the browser's language.
    let mut console = signed_in(&app, &admin).await;
    let northwind = tenant_id(&app, "northwind.test");
    save_tenant(&mut console, &northwind, Some("de"))
        .await
        .assert_see_other(&format!("/admin/tenants/{northwind}?saved=language"));
    let p = guest.get_with("/account", &fr).await;
    assert_eq!(html_lang(&p), "de");
    assert!(visible_text(&p.body).contains("Sprache speichern"));

    // The guest's own beats the tenant's default. Saving it also makes it this browser's
    // choice; without that cookie the stored preference still wins.
    let saved = choose(&mut guest, "fr").await;
    saved.assert_see_other("/account?language=saved");
    assert!(saved
        .set_cookies()
        .iter()
        .any(|c| c.contains("lk_lang=fr") && c.contains("HttpOnly")));
    let p = guest.get("/account?language=saved").await;
    assert!(
        visible_text(&p.body).contains("Votre langue est enregistrée."),
        "{}",
        p.body
    );
    forget_choice(&mut guest);
    let p = guest.get_with("/account", &de).await;
    assert_eq!(html_lang(&p), "fr");
    // The form shows the stored language selected.
    assert!(p
        .body
        .contains("<option value=\"fr\" lang=\"fr\" selected>Français</option>"));

    // The explicit choice on the page beats them all.
    guest
        .get("/language?set=en&back=/account")
        .await
        .assert_see_other("/account");
    let p = guest.get_with("/account", &de).await;
    assert_eq!(html_lang(&p), "en");
    // ... and only for this browser: another signed-in browser gets the stored one.
    let mut other = app.signed_in_guest("ann@northwind.test", PW).await;
    assert_eq!(html_lang(&other.get_with("/account", &de).await), "fr");
    assert_eq!(stored(&app, "ann@northwind.test").0.as_deref(), Some("fr"));
}

#[tokio::test]
async fn the_reset_mail_takes_preference_then_tenant_then_the_request_language() {
    let (app, admin) = app().await;
    for who in ["pia", "quin", "rui"] {
        app.user(&format!("{who}@northwind.test"), PW, true, false);
    }
    // The request speaks French (the page's language when the reset is asked for).
    async fn ask_in_french(app: &TestApp, email: &str) -> String {
        let mut b = app.browser();
        b.get("/language?set=fr&back=/reset").await;
        b.ask_reset(email).await;
        app.wait_mail_to(email, 1).await.text()
    }

    // Nothing stored: the request's language.
    let text = ask_in_french(&app, "pia@northwind.test").await;
    assert!(text.contains("Bonjour,"), "{text}");

    // The tenant's default beats the request's language.
    let mut console = signed_in(&app, &admin).await;
    let northwind = tenant_id(&app, "northwind.test");
    save_tenant(&mut console, &northwind, Some("de")).await;
    let text = ask_in_french(&app, "quin@northwind.test").await;
    assert!(text.contains("Guten Tag,"), "{text}");

    // The guest's own beats both, even where the browser chose another on the page.
    let mut guest = app.signed_in_guest("rui@northwind.test", PW).await;
    choose(&mut guest, "en")
        .await
        .assert_see_other("/account?language=saved");
    let text = ask_in_french(&app, "rui@northwind.test").await;
    assert!(text.contains("Hello,"), "{text}");
}

#[tokio::test]
async fn the_language_form_needs_its_csrf_token_and_refuses_a_value_it_does_not_offer() {
    let (app, _) = app().await;
    app.user("ada@northwind.test", PW, true, false);
    let mut b = app.signed_in_guest("ada@northwind.test", PW).await;

    // Without the token: refused before the handler runs, nothing stored.
    let p = b
        .post_raw("/account/language", "language=de".into(), &[])
        .await;
    assert_eq!(p.status, 403, "{}", p.body);
    assert_eq!(stored(&app, "ada@northwind.test").0, None);

    // A value the list does not offer: the page again, 400, with the field's error.
    for bad in ["xx", "", "de-CH", "en\u{0}", &"d".repeat(5000)] {
        let p = choose(&mut b, bad).await;
        assert_eq!(p.status, 400, "{bad:?}: {}", p.body);
        let text = visible_text(&p.body);
        assert!(
            text.contains("Choose one of the languages in the list."),
            "{text}"
        );
        assert!(p.body.contains("aria-invalid=\"true\""));
    }
    assert_eq!(stored(&app, "ada@northwind.test").0, None);

    // A good one is stored and audited (actor guest, the codes before and after).
    choose(&mut b, "de")
        .await
        .assert_see_other("/account?language=saved");
    assert_eq!(stored(&app, "ada@northwind.test").0.as_deref(), Some("de"));
    let events = app.audit_events();
    let e = events
        .iter()
        .find(|e| e.event == "language_chosen")
        .expect("language_chosen audited");
    assert_eq!(e.actor, "guest");
    assert_eq!(e.outcome, "success");
    assert_eq!(e.email.as_deref(), Some("ada@northwind.test"));
    let detail: serde_json::Value = serde_json::from_str(e.detail.as_deref().unwrap()).unwrap();
    assert_eq!(detail["after"], "de", "{detail}");
    assert_eq!(detail["source"], "account_page", "{detail}");

    // Signed out, the form is not there to post to.
    let mut stranger = app.browser();
    let p = stranger
        .submit("/signin", "/account/language", &[("language", "fr")])
        .await;
    p.assert_see_other("/signin");
}

#[tokio::test]
async fn signing_in_stores_the_switch_choice_only_when_nothing_is_stored() {
    let (app, _) = app().await;
    app.user("bo@northwind.test", PW, true, false);
    app.user("cy@northwind.test", PW, true, false);

    // A browser that chose German on the way in: Bo has stored nothing, so German is stored.
    let mut b = app.browser();
    b.get("/language?set=de&back=/signin").await;
    b.sign_in("bo@northwind.test", PW)
        .await
        .assert_see_other("/account");
    assert_eq!(stored(&app, "bo@northwind.test").0.as_deref(), Some("de"));
    let e = app
        .audit_events()
        .into_iter()
        .find(|e| e.event == "language_chosen")
        .expect("audited");
    assert!(e.detail.as_deref().unwrap().contains("\"sign_in\""));

    // A browser without a choice stores nothing.
    app.signed_in_guest("cy@northwind.test", PW).await;
    assert_eq!(stored(&app, "cy@northwind.test").0, None);

    // Cy stores French; signing in later from a browser set to German keeps French.
    let mut c = app.signed_in_guest("cy@northwind.test", PW).await;
    choose(&mut c, "fr").await;
    let mut d = app.browser();
    d.get("/language?set=de&back=/signin").await;
    d.sign_in("cy@northwind.test", PW)
        .await
        .assert_see_other("/account");
    assert_eq!(stored(&app, "cy@northwind.test").0.as_deref(), Some("fr"));
    // A failed sign-in stores nothing.
    let mut e = app.browser();
    e.get("/language?set=en&back=/signin").await;
    app.user("di@northwind.test", PW, true, false);
    let p = e
        .sign_in("di@northwind.test", "not-the-password-at-all")
        .await;
    assert_eq!(p.status, 200);
    assert_eq!(stored(&app, "di@northwind.test").0, None);
}

#[tokio::test]
async fn the_console_sets_a_tenants_default_language_and_says_so() {
    let (app, admin) = app().await;
    let mut b = signed_in(&app, &admin).await;
    let northwind = tenant_id(&app, "northwind.test");
    let path = format!("/admin/tenants/{northwind}");
    app.user("eve@northwind.test", PW, true, false);

    let page = b.get(&path).await;
    let text = visible_text(&page.body);
    assert!(text.contains("Default language"), "{text}");
    assert!(page
        .body
        .contains("<option value=\"\" selected>none (the browser's language)</option>"));
    assert!(page
        .body
        .contains("<option value=\"de\">German (Deutsch)</option>"));

    let p = save_tenant(&mut b, &northwind, Some("fr")).await;
    p.assert_see_other(&format!("{path}?saved=language"));
    let text = visible_text(&b.follow(p).await.body);
    assert!(
        text.contains("Saved. Default language set to French (fr)."),
        "{text}"
    );
    assert_eq!(stored(&app, "eve@northwind.test").1.as_deref(), Some("fr"));
    let page = b.get(&path).await;
    assert!(page
        .body
        .contains("<option value=\"fr\" selected>French (Français)</option>"));
    // Audited with the values before and after, like every tenant setting.
    let e = app
        .audit_events()
        .into_iter()
        .rfind(|e| e.event == "tenant_updated")
        .expect("tenant_updated");
    let detail: serde_json::Value = serde_json::from_str(e.detail.as_deref().unwrap()).unwrap();
    assert_eq!(
        detail["before"]["default_language"],
        serde_json::Value::Null
    );
    assert_eq!(detail["after"]["default_language"], "fr", "{detail}");

    // A form without the field (an older page) leaves it as it is.
    let p = save_tenant(&mut b, &northwind, None).await;
    p.assert_see_other(&format!("{path}?saved="));
    assert_eq!(stored(&app, "eve@northwind.test").1.as_deref(), Some("fr"));

    // A value the list does not offer: 400 with the field's error, nothing changed.
    let p = save_tenant(&mut b, &northwind, Some("klingon")).await;
    assert_eq!(p.status, 400, "{}", p.body);
    assert!(visible_text(&p.body).contains("The default language must be one of the list"));
    assert_eq!(stored(&app, "eve@northwind.test").1.as_deref(), Some("fr"));

    // None clears it.
    let p = save_tenant(&mut b, &northwind, Some("")).await;
    let text = visible_text(&b.follow(p).await.body);
    assert!(
        text.contains("Saved. Default language removed: guests get their browser's language."),
        "{text}"
    );
    assert_eq!(stored(&app, "eve@northwind.test").1, None);
}

#[tokio::test]
async fn a_tenant_admin_sets_their_own_tenants_default_language_only() {
    let (app, _) = app().await;
    app.tenant("Contoso", "contoso.test", "managed", "free");
    let own = set_up(&app, "it@northwind.test", Some("northwind.test")).await;
    let mut b = signed_in(&app, &own).await;
    let northwind = tenant_id(&app, "northwind.test");
    let contoso = tenant_id(&app, "contoso.test");
    app.user("fay@northwind.test", PW, true, false);

    // A tenant admin's form has no plan field.
    let path = format!("/admin/tenants/{northwind}");
    let p = b
        .submit(
            &path,
            &path,
            &[
                ("sspr_enabled", "on"),
                ("methods_required", "1"),
                ("helpdesk_url", "https://help.northwind.test/"),
                ("default_language", "de"),
            ],
        )
        .await;
    p.assert_see_other(&format!("{path}?saved=language"));
    assert_eq!(stored(&app, "fay@northwind.test").1.as_deref(), Some("de"));

    // Another tenant is not theirs to see or change.
    let other = format!("/admin/tenants/{contoso}");
    assert_eq!(b.get(&other).await.status, 404);
    let token = b.get(&path).await.csrf().unwrap();
    let p = b
        .post_form(
            &other,
            &token,
            &[("methods_required", "1"), ("default_language", "fr")],
        )
        .await;
    assert_eq!(p.status, 404, "{}", p.body);
    let mut conn = app.state.db.get().unwrap();
    let contoso_id = latchkey::domain::TenantId::from_string(contoso);
    assert_eq!(
        latchkey::db::languages::tenant_default(&mut conn, &contoso_id).unwrap(),
        None
    );
}
