//! The embedded Fluent files, parsed once into one bundle per language.

use super::Lang;
use crate::services::templates::FLUENT;
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use fluent_syntax::ast::Entry;
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// The arguments of a message: `{ $name }` placeables and plural selectors.
#[derive(Debug, Clone, Default)]
pub struct Args(Vec<(String, Arg)>);

#[derive(Debug, Clone)]
enum Arg {
    Str(String),
    Num(f64),
}

impl Args {
    pub fn new() -> Self {
        Self::default()
    }

    /// A text argument.
    pub fn str(mut self, name: &str, value: impl Into<String>) -> Self {
        self.0.push((name.to_string(), Arg::Str(value.into())));
        self
    }

    /// A number argument (plural selectors choose on it).
    pub fn num(mut self, name: &str, value: impl Into<f64>) -> Self {
        self.0.push((name.to_string(), Arg::Num(value.into())));
        self
    }

    fn fluent(&self) -> FluentArgs<'_> {
        let mut args = FluentArgs::new();
        for (name, value) in &self.0 {
            match value {
                Arg::Str(s) => args.set(name.as_str(), FluentValue::from(s.as_str())),
                Arg::Num(n) => args.set(name.as_str(), FluentValue::from(*n)),
            }
        }
        args
    }
}

/// Every language's bundle, and which file each message comes from.
pub struct Catalog {
    bundles: Vec<(Lang, FluentBundle<FluentResource>)>,
    /// lang → message id → the file (`de/pages.ftl`) it is defined in.
    keys: BTreeMap<Lang, BTreeMap<String, String>>,
}

static CATALOG: LazyLock<Result<Catalog, String>> = LazyLock::new(Catalog::load);

/// The process-wide catalog. The files are embedded and checked by the tests and at start-up
/// ([`crate::services::templates::Templates::load`]), so a broken file never gets this far.
pub fn catalog() -> &'static Catalog {
    match &*CATALOG {
        Ok(c) => c,
        Err(e) => panic!("the embedded Fluent files are invalid: {e}"),
    }
}

/// Whether the embedded Fluent files parse, with the first error when they do not.
pub fn check() -> Result<(), String> {
    CATALOG.as_ref().map(|_| ()).map_err(Clone::clone)
}

impl Catalog {
    fn load() -> Result<Catalog, String> {
        let mut bundles = Vec::new();
        let mut keys: BTreeMap<Lang, BTreeMap<String, String>> = BTreeMap::new();
        for lang in Lang::ALL {
            let id: unic_langid::LanguageIdentifier =
                lang.code().parse().map_err(|e| format!("{lang}: {e}"))?;
            let mut bundle = FluentBundle::new_concurrent(vec![id]);
            // No Unicode isolation marks around arguments: they would show in plain-text mail
            // and in subjects.
            bundle.set_use_isolating(false);
            let prefix = format!("{}/", lang.code());
            for (path, source) in FLUENT.iter().filter(|(p, _)| p.starts_with(&prefix)) {
                let resource = FluentResource::try_new((*source).to_string())
                    .map_err(|(_, errors)| format!("{path}: {:?}", errors.first()))?;
                let lang_keys = keys.entry(lang).or_default();
                for entry in resource.entries() {
                    if let Entry::Message(m) = entry {
                        if let Some(other) =
                            lang_keys.insert(m.id.name.to_string(), path.to_string())
                        {
                            return Err(format!(
                                "{path}: {} is also defined in {other}",
                                m.id.name
                            ));
                        }
                    }
                }
                bundle
                    .add_resource(resource)
                    .map_err(|errors| format!("{path}: {:?}", errors.first()))?;
            }
            bundles.push((lang, bundle));
        }
        Ok(Catalog { bundles, keys })
    }

    fn bundle(&self, lang: Lang) -> Option<&FluentBundle<FluentResource>> {
        self.bundles
            .iter()
            .find(|(l, _)| *l == lang)
            .map(|(_, b)| b)
    }

    /// Formats `key` in `lang`, falling back to English; `None` when English lacks it too.
    pub fn format(&self, lang: Lang, key: &str, args: &Args) -> Option<String> {
        self.format_exact(lang, key, args)
            .or_else(|| self.format_exact(Lang::En, key, args))
    }

    /// Formats `key` in exactly `lang` (no fallback), for the tests.
    pub fn format_exact(&self, lang: Lang, key: &str, args: &Args) -> Option<String> {
        let bundle = self.bundle(lang)?;
        let pattern = bundle.get_message(key)?.value()?;
        let fluent_args = args.fluent();
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, Some(&fluent_args), &mut errors);
        if !errors.is_empty() {
            tracing::error!(key, lang = lang.code(), errors = ?errors, "message formatted with errors");
        }
        Some(text.into_owned())
    }

    /// Every message id of `lang`, with the file that defines it (for the completeness test).
    pub fn keys(&self, lang: Lang) -> BTreeMap<String, String> {
        self.keys.get(&lang).cloned().unwrap_or_default()
    }
}
