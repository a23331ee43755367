//! Which language a guest gets, in order: the explicit choice on the page (the `lang` cookie),
//! the account's stored preference, the tenant's default language, the browser's
//! `Accept-Language`, English. An unknown or malformed value at any step is skipped, never an
//! error.

use super::Lang;

/// What a request offers, strongest first. Each is a raw stored or sent value.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sources<'a> {
    /// The `lang` cookie set by the language switch.
    pub choice: Option<&'a str>,
    /// The stored language (`user_languages`) of the guest the page or mail is about.
    pub user: Option<&'a str>,
    /// `tenants.default_language` of that guest's tenant.
    pub tenant: Option<&'a str>,
    /// The `Accept-Language` header.
    pub accept_language: Option<&'a str>,
}

/// The language for `sources` ([`Sources`] order), English when none is usable.
pub fn resolve(sources: &Sources<'_>) -> Lang {
    Lang::parse_opt(sources.choice)
        .or_else(|| Lang::parse_opt(sources.user))
        .or_else(|| Lang::parse_opt(sources.tenant))
        .or_else(|| sources.accept_language.and_then(accept_language))
        .unwrap_or_default()
}

/// The best language of an `Accept-Language` header that we have (RFC 9110 §12.5.4): the
/// highest q-value wins, ties go to the earlier entry, `q=0` means "not this one", `*` and
/// languages we lack are skipped. Malformed entries are ignored.
pub fn accept_language(header: &str) -> Option<Lang> {
    let mut best: Option<(u16, Lang)> = None;
    let mut refused: Vec<Lang> = Vec::new();
    for entry in header.split(',').take(32) {
        let mut parts = entry.split(';');
        let tag = parts.next().unwrap_or("").trim();
        let mut q = 1000u16;
        for param in parts {
            let param = param.trim();
            if let Some(v) = param
                .strip_prefix("q=")
                .or_else(|| param.strip_prefix("Q="))
            {
                match parse_q(v.trim()) {
                    Some(v) => q = v,
                    None => q = 0,
                }
            }
        }
        let Some(lang) = Lang::parse(tag) else {
            continue;
        };
        if q == 0 {
            refused.push(lang);
            continue;
        }
        if best.is_none_or(|(bq, _)| q > bq) {
            best = Some((q, lang));
        }
    }
    best.map(|(_, l)| l).filter(|l| !refused.contains(l))
}

/// A q-value in thousandths: `1`, `0.8`, `0.125`; `None` when malformed or above 1.
fn parse_q(v: &str) -> Option<u16> {
    let (int, frac) = v.split_once('.').unwrap_or((v, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let whole: u16 = match int {
        "0" => 0,
        "1" => 1,
        _ => return None,
    };
    let mut thousandths: u16 = 0;
    for (i, b) in frac
        .bytes()
        .chain(std::iter::repeat(b'0'))
        .take(3)
        .enumerate()
    {
        thousandths += u16::from(b - b'0') * [100, 10, 1][i];
    }
    let q = whole * 1000 + thousandths;
    (q <= 1000).then_some(q)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_honours_q_values() {
        assert_eq!(accept_language("de-DE,de;q=0.9,en;q=0.8"), Some(Lang::De));
        assert_eq!(accept_language("en;q=0.5, fr;q=0.9"), Some(Lang::Fr));
        assert_eq!(accept_language("es, fr;q=0.1"), Some(Lang::Fr));
        assert_eq!(accept_language("fr;q=0.8, de;q=0.8"), Some(Lang::Fr));
        assert_eq!(accept_language("*"), None);
        assert_eq!(accept_language("de;q=0"), None);
        assert_eq!(accept_language("de;q=2, fr;q=0.3"), Some(Lang::Fr));
        assert_eq!(accept_language("x-klingon, ;;, =q"), None);
        assert_eq!(accept_language(""), None);
        assert_eq!(accept_language("FR-ca"), Some(Lang::Fr));
    }

    #[test]
    fn the_order_is_choice_user_tenant_browser_english() {
        let all = Sources {
            choice: Some("fr"),
            user: Some("de"),
            tenant: Some("en"),
            accept_language: Some("de"),
        };
        assert_eq!(resolve(&all), Lang::Fr);
        assert_eq!(
            resolve(&Sources {
                choice: Some("xx"),
                ..all
            }),
            Lang::De
        );
        assert_eq!(
            resolve(&Sources {
                choice: None,
                user: None,
                ..all
            }),
            Lang::En
        );
        assert_eq!(
            resolve(&Sources {
                accept_language: Some("fr"),
                ..Sources::default()
            }),
            Lang::Fr
        );
        assert_eq!(resolve(&Sources::default()), Lang::En);
    }
}
