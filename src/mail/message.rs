//! Rendering a message: `templates/email/<kind>.subject.txt`, `.txt` and `.html` from one
//! `#[derive(Serialize)]` context, into an [`OutgoingMail`] for exactly one recipient.

use super::envelope::Envelope;
use crate::domain::EmailAddress;
use crate::i18n::Lang;
use crate::services::templates::Templates;
use serde::Serialize;
use std::fmt;
use uuid::Uuid;

/// What a message is, for logs, metrics and the audit (never its content).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MailKind {
    /// A reset link and one-time code (docs/architecture.md#the-reset-flow-end-to-end).
    ResetLink,
    /// Deny reason `account_locked`: when to try again.
    AccountLocked,
    /// Deny reason `email_unverified`: offers verification, never a reset link.
    EmailUnverified,
    /// Deny reason `methods_not_registered`: how to register a method, or whom to call.
    MethodsNotRegistered,
    /// "Your password was changed" (docs/security.md#18): time, IP, what to do. No token.
    PasswordChanged,
    /// An email verification link.
    VerifyEmail,
    /// An invitation with a redemption link.
    Invitation,
    /// Self-service signup: a link to choose a password, or a note that an account exists.
    Signup,
    /// To a tenant's admins: a guest said a reset or password change was not theirs.
    NotMeAlert,
}

impl MailKind {
    /// Every kind, for tests that check each one has its three templates.
    pub const ALL: [MailKind; 9] = [
        MailKind::ResetLink,
        MailKind::AccountLocked,
        MailKind::EmailUnverified,
        MailKind::MethodsNotRegistered,
        MailKind::PasswordChanged,
        MailKind::VerifyEmail,
        MailKind::Invitation,
        MailKind::Signup,
        MailKind::NotMeAlert,
    ];

    /// The snake_case name, also the template stem under `templates/email/`.
    pub fn as_str(self) -> &'static str {
        match self {
            MailKind::ResetLink => "reset_link",
            MailKind::AccountLocked => "account_locked",
            MailKind::EmailUnverified => "email_unverified",
            MailKind::MethodsNotRegistered => "methods_not_registered",
            MailKind::PasswordChanged => "password_changed",
            MailKind::VerifyEmail => "verify_email",
            MailKind::Invitation => "invitation",
            MailKind::Signup => "signup",
            MailKind::NotMeAlert => "not_me_alert",
        }
    }

    /// The three template names: subject, text part, HTML part.
    pub fn template_names(self) -> [String; 3] {
        let stem = self.as_str();
        [
            format!("email/{stem}.subject.txt"),
            format!("email/{stem}.txt"),
            format!("email/{stem}.html"),
        ]
    }
}

impl fmt::Display for MailKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A context struct that renders one kind of mail. The kind comes from the type, so a context
/// cannot be rendered with another kind's templates.
pub trait MailTemplate: Serialize {
    /// The kind, which names the templates.
    const KIND: MailKind;
}

/// A rendered message for exactly one recipient: the stored address (docs/security.md#15).
///
/// `Debug` shows the id and kind only: the address, the subject and the body (which may hold a
/// link or code) never reach a log.
#[derive(Clone)]
pub struct OutgoingMail {
    /// A fresh id: the `Message-ID`, the outbox file name, and the only handle logs carry.
    pub id: Uuid,
    /// What the message is.
    pub kind: MailKind,
    /// The one recipient, as stored.
    pub to: EmailAddress,
    /// One line: control characters are removed at render and again at send.
    pub subject: String,
    /// The `text/plain` part.
    pub text: String,
    /// The `text/html` part (autoescaped by tera).
    pub html: String,
    /// `Reply-To:`: the tenant's helpdesk address, when its helpdesk is a `mailto:` link
    /// ([`helpdesk_reply_to`]).
    pub reply_to: Option<EmailAddress>,
    /// The SMTP envelope sender when it is not `mail_from`: `bounce+<id>@<bounce domain>`
    /// (VERP, `mail.bounce_domain`). Never a header: the receiving server records it as
    /// `Return-Path:`.
    pub return_path: Option<String>,
}

impl fmt::Debug for OutgoingMail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutgoingMail")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

/// A template that failed to render: a bug, not a guest's fault (templates are checked at start).
#[derive(Debug, thiserror::Error)]
#[error("rendering the {kind} mail: {source:#}")]
pub struct RenderError {
    /// Which mail.
    pub kind: MailKind,
    /// Tera's message (names the template, never the context values).
    #[source]
    pub source: anyhow::Error,
}

/// Renders `ctx` in `lang` into a message to `to`, with a fresh id. The [`Envelope`]'s facts
/// (`brand`, `about`) sit beside the context's own keys: `email/base.html` shows them in the
/// HTML part, and `email/about.txt` is appended to the text part.
pub fn render_with<C: MailTemplate>(
    templates: &Templates,
    to: &EmailAddress,
    ctx: &C,
    envelope: &Envelope,
    lang: Lang,
) -> Result<OutgoingMail, RenderError> {
    let kind = C::KIND;
    let [subject, text, html] = kind.template_names();
    let err = |source| RenderError { kind, source };
    let mut value = serde_json::to_value(ctx).map_err(|e| err(e.into()))?;
    if let (Some(map), Ok(serde_json::Value::Object(extra))) =
        (value.as_object_mut(), serde_json::to_value(envelope))
    {
        map.extend(extra);
    }
    let subject = one_line(&templates.render_in(&subject, &value, lang).map_err(err)?);
    let mut body = templates.render_in(&text, &value, lang).map_err(err)?;
    body.push_str("\n\n");
    body.push_str(&templates.render_in(ABOUT_TEXT, &value, lang).map_err(err)?);
    let text = normalise_text(&body);
    let html = templates.render_in(&html, &value, lang).map_err(err)?;
    Ok(OutgoingMail {
        id: Uuid::new_v4(),
        kind,
        to: to.clone(),
        subject,
        text,
        html,
        reply_to: None,
        return_path: None,
    })
}

/// [`render_with`] in English under the default branding, about `to`, caused by nothing known
/// (tests and previews).
pub fn render<C: MailTemplate>(
    templates: &Templates,
    to: &EmailAddress,
    ctx: &C,
) -> Result<OutgoingMail, RenderError> {
    render_in(templates, to, ctx, Lang::En)
}

/// [`render_with`] in `lang` under the default branding, about `to`, caused by nothing known.
pub fn render_in<C: MailTemplate>(
    templates: &Templates,
    to: &EmailAddress,
    ctx: &C,
    lang: Lang,
) -> Result<OutgoingMail, RenderError> {
    render_with(templates, to, ctx, &Envelope::plain(to.as_str()), lang)
}

/// The text block every mail's text part ends with (the envelope's facts).
pub const ABOUT_TEXT: &str = "email/about.txt";

/// How a helpdesk link reads in a sentence: the address of a `mailto:` link
/// (`mailto:help@example.com?subject=x` reads `help@example.com`), any other link as written.
pub fn helpdesk_words(helpdesk_url: &str) -> String {
    helpdesk_reply_to(helpdesk_url).map_or_else(|| helpdesk_url.to_string(), |a| a.to_string())
}

/// The address of a `mailto:` helpdesk link (`mailto:help@example.com?subject=…` gives
/// `help@example.com`); `None` for any other link or an address that does not parse.
pub fn helpdesk_reply_to(helpdesk_url: &str) -> Option<EmailAddress> {
    let url = url::Url::parse(helpdesk_url.trim()).ok()?;
    if url.scheme() != "mailto" {
        return None;
    }
    let address = url.path().replace("%40", "@");
    EmailAddress::parse(&address).ok()
}

/// Longest subject kept; longer ones are cut at a character boundary.
const MAX_SUBJECT_CHARS: usize = 200;

/// Folds a subject into one line: every control character (CR, LF, TAB, NUL, …) becomes a space
/// and runs of whitespace collapse, so no value placed in a subject can start a new header.
pub(crate) fn one_line(s: &str) -> String {
    let cleaned: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    cleaned
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(MAX_SUBJECT_CHARS)
        .collect()
}

/// Text parts: `\n` line ends (lettre writes CRLF), no trailing spaces, at most one blank line in
/// a row (template tags leave gaps), ending with one newline.
fn normalise_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut blank_run = 0;
    for line in s.replace("\r\n", "\n").replace('\r', "\n").lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank_run += 1;
            if blank_run > 1 || out.is_empty() {
                continue;
            }
        } else {
            blank_run = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_are_one_line_whatever_the_input() {
        assert_eq!(
            one_line("Reset\r\nBcc: evil@example.com\0 x\t y"),
            "Reset Bcc: evil@example.com x y"
        );
        assert_eq!(one_line(&"é".repeat(500)).chars().count(), 200);
        assert_eq!(one_line("\u{85}\u{2028}ok"), "ok");
    }

    #[test]
    fn text_parts_lose_template_gaps() {
        assert_eq!(
            normalise_text("\n\nHello,  \n\n\n\nBye\n\n"),
            "Hello,\n\nBye\n"
        );
    }

    #[test]
    fn only_mailto_helpdesks_give_a_reply_to() {
        let parsed = |u| helpdesk_reply_to(u).map(|a| a.to_string());
        assert_eq!(
            parsed("mailto:help@example.org?subject=Reset").as_deref(),
            Some("help@example.org")
        );
        assert_eq!(
            parsed("MAILTO:Help%40Example.org").as_deref(),
            Some("help@example.org")
        );
        assert_eq!(parsed("https://help.example.org/"), None);
        assert_eq!(parsed("mailto:"), None);
        assert_eq!(parsed("mailto:a@x.org,b@y.org"), None);
    }

    #[test]
    fn mailto_helpdesks_read_as_addresses() {
        assert_eq!(
            helpdesk_words("mailto:help@example.org?subject=x"),
            "help@example.org"
        );
        assert_eq!(
            helpdesk_words("https://help.example.org/"),
            "https://help.example.org/"
        );
    }

    #[test]
    fn debug_shows_no_address_or_body() {
        let mail = OutgoingMail {
            id: Uuid::nil(),
            kind: MailKind::ResetLink,
            to: EmailAddress::parse("guest@example.org").unwrap(),
            subject: "s".into(),
            text: "SECRET-TOKEN".into(),
            html: "SECRET-TOKEN".into(),
            reply_to: None,
            return_path: None,
        };
        let shown = format!("{mail:?}");
        assert!(
            !shown.contains("guest@") && !shown.contains("SECRET"),
            "{shown}"
        );
    }
}
