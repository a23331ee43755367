//! Every kind of mail, over SMTP and to the outbox, verifies with an independent verifier; tampering fails.

use super::*;

async fn every_kind_over_smtp_verifies(algorithm: DkimAlgorithm) {
    let sink = SmtpSink::start().await;
    let dir = tempfile::tempdir().unwrap();
    let (key, record) = key_file(dir.path(), algorithm);
    assert!(record.starts_with(&format!("v=DKIM1; k={}; p=", algorithm.tag())));
    let top = format!("smtp_url = \"{}\"\nsmtp_timeout_seconds = 5\n", sink.url());
    let s = settings(dir.path(), &top, &key);
    let mailer = Mailer::from_settings(&s).unwrap();
    for kind in MailKind::ALL {
        mailer.send(&mail_of(kind, &s)).await.unwrap();
    }
    let got = sink
        .wait_for(MailKind::ALL.len(), Duration::from_secs(10))
        .await;
    assert_eq!(got.len(), MailKind::ALL.len());
    for (kind, mail) in MailKind::ALL.iter().zip(&got) {
        let what = format!("{kind} ({})", algorithm.tag());
        assert_eq!(
            mail.header("Auto-Submitted").as_deref(),
            Some("auto-generated")
        );
        assert_eq!(
            mail.header("X-Auto-Response-Suppress").as_deref(),
            Some("All")
        );
        assert!(mail.header("Date").is_some() && mail.header("Message-ID").is_some());
        assert_eq!(
            mail.header("Reply-To").as_deref(),
            with_reply_to(*kind).then_some("help@fabrikam.test"),
            "{what}"
        );

        let tags = signature_tags(&mail.data);
        assert_eq!(tags["c"], "relaxed/relaxed", "{what}");
        assert_eq!(tags["d"], DOMAIN);
        assert_eq!(tags["s"], SELECTOR);
        let expected_a = match algorithm {
            DkimAlgorithm::Rsa => "rsa-sha256",
            DkimAlgorithm::Ed25519 => "ed25519-sha256",
        };
        assert_eq!(tags["a"], expected_a);
        let signed: Vec<&str> = tags["h"].split(':').collect();
        for header in [
            "from",
            "to",
            "subject",
            "date",
            "message-id",
            "mime-version",
            "content-type",
            "reply-to",
            "auto-submitted",
        ] {
            assert!(signed.contains(&header), "{what}: h= lacks {header}");
        }

        assert_passes(&verify(&mail.data, &record).await, &what);
        assert_fails(
            &verify(&tampered_body(&mail.data), &record).await,
            &format!("{what}, body changed"),
        );
        let subject = mail.header("Subject").unwrap();
        let forged = mail
            .data
            .replacen(&subject, &format!("{subject} (urgent)"), 1);
        assert_fails(
            &verify(&forged, &record).await,
            &format!("{what}, subject changed"),
        );
        // Another key published under the selector: the signature no longer verifies.
        let other = dkim::generate(algorithm).unwrap().record_value;
        assert_fails(
            &verify(&mail.data, &other).await,
            &format!("{what}, other key"),
        );
    }
}

#[tokio::test]
async fn every_kind_of_mail_verifies_with_an_ed25519_key_and_tampering_fails() {
    every_kind_over_smtp_verifies(DkimAlgorithm::Ed25519).await;
}

#[tokio::test]
async fn every_kind_of_mail_verifies_with_an_rsa_key_and_tampering_fails() {
    every_kind_over_smtp_verifies(DkimAlgorithm::Rsa).await;
}

#[tokio::test]
async fn mail_written_to_the_outbox_is_signed_too() {
    let dir = tempfile::tempdir().unwrap();
    let (key, record) = key_file(dir.path(), DkimAlgorithm::Ed25519);
    let s = settings(dir.path(), "", &key);
    let mailer = Mailer::from_settings(&s).unwrap();
    assert_eq!(mailer.transport_name(), "outbox");
    mailer
        .send(&mail_of(MailKind::ResetLink, &s))
        .await
        .unwrap();
    let files: Vec<_> = walk(&s.outbox_dir());
    assert_eq!(files.len(), 1, "{files:?}");
    let raw = std::fs::read_to_string(&files[0]).unwrap();
    assert_passes(
        &verify(&raw, &record).await,
        &format!("outbox file\n{}", support::smtp::split_head(&raw).0),
    );
    assert_fails(
        &verify(&tampered_body(&raw), &record).await,
        "outbox file, body changed",
    );
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else if path.extension().is_some_and(|e| e == "eml") {
            out.push(path);
        }
    }
    out
}
