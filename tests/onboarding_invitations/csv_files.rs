//! Invitations by CSV file, upload and CLI: every row reported, nothing sent twice.

use super::*;

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
