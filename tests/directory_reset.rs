//! The reset flow with `[directory] kind = "ldap"` against a real OpenLDAP `slapd`
//! (tests/support/slapd/), black-box over HTTP with a real SMTP server: the new password lands
//! in the directory; a ppolicy refusal keeps the token; an outage gives the 503 page and a later
//! retry succeeds; a disabled entry and a shared address are denied like the directory says;
//! a renamed entry keeps Latchkey's row; the crash window between the directory write and
//! Latchkey's commit.

mod support;
use support::browser::Browser;
use support::slapd::{self, Slapd};
use support::smtp::link_with;
use support::TestApp;

const NEW: &str = "brisk-meadow-compass-81";
/// Long enough for Latchkey (12), too short for the directory's ppolicy (16).
const SHORT_FOR_PPOLICY: &str = "brisk-meadow-42";

async fn app(server: &Slapd) -> TestApp {
    let app = TestApp::spawn_with_mail(&server.directory_toml()).await;
    app.tenant("Example", "example.com", "unmanaged", "free");
    app
}

/// Requests a reset for `email`, follows the mailed link, and returns the browser on
/// `/reset/new` with the form's CSRF token.
async fn open_reset(app: &TestApp, email: &str, nth_mail: usize) -> (Browser, String) {
    let mut b = app.browser();
    let page = b.ask_reset(email).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let mail = app.wait_mail_to(email, nth_mail).await;
    let link = link_with(&mail.text(), "/reset/link/").expect("a reset link");
    let p = b.get(&link).await;
    assert_eq!(p.location(), Some("/reset/new"), "{}", p.body);
    let form = b.get("/reset/new").await;
    let csrf = form.csrf().expect("csrf");
    (b, csrf)
}

#[tokio::test]
async fn a_reset_sets_the_password_in_the_directory_and_a_refusal_keeps_the_token() {
    let Some(server) = Slapd::start() else { return };
    let app = app(&server).await;
    let (mut b, csrf) = open_reset(&app, "ann@example.com", 1).await;

    // The directory's ppolicy refuses: its reason next to the field, the token kept.
    let p = b
        .post_form(
            "/reset/new",
            &csrf,
            &[
                ("password", SHORT_FOR_PPOLICY),
                ("password_confirm", SHORT_FOR_PPOLICY),
            ],
        )
        .await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(p.body.contains("requires a longer password"), "{}", p.body);
    assert!(server.bind_works(slapd::ANN_DN, slapd::ANN_PASSWORD));
    let rejected: Vec<_> = app
        .audit_events()
        .into_iter()
        .filter(|e| e.event == "password_rejected")
        .collect();
    assert_eq!(rejected.len(), 1);
    assert_eq!(
        rejected[0].reason.as_deref(),
        Some("ppolicy:passwordTooShort")
    );

    // The same token, a password the directory accepts.
    let p = b.set_new_password(NEW).await;
    assert_eq!(p.status, 303, "{}", p.body);
    assert_eq!(p.location(), Some("/reset/done"));
    assert!(
        server.bind_works(slapd::ANN_DN, NEW),
        "the new password binds"
    );
    assert!(
        !server.bind_works(slapd::ANN_DN, slapd::ANN_PASSWORD),
        "the old one no longer"
    );
    // Latchkey keeps no hash of a directory password.
    assert_eq!(app.password_hash("ann@example.com"), None);
    let notice = app.wait_mail_to("ann@example.com", 2).await;
    assert!(notice.text().contains("password"));
}

#[tokio::test]
async fn an_outage_gives_the_503_page_and_a_later_retry_succeeds() {
    let Some(mut server) = Slapd::start() else {
        return;
    };
    let app = app(&server).await;
    let (mut b, csrf) = open_reset(&app, "ann@example.com", 1).await;

    server.stop();
    let p = b
        .post_form(
            "/reset/new",
            &csrf,
            &[("password", NEW), ("password_confirm", NEW)],
        )
        .await;
    assert_eq!(p.status, 503, "{}", p.body);
    assert!(
        p.body
            .contains("We could not change your password right now"),
        "{}",
        p.body
    );
    assert!(p.body.contains("Nothing was changed"), "{}", p.body);
    assert!(
        !p.body.to_lowercase().contains("ldap"),
        "no LDAP text on a page"
    );

    server.start_again();
    assert!(
        server.bind_works(slapd::ANN_DN, slapd::ANN_PASSWORD),
        "nothing changed"
    );
    let form = b.get("/reset/new").await;
    assert_eq!(form.status, 200, "the token is still live");
    let p = b
        .post_form(
            "/reset/new",
            &form.csrf().unwrap(),
            &[("password", NEW), ("password_confirm", NEW)],
        )
        .await;
    assert_eq!(p.location(), Some("/reset/done"), "{}", p.body);
    assert!(server.bind_works(slapd::ANN_DN, NEW));
}

fn reasons_for(app: &TestApp, email: &str) -> Vec<String> {
    app.audit_events()
        .into_iter()
        .filter(|e| e.event == "reset_requested" && e.email.as_deref() == Some(email))
        .filter_map(|e| e.reason)
        .collect()
}

#[tokio::test]
async fn disabled_and_shared_addresses_are_denied_as_the_directory_says() {
    let Some(server) = Slapd::start() else { return };
    let app = app(&server).await;
    let mut b = app.browser();
    let mut bodies = Vec::new();
    for email in [
        "disabled@example.com",
        "shared@example.com",
        "nobody@example.com",
    ] {
        let p = b.ask_reset(email).await;
        assert_eq!(p.status, 200);
        let body: Vec<&str> = p
            .body
            .lines()
            .filter(|l| !l.contains("csrf_token"))
            .collect();
        bodies.push(body.join("\n").replace(email, "<address>"));
    }
    app.drain_jobs().await;
    assert_eq!(
        reasons_for(&app, "disabled@example.com"),
        vec!["account_disabled"]
    );
    assert_eq!(
        reasons_for(&app, "shared@example.com"),
        vec!["unknown_account"]
    );
    assert_eq!(
        reasons_for(&app, "nobody@example.com"),
        vec!["unknown_account"]
    );
    // The shared address and a non-existent one look exactly the same to the guest.
    assert_eq!(bodies[1], bodies[2]);
    // The ambiguity is audited with both DNs (for the operator only).
    let ambiguous = app
        .audit_events()
        .into_iter()
        .find(|e| e.event == "directory_ambiguous")
        .expect("the ambiguity is audited");
    let detail = ambiguous.detail.unwrap();
    assert!(
        detail.contains("uid=twin1") && detail.contains("uid=twin2"),
        "{detail}"
    );
    assert!(app.mails_to("shared@example.com").is_empty());
}

#[tokio::test]
async fn a_renamed_entry_keeps_latchkeys_row() {
    let Some(server) = Slapd::start() else { return };
    let app = app(&server).await;
    let mut b = app.browser();
    b.ask_reset("carl@example.com").await;
    app.wait_mail_to("carl@example.com", 1).await;
    server.rename("carl", "carl.moved");
    b.ask_reset("carl@example.com").await;
    app.wait_mail_to("carl@example.com", 2).await;
    let users: Vec<latchkey::domain::UserId> = app
        .audit_events()
        .into_iter()
        .filter(|e| e.event == "reset_requested" && e.email.as_deref() == Some("carl@example.com"))
        .filter_map(|e| e.user_id)
        .collect();
    assert_eq!(users.len(), 2);
    assert_eq!(
        users[0], users[1],
        "the same Latchkey row (TOTP, history) after the rename"
    );
}

/// The crash window: the directory took the new password but Latchkey never committed (the
/// process died in between). The token is still live, so the link works once more and sets a
/// password again; the directory's history refuses the very same password, so the guest picks
/// another one.
#[tokio::test]
async fn after_a_crash_between_the_directory_write_and_the_commit_the_link_works_once_more() {
    let Some(server) = Slapd::start() else { return };
    let app = app(&server).await;
    let (mut b, csrf) = open_reset(&app, "ann@example.com", 1).await;

    // What the crashed process did before dying: the directory write only.
    let ldap = app.state.directory.ldap().expect("ldap configured");
    ldap.set_password(slapd::ANN_DN, &secrecy::SecretString::from(NEW.to_string()))
        .await
        .unwrap();
    assert!(server.bind_works(slapd::ANN_DN, NEW));

    let p = b
        .post_form(
            "/reset/new",
            &csrf,
            &[("password", NEW), ("password_confirm", NEW)],
        )
        .await;
    assert_eq!(
        p.status, 200,
        "the same password is in the directory's history"
    );
    assert!(p.body.contains("used this password before"), "{}", p.body);
    let form = b.get("/reset/new").await;
    let again = "second-try-orchard-57";
    let p = b
        .post_form(
            "/reset/new",
            &form.csrf().unwrap(),
            &[("password", again), ("password_confirm", again)],
        )
        .await;
    assert_eq!(p.location(), Some("/reset/done"), "{}", p.body);
    assert!(server.bind_works(slapd::ANN_DN, again));
    // Now the token is consumed.
    let form = b.get("/reset/new").await;
    assert!(form.csrf().is_none() || form.status != 200 || !form.body.contains("new-password"));
}
