use super::*;
use crate::config::RawSettings;
use crate::domain::EmailAddress;
use crate::mail::MailKind;
use crate::services::templates::Templates;
use chrono::TimeZone;

fn settings() -> Settings {
    let dir = std::env::temp_dir().join(format!("lk-mail-{}", uuid::Uuid::new_v4()));
    RawSettings {
        data_dir: dir,
        public_base_url: Some("https://reset.example.com".into()),
        secret_key: Some("a".repeat(64)),
        ..RawSettings::default()
    }
    .validate()
    .expect("valid settings")
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 3, 14, 15, 0).unwrap()
}

fn to() -> EmailAddress {
    EmailAddress::parse("guest@example.org").unwrap()
}

/// `ctx` rendered by the real templates for one guest.
fn rendered<C: MailTemplate>(ctx: &C) -> crate::mail::OutgoingMail {
    let envelope = crate::mail::Envelope::new(
        &settings(),
        &crate::domain::branding::Branding::default(),
        to().as_str(),
        &crate::mail::Cause::default(),
        now().naive_utc(),
        None,
    );
    crate::mail::render_with(
        &Templates::load().unwrap(),
        &to(),
        ctx,
        &envelope,
        crate::i18n::Lang::En,
    )
    .unwrap()
}

#[test]
fn every_kind_has_its_three_templates() {
    let templates = Templates::load().unwrap();
    let names = templates.names();
    for kind in MailKind::ALL {
        for name in kind.template_names() {
            assert!(names.contains(&name.as_str()), "missing {name}");
        }
    }
}

#[test]
fn reset_mail_has_link_code_and_expiry_in_words() {
    let s = settings();
    let token = TokenSecret::generate();
    let code = OneTimeCode::generate();
    let ctx = ResetLinkMail::new(
        &s,
        &token,
        &code,
        now(),
        now() + chrono::Duration::minutes(20),
    );
    let mail = rendered(&ctx);
    assert_eq!(mail.kind, MailKind::ResetLink);
    assert_eq!(mail.subject, "Reset your password");
    let link = format!("https://reset.example.com/reset/link/{}", token.expose());
    for part in [&mail.text, &mail.html] {
        // docs/security.md#18: the token appears once, inside the configured-origin link.
        assert_eq!(part.matches(token.expose()).count(), 1, "{part}");
        assert!(part.contains(&link));
        assert!(part.contains(&code.expose_grouped()));
        assert!(part.contains("20 minutes"), "{part}");
        assert!(part.contains("14:35 UTC"), "{part}");
    }
    assert!(mail
        .text
        .contains("This link and code expire in 20 minutes, at 14:35 UTC."));
    // Debug of the context hides the secrets.
    let shown = format!("{ctx:?}");
    assert!(!shown.contains(token.expose()) && !shown.contains(code.expose()));
}

#[test]
fn html_parts_escape_tenant_text_and_text_parts_keep_it_plain() {
    let s = settings();
    let ctx = MethodsNotRegisteredMail::new(&s, "<b>Acme & Co</b>", Some("+44 20 7946 0000"));
    let mail = rendered(&ctx);
    assert!(
        mail.html.contains("&lt;b&gt;Acme &amp; Co&lt;&#x2F;b&gt;")
            || mail.html.contains("&lt;b&gt;Acme &amp; Co&lt;/b&gt;"),
        "{}",
        mail.html
    );
    assert!(!mail.html.contains("<b>Acme"));
    assert!(mail.text.contains("<b>Acme & Co</b>"));
    assert!(mail.text.contains("+44 20 7946 0000"));
    assert!(mail
        .text
        .contains("https://reset.example.com/account/security"));
}

#[test]
fn explanations_carry_no_reset_link() {
    let s = settings();
    let token = TokenSecret::generate();
    let locked = rendered(&AccountLockedMail::new(
        &s,
        now(),
        now() + chrono::Duration::minutes(15),
        None,
    ));
    assert!(
        locked.text.contains("15 minutes, after 14:30 UTC"),
        "{}",
        locked.text
    );
    let unverified = rendered(&EmailUnverifiedMail::new(
        &s,
        &token,
        now(),
        now() + chrono::Duration::hours(24),
    ));
    assert!(unverified.text.contains(&format!(
        "https://reset.example.com/verify/{}",
        token.expose()
    )));
    assert!(unverified
        .text
        .contains("1 day, at 14:15 UTC on Wednesday 4 November 2026"));
    let changed = rendered(&PasswordChangedMail::new(
        &s,
        now(),
        "203.0.113.7".parse().unwrap(),
        None,
    ));
    assert!(changed
        .text
        .contains("14:15 UTC on Tuesday 3 November 2026"));
    assert!(changed.text.contains("203.0.113.7"));
    for mail in [&locked, &unverified, &changed] {
        assert!(!mail.text.contains(RESET_LINK_PATH) && !mail.html.contains(RESET_LINK_PATH));
    }
}

#[test]
fn invitation_and_verification_render() {
    let s = settings();
    let token = TokenSecret::generate();
    let invite = rendered(&InvitationMail::new(
        &s,
        &token,
        "Acme\r\nBcc: evil@example.com",
        Some("Ada"),
        now(),
        now() + InvitationMail::default_lifetime(),
    ));
    assert_eq!(
        invite.subject,
        "Ada invited you to Acme Bcc: evil@example.com"
    );
    assert!(invite
        .text
        .contains("7 days, until 14:15 UTC on Tuesday 10 November 2026"));
    assert!(invite.text.contains(&format!(
        "https://reset.example.com/invite/{}",
        token.expose()
    )));
    let verify = rendered(&VerifyEmailMail::new(
        &s,
        &token,
        now(),
        now() + chrono::Duration::hours(1),
    ));
    assert!(verify.text.contains("1 hour, at 15:15 UTC"));
}
