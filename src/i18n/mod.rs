//! The languages guests read: English, German and French. Every guest-visible sentence lives in a
//! Fluent file under `templates/i18n/<lang>/<area>.ftl`, embedded in the binary (build.rs); pages
//! and mails reach it through the tera function `t` ([`tera_fns`]), Rust code through [`t`] and
//! [`Args`]. Which language a request gets: [`negotiate`]; docs/languages.md.

pub mod catalog;
pub mod messages;
pub mod negotiate;
pub mod tera_fns;
pub mod words;

pub use catalog::{catalog, Args, Catalog};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A language the guest pages and mails are written in.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    En,
    De,
    Fr,
}

impl Lang {
    /// Every language, in the order the language switch lists them.
    pub const ALL: [Lang; 3] = [Lang::En, Lang::De, Lang::Fr];

    /// The BCP 47 code: `en`, `de`, `fr` (what `<html lang>`, the cookie and the columns hold).
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::De => "de",
            Lang::Fr => "fr",
        }
    }

    /// The language's own name, for the switch: "English", "Deutsch", "Français".
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::De => "Deutsch",
            Lang::Fr => "Français",
        }
    }

    /// A language tag as a browser, a form or a column writes it (`de`, `de-CH`, `FR_fr`), by its
    /// primary subtag; `None` for a language we do not have or anything malformed (never an
    /// error: an unknown code is ignored).
    pub fn parse(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?;
        if primary.len() > 8 || !primary.bytes().all(|b| b.is_ascii_alphabetic()) {
            return None;
        }
        match primary.to_ascii_lowercase().as_str() {
            "en" => Some(Lang::En),
            "de" => Some(Lang::De),
            "fr" => Some(Lang::Fr),
            _ => None,
        }
    }

    /// Exactly one of our codes (`en`, `de`, `fr`), as a form's `<select>` sends it; `None` for
    /// anything else.
    pub fn from_code(code: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|l| l.code() == code)
    }

    /// [`Lang::parse`] of an optional stored value.
    pub fn parse_opt(tag: Option<&str>) -> Option<Lang> {
        tag.and_then(Lang::parse)
    }

    /// The message `key` in this language ([`t`]).
    pub fn t(self, key: &str) -> String {
        t(self, key, &Args::new())
    }

    /// The message `key` with arguments.
    pub fn t_args(self, key: &str, args: &Args) -> String {
        t(self, key, args)
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// The message `key` in `lang`, formatted with `args`. A key missing in `lang` falls back to
/// English, and one missing there too reads as the key itself (the completeness test in
/// tests/i18n.rs keeps both from happening).
pub fn t(lang: Lang, key: &str, args: &Args) -> String {
    catalog().format(lang, key, args).unwrap_or_else(|| {
        tracing::error!(key, lang = lang.code(), "missing message");
        key.to_string()
    })
}
