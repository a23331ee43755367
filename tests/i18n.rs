//! Languages (docs/languages.md): every message exists in every language, every key a template
//! or the Rust code names exists, and every mail renders in English, German and French.

use chrono::{TimeZone, Utc};
use latchkey::config::{RawSettings, Settings};
use latchkey::domain::EmailAddress;
use latchkey::i18n::{catalog, Lang};
use latchkey::mail::{self, render_in, MailTemplate, OutgoingMail};
use latchkey::security::tokens::{OneTimeCode, TokenSecret};
use latchkey::services::templates::{Templates, TEMPLATES};
use std::collections::BTreeSet;

fn settings() -> Settings {
    let dir = std::env::temp_dir().join(format!("lk-i18n-{}", uuid::Uuid::new_v4()));
    RawSettings {
        data_dir: dir,
        public_base_url: Some("https://reset.example.com".into()),
        secret_key: Some("a".repeat(64)),
        ..RawSettings::default()
    }
    .validate()
    .expect("valid settings")
}

#[test]
fn every_message_exists_in_every_language_and_in_the_same_file() {
    let english = catalog().keys(Lang::En);
    assert!(english.len() > 100, "the English catalog is loaded");
    for lang in [Lang::De, Lang::Fr] {
        let other = catalog().keys(lang);
        let missing: Vec<_> = english.keys().filter(|k| !other.contains_key(*k)).collect();
        let extra: Vec<_> = other.keys().filter(|k| !english.contains_key(*k)).collect();
        assert!(missing.is_empty(), "{lang} lacks {missing:?}");
        assert!(extra.is_empty(), "{lang} has keys English lacks: {extra:?}");
        for (key, file) in &english {
            let theirs = &other[key];
            assert_eq!(
                theirs.split_once('/').map(|x| x.1),
                file.split_once('/').map(|x| x.1),
                "{key} is in {file} but in {theirs}"
            );
        }
    }
}

/// Every `t(key="…")` in a template, every `.t("…")`/`t_args("…"` in the Rust code.
fn referenced_keys() -> BTreeSet<(String, String)> {
    let template_key = regex::Regex::new(r#"\bt\(\s*key\s*=\s*["']([A-Za-z0-9_-]+)["']"#).unwrap();
    let mut keys = BTreeSet::new();
    for (name, source) in TEMPLATES {
        for c in template_key.captures_iter(source) {
            keys.insert((c[1].to_string(), name.to_string()));
        }
    }
    let rust_key = regex::Regex::new(r#"\.t(?:_args)?\(\s*"([a-z0-9-]+)""#).unwrap();
    let mut stack = vec![std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src"
    ))];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let source = std::fs::read_to_string(&path).unwrap();
                for c in rust_key.captures_iter(&source) {
                    keys.insert((c[1].to_string(), path.display().to_string()));
                }
            }
        }
    }
    keys
}

#[test]
fn every_key_a_template_or_the_code_names_exists() {
    let english = catalog().keys(Lang::En);
    let refs = referenced_keys();
    assert!(refs.len() > 100, "the scan finds the references");
    let missing: Vec<_> = refs
        .iter()
        .filter(|(k, _)| !english.contains_key(k))
        .collect();
    assert!(missing.is_empty(), "keys used but not defined: {missing:?}");
}

/// The guest templates, all written through the catalog (the console's `admin/` stays English).
const CONVERTED: &[&str] = &[
    "base.html",
    "index.html",
    "errors/",
    "reset/",
    "email/",
    "signin/",
    "signup/",
    "account/",
    "invite/",
    "takeover/",
    "verify/",
];

#[test]
fn every_guest_template_is_guarded() {
    // A new guest area must join CONVERTED, or the test below would not look at it.
    for (name, _) in TEMPLATES {
        if name.starts_with("admin/") || name.starts_with("i18n/") {
            continue;
        }
        assert!(
            CONVERTED.iter().any(|p| name.starts_with(p)),
            "{name} is a guest template the no-English check does not cover"
        );
    }
}

#[test]
fn every_area_file_exists_in_every_language_and_is_loaded() {
    use latchkey::services::templates::FLUENT;
    let files = |lang: Lang| -> BTreeSet<String> {
        catalog()
            .keys(lang)
            .values()
            .filter_map(|f| f.split_once('/').map(|x| x.1.to_string()))
            .collect()
    };
    let english = files(Lang::En);
    for area in [
        "pages.ftl",
        "mail.ftl",
        "policy.ftl",
        "words.ftl",
        "account.ftl",
        "onboarding.ftl",
    ] {
        assert!(
            english.contains(area),
            "en/{area} is not loaded: {english:?}"
        );
    }
    for lang in Lang::ALL {
        assert_eq!(
            files(lang),
            english,
            "{lang}: the same area files as English"
        );
        let embedded = FLUENT
            .iter()
            .filter(|(p, _)| p.starts_with(&format!("{}/", lang.code())))
            .count();
        assert_eq!(
            embedded,
            english.len(),
            "{lang}: every embedded file holds messages"
        );
    }
}

#[test]
fn guest_templates_carry_no_english_outside_messages() {
    // A guest template's visible text comes from the catalog: once tags, tera blocks and
    // expressions are removed, nothing made of letters is left (the console stays English).
    let tag = regex::Regex::new(r"(?s)<[^>]*>|\{%.*?%\}|\{\{.*?\}\}|\{#.*?#\}").unwrap();
    for (name, source) in TEMPLATES {
        if name.starts_with("admin/") || !CONVERTED.iter().any(|p| name.starts_with(p)) {
            continue;
        }
        let rest = tag.replace_all(source, " ");
        let words: Vec<&str> = rest
            .split(|c: char| !c.is_alphabetic())
            .filter(|w| w.len() > 1 && *w != "Latchkey")
            .collect();
        assert!(
            words.is_empty(),
            "{name} has text outside messages: {words:?}"
        );
    }
}

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 3, 14, 15, 0).unwrap()
}

/// Renders one mail context in a language.
type RenderMail = Box<dyn Fn(&Templates, Lang) -> OutgoingMail>;

/// One context of every kind.
fn every_mail(s: &Settings) -> Vec<(&'static str, RenderMail)> {
    let to = EmailAddress::parse("guest@example.org").unwrap();
    fn one<C: MailTemplate + 'static>(to: &EmailAddress, ctx: C) -> RenderMail {
        let to = to.clone();
        Box::new(move |t, lang| render_in(t, &to, &ctx, lang).unwrap())
    }
    let later = now() + chrono::Duration::minutes(20);
    let week = now() + chrono::Duration::days(7);
    let token = TokenSecret::generate();
    vec![
        (
            "reset_link",
            one(
                &to,
                mail::ResetLinkMail::new(s, &token, &OneTimeCode::generate(), now(), later),
            ),
        ),
        (
            "account_locked",
            one(
                &to,
                mail::AccountLockedMail::new(s, now(), later, Some("+49 30 1234")),
            ),
        ),
        (
            "email_unverified",
            one(&to, mail::EmailUnverifiedMail::new(s, &token, now(), later)),
        ),
        (
            "methods_not_registered",
            one(
                &to,
                mail::MethodsNotRegisteredMail::new(s, "Fabrikam", None),
            ),
        ),
        (
            "password_changed",
            one(
                &to,
                mail::PasswordChangedMail::new(s, now(), "203.0.113.9".parse().unwrap(), None),
            ),
        ),
        (
            "verify_email",
            one(&to, mail::VerifyEmailMail::new(s, &token, now(), later)),
        ),
        (
            "invitation",
            one(
                &to,
                mail::InvitationMail::new(s, &token, "Fabrikam", Some("Ada"), now(), week),
            ),
        ),
        (
            "signup",
            one(&to, mail::SignupMail::new(s, &token, now(), later)),
        ),
        ("signup_existing", one(&to, mail::SignupMail::existing(s))),
    ]
}

/// A word only the language's text has, and a word of its date and duration phrases.
fn marks(lang: Lang) -> (&'static str, &'static str) {
    match lang {
        Lang::En => ("Hello,", "Please do not reply"),
        Lang::De => ("Guten Tag,", "Bitte antworten Sie nicht"),
        Lang::Fr => ("Bonjour,", "Merci de ne pas répondre"),
    }
}

/// A message id that leaked into output instead of its text.
fn leaked_key(text: &str) -> Option<String> {
    let english = catalog().keys(Lang::En);
    let id = regex::Regex::new(r"\b[a-z]+(?:-[a-z0-9]+){1,}\b").unwrap();
    let found = id
        .find_iter(text)
        .map(|m| m.as_str().to_string())
        .find(|w| english.contains_key(w));
    found
}

#[test]
fn every_mail_renders_in_every_language() {
    let s = settings();
    let templates = Templates::load().unwrap();
    for (kind, render) in every_mail(&s) {
        let mut subjects = BTreeSet::new();
        for lang in Lang::ALL {
            let m = render(&templates, lang);
            let (hello, footer) = marks(lang);
            assert!(m.text.contains(hello), "{kind} {lang} text: {}", m.text);
            assert!(m.html.contains(hello), "{kind} {lang} html");
            assert!(m.html.contains(footer), "{kind} {lang} html footer");
            assert!(
                m.html.contains(&format!("<html lang=\"{lang}\">")),
                "{kind} {lang}: <html lang>"
            );
            for part in [&m.subject, &m.text, &m.html] {
                assert_eq!(leaked_key(part), None, "{kind} {lang}: a key leaked");
                assert!(
                    !part.contains("{ $"),
                    "{kind} {lang}: an unfilled placeable"
                );
            }
            assert!(!m.subject.is_empty());
            subjects.insert(m.subject.clone());
        }
        assert_eq!(
            subjects.len(),
            3,
            "{kind}: one subject per language {subjects:?}"
        );
    }
}

#[test]
fn durations_and_times_in_mails_follow_the_language() {
    let s = settings();
    let templates = Templates::load().unwrap();
    let token = TokenSecret::generate();
    let later = now() + chrono::Duration::minutes(20);
    let ctx = mail::ResetLinkMail::new(&s, &token, &OneTimeCode::generate(), now(), later);
    let to = EmailAddress::parse("guest@example.org").unwrap();
    let de = render_in(&templates, &to, &ctx, Lang::De).unwrap();
    assert!(
        de.text.contains("in 20 Minuten ab, um 14:35 Uhr UTC"),
        "{}",
        de.text
    );
    let fr = render_in(&templates, &to, &ctx, Lang::Fr).unwrap();
    assert!(
        fr.text.contains("expirent dans 20 minutes, à 14:35 UTC"),
        "{}",
        fr.text
    );
    let invite = mail::InvitationMail::new(
        &s,
        &token,
        "Fabrikam",
        None,
        now(),
        now() + chrono::Duration::days(7),
    );
    let de = render_in(&templates, &to, &invite, Lang::De).unwrap();
    assert!(
        de.text
            .contains("7 Tage, bis 14:15 Uhr UTC am Dienstag, 10. November 2026"),
        "{}",
        de.text
    );
    let en = render_in(&templates, &to, &invite, Lang::En).unwrap();
    assert!(en
        .text
        .contains("7 days, until 14:15 UTC on Tuesday 10 November 2026"));
}

#[test]
fn tenant_text_in_messages_is_escaped_in_html_and_plain_in_text() {
    let s = settings();
    let templates = Templates::load().unwrap();
    let ctx = mail::MethodsNotRegisteredMail::new(&s, "Fabrikam <b>&</b>", None);
    let to = EmailAddress::parse("guest@example.org").unwrap();
    for lang in Lang::ALL {
        let m = render_in(&templates, &to, &ctx, lang).unwrap();
        assert!(
            m.html.contains("Fabrikam &lt;b&gt;&amp;&lt;&#x2F;b&gt;")
                || m.html.contains("Fabrikam &lt;b&gt;&amp;&lt;/b&gt;"),
            "{}",
            m.html
        );
        assert!(!m.html.contains("<b>&</b>"));
        assert!(m.text.contains("Fabrikam <b>&</b>"));
    }
}
