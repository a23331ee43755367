//! Tera templates, embedded at build time (see build.rs), shared by `web/` (pages) and `mail/`
//! (emails). Files end in `.html` so tera 2 autoescapes them; mail
//! text parts and subjects end in `.txt` and are plain.
//!
//! `templates_dir` replaces built-in templates at start: a file there with the name of a
//! built-in one (`email/reset_link.txt`, `base.html`) is used instead. A file that does not
//! parse stops the start-up with its path and tera's report (line and column).

use crate::domain::branding::Branding;
use serde::Serialize;
use std::path::{Path, PathBuf};

include!(concat!(env!("OUT_DIR"), "/templates.rs"));

/// The branding pages show (`brand` in every page's context): names, the logo's path on this
/// origin, and the accent's stylesheet when there is an accent.
#[derive(Debug, Clone, Serialize)]
pub struct PageBrand {
    pub service_name: String,
    pub organisation: Option<String>,
    /// `/static/brand/<file>`.
    pub logo_url: Option<String>,
    pub accent_colour: Option<String>,
    /// `/static/brand.css`, or with `?accent=` for a tenant's own colour.
    pub css_url: Option<String>,
}

impl PageBrand {
    /// The service-wide branding (`[branding]`).
    pub fn of(brand: &Branding) -> Self {
        Self {
            service_name: brand.service_name.clone(),
            organisation: brand.organisation.clone(),
            logo_url: brand
                .logo
                .as_ref()
                .map(|l| format!("{}{}", crate::mail::LOGO_PATH, l.as_str())),
            accent_colour: brand.accent_colour.as_ref().map(|a| a.to_string()),
            css_url: brand
                .accent_colour
                .as_ref()
                .map(|_| "/static/brand.css".to_string()),
        }
    }

    /// A tenant's branding (its overrides over `service_wide`): its own accent colour is
    /// linked by value, since `/static/brand.css` alone serves the service-wide one.
    pub fn of_tenant(brand: &Branding, service_wide: &Branding) -> Self {
        let mut page = Self::of(brand);
        if brand.accent_colour != service_wide.accent_colour {
            page.css_url = brand.accent_colour.as_ref().map(|a| {
                format!(
                    "/static/brand.css?accent={}",
                    a.as_str().trim_start_matches('#')
                )
            });
        }
        page
    }
}

/// The compiled template set.
pub struct Templates {
    tera: tera::Tera,
    /// Placed into every context that has no `brand` of its own (mails bring the tenant's).
    brand: serde_json::Value,
}

impl std::fmt::Debug for Templates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Templates")
    }
}

/// A template that could not be loaded at start, named by the file it came from.
#[derive(Debug, thiserror::Error)]
pub enum TemplateLoadError {
    #[error("template error in {path}: {message}")]
    Parse { path: String, message: String },
    #[error("cannot read templates_dir {path}: {message}")]
    Read { path: String, message: String },
    #[error(
        "templates_dir: {path} does not replace a built-in template (no built-in one is named \
         {name:?}); name the file like the one it replaces, e.g. email/reset_link.txt"
    )]
    Unknown { path: String, name: String },
}

impl Templates {
    /// Parses every embedded template with the default branding; a syntax error is a startup
    /// failure, never a 500 later.
    pub fn load() -> anyhow::Result<Self> {
        Ok(Self::load_with(None, &Branding::default())?)
    }

    /// The embedded templates, each replaced by the file of the same name under
    /// `templates_dir` if there is one, with `brand` for pages.
    pub fn load_with(
        templates_dir: Option<&Path>,
        brand: &Branding,
    ) -> Result<Self, TemplateLoadError> {
        let mut sources: Vec<(String, String, Option<PathBuf>)> = TEMPLATES
            .iter()
            .map(|(n, s)| ((*n).to_string(), (*s).to_string(), None))
            .collect();
        if let Some(dir) = templates_dir {
            for (name, path) in override_files(dir)? {
                let text = std::fs::read_to_string(&path).map_err(|e| TemplateLoadError::Read {
                    path: path.display().to_string(),
                    message: e.to_string(),
                })?;
                let Some(slot) = sources.iter_mut().find(|(n, _, _)| *n == name) else {
                    return Err(TemplateLoadError::Unknown {
                        path: path.display().to_string(),
                        name,
                    });
                };
                slot.1 = text;
                slot.2 = Some(path);
            }
        }
        crate::i18n::catalog::check().map_err(|e| TemplateLoadError::Parse {
            path: "the message files (templates/i18n)".into(),
            message: e.to_string(),
        })?;
        let mut tera = tera::Tera::new();
        crate::i18n::tera_fns::register(&mut tera);
        tera.add_raw_templates(sources.iter().map(|(n, s, _)| (n.as_str(), s.as_str())))
            .map_err(|e| {
                // A syntax error names its template: report it by the file it came from.
                let (name, line) = match e.kind() {
                    tera::ErrorKind::SyntaxError(r) => {
                        (Some(r.filename().to_string()), Some(r.span().start_line))
                    }
                    _ => (None, None),
                };
                let path = match &name {
                    Some(n) => match sources.iter().find(|(s, _, _)| s == n) {
                        Some((_, _, Some(p))) => p.display().to_string(),
                        _ => format!("the built-in template {n}"),
                    },
                    None => "the templates".into(),
                };
                let path = match line {
                    Some(l) => format!("{path}, line {l}"),
                    None => path,
                };
                TemplateLoadError::Parse {
                    path,
                    message: chain(&e),
                }
            })?;
        let brand = serde_json::to_value(PageBrand::of(brand)).unwrap_or_default();
        Ok(Self { tera, brand })
    }

    /// Renders `name` with a serialisable context (plus the page `brand` when it has none).
    pub fn render<C: Serialize>(&self, name: &str, context: &C) -> anyhow::Result<String> {
        let mut value = serde_json::to_value(context)
            .map_err(|e| anyhow::anyhow!("template context for {name}: {e}"))?;
        if let Some(map) = value.as_object_mut() {
            map.entry("brand").or_insert_with(|| self.brand.clone());
        }
        let ctx = tera::Context::from_serialize(&value)
            .map_err(|e| anyhow::anyhow!("template context for {name}: {e}"))?;
        self.tera
            .render(name, &ctx)
            .map_err(|e| anyhow::anyhow!("rendering {name}: {e}"))
    }

    /// Renders `name` in `lang`: the context gets `lang` (for `<html lang>` and `t`), and its
    /// language-dependent words ([`crate::i18n::words::Words`]) are written out.
    pub fn render_in<C: Serialize>(
        &self,
        name: &str,
        context: &C,
        lang: crate::i18n::Lang,
    ) -> anyhow::Result<String> {
        let mut value = serde_json::to_value(context)
            .map_err(|e| anyhow::anyhow!("template context for {name}: {e}"))?;
        crate::i18n::words::localise(lang, &mut value);
        if let Some(map) = value.as_object_mut() {
            map.insert("lang".into(), lang.code().into());
        }
        self.render(name, &value)
    }

    /// Every template name, for tests and startup checks.
    pub fn names(&self) -> Vec<&str> {
        self.tera.get_template_names().collect()
    }
}

/// The template files under `dir` (`.html` and `.txt`), by the name they replace.
fn override_files(dir: &Path) -> Result<Vec<(String, PathBuf)>, TemplateLoadError> {
    fn walk(
        dir: &Path,
        base: &Path,
        out: &mut Vec<(String, PathBuf)>,
    ) -> Result<(), TemplateLoadError> {
        let read = std::fs::read_dir(dir).map_err(|e| TemplateLoadError::Read {
            path: dir.display().to_string(),
            message: e.to_string(),
        })?;
        let mut paths: Vec<PathBuf> = read.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for path in paths {
            if path.is_dir() {
                walk(&path, base, out)?;
            } else if matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("html" | "txt")
            ) {
                let rel = path.strip_prefix(base).unwrap_or(&path);
                out.push((rel.to_string_lossy().replace('\\', "/"), path.clone()));
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out)?;
    Ok(out)
}

fn chain(e: &dyn std::error::Error) -> String {
    let mut message = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        message.push_str(&format!(": {s}"));
        source = s.source();
    }
    message
}
