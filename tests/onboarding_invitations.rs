//! Partner onboarding, black-box: the invitation CSV (a table of good and bad files, through the
//! service and the CLI, idempotent re-upload), invitation redemption (new unmanaged tenant,
//! consumers, the CcEmail copy), and self-service signup. Runs on PostgreSQL too
//! (LATCHKEY_TEST_PG).

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

#[test]
fn csv_files_are_read_or_refused_naming_the_line() {
    let mut big = String::from("Email,DisplayName\n");
    for i in 0..10_001 {
        big.push_str(&format!("user{i}@bulk.test,User {i}\n"));
    }
    // (file, Ok(emails and names) or Err(error))
    type Expected =
        Result<Vec<(&'static str, Option<&'static str>, Option<&'static str>)>, CsvError>;
    let table: Vec<(&str, Vec<u8>, Expected)> = vec![
        (
            "BOM and case-insensitive headers, extra column ignored",
            b"\xEF\xBB\xBFEMAIL,displayname,Department\nann@a.test,Ann,Sales\n".to_vec(),
            Ok(vec![("ann@a.test", Some("Ann"), None)]),
        ),
        (
            "semicolons, CcEmail, CRLF",
            b"Email;DisplayName;CcEmail\r\nbob@b.test;Bob;boss@b.test\r\ncy@b.test;;\r\n".to_vec(),
            Ok(vec![
                ("bob@b.test", Some("Bob"), Some("boss@b.test")),
                ("cy@b.test", None, None),
            ]),
        ),
        (
            "quoted commas",
            b"Email,DisplayName\ndee@d.test,\"Doe, Dee\"\n".to_vec(),
            Ok(vec![("dee@d.test", Some("Doe, Dee"), None)]),
        ),
        (
            "missing Email header",
            b"Mail,DisplayName\nx@y.test,X\n".to_vec(),
            Err(CsvError::MissingColumn { column: "Email" }),
        ),
        (
            "an unquoted comma makes a row too long",
            b"Email,DisplayName\nok@e.test,Ok\nbad@e.test,Doe, Jane\n".to_vec(),
            Err(CsvError::FieldCount {
                line: 3,
                found: 3,
                expected: 2,
            }),
        ),
        (
            "10 001 rows",
            big.into_bytes(),
            Err(CsvError::TooManyRows {
                line: 10_002,
                rows: 10_001,
            }),
        ),
        (
            "binary garbage",
            b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xb5U".to_vec(),
            Err(CsvError::Binary { line: 1 }),
        ),
        ("empty", Vec::new(), Err(CsvError::Empty)),
    ];
    for (name, file, expected) in table {
        let got = csv::parse(&file).map(|rows| {
            rows.into_iter()
                .map(|r| (r.email, r.display_name, r.cc_email))
                .collect::<Vec<_>>()
        });
        match (got, expected) {
            (Ok(rows), Ok(want)) => {
                let want: Vec<_> = want
                    .into_iter()
                    .map(|(e, n, c)| (e.to_string(), n.map(String::from), c.map(String::from)))
                    .collect();
                assert_eq!(rows, want, "{name}");
            }
            (Err(e), Err(want)) => {
                assert_eq!(e, want, "{name}");
                let text = e.to_string();
                if let CsvError::FieldCount { line, .. } | CsvError::TooManyRows { line, .. } = want
                {
                    assert!(
                        text.contains(&format!("Line {line}"))
                            || text.contains(&format!("line {line}")),
                        "{name}: {text}"
                    );
                }
            }
            (got, want) => panic!("{name}: got {got:?}, want {want:?}"),
        }
    }
    assert!(csv::parse(&vec![b'a'; csv::MAX_BYTES + 1]).unwrap_err() == CsvError::TooLarge);
}

#[tokio::test]
async fn an_upload_reports_every_row_and_a_reupload_sends_nothing_twice() {
    let app = app().await;
    app.user("known@fabrikam.test", PASSWORD, true, false);
    let file = "Email,DisplayName,CcEmail\n\
        new@fabrikam.test,New Guest,\n\
        person@gmail.com,Personal,\n\
        known@fabrikam.test,Known,\n\
        not-an-address,Broken,\n\
        NEW@fabrikam.test,Same again,\n\
        ceo@newco.test,\"Boss, The\",assistant@newco.test\n";
    let report = upload(&app, file.as_bytes()).await.unwrap();
    assert_eq!(
        codes(&report),
        vec![
            (2, "invited"),
            (3, "invited"),
            (4, "already_user"),
            (5, "invalid_address"),
            (6, "already_invited"),
            (7, "invited"),
        ]
    );
    assert!(matches!(
        report.rows[1].outcome,
        InviteOutcome::Invited {
            consumer_domain: true,
            ..
        }
    ));
    match &report.rows[3].outcome {
        InviteOutcome::InvalidAddress { reason } => assert!(reason.contains("@"), "{reason}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        (report.invited, report.consumer_domain, report.invalid),
        (3, 1, 1)
    );
    app.drain_jobs().await;
    // One mail per invited address, plus the CcEmail copy; a different token in each copy.
    let ceo = app.wait_mail_to("ceo@newco.test", 1).await;
    let cc = app.wait_mail_to("assistant@newco.test", 1).await;
    let (l1, l2) = (
        link_with(&ceo.text(), "/invite/").unwrap(),
        link_with(&cc.text(), "/invite/").unwrap(),
    );
    assert_ne!(l1, l2);
    assert!(ceo.text().contains("7 days"), "{}", ceo.text());
    let total = app.sink().messages().len();
    assert_eq!(total, 4);
    // docs/security.md#2: no raw token in the jobs or invitations tables.
    let token = l1.rsplit('/').next().unwrap().to_string();
    let mut conn = app.state.db.get().unwrap();
    let rows =
        latchkey::db::invitations::list(&mut conn, None, None, app.state.now(), 100).unwrap();
    assert!(rows.iter().all(|r| r.token_hash != token));
    drop(conn);

    let again = upload(&app, file.as_bytes()).await.unwrap();
    assert_eq!(
        codes(&again),
        vec![
            (2, "already_invited"),
            (3, "already_invited"),
            (4, "already_user"),
            (5, "invalid_address"),
            (6, "already_invited"),
            (7, "already_invited"),
        ]
    );
    app.drain_jobs().await;
    assert_eq!(app.sink().messages().len(), total, "nothing is sent twice");

    // A malformed file is refused as a whole, naming the line.
    let err = upload(&app, b"Email,DisplayName\na@b.test,A\nc@d.test,C,D\n")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("Line 3"), "{err}");
}

#[test]
fn the_cli_invites_a_csv_file_with_the_same_report_and_is_idempotent() {
    let cli = Cli::new();
    let cmd = |args: &[&str]| cli.run(args);
    let file = cli.path().join("guests.csv");
    std::fs::write(
        &file,
        "\u{feff}Email;DisplayName\nann@partner.test;Ann\nbad address;X\nbob@outlook.com;Bob\n",
    )
    .unwrap();
    let f = file.to_str().unwrap();
    let (code, out, err) = cmd(&["invite", "--csv", f]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("line     2  invited"), "{out}");
    assert!(out.contains("line     3  invalid_address"), "{out}");
    assert!(out.contains("personal email provider"), "{out}");
    assert!(
        out.contains("2 invited (1 at a personal email provider)"),
        "{out}"
    );
    let (code, out, _) = cmd(&["invite", "--csv", f, "--json"]);
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["invited"], 0);
    assert_eq!(json["already_invited"], 2);
    assert_eq!(json["rows"][0]["outcome"], "already_invited");

    std::fs::write(&file, [0x89, b'P', b'N', b'G', 0, 0, 1]).unwrap();
    let (code, _, err) = cmd(&["invite", "--csv", f]);
    assert_eq!(code, 2);
    assert!(err.contains("not a CSV text file"), "{err}");

    // API keys: printed once, stored hashed; revoked by id.
    let (code, out, err) = cmd(&["apikey", "create", "--name", "HR system"]);
    assert_eq!(code, 0, "{err}");
    let key = out
        .lines()
        .find(|l| l.starts_with("lk_"))
        .expect("key printed")
        .to_string();
    let id = out
        .split("(id ")
        .nth(1)
        .unwrap()
        .split(')')
        .next()
        .unwrap()
        .to_string();
    let (_, listed, _) = cmd(&["apikey", "list"]);
    assert!(
        listed.contains(&key[..11]) && !listed.contains(&key),
        "{listed}"
    );
    let (code, _, err) = cmd(&[
        "apikey",
        "create",
        "--name",
        "x",
        "--tenant-domain",
        "nowhere.test",
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("No tenant owns the domain nowhere.test"),
        "{err}"
    );
    assert_eq!(cmd(&["apikey", "revoke", "--id", &id]).0, 0);
    assert_eq!(cmd(&["apikey", "revoke", "--id", &id]).0, 2);
}

#[tokio::test]
async fn a_redeemed_invitation_creates_an_unmanaged_tenant_and_the_guest_can_reset() {
    let app = app().await;
    assert!(matches!(
        invite(&app, "ann@newco.test", None).await,
        InviteOutcome::Invited {
            consumer_domain: false,
            ..
        }
    ));
    let mail = app.wait_mail_to("ann@newco.test", 1).await;
    assert!(
        mail.text().contains("You have been invited"),
        "the operator names nobody"
    );
    let link = link_with(&mail.text(), "/invite/").unwrap();
    assert!(
        link.starts_with("https://reset.test.example/invite/"),
        "{link}"
    );
    let mut b = app.browser();
    let done = redeem(&link, &mut b).await;
    assert!(done.body.contains("Your account is ready"), "{}", done.body);
    let t = tenant_of(&app, "ann@newco.test");
    assert_eq!(
        (t.name.as_str(), t.kind.as_str()),
        ("newco.test", "unmanaged")
    );
    assert!(user(&app, "ann@newco.test").verified_at.is_some());
    // The link works once.
    let again = app.browser().get(&link).await;
    assert!(
        again.body.contains("invalid or has expired"),
        "{}",
        again.body
    );
    let events: Vec<String> = app.audit_events().into_iter().map(|e| e.event).collect();
    assert!(events.contains(&"invitation_redeemed".to_string()));
    assert!(events.contains(&"tenant_created".to_string()));
    // Unmanaged tenant → SSPR allowed.
    assert!(decide(&app, "ann@newco.test").await.is_allow());
    assert!(reset_link_arrives(&app, "ann@newco.test", 2).await);
}

#[tokio::test]
async fn the_cc_copy_leaves_the_primary_unverified_and_reset_is_denied_until_it_is_confirmed() {
    let app = app().await;
    invite(&app, "pat@fabrikam.test", Some("helper@elsewhere.test")).await;
    let cc = app.wait_mail_to("helper@elsewhere.test", 1).await;
    let link = link_with(&cc.text(), "/invite/").unwrap();
    let mut b = app.browser();
    let form = b.get(&link).await;
    assert!(
        form.body.contains("sent to another address"),
        "{}",
        form.body
    );
    let done = redeem(&link, &mut b).await;
    assert!(done.body.contains("confirm"), "{}", done.body);
    let u = user(&app, "pat@fabrikam.test");
    assert!(u.verified_at.is_none());
    assert_eq!(tenant_of(&app, "pat@fabrikam.test").name, "Fabrikam");
    assert_eq!(
        decide(&app, "pat@fabrikam.test").await,
        Decision::Deny(DenyReason::EmailUnverified)
    );
    // The primary address got its invitation and then a confirmation link.
    let verify = app.wait_mail_to("pat@fabrikam.test", 2).await;
    let vlink = link_with(&verify.text(), "/verify/").expect("verification link");
    // A reset request is denied email_unverified (no reset link is mailed).
    assert!(!reset_link_arrives(&app, "pat@fabrikam.test", 3).await);
    let audit = app.audit_events();
    assert!(audit
        .iter()
        .any(|e| e.event == "reset_requested" && e.reason.as_deref() == Some("email_unverified")));
    // Confirming the primary address lifts it; its owner chooses the password in that step
    // (docs/security.md#33; tests/security_round2_ccemail.rs).
    let mut v = app.browser();
    let confirm = v.get(&vlink).await;
    let path = url::Url::parse(&vlink).unwrap().path().to_string();
    let owners = "amber-glacier-lantern-93";
    let ok = v
        .post_form(
            &path,
            &confirm.csrf().unwrap(),
            &[("password", owners), ("password_confirm", owners)],
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert!(user(&app, "pat@fabrikam.test").verified_at.is_some());
    assert!(decide(&app, "pat@fabrikam.test").await.is_allow());
}

#[tokio::test]
async fn a_consumer_domain_guest_is_invited_redeems_and_resets() {
    let app = app().await;
    assert!(matches!(
        invite(&app, "kim@gmail.com", None).await,
        InviteOutcome::Invited {
            consumer_domain: true,
            ..
        }
    ));
    let mail = app.wait_mail_to("kim@gmail.com", 1).await;
    let link = link_with(&mail.text(), "/invite/").unwrap();
    let done = redeem(&link, &mut app.browser()).await;
    assert!(done.body.contains("Your account is ready"), "{}", done.body);
    let t = tenant_of(&app, "kim@gmail.com");
    assert_eq!(t.name, "consumers");
    assert!(t.is_consumer);
    assert!(reset_link_arrives(&app, "kim@gmail.com", 2).await);
}

#[tokio::test]
async fn signup_mails_a_link_that_creates_a_verified_account_without_telling_accounts_apart() {
    let app = app().await;
    app.user("taken@fabrikam.test", PASSWORD, true, false);
    let mut b = app.browser();
    let fresh = b
        .submit("/signup", "/signup", &[("email", "lee@fabrikam.test")])
        .await;
    let taken = b
        .submit("/signup", "/signup", &[("email", "taken@fabrikam.test")])
        .await;
    assert_eq!(fresh.status, 200);
    assert!(fresh.body.contains("Check your email"));
    // docs/security.md#11: the same reply for a new and an existing address.
    assert_eq!((fresh.status, &fresh.body), (taken.status, &taken.body));
    let bad = b
        .submit("/signup", "/signup", &[("email", "a@b,c@d.test")])
        .await;
    assert_eq!(bad.status, 400);

    let note = app.wait_mail_to("taken@fabrikam.test", 1).await;
    assert!(note.text().contains("already have one"), "{}", note.text());
    assert!(link_with(&note.text(), "/signup/complete/").is_none());

    let mail = app.wait_mail_to("lee@fabrikam.test", 1).await;
    let link = link_with(&mail.text(), "/signup/complete/").expect("signup link");
    let done = redeem(&link, &mut app.browser()).await;
    assert!(done.body.contains("Your account is ready"), "{}", done.body);
    let u = user(&app, "lee@fabrikam.test");
    assert!(u.verified_at.is_some());
    assert_eq!(tenant_of(&app, "lee@fabrikam.test").name, "Fabrikam");
    let again = app.browser().get(&link).await;
    assert!(again.body.contains("invalid or has expired"));
    // And the new guest can sign in.
    let p = app
        .browser()
        .submit(
            "/signin",
            "/signin",
            &[("email", "lee@fabrikam.test"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(p.status, 303, "{}", p.body);
}

#[tokio::test]
async fn the_invitation_page_names_the_organisation_in_words_a_guest_knows() {
    // A guest of a known organisation reads its display name; a personal address reads that the
    // account belongs to no organisation, never the name of the internal consumer bucket.
    let app = app().await;
    invite(&app, "ola@fabrikam.test", None).await;
    invite(&app, "kim@gmail.com", None).await;
    let link = link_with(
        &app.wait_mail_to("ola@fabrikam.test", 1).await.text(),
        "/invite/",
    )
    .unwrap();
    let page = app.browser().get(&link).await;
    let text = support::browser::visible_text(&page.body);
    assert!(
        text.contains("Your account will belong to Fabrikam."),
        "{text}"
    );
    let link = link_with(
        &app.wait_mail_to("kim@gmail.com", 1).await.text(),
        "/invite/",
    )
    .unwrap();
    let page = app.browser().get(&link).await;
    let text = support::browser::visible_text(&page.body);
    assert!(!text.contains("consumers"), "{text}");
    assert!(!text.contains("will belong to"), "{text}");
    assert!(
        text.contains("it does not belong to any organisation"),
        "{text}"
    );
}
