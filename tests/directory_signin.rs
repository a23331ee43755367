//! Guest sign-in with `[directory] kind = "ldap"` against a real OpenLDAP `slapd`
//! (tests/support/slapd/), black-box over HTTP: the typed password is checked by a bind as
//! the user; a wrong password, an unknown address, a disabled entry and a shared address get
//! the same page (docs/security.md#12); a password set by a reset through the directory signs
//! in; a directory outage is the 503 page.

mod support;
use support::slapd::{self, Slapd};
use support::smtp::link_with;
use support::TestApp;

const NEW: &str = "brisk-meadow-compass-81";
/// The start of the one failure sentence (the apostrophe after it is HTML-escaped).
const FAILED: &str = "That email and password don";

async fn app(server: &Slapd) -> TestApp {
    let app = TestApp::spawn_with_mail(&server.directory_toml()).await;
    app.tenant("Example", "example.com", "unmanaged", "free");
    app
}

#[tokio::test]
async fn sign_in_binds_as_the_user_and_every_failure_looks_the_same() {
    let Some(server) = Slapd::start() else { return };
    let app = app(&server).await;

    // The directory password signs in; Latchkey holds no hash of it.
    let mut b = app.browser();
    let p = b.sign_in("carl@example.com", slapd::CARL_PASSWORD).await;
    assert_eq!(p.status, 303, "{}", p.body);
    assert_eq!(p.location(), Some("/account"));
    let account = b.get("/account").await;
    assert_eq!(account.status, 200, "{}", account.body);
    assert!(
        account.body.contains("carl@example.com"),
        "{}",
        account.body
    );
    assert_eq!(app.password_hash("carl@example.com"), None);

    // Wrong password, unknown address, a disabled entry (with its right password), two
    // entries sharing the address: one page, one status, no session.
    let tries = [
        ("carl@example.com", "not-the-password-1"),
        ("nobody@example.com", slapd::CARL_PASSWORD),
        ("disabled@example.com", slapd::DISABLED_PASSWORD),
        ("shared@example.com", slapd::CARL_PASSWORD),
    ];
    let mut pages = Vec::new();
    for (email, password) in tries {
        let p = app.browser().sign_in(email, password).await;
        assert_eq!(p.status, 200, "{email}: {}", p.body);
        assert!(p.body.contains(FAILED), "{email}: {}", p.body);
        assert!(
            p.set_cookies().iter().all(|c| !c.contains("lk_session")),
            "{email}: {:?}",
            p.set_cookies()
        );
        assert!(!p.body.to_lowercase().contains("ldap"), "{}", p.body);
        pages.push(p.masked(email));
    }
    for p in &pages[1..] {
        assert_eq!(&pages[0], p);
    }

    let reasons: Vec<_> = app
        .audit_events()
        .into_iter()
        .filter(|e| e.event == "signin" && e.outcome == "failure")
        .map(|e| e.reason.unwrap_or_default())
        .collect();
    assert_eq!(
        reasons,
        [
            "wrong_password",
            "unknown_account",
            "account_disabled",
            "unknown_account"
        ]
    );
    for e in app.audit_events() {
        let row = format!("{e:?}");
        assert!(!row.contains(slapd::CARL_PASSWORD), "{row}");
    }
}

#[tokio::test]
async fn a_password_set_by_a_reset_through_the_directory_signs_in() {
    let Some(server) = Slapd::start() else { return };
    let app = app(&server).await;
    let mut b = app.browser();
    let page = b.ask_reset("ann@example.com").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let mail = app.wait_mail_to("ann@example.com", 1).await;
    let link = link_with(&mail.text(), "/reset/link/").expect("a reset link");
    assert_eq!(b.get(&link).await.location(), Some("/reset/new"));
    let p = b.set_new_password(NEW).await;
    assert_eq!(p.location(), Some("/reset/done"), "{}", p.body);

    let old = app
        .browser()
        .sign_in("ann@example.com", slapd::ANN_PASSWORD)
        .await;
    assert_eq!(old.status, 200, "{}", old.body);
    assert!(old.body.contains(FAILED), "{}", old.body);
    let mut b = app.browser();
    let p = b.sign_in("ann@example.com", NEW).await;
    assert_eq!(p.location(), Some("/account"), "{}", p.body);
    assert_eq!(b.get("/account").await.status, 200);
}

#[tokio::test]
async fn a_directory_outage_at_sign_in_is_the_503_page() {
    let Some(mut server) = Slapd::start() else {
        return;
    };
    let app = app(&server).await;
    server.stop();
    let p = app
        .browser()
        .sign_in("carl@example.com", slapd::CARL_PASSWORD)
        .await;
    assert_eq!(p.status, 503, "{}", p.body);
    assert!(p.body.contains("Temporarily unavailable"), "{}", p.body);
    assert!(!p.body.to_lowercase().contains("ldap"), "{}", p.body);

    server.start_again();
    let p = app
        .browser()
        .sign_in("carl@example.com", slapd::CARL_PASSWORD)
        .await;
    assert_eq!(p.location(), Some("/account"), "{}", p.body);
}
