//! `[branding]`: what guests see the service called and in whose name it speaks
//! (docs/branding.md), and `templates_dir`, where templates are replaced at run time.

use super::{config_error, ConfigError};
use crate::domain::branding::{self, AccentColour, Branding, LogoFile};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// `[branding]` (`LATCHKEY_BRANDING__…`), as written.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawBrandingSettings {
    /// What guests see instead of "Latchkey" on every page and mail.
    pub service_name: String,
    /// The host organisation, named in every mail ("You are a guest of Woodgrove Bank").
    pub organisation: Option<String>,
    /// A file name in `<data_dir>/static/`, shown on guest pages and linked from mails.
    pub logo: Option<String>,
    /// `#rrggbb`: buttons and links on guest pages and in mails.
    pub accent_colour: Option<String>,
}

impl Default for RawBrandingSettings {
    fn default() -> Self {
        Self {
            service_name: branding::DEFAULT_SERVICE_NAME.into(),
            organisation: None,
            logo: None,
            accent_colour: None,
        }
    }
}

impl RawBrandingSettings {
    /// The branding, or the first bad value named with its fix. A logo must exist in
    /// `static_dir` (a missing file would be a broken image in every mail).
    pub(super) fn validate(&self, static_dir: &Path) -> Result<Branding, ConfigError> {
        let service_name = branding::clean_name(&self.service_name)
            .map_err(|m| config_error("branding.service_name", m))?;
        let organisation = match self.organisation.as_deref() {
            Some(o) if !o.trim().is_empty() => Some(
                branding::clean_name(o).map_err(|m| config_error("branding.organisation", m))?,
            ),
            _ => None,
        };
        let logo = match self.logo.as_deref() {
            Some(l) if !l.trim().is_empty() => {
                let logo = LogoFile::parse(l).map_err(|m| config_error("branding.logo", m))?;
                let path = static_dir.join(logo.as_str());
                if !path.is_file() {
                    return Err(config_error(
                        "branding.logo",
                        format!(
                            "{} does not exist; put the logo in {} (served at /static/brand/{})",
                            path.display(),
                            static_dir.display(),
                            logo.as_str()
                        ),
                    ));
                }
                Some(logo)
            }
            _ => None,
        };
        let accent_colour = match self.accent_colour.as_deref() {
            Some(c) if !c.trim().is_empty() => Some(
                AccentColour::parse(c).map_err(|m| config_error("branding.accent_colour", m))?,
            ),
            _ => None,
        };
        Ok(Branding {
            service_name,
            organisation,
            logo,
            accent_colour,
        })
    }
}

/// `templates_dir`: it must be a directory when set (its templates are parsed at start).
pub(super) fn check_templates_dir(dir: Option<&Path>) -> Result<(), ConfigError> {
    match dir {
        Some(d) if !d.is_dir() => Err(config_error(
            "templates_dir",
            format!(
                "{} is not a directory; it holds templates that replace the built-in ones of \
                 the same name (e.g. email/reset_link.txt)",
                d.display()
            ),
        )),
        _ => Ok(()),
    }
}
