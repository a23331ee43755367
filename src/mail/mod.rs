//! Email (docs/architecture.md#mail): one [`Mailer`] built on lettre — SMTP when `smtp_url` is set, otherwise
//! `.eml` files in `<data_dir>/outbox/` — and messages rendered from `templates/email/` as a
//! subject + text + HTML triple ([`render`]).
//!
//! Every mail goes out through [`deliver`] (run by a job): the per-address cap, the send, bounce
//! marking and the `mail_*` audit, the same for every kind of mail. A [`SendError::Transient`] is
//! retried with backoff by the job worker; a [`SendError::Permanent`] marks the address bounced.
//! Nothing here imports `actix_web`.
//!
//! Logs carry a message id and a [`MailKind`] only: never the recipient, the body or a token
//! (docs/security.md#13, #37).

mod bounce;
pub mod bounces;
mod content;
mod deliver;
pub mod dkim;
mod dkim_canonical;
pub mod dsn;
mod envelope;
mod message;
mod outbox;
mod reply;
mod smtp;
mod smtp_pool;
mod transport;
pub mod words;

pub use content::{
    AccountLockedMail, EmailUnverifiedMail, InvitationMail, MethodsNotRegisteredMail,
    NotMeAlertMail, PasswordChangedMail, ResetLinkMail, SecretText, SignupMail, VerifyEmailMail,
    INVITE_PATH, RESET_LINK_PATH, SIGNUP_PATH, VERIFY_EMAIL_PATH,
};
pub use deliver::{deliver, deliver_reserved, reserve, Delivery, Postman, Recipient};
pub use dkim::DkimSigner;
pub use envelope::{Cause, Envelope, LOGO_PATH, NOT_ME_PATH};
pub use message::{
    helpdesk_reply_to, helpdesk_words, render, render_in, render_with, MailKind, MailTemplate,
    OutgoingMail, RenderError, ABOUT_TEXT,
};
pub use smtp::TrustRoots;
pub use transport::{Mailer, MailerConfigError, SendError};
