//! What every mail says about itself, whatever its kind: which account it is about, in whose
//! name it is sent (the branding in force for the account's tenant), what asked for it (the
//! client address, an approximate browser, the time) and, for the reset mail and the
//! password-changed notice, the "this wasn't me" link. Rendered by `email/base.html` into the
//! HTML part and by `email/about.txt` at the end of the text part.

use super::content::SecretText;
use crate::config::Settings;
use crate::domain::branding::Branding;
use crate::domain::user_agent::BrowserWords;
use crate::i18n::words::Words;
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Serialize;
use std::net::IpAddr;

/// Where a "this wasn't me" token is redeemed: `GET /reset/not-me/{token}`.
pub const NOT_ME_PATH: &str = "/reset/not-me/";
/// Where logos are served (`<data_dir>/static/<file>`).
pub const LOGO_PATH: &str = "/static/brand/";
/// The accent of mails when none is configured (the buttons' historic blue).
const DEFAULT_ACCENT: &str = "#0b5cad";

/// What caused a mail: the request's client address, its browser and its time.
#[derive(Debug, Clone, Default)]
pub struct Cause {
    pub ip: Option<IpAddr>,
    pub browser: Option<BrowserWords>,
    /// When the request was made; the send time when unknown.
    pub at: Option<NaiveDateTime>,
}

/// The facts placed beside every mail's own context (top-level keys `brand` and `about`).
#[derive(Debug, Clone, Serialize)]
pub struct Envelope {
    pub brand: MailBrand,
    pub about: About,
}

/// The branding as a mail uses it: names, an absolute logo URL, the accent and its contrast.
#[derive(Debug, Clone, Serialize)]
pub struct MailBrand {
    pub service_name: String,
    pub organisation: Option<String>,
    /// `https://<public_base_url>/static/brand/<file>`.
    pub logo_url: Option<String>,
    pub accent_colour: String,
    pub accent_text: String,
}

/// Which account and what asked.
#[derive(Debug, Clone, Serialize)]
pub struct About {
    /// The address the mail is about (the recipient's, as stored).
    pub account: String,
    pub ip: Option<String>,
    /// "Firefox on Windows" (English until the words are translated).
    pub browser: Option<String>,
    pub browser_name: Option<String>,
    pub platform: Option<String>,
    /// "14:35 UTC on Tuesday 3 November 2026".
    pub at: Words,
    /// `https://<public_base_url>/reset/not-me/<token>` on the reset mail and the notice.
    pub not_me_link: Option<SecretText>,
}

impl Envelope {
    /// The default branding, no cause, the time now: for previews and tests.
    pub fn plain(account: &str) -> Self {
        let brand = Branding::default();
        Self {
            brand: MailBrand {
                service_name: brand.service_name,
                organisation: None,
                logo_url: None,
                accent_colour: DEFAULT_ACCENT.into(),
                accent_text: "#ffffff".into(),
            },
            about: About {
                account: account.to_string(),
                ip: None,
                browser: None,
                browser_name: None,
                platform: None,
                at: Words::DateTime { at: Utc::now() },
                not_me_link: None,
            },
        }
    }

    /// The envelope of a mail to `account` under `brand`, caused by `cause`, sent at `now`.
    pub fn new(
        settings: &Settings,
        brand: &Branding,
        account: &str,
        cause: &Cause,
        now: NaiveDateTime,
        not_me: Option<&crate::security::TokenSecret>,
    ) -> Self {
        let accent = brand.accent_colour.as_ref();
        let browser = cause.browser.clone().unwrap_or_default();
        Self {
            brand: MailBrand {
                service_name: brand.service_name.clone(),
                organisation: brand.organisation.clone(),
                logo_url: brand
                    .logo
                    .as_ref()
                    .map(|l| settings.link(&format!("{LOGO_PATH}{}", l.as_str()))),
                accent_colour: accent.map_or(DEFAULT_ACCENT.into(), |a| a.as_str().to_string()),
                accent_text: accent.map_or("#ffffff", |a| a.foreground()).to_string(),
            },
            about: About {
                account: account.to_string(),
                ip: cause.ip.map(|i| i.to_string()),
                browser: browser.english(),
                browser_name: browser.browser.clone(),
                platform: browser.platform.clone(),
                at: Words::DateTime {
                    at: DateTime::<Utc>::from_naive_utc_and_offset(cause.at.unwrap_or(now), Utc),
                },
                not_me_link: not_me.map(|t| {
                    SecretText::new(settings.link(&format!("{NOT_ME_PATH}{}", t.expose())))
                }),
            },
        }
    }
}
