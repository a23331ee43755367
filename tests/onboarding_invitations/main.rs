//! Partner onboarding, black-box: the invitation CSV (a table of good and bad files, through the
//! service and the CLI, idempotent re-upload), invitation redemption (new unmanaged tenant,
//! consumers, the CcEmail copy), and self-service signup. Runs on PostgreSQL too
//! (LATCHKEY_TEST_PG).

mod csv_files;
mod redemption;
#[path = "../support/mod.rs"]
mod support;
use latchkey::domain::EmailAddress;
use latchkey::onboarding::csv::{self, CsvError};
use latchkey::onboarding::invitations::{self, InviteOutcome, InviteRequest};
use latchkey::onboarding::Inviter;
use latchkey::policy::{Decision, DenyReason};
use support::browser::{Browser, Page};
use support::cli::Cli;
use support::smtp::link_with;
use support::TestApp;

const PASSWORD: &str = "violet-harbour-telescope-42";

async fn app() -> TestApp {
    let app = TestApp::spawn_with_mail("").await;
    app.tenant("Fabrikam", "fabrikam.test", "unmanaged", "free");
    app
}

fn codes(report: &invitations::BulkReport) -> Vec<(u64, &'static str)> {
    report
        .rows
        .iter()
        .map(|r| (r.line, r.outcome.code()))
        .collect()
}

async fn upload(app: &TestApp, file: &[u8]) -> Result<invitations::BulkReport, CsvError> {
    invitations::upload_csv(&app.state.services, Inviter::Operator, file.to_vec())
        .await
        .unwrap()
}

async fn invite(app: &TestApp, email: &str, cc: Option<&str>) -> InviteOutcome {
    let (settings, now) = (app.state.settings.clone(), app.state.now());
    let req = InviteRequest {
        email: email.into(),
        display_name: Some("Guest".into()),
        cc_email: cc.map(str::to_string),
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

async fn decide(app: &TestApp, email: &str) -> Decision {
    latchkey::services::eligibility::gather(
        &app.state.db,
        &app.state.deliverability,
        app.state.clock.as_ref(),
        &app.state.settings,
        &EmailAddress::parse(email).unwrap(),
    )
    .await
    .unwrap()
    .decide()
}

fn user(app: &TestApp, email: &str) -> latchkey::db::models::User {
    let mut conn = app.state.db.get().unwrap();
    latchkey::db::users::find_by_email(&mut conn, &EmailAddress::parse(email).unwrap())
        .unwrap()
        .expect("user exists")
}

fn tenant_of(app: &TestApp, email: &str) -> latchkey::db::models::Tenant {
    let u = user(app, email);
    let mut conn = app.state.db.get().unwrap();
    latchkey::db::tenants::find_by_id(&mut conn, &u.tenant_id())
        .unwrap()
        .unwrap()
}

/// Opens the link (twice: a GET never consumes) and sets the password.
async fn redeem(link: &str, b: &mut Browser) -> Page {
    let form = b.get(link).await;
    assert_eq!(form.status, 200, "{}", form.body);
    assert!(form.body.contains("autocomplete=\"new-password\""));
    let again = b.get(link).await;
    assert!(again.body.contains("Create my account"), "{}", again.body);
    let path = url::Url::parse(link).unwrap().path().to_string();
    // The policy applies: a weak password is refused with its reason.
    let weak = b
        .post_form(
            &path,
            &again.csrf().unwrap(),
            &[
                ("password", "password123456"),
                ("password_confirm", "password123456"),
            ],
        )
        .await;
    assert!(weak.body.contains("too common"), "{}", weak.body);
    b.post_form(
        &path,
        &weak.csrf().unwrap(),
        &[("password", PASSWORD), ("password_confirm", PASSWORD)],
    )
    .await
}

/// Asks for a reset and returns whether a reset link arrived as the `n`-th mail.
async fn reset_link_arrives(app: &TestApp, email: &str, n: usize) -> bool {
    let mut b = app.browser();
    let p = b.ask_reset(email).await;
    assert!(p.body.contains("Check your email"), "{}", p.body);
    app.drain_jobs().await;
    app.mails_to(email)
        .get(n - 1)
        .is_some_and(|m| link_with(&m.text(), "/reset/link/").is_some())
}
