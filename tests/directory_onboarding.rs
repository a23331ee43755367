//! Invitations and signup with `[directory] kind = "ldap"` against a real OpenLDAP `slapd`
//! (tests/support/slapd/), black-box over HTTP with a real SMTP server, checking the directory
//! with binds:
//!
//! - with `create_under` set, redeeming an invitation and completing a signup create the entry
//!   in the directory with the password set there (the directory's ppolicy refusal is shown next
//!   to the field and leaves no entry), Latchkey keeps no hash and links the entry, and the new
//!   guest signs in by a bind; an address the directory already holds gets no signup link;
//! - without it, the pages refuse before a password is typed, the API answers 409
//!   `directory_read_only`, and the CLI (`latchkey invite`, `latchkey user create`) fails with a
//!   clear message.
//!
//! Runs on PostgreSQL too (LATCHKEY_TEST_PG).

mod support;
use latchkey::onboarding::invitations::{self, InviteOutcome, InviteRequest};
use latchkey::onboarding::{api_keys, Inviter};
use secrecy::ExposeSecret;
use support::browser::{Browser, Page};
use support::cli::Cli;
use support::slapd::{self, Slapd};
use support::smtp::link_with;
use support::TestApp;

const NEW: &str = "brisk-meadow-compass-81";
/// Long enough for Latchkey (12), too short for the directory's ppolicy (16).
const SHORT_FOR_PPOLICY: &str = "brisk-meadow-42";
const READ_ONLY_PAGE: &str = "Accounts are created by your organisation";

async fn app(toml: &str) -> TestApp {
    let app = TestApp::spawn_with_mail(toml).await;
    app.tenant("Example", "example.com", "unmanaged", "free");
    app
}

fn writable(server: &Slapd) -> String {
    format!(
        "{}create_under = \"{}\"\n",
        server.directory_toml(),
        slapd::PEOPLE
    )
}

fn new_dn(email: &str) -> String {
    format!("uid={email},{}", slapd::PEOPLE)
}

async fn invite(app: &TestApp, email: &str) -> InviteOutcome {
    let (settings, now) = (app.state.settings.clone(), app.state.now());
    let req = InviteRequest {
        email: email.into(),
        display_name: Some("New Guest".into()),
        cc_email: None,
    };
    let outcome = app
        .state
        .db
        .run(move |c| invitations::invite_one(c, &settings, &Inviter::Operator, &req, None, now))
        .await
        .unwrap();
    app.state.jobs_wakeup.notify_one();
    outcome
}

/// Posts `password` to the set-password form at `link`.
async fn set_password(b: &mut Browser, link: &str, password: &str) -> Page {
    let form = b.get(link).await;
    assert_eq!(form.status, 200, "{}", form.body);
    assert!(form.body.contains("Create my account"), "{}", form.body);
    let path = url::Url::parse(link).unwrap().path().to_string();
    b.post_form(
        &path,
        &form.csrf().unwrap(),
        &[("password", password), ("password_confirm", password)],
    )
    .await
}

fn linked_dn(app: &TestApp, email: &str) -> Option<String> {
    let mut conn = app.state.db.get().unwrap();
    let user = latchkey::db::users::find_by_email(
        &mut conn,
        &latchkey::domain::EmailAddress::parse(email).unwrap(),
    )
    .unwrap()?;
    latchkey::db::directory_links::of_user(&mut conn, &user.user_id())
        .unwrap()
        .map(|(_, dn)| dn)
}

async fn signs_in(app: &TestApp, email: &str, password: &str) -> bool {
    let p = app
        .browser()
        .submit(
            "/signin",
            "/signin",
            &[("email", email), ("password", password)],
        )
        .await;
    p.status == 303 && p.location() == Some("/account")
}

#[tokio::test]
async fn with_create_under_an_invitation_creates_the_entry_in_the_directory() {
    let Some(server) = Slapd::start() else { return };
    let app = app(&writable(&server)).await;
    let email = "newguest@example.com";
    assert!(matches!(
        invite(&app, email).await,
        InviteOutcome::Invited { .. }
    ));
    let mail = app.wait_mail_to(email, 1).await;
    let link = link_with(&mail.text(), "/invite/").expect("an invitation link");
    let mut b = app.browser();

    // The directory's ppolicy refuses: its reason next to the field, no entry left behind.
    let p = set_password(&mut b, &link, SHORT_FOR_PPOLICY).await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(p.body.contains("requires a longer password"), "{}", p.body);
    assert!(!p.body.to_lowercase().contains("ldap"), "{}", p.body);
    assert!(!server.bind_works(&new_dn(email), SHORT_FOR_PPOLICY));
    assert!(linked_dn(&app, email).is_none(), "no account yet");
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

    // The same link, a password the directory accepts.
    let done = set_password(&mut b, &link, NEW).await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body.contains("Your account is ready"), "{}", done.body);
    assert!(
        server.bind_works(&new_dn(email), NEW),
        "the entry exists with the password"
    );
    assert_eq!(app.password_hash(email), None, "Latchkey keeps no hash");
    assert_eq!(linked_dn(&app, email), Some(new_dn(email)));
    assert!(signs_in(&app, email, NEW).await, "sign-in binds");
    assert!(!signs_in(&app, email, SHORT_FOR_PPOLICY).await);
    // The link works once.
    let again = app.browser().get(&link).await;
    assert!(
        again.body.contains("invalid or has expired"),
        "{}",
        again.body
    );
}

#[tokio::test]
async fn with_create_under_a_signup_creates_the_entry_and_a_directory_account_gets_no_link() {
    let Some(server) = Slapd::start() else { return };
    let app = app(&writable(&server)).await;
    let mut b = app.browser();
    for email in ["signee@example.com", "ann@example.com"] {
        let p = b.submit("/signup", "/signup", &[("email", email)]).await;
        assert_eq!(p.status, 200, "{}", p.body);
        assert!(p.body.contains("Check your email"), "{}", p.body);
    }
    // ann has an entry in the directory (not yet seen by Latchkey): a note, no link.
    let note = app.wait_mail_to("ann@example.com", 1).await;
    assert!(link_with(&note.text(), "/signup/complete/").is_none());

    let mail = app.wait_mail_to("signee@example.com", 1).await;
    let link = link_with(&mail.text(), "/signup/complete/").expect("a signup link");
    let done = set_password(&mut app.browser(), &link, NEW).await;
    assert!(done.body.contains("Your account is ready"), "{}", done.body);
    assert!(server.bind_works(&new_dn("signee@example.com"), NEW));
    assert_eq!(app.password_hash("signee@example.com"), None);
    assert!(signs_in(&app, "signee@example.com", NEW).await);
}

#[tokio::test]
async fn without_create_under_the_pages_the_api_and_the_cli_refuse() {
    let Some(server) = Slapd::start() else { return };
    let toml = server.directory_toml();
    let app = app(&toml).await;

    // The signup page refuses before anything is typed, and a form posted anyway too.
    let mut b = app.browser();
    let p = b.get("/signup").await;
    assert_eq!(p.status, 409, "{}", p.body);
    assert!(p.body.contains(READ_ONLY_PAGE), "{}", p.body);
    assert!(!p.body.contains("type=\"email\""), "{}", p.body);
    let csrf = b.get("/reset").await.csrf().expect("a csrf token");
    let p = b
        .post_form("/signup", &csrf, &[("email", "someone@example.com")])
        .await;
    assert_eq!(p.status, 409, "{}", p.body);
    assert!(p.body.contains(READ_ONLY_PAGE), "{}", p.body);

    // An invitation made before the directory was read-only: refused before the password.
    let token = latchkey::security::TokenSecret::generate();
    let now = app.state.now();
    let row = latchkey::db::invitations::Invitation {
        id: latchkey::domain::InvitationId::generate(),
        email: latchkey::domain::EmailAddress::parse("older@example.com").unwrap(),
        display_name: None,
        cc_email: None,
        tenant_id: None,
        token_hash: token.hash().into_string(),
        cc_token_hash: None,
        invited_by: Some("operator".into()),
        api_key_id: None,
        idempotency_key: None,
        created_at: now,
        expires_at: now + chrono::Duration::days(7),
        redeemed_at: None,
        redeemed_via: None,
        user_id: None,
    };
    {
        let mut conn = app.state.db.get().unwrap();
        latchkey::db::invitations::insert(&mut conn, &row).unwrap();
    }
    let p = b.get(&format!("/invite/{}", token.expose())).await;
    assert_eq!(p.status, 409, "{}", p.body);
    assert!(p.body.contains(READ_ONLY_PAGE), "{}", p.body);
    assert!(!p.body.contains("new-password"), "{}", p.body);
    let p = b
        .post_form(
            &format!("/invite/{}", token.expose()),
            &csrf,
            &[("password", NEW), ("password_confirm", NEW)],
        )
        .await;
    assert_eq!(p.status, 409, "{}", p.body);
    assert!(!server.bind_works(&new_dn("older@example.com"), NEW));

    // The service and the API.
    assert_eq!(
        invite(&app, "someone@example.com").await,
        InviteOutcome::DirectoryReadOnly
    );
    let key = {
        let mut conn = app.state.db.get().unwrap();
        api_keys::create(
            &mut conn,
            &app.state.settings,
            "test",
            None,
            "operator",
            app.state.now(),
        )
        .unwrap()
    };
    let res = app
        .client
        .post(app.url("/api/v1/invitations"))
        .bearer_auth(key.secret.expose_secret())
        .header("content-type", "application/json")
        .body(r#"{"email":"someone@example.com"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 409);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"], "directory_read_only", "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("create_under"),
        "{body}"
    );
    assert!(
        app.audit_events()
            .iter()
            .all(|e| e.event != "invitation_created"),
        "nothing was invited"
    );

    // The CLI: a clear error and a non-zero exit.
    let cli = Cli::with_toml(&toml);
    std::fs::write(
        cli.path().join("guests.csv"),
        "Email\nsomeone@example.com\n",
    )
    .unwrap();
    let cli = |args: &[&str], stdin: &str| {
        let (code, _, err) = cli.run_stdin(args, stdin);
        (code, err)
    };
    let (code, err) = cli(&["invite", "--csv", "guests.csv"], "");
    assert_ne!(code, 0, "{err}");
    assert!(err.contains("create_under"), "{err}");
    let (code, err) = cli(
        &[
            "user",
            "create",
            "--email",
            "someone@example.com",
            "--password-stdin",
        ],
        &format!("{NEW}\n"),
    );
    assert_ne!(code, 0, "{err}");
    assert!(err.contains("create_under"), "{err}");
    assert!(!server.bind_works(&new_dn("someone@example.com"), NEW));
}

#[test]
fn with_create_under_the_cli_creates_the_entry_in_the_directory() {
    let Some(server) = Slapd::start() else { return };
    let cli = Cli::with_toml(&writable(&server));
    let run = |args: &[&str], stdin: &str| {
        let (code, out, err) = cli.run_stdin(args, stdin);
        (code, out + &err)
    };
    let (code, out) = run(
        &[
            "tenant",
            "create",
            "--name",
            "Example",
            "--domain",
            "example.com",
        ],
        "",
    );
    assert_eq!(code, 0, "{out}");
    let create = |pw: &str| {
        run(
            &[
                "user",
                "create",
                "--email",
                "cli@example.com",
                "--password-stdin",
            ],
            &format!("{pw}\n"),
        )
    };
    // The directory's ppolicy refuses: said, and no entry is left.
    let (code, out) = create(SHORT_FOR_PPOLICY);
    assert_ne!(code, 0, "{out}");
    assert!(out.contains("longer password"), "{out}");
    let (code, out) = create(NEW);
    assert_eq!(code, 0, "{out}");
    assert!(server.bind_works(&new_dn("cli@example.com"), NEW));
    // An address the directory holds already.
    let (code, out) = create(NEW);
    assert_ne!(code, 0, "{out}");
    assert!(out.contains("already exists"), "{out}");
}
