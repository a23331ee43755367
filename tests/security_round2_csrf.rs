//! The CSRF binding cookie carries a value the server issued and signed; a value chosen by
//! anyone else (a sibling host on plain http can set our cookie) is replaced on the next page
//! and refused on every form (docs/security.md#31).

mod support;
use support::TestApp;

const CHOSEN: &str = "attacker-chosen-binding-0123456789abcdef";

fn csrf_cookie_name(b: &support::browser::Browser) -> String {
    b.cookies
        .keys()
        .find(|k| k.ends_with("lk_csrf"))
        .cloned()
        .expect("a CSRF binding cookie")
}

#[tokio::test]
async fn item_13_a_binding_the_server_did_not_issue_is_refused() {
    let app = TestApp::spawn_with_mail("").await;
    app.tenant("Fabrikam", "fabrikam.test", "unmanaged", "free");
    app.user("alice@fabrikam.test", "old-lantern-orchard-27", true, false);

    // The binding the server sets is signed: it verifies under the server's key.
    let mut b = app.browser();
    b.get("/reset").await;
    let name = csrf_cookie_name(&b);
    let issued = b.cookies[&name].clone();
    assert!(app.state.csrf.binding_is_ours(&issued), "{issued}");
    assert_ne!(issued.len(), CHOSEN.len());

    // A browser whose binding was planted: the next page replaces it ...
    let mut victim = app.browser();
    victim.cookies.insert(name.clone(), CHOSEN.to_string());
    let page = victim.get("/reset").await;
    assert!(
        page.set_cookies().iter().any(|c| c.starts_with(&name)),
        "{:?}",
        page.set_cookies()
    );
    assert_ne!(victim.cookies[&name], CHOSEN);
    assert!(app.state.csrf.binding_is_ours(&victim.cookies[&name]));

    // ... and a form posted with the planted binding is refused, even with a token MACed for
    // it by the server's own key (what the server would have handed out for it before).
    let forged_token = app.state.csrf.issue(CHOSEN);
    let mut planted = app.browser();
    planted.cookies.insert(name.clone(), CHOSEN.to_string());
    let p = planted
        .post_form("/reset", &forged_token, &[("email", "alice@fabrikam.test")])
        .await;
    assert_eq!(p.status, 403, "{}", p.body);
    // Unsigned look-alikes of a real binding are refused too.
    let (random, _) = issued.split_once('.').expect("random.mac");
    for value in [random.to_string(), format!("{random}.{}", "A".repeat(43))] {
        let mut planted = app.browser();
        planted.cookies.insert(name.clone(), value.clone());
        let p = planted
            .post_form(
                "/reset",
                &app.state.csrf.issue(&value),
                &[("email", "alice@fabrikam.test")],
            )
            .await;
        assert_eq!(p.status, 403, "{value}");
    }
    app.drain_jobs().await;
    assert!(app.mails_to("alice@fabrikam.test").is_empty());

    // The browser with the server's binding still posts normally.
    let p = b.ask_reset("alice@fabrikam.test").await;
    assert_eq!(p.status, 200, "{}", p.body);
    app.wait_mail_to("alice@fabrikam.test", 1).await;
}
