//! DKIM and the headers of every mail, checked with an independent verifier: the `mail-auth`
//! crate (Stalwart's), fed the DNS record that `latchkey mail dkim-keygen` prints, never our own
//! code. Every kind of mail, RSA and Ed25519, over SMTP and into the outbox; a tampered body or
//! header fails. The server path (a reset request through HTTP) is checked end to end too.

mod support;

use chrono::{TimeZone as _, Utc};
use figment::providers::Format as _;
use latchkey::config::Settings;
use latchkey::domain::EmailAddress;
use latchkey::mail::dkim::{self, DkimAlgorithm};
use latchkey::mail::{
    render, AccountLockedMail, EmailUnverifiedMail, InvitationMail, MailKind, Mailer,
    MethodsNotRegisteredMail, OutgoingMail, PasswordChangedMail, ResetLinkMail, SignupMail,
    VerifyEmailMail,
};
use latchkey::security::tokens::{OneTimeCode, TokenSecret};
use latchkey::services::templates::Templates;
use mail_auth::common::parse::TxtRecordParser as _;
use mail_auth::common::verify::DomainKey;
use mail_auth::hickory_resolver::config::{NameServerConfigGroup, ResolverConfig, ResolverOpts};
use mail_auth::{AuthenticatedMessage, DkimResult, MessageAuthenticator, Parameters, Txt};
use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;
use support::smtp::SmtpSink;

const GUEST: &str = "guest@example.org";
const SELECTOR: &str = "s1";
const DOMAIN: &str = "reset.test.example";

/// The TXT answers the verifier sees: a map, so no question ever leaves the process.
struct Records(Mutex<HashMap<String, Txt>>);

impl mail_auth::ResolverCache<String, Txt> for Records {
    fn get<Q>(&self, name: &Q) -> Option<Txt>
    where
        String: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.0.lock().unwrap().get(name).cloned()
    }

    fn remove<Q>(&self, name: &Q) -> Option<Txt>
    where
        String: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.0.lock().unwrap().remove(name)
    }

    fn insert(&self, key: String, value: Txt, _valid_until: std::time::Instant) {
        self.0.lock().unwrap().insert(key, value);
    }
}

/// What `mail-auth` says of each DKIM signature of `raw`, given the one published record.
async fn verify(raw: &str, record: &str) -> Vec<DkimResult> {
    let key = DomainKey::parse(record.as_bytes()).expect("the record parses as a DKIM key");
    let records = Records(Mutex::new(HashMap::from([(
        format!("{}.", dkim::record_name(SELECTOR, DOMAIN)),
        Txt::from(key),
    )])));
    // A resolver that could only ask a closed loopback port: every answer comes from `records`.
    let servers = NameServerConfigGroup::from_ips_clear(&["127.0.0.1".parse().unwrap()], 9, true);
    let authenticator = MessageAuthenticator::new(
        ResolverConfig::from_parts(None, vec![], servers),
        ResolverOpts::default(),
    )
    .unwrap();
    let message = AuthenticatedMessage::parse(raw.as_bytes()).expect("a parsable message");
    authenticator
        .verify_dkim(Parameters::new(&message).with_txt_cache(&records))
        .await
        .iter()
        .map(|o| o.result().clone())
        .collect()
}

fn assert_passes(results: &[DkimResult], what: &str) {
    assert_eq!(results, &[DkimResult::Pass], "{what}");
}

fn assert_fails(results: &[DkimResult], what: &str) {
    assert_eq!(results.len(), 1, "{what}: {results:?}");
    // A changed body is caught by the body hash (mail-auth reports it as neutral: the signature
    // no longer covers this body); a changed header or another key by the signature.
    assert!(
        matches!(
            results[0],
            DkimResult::Fail(_) | DkimResult::Neutral(mail_auth::Error::FailedBodyHashMatch)
        ),
        "{what}: {results:?}"
    );
}

/// A fresh key of `algorithm` in `dir`, and the DNS record for it.
fn key_file(dir: &Path, algorithm: DkimAlgorithm) -> (std::path::PathBuf, String) {
    let key = dkim::generate(algorithm).unwrap();
    let path = dir.join(format!("dkim-{}.pem", algorithm.tag()));
    std::fs::write(&path, key.pem.as_bytes()).unwrap();
    (path, key.record_value)
}

fn dkim_toml(key: &Path) -> String {
    format!(
        "mail_from = \"Latchkey <no-reply@{DOMAIN}>\"\n[mail.dkim]\nselector = \"{SELECTOR}\"\n\
         domain = \"{DOMAIN}\"\nprivate_key_file = \"{}\"\n",
        key.display()
    )
}

fn settings(dir: &Path, top: &str, key: &Path) -> Settings {
    let db = format!("sqlite://{}", dir.join("unused.db").display());
    support::test_settings(dir, &db, &format!("{top}{}", dkim_toml(key)))
}

/// Whether the test mail of `kind` has a `Reply-To` (half of the kinds).
fn with_reply_to(kind: MailKind) -> bool {
    kind.as_str().len().is_multiple_of(2)
}

/// One mail of `kind`, rendered by the real templates (the `match` names every kind, so a new
/// kind does not compile until it is added here).
fn mail_of(kind: MailKind, s: &Settings) -> OutgoingMail {
    let t = Templates::load().unwrap();
    let to = EmailAddress::parse(GUEST).unwrap();
    let now = Utc.with_ymd_and_hms(2026, 11, 4, 14, 15, 0).unwrap();
    let later = now + chrono::Duration::minutes(20);
    let token = TokenSecret::generate();
    let mut mail = match kind {
        MailKind::ResetLink => render(
            &t,
            &to,
            &ResetLinkMail::new(s, &token, &OneTimeCode::generate(), now, later),
        ),
        MailKind::AccountLocked => render(
            &t,
            &to,
            &AccountLockedMail::new(s, now, later, Some("+44 20 7946 0000")),
        ),
        MailKind::EmailUnverified => {
            render(&t, &to, &EmailUnverifiedMail::new(s, &token, now, later))
        }
        MailKind::MethodsNotRegistered => render(
            &t,
            &to,
            &MethodsNotRegisteredMail::new(s, "Fabrikam", Some("mailto:help@fabrikam.test")),
        ),
        MailKind::PasswordChanged => render(
            &t,
            &to,
            &PasswordChangedMail::new(s, now, "203.0.113.7".parse().unwrap(), None),
        ),
        MailKind::VerifyEmail => render(&t, &to, &VerifyEmailMail::new(s, &token, now, later)),
        MailKind::Invitation => render(
            &t,
            &to,
            &InvitationMail::new(s, &token, "Fabrikam", Some("Ada Lovelace"), now, later),
        ),
        MailKind::Signup => render(&t, &to, &SignupMail::new(s, &token, now, later)),
        MailKind::NotMeAlert => render(
            &t,
            &to,
            &latchkey::mail::NotMeAlertMail::new(s, "ann@fabrikam.test", "Fabrikam", "t1", now),
        ),
    }
    .unwrap();
    // Half of them as for a tenant with a `mailto:` helpdesk: `Reply-To` is signed when present.
    if with_reply_to(kind) {
        mail.reply_to = Some(EmailAddress::parse("help@fabrikam.test").unwrap());
    }
    mail
}

/// The tags of the `DKIM-Signature` header.
fn signature_tags(raw: &str) -> HashMap<String, String> {
    let (head, _) = support::smtp::split_head(raw);
    let value = support::smtp::headers(head)
        .into_iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("DKIM-Signature"))
        .map(|(_, v)| v)
        .expect("a DKIM-Signature header");
    value
        .split(';')
        .filter_map(|t| t.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.split_whitespace().collect()))
        .collect()
}

/// `raw` with one character of the text part changed.
fn tampered_body(raw: &str) -> String {
    let (head, body) = support::smtp::split_head(raw);
    let at = body
        .find("password")
        .or_else(|| body.find("Fabrikam"))
        .or_else(|| body.find("Hello"))
        .expect("a word to change in the body");
    let mut body = body.to_string();
    body.replace_range(at..at + 1, "X");
    format!("{head}\r\n\r\n{body}")
}

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
