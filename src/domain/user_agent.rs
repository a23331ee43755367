//! An approximate browser from a `User-Agent` header, for the mails that tell a guest what
//! asked for them ("Firefox on Windows"). Pure and deliberately small: a handful of families
//! in the order that disambiguates them (Edge and Opera say "Chrome", Chrome says "Safari").
//! The header is attacker-controlled: only the fixed names below ever come out of it.

use serde::{Deserialize, Serialize};

/// The browser family and the platform, each when recognised.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrowserWords {
    pub browser: Option<String>,
    pub platform: Option<String>,
}

/// Browser families, most specific first.
const BROWSERS: [(&str, &str); 11] = [
    ("edg/", "Edge"),
    ("edga/", "Edge"),
    ("edgios/", "Edge"),
    ("opr/", "Opera"),
    ("samsungbrowser/", "Samsung Internet"),
    ("vivaldi/", "Vivaldi"),
    ("firefox/", "Firefox"),
    ("fxios/", "Firefox"),
    ("crios/", "Chrome"),
    ("chrome/", "Chrome"),
    ("safari/", "Safari"),
];

/// Platforms, most specific first (iPhone and Android say "like Mac OS X" and "Linux").
const PLATFORMS: [(&str, &str); 9] = [
    ("iphone", "iPhone"),
    ("ipad", "iPad"),
    ("android", "Android"),
    ("cros", "ChromeOS"),
    ("windows", "Windows"),
    ("macintosh", "macOS"),
    ("mac os x", "macOS"),
    ("ubuntu", "Linux"),
    ("linux", "Linux"),
];

impl BrowserWords {
    /// The words for a `User-Agent` value (`None` or unrecognised parts stay `None`).
    pub fn from_user_agent(user_agent: Option<&str>) -> Self {
        let Some(ua) = user_agent else {
            return Self::default();
        };
        // Only the start matters and the header may be huge.
        let ua: String = ua
            .chars()
            .take(512)
            .collect::<String>()
            .to_ascii_lowercase();
        let find = |table: &[(&str, &str)]| {
            table
                .iter()
                .find(|(needle, _)| ua.contains(needle))
                .map(|(_, name)| (*name).to_string())
        };
        Self {
            browser: find(&BROWSERS),
            platform: find(&PLATFORMS),
        }
    }

    /// English words: "Firefox on Windows", "Firefox", "a browser on Windows", or `None`.
    pub fn english(&self) -> Option<String> {
        match (&self.browser, &self.platform) {
            (Some(b), Some(p)) => Some(format!("{b} on {p}")),
            (Some(b), None) => Some(b.clone()),
            (None, Some(p)) => Some(format!("a browser on {p}")),
            (None, None) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(ua: &str) -> Option<String> {
        BrowserWords::from_user_agent(Some(ua)).english()
    }

    #[test]
    fn common_browsers_read_as_words() {
        let cases = [
            ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox on Windows"),
            ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0", "Edge on Windows"),
            ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15", "Safari on macOS"),
            ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0 Mobile/15E148 Safari/604.1", "Chrome on iPhone"),
            ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36", "Chrome on Android"),
            ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 OPR/115.0.0.0", "Opera on Linux"),
        ];
        for (ua, expected) in cases {
            assert_eq!(words(ua).as_deref(), Some(expected), "{ua}");
        }
    }

    #[test]
    fn unknown_or_missing_agents_say_nothing_made_up() {
        assert_eq!(words("curl/8.5.0"), None);
        assert_eq!(BrowserWords::from_user_agent(None).english(), None);
        assert_eq!(
            words("<script>Windows"),
            Some("a browser on Windows".into())
        );
        assert!(words(&"x".repeat(100_000)).is_none());
    }
}
