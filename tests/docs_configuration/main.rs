//! The documentation cannot go stale.
//!
//! - Every setting of [`RawSettings`] (and of the sections it holds) has a row in the settings
//!   tables of `docs/configuration.md` with its environment variable and its default; no row names
//!   a setting that does not exist. The failure message says exactly which row to add or fix.
//! - Every relative link in `README.md` and `docs/*.md` reaches a file, and every `#anchor` on a
//!   Markdown page exists there.
//! - Code, tests, benches and scripts cite `docs/<page>.md#anchor` only where that anchor exists,
//!   and never cite files that are not in this repository.

mod citations;
mod links;
mod settings_table;
use latchkey::config::RawSettings;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const CONFIG_DOC: &str = "docs/configuration.md";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("cannot read {rel}: {e}"))
}

/// The anchors a Markdown page offers: explicit `<a id="…">` / `id="…"` and GitHub's heading slugs.
fn anchors(page: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut in_code = false;
    for line in page.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code {
            continue;
        }
        let mut rest = line;
        while let Some(at) = rest.find("id=\"") {
            rest = &rest[at + 4..];
            if let Some(end) = rest.find('"') {
                out.insert(rest[..end].to_string());
                rest = &rest[end..];
            }
        }
        let heading = line.trim_start();
        if heading.starts_with('#') {
            let text = heading.trim_start_matches('#').trim();
            out.insert(slug(text));
        }
    }
    out
}

fn slug(heading: &str) -> String {
    // Drop inline HTML (an `<a id>` inside a heading), then GitHub's rule: lowercase, keep
    // letters, digits, `-` and `_`, spaces become `-`.
    let mut text = String::new();
    let mut in_tag = false;
    for ch in heading.chars() {
        match ch {
            '<' => in_tag = true,
            '>' => in_tag = false,
            _ if !in_tag => text.push(ch),
            _ => {}
        }
    }
    text.trim()
        .to_lowercase()
        .chars()
        .filter_map(|ch| match ch {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

/// The targets of Markdown links `](target)` outside fenced code blocks.
fn link_targets(page: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut in_code = false;
    for (index, line) in page.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code {
            continue;
        }
        let mut rest = line;
        while let Some(at) = rest.find("](") {
            rest = &rest[at + 2..];
            let end = rest.find(')').unwrap_or(rest.len());
            out.push((index + 1, rest[..end].trim().to_string()));
            rest = &rest[end..];
        }
    }
    out
}

fn markdown_pages() -> Vec<String> {
    let mut pages = vec!["README.md".to_string()];
    let mut docs: Vec<String> = std::fs::read_dir(root().join("docs"))
        .expect("docs/ exists")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".md"))
        .map(|name| format!("docs/{name}"))
        .collect();
    docs.sort();
    pages.extend(docs);
    pages
}

/// Checks that `target` exists, and its anchor too. `target` is relative to the directory of
/// `from` when `from_page` is set (a Markdown link), else to the repository root (a citation).
fn check_target(
    from: &str,
    from_page: bool,
    line: usize,
    target: &str,
    problems: &mut Vec<String>,
) {
    let (path, fragment) = match target.split_once('#') {
        Some((p, f)) => (p, Some(f)),
        None => (target, None),
    };
    let base = if from_page {
        Path::new(from).parent().unwrap_or(Path::new(""))
    } else {
        Path::new("")
    };
    let file = if path.is_empty() {
        PathBuf::from(from)
    } else {
        base.join(path)
    };
    let full = root().join(&file);
    if !full.exists() {
        problems.push(format!(
            "{from}:{line}: link to `{target}`: {} does not exist",
            file.display()
        ));
        return;
    }
    if let (Some(fragment), true) = (fragment, file.extension().is_some_and(|e| e == "md")) {
        let page = std::fs::read_to_string(&full).unwrap_or_default();
        if !anchors(&page).contains(fragment) {
            problems.push(format!(
                "{from}:{line}: link to `{target}`: {} has no anchor `#{fragment}` (a heading \
                 with that slug or an `<a id=\"{fragment}\"></a>`)",
                file.display()
            ));
        }
    }
}
