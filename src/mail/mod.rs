//! Email (docs/architecture.md#mail): one [`Mailer`] built on lettre — SMTP when `smtp_url` is set, otherwise
//! `.eml` files in `<data_dir>/outbox/` — and messages rendered from `templates/email/` as a
//! subject + text + HTML triple ([`render`]).
//!
//! Nothing here imports `actix_web`; the caller (the job worker) decides what a [`SendError`]
//! means: a [`SendError::Transient`] is retried with backoff, a [`SendError::Permanent`] marks the
//! address bounced.
//!
//! Logs carry a message id and a [`MailKind`] only: never the recipient, the body or a token
//! (docs/security.md#13, #37).

mod content;
mod message;
mod transport;
pub mod words;

pub use content::{
    AccountLockedMail, EmailUnverifiedMail, InvitationMail, MethodsNotRegisteredMail,
    PasswordChangedMail, ResetLinkMail, SecretText, SignupMail, VerifyEmailMail, INVITE_PATH,
    RESET_LINK_PATH, SIGNUP_PATH, VERIFY_EMAIL_PATH,
};
pub use message::{render, MailKind, MailTemplate, OutgoingMail, RenderError};
pub use transport::{Mailer, MailerConfigError, SendError};
