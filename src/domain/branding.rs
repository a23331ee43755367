//! What guests see the service called, and in whose name it speaks (`[branding]`, with
//! per-tenant overrides a platform admin sets). Pure: validation and the merge of a tenant's
//! overrides over the service-wide values.

use serde::Serialize;
use std::fmt;

/// The default `branding.service_name`: guests have never heard of "Latchkey".
pub const DEFAULT_SERVICE_NAME: &str = "Account recovery";
/// The longest service or organisation name kept (a page title, a mail subject line).
pub const MAX_NAME_CHARS: usize = 80;

/// A validated accent colour, stored and shown as `#rrggbb` (lowercase).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct AccentColour(String);

impl AccentColour {
    /// Accepts `#rgb` or `#rrggbb` (hex digits, any case); anything else is refused with the
    /// shape expected. The value lands in CSS and in mail `style` attributes, so nothing but
    /// these seven characters may pass.
    pub fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim();
        let hex = t.strip_prefix('#').unwrap_or("");
        let ok = matches!(hex.len(), 3 | 6) && hex.bytes().all(|b| b.is_ascii_hexdigit());
        if !ok {
            return Err(format!(
                "{text:?} is not a hex colour; write #rrggbb (or #rgb), e.g. #0b5cad"
            ));
        }
        let full: String = if hex.len() == 3 {
            hex.chars().flat_map(|c| [c, c]).collect()
        } else {
            hex.to_string()
        };
        Ok(Self(format!("#{}", full.to_ascii_lowercase())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The text colour for a button of this colour: white or near-black, whichever contrasts
    /// more (WCAG 2 relative luminance), so any accent keeps button labels readable.
    pub fn foreground(&self) -> &'static str {
        let channel = |i: usize| {
            let v = f64::from(u8::from_str_radix(&self.0[i..i + 2], 16).unwrap_or(0)) / 255.0;
            if v <= 0.039_28 {
                v / 12.92
            } else {
                ((v + 0.055) / 1.055).powf(2.4)
            }
        };
        let l = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
        // Contrast with white: 1.05 / (l + 0.05); with #111: (l + 0.05) / 0.0556.
        if 1.05 / (l + 0.05) >= (l + 0.05) / 0.0556 {
            "#ffffff"
        } else {
            "#111111"
        }
    }
}

impl fmt::Display for AccentColour {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A logo's file name inside the static directory: one plain name (no directory, no leading
/// dot) ending in an image extension, so it can be served and linked without escaping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct LogoFile(String);

/// The image types a logo may be, with their media types.
const LOGO_TYPES: [(&str, &str); 6] = [
    ("png", "image/png"),
    ("svg", "image/svg+xml"),
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    ("gif", "image/gif"),
    ("webp", "image/webp"),
];

impl LogoFile {
    pub fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim();
        let plain = !t.is_empty()
            && t.len() <= 100
            && !t.starts_with('.')
            && t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
        let ext = t.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
        let known = ext
            .as_deref()
            .is_some_and(|e| LOGO_TYPES.iter().any(|(x, _)| *x == e));
        if !plain || !known {
            return Err(format!(
                "{text:?} is not a logo file name; write a plain file name (letters, digits, \
                 - _ .) ending in .png, .svg, .jpg, .gif or .webp, placed in the static directory"
            ));
        }
        Ok(Self(t.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The media type its extension names.
    pub fn media_type(&self) -> &'static str {
        let ext = self
            .0
            .rsplit_once('.')
            .map(|(_, e)| e.to_ascii_lowercase())
            .unwrap_or_default();
        LOGO_TYPES
            .iter()
            .find(|(x, _)| *x == ext)
            .map_or("application/octet-stream", |(_, m)| m)
    }
}

/// A service or organisation name: trimmed, control characters removed (it lands in mail
/// subjects and headers), at most [`MAX_NAME_CHARS`]. Empty is refused.
pub fn clean_name(text: &str) -> Result<String, String> {
    let cleaned: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if cleaned.is_empty() {
        return Err("must not be empty".into());
    }
    if cleaned.chars().count() > MAX_NAME_CHARS {
        return Err(format!("at most {MAX_NAME_CHARS} characters"));
    }
    Ok(cleaned)
}

/// The branding in force for one page or mail (serialised into templates as `brand`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Branding {
    /// What the service is called ("Account recovery").
    pub service_name: String,
    /// The host organisation ("Woodgrove Bank"), named in every mail.
    pub organisation: Option<String>,
    /// The logo's file name in the static directory.
    pub logo: Option<LogoFile>,
    pub accent_colour: Option<AccentColour>,
}

impl Default for Branding {
    fn default() -> Self {
        Self {
            service_name: DEFAULT_SERVICE_NAME.into(),
            organisation: None,
            logo: None,
            accent_colour: None,
        }
    }
}

/// A tenant's overrides: each set field replaces the service-wide value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BrandingOverrides {
    pub service_name: Option<String>,
    pub organisation: Option<String>,
    pub logo: Option<LogoFile>,
    pub accent_colour: Option<AccentColour>,
}

impl BrandingOverrides {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

impl Branding {
    /// The branding with `overrides` applied (a tenant's values win).
    pub fn with(&self, overrides: &BrandingOverrides) -> Branding {
        Branding {
            service_name: overrides
                .service_name
                .clone()
                .unwrap_or_else(|| self.service_name.clone()),
            organisation: overrides
                .organisation
                .clone()
                .or_else(|| self.organisation.clone()),
            logo: overrides.logo.clone().or_else(|| self.logo.clone()),
            accent_colour: overrides
                .accent_colour
                .clone()
                .or_else(|| self.accent_colour.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accent_colours_are_hex_only() {
        assert_eq!(AccentColour::parse("#0B5CAD").unwrap().as_str(), "#0b5cad");
        assert_eq!(AccentColour::parse(" #abc ").unwrap().as_str(), "#aabbcc");
        for bad in [
            "0b5cad",
            "#0b5ca",
            "#gggggg",
            "red",
            "#fff;x",
            "",
            "#12345678",
        ] {
            assert!(AccentColour::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn button_text_contrasts_with_the_accent() {
        assert_eq!(
            AccentColour::parse("#0b5cad").unwrap().foreground(),
            "#ffffff"
        );
        assert_eq!(
            AccentColour::parse("#ffd700").unwrap().foreground(),
            "#111111"
        );
    }

    #[test]
    fn logo_names_are_plain_image_files() {
        assert_eq!(
            LogoFile::parse("woodgrove.svg").unwrap().media_type(),
            "image/svg+xml"
        );
        assert_eq!(
            LogoFile::parse("Logo_2.PNG").unwrap().media_type(),
            "image/png"
        );
        for bad in [
            "../x.png",
            "a/b.png",
            ".hidden.png",
            "logo.exe",
            "logo",
            "",
            "a b.png",
        ] {
            assert!(LogoFile::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn names_lose_control_characters_and_tenant_values_win() {
        assert_eq!(clean_name(" Woodgrove\r\nBank ").unwrap(), "Woodgrove Bank");
        assert!(clean_name(" \t").is_err());
        assert!(clean_name(&"x".repeat(81)).is_err());
        let base = Branding {
            organisation: Some("Host".into()),
            ..Branding::default()
        };
        let merged = base.with(&BrandingOverrides {
            service_name: Some("Woodgrove access".into()),
            ..Default::default()
        });
        assert_eq!(merged.service_name, "Woodgrove access");
        assert_eq!(merged.organisation.as_deref(), Some("Host"));
    }
}
