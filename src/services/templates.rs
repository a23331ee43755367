//! Tera templates, embedded at build time (see build.rs), shared by `web/` (pages) and `mail/`
//! (emails). Files end in `.html` so tera 2 autoescapes them; mail
//! text parts and subjects end in `.txt` and are plain.

use serde::Serialize;

include!(concat!(env!("OUT_DIR"), "/templates.rs"));

/// The compiled template set.
pub struct Templates {
    tera: tera::Tera,
}

impl std::fmt::Debug for Templates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Templates")
    }
}

impl Templates {
    /// Parses every embedded template; a syntax error is a startup failure, never a 500 later.
    pub fn load() -> anyhow::Result<Self> {
        crate::i18n::catalog::check().map_err(|e| anyhow::anyhow!("message files: {e}"))?;
        let mut tera = tera::Tera::new();
        crate::i18n::tera_fns::register(&mut tera);
        tera.add_raw_templates(TEMPLATES.iter().copied())
            .map_err(|e| anyhow::anyhow!("template error: {e}"))?;
        Ok(Self { tera })
    }

    /// Renders `name` with a serialisable context.
    pub fn render<C: Serialize>(&self, name: &str, context: &C) -> anyhow::Result<String> {
        let ctx = tera::Context::from_serialize(context)
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
