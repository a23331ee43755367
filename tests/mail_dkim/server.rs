//! The running server signs its mail, Reply-To follows the helpdesk, and a bad key stops the start.

use super::*;

#[tokio::test]
async fn the_server_signs_a_reset_mail_with_reply_to_the_tenants_mailto_helpdesk() {
    let keys = tempfile::tempdir().unwrap();
    let (key, record) = key_file(keys.path(), DkimAlgorithm::Rsa);
    let app = support::TestApp::spawn_with_mail(&dkim_toml(&key)).await;
    app.tenant("Fabrikam", "fabrikam.test", "unmanaged", "free");
    app.sql(
        "UPDATE tenants SET helpdesk_url = 'mailto:it-help@fabrikam.test?subject=Password' \
         WHERE name = 'Fabrikam'",
    );
    app.user(
        "ada@fabrikam.test",
        "correct horse battery staple",
        true,
        false,
    );
    let mut b = app.browser();
    b.submit("/reset", "/reset", &[("email", "ada@fabrikam.test")])
        .await;
    let mail = app.wait_mail_to("ada@fabrikam.test", 1).await;
    assert_eq!(
        mail.header("Reply-To").as_deref(),
        Some("it-help@fabrikam.test")
    );
    assert_eq!(
        mail.header("Auto-Submitted").as_deref(),
        Some("auto-generated")
    );
    assert_eq!(
        mail.header("X-Auto-Response-Suppress").as_deref(),
        Some("All")
    );
    assert!(mail
        .header("Message-ID")
        .is_some_and(|id| id.ends_with(&format!("@{DOMAIN}>"))));
    assert_passes(
        &verify(&mail.data, &record).await,
        "reset mail from the server",
    );
    assert_fails(
        &verify(&tampered_body(&mail.data), &record).await,
        "reset mail, body changed",
    );
}

#[tokio::test]
async fn a_web_helpdesk_gives_no_reply_to() {
    let app = support::TestApp::spawn_with_mail("").await;
    app.tenant("Fabrikam", "fabrikam.test", "unmanaged", "free");
    app.user(
        "ada@fabrikam.test",
        "correct horse battery staple",
        true,
        false,
    );
    let mut b = app.browser();
    b.submit("/reset", "/reset", &[("email", "ada@fabrikam.test")])
        .await;
    let mail = app.wait_mail_to("ada@fabrikam.test", 1).await;
    assert_eq!(mail.header("Reply-To"), None);
    assert_eq!(
        mail.header("DKIM-Signature"),
        None,
        "no [mail.dkim]: unsigned"
    );
    assert_eq!(
        mail.header("Auto-Submitted").as_deref(),
        Some("auto-generated")
    );
}

#[test]
fn a_key_that_cannot_be_read_or_used_stops_the_start_naming_the_setting() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("unused.db").display());
    let load = |extra: &str| {
        let raw = latchkey::config::RawSettings {
            bind: "127.0.0.1:0".into(),
            data_dir: dir.path().to_path_buf(),
            database_url: Some(db.clone()),
            demo: false,
            dns: "off".into(),
            ..Default::default()
        };
        let figment = figment::Figment::from(figment::providers::Serialized::defaults(raw))
            .merge(figment::providers::Toml::string(extra));
        Settings::from_figment(figment)
            .map(|_| ())
            .map_err(|e| format!("{e:#}"))
    };
    let missing = load(&dkim_toml(&dir.path().join("absent.pem"))).unwrap_err();
    assert!(missing.contains("mail.dkim.private_key_file"), "{missing}");
    assert!(missing.contains("absent.pem"), "{missing}");

    let garbage = dir.path().join("garbage.pem");
    let secret_looking =
        "-----BEGIN PRIVATE KEY-----\nTk9UQUtFWVNFQ1JFVA==\n-----END PRIVATE KEY-----\n";
    std::fs::write(&garbage, secret_looking).unwrap();
    let malformed = load(&dkim_toml(&garbage)).unwrap_err();
    assert!(
        malformed.contains("mail.dkim.private_key_file"),
        "{malformed}"
    );
    assert!(malformed.contains("not a PEM private key"), "{malformed}");
    assert!(!malformed.contains("Tk9UQUtFWVNFQ1JFVA"), "{malformed}");

    let partial = load("[mail.dkim]\nselector = \"s1\"\n").unwrap_err();
    assert!(partial.contains("mail.dkim.domain"), "{partial}");

    let (key, _) = key_file(dir.path(), DkimAlgorithm::Ed25519);
    let bad_selector = load(&dkim_toml(&key).replace("\"s1\"", "\"s 1\"")).unwrap_err();
    assert!(
        bad_selector.contains("mail.dkim.selector"),
        "{bad_selector}"
    );

    // A good key: Debug of the settings shows the selector, never the key.
    let raw = latchkey::config::RawSettings {
        bind: "127.0.0.1:0".into(),
        data_dir: dir.path().to_path_buf(),
        database_url: Some(db.clone()),
        demo: false,
        dns: "off".into(),
        ..Default::default()
    };
    let s = Settings::from_figment(
        figment::Figment::from(figment::providers::Serialized::defaults(raw))
            .merge(figment::providers::Toml::string(&dkim_toml(&key))),
    )
    .unwrap();
    let shown = format!("{s:?}");
    let pem = std::fs::read_to_string(&key).unwrap();
    let body_line = pem.lines().nth(1).unwrap();
    assert!(shown.contains("DkimSigner"), "{shown}");
    assert!(!shown.contains(body_line), "the key leaked into Debug");
}
