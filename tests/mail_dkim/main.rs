//! DKIM and the headers of every mail, checked with an independent verifier: the `mail-auth`
//! crate (Stalwart's), fed the DNS record that `latchkey mail dkim-keygen` prints, never our own
//! code. Every kind of mail, RSA and Ed25519, over SMTP and into the outbox; a tampered body or
//! header fails. The server path (a reset request through HTTP) is checked end to end too.

mod kinds;
mod server;
#[path = "../support/mod.rs"]
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
            &latchkey::mail::NotMeAlertMail::new(
                s,
                &EmailAddress::parse("ann@fabrikam.test").unwrap(),
                "Fabrikam",
                &latchkey::domain::TenantId::from_string("t1"),
                now,
            ),
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
