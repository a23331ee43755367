//! The documentation cannot go stale.
//!
//! - Every setting of [`RawSettings`] (and of the sections it holds) has a row in the settings
//!   tables of `docs/configuration.md` with its environment variable and its default; no row names
//!   a setting that does not exist. The failure message says exactly which row to add or fix.
//! - Every relative link in `README.md` and `docs/*.md` reaches a file, and every `#anchor` on a
//!   Markdown page exists there.
//! - Code, tests, benches and scripts cite `docs/<page>.md#anchor` only where that anchor exists,
//!   and never cite files that are not in this repository.

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

/// Every setting as a dotted key (`jobs.max_backoff_seconds`) with its default, from the
/// defaults serialised by serde exactly as the loader reads them. A map or list that is empty by
/// default (`deliverability.static_answers`, a list of tables) and an optional section that is
/// unset by default are one setting each: the documentation may describe their inner keys.
fn settings() -> BTreeMap<String, Value> {
    fn walk(prefix: &str, value: Value, out: &mut BTreeMap<String, Value>) {
        match value {
            Value::Object(map) if !map.is_empty() => {
                for (key, inner) in map {
                    let path = if prefix.is_empty() {
                        key
                    } else {
                        format!("{prefix}.{key}")
                    };
                    walk(&path, inner, out);
                }
            }
            other => {
                out.insert(prefix.to_string(), other);
            }
        }
    }
    let defaults = serde_json::to_value(RawSettings::default()).expect("settings serialise");
    let mut out = BTreeMap::new();
    walk("", defaults, &mut out);
    out
}

fn env_var(key: &str) -> String {
    format!("LATCHKEY_{}", key.replace('.', "__").to_uppercase())
}

/// A setting whose inner keys are not part of the defaults (an empty map or list of tables, an
/// unset optional section), so the documentation may list `key.inner` rows for it.
fn is_open(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Object(map) => map.is_empty(),
        Value::Array(items) => items.is_empty(),
        _ => false,
    }
}

struct Row {
    line: usize,
    key: String,
    env: String,
    default: String,
}

/// The rows of every table in `docs/configuration.md` whose header is
/// `| setting | environment variable | default | meaning |`.
fn documented_rows(doc: &str) -> Vec<Row> {
    let mut rows = Vec::new();
    let mut in_table = false;
    for (index, line) in doc.lines().enumerate() {
        let trimmed = line.trim();
        if !trimmed.starts_with('|') {
            in_table = false;
            continue;
        }
        let cells = split_row(trimmed);
        if cells.first().map(String::as_str) == Some("setting") {
            in_table = true;
            continue;
        }
        if !in_table || cells.iter().all(|c| c.chars().all(|ch| "-: ".contains(ch))) {
            continue;
        }
        let key = cells[0].trim_matches('`').to_string();
        rows.push(Row {
            line: index + 1,
            key,
            env: cells.get(1).cloned().unwrap_or_default(),
            default: cells.get(2).cloned().unwrap_or_default(),
        });
    }
    rows
}

fn split_row(line: &str) -> Vec<String> {
    let inner = line.trim().trim_start_matches('|').trim_end_matches('|');
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut previous = ' ';
    for ch in inner.chars() {
        if ch == '|' && previous != '\\' {
            cells.push(cell.trim().to_string());
            cell.clear();
        } else {
            cell.push(ch);
        }
        previous = ch;
    }
    cells.push(cell.trim().to_string());
    cells
}

/// How the default must appear in the third cell, or `None` when any text will do (unset).
fn expected_default(value: &Value) -> Option<Vec<String>> {
    match value {
        Value::Null => None,
        Value::Bool(b) => Some(vec![format!("`{b}`")]),
        Value::Number(n) => Some(vec![format!("`{n}`")]),
        Value::String(s) => Some(vec![s.clone()]),
        Value::Array(items) if items.is_empty() => Some(vec!["`[]`".to_string()]),
        Value::Array(items) => Some(
            items
                .iter()
                .map(|item| match item {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect(),
        ),
        Value::Object(_) => None,
    }
}

fn row_to_add(key: &str, value: &Value) -> String {
    let default = match value {
        Value::Null => "unset".to_string(),
        Value::Array(items) if items.is_empty() => "`[]`".to_string(),
        Value::Object(_) => "none".to_string(),
        Value::String(s) => format!("`{s}`"),
        other => format!("`{other}`"),
    };
    format!(
        "| `{key}` | `{}` | {default} | <what it does, its unit and range> |",
        env_var(key)
    )
}

#[test]
fn every_setting_is_documented_with_its_variable_and_default() {
    let settings = settings();
    let doc = read(CONFIG_DOC);
    let rows = documented_rows(&doc);
    let mut problems = Vec::new();

    let mut seen = BTreeSet::new();
    for row in &rows {
        if !seen.insert(row.key.clone()) {
            problems.push(format!(
                "{CONFIG_DOC}:{}: `{}` has a second row; keep one.",
                row.line, row.key
            ));
        }
        match settings.get(&row.key) {
            Some(value) => {
                let env = env_var(&row.key);
                if !value.is_object() && !row.env.contains(&format!("`{env}`")) {
                    problems.push(format!(
                        "{CONFIG_DOC}:{}: the environment variable of `{}` is `{env}`; write it \
                         in the second cell (found: {}).",
                        row.line, row.key, row.env
                    ));
                }
                if let Some(wanted) = expected_default(value) {
                    let missing: Vec<_> = wanted
                        .iter()
                        .filter(|w| !row.default.contains(w.as_str()))
                        .collect();
                    if !missing.is_empty() {
                        problems.push(format!(
                            "{CONFIG_DOC}:{}: the default of `{}` is {} (RawSettings::default()); \
                             the third cell must show {} (found: {}).",
                            row.line,
                            row.key,
                            value,
                            missing
                                .iter()
                                .map(|m| m.as_str())
                                .collect::<Vec<_>>()
                                .join(", "),
                            row.default
                        ));
                    }
                }
            }
            None => {
                let under_open_setting = settings
                    .iter()
                    .any(|(key, value)| is_open(value) && row.key.starts_with(&format!("{key}.")));
                if !under_open_setting {
                    problems.push(format!(
                        "{CONFIG_DOC}:{}: documents `{}`, which is not a setting (no such field in \
                         RawSettings or its sections): remove the row or correct the key.",
                        row.line, row.key
                    ));
                }
            }
        }
    }

    for (key, value) in &settings {
        let documented = seen.contains(key)
            || (is_open(value) && seen.iter().any(|k| k.starts_with(&format!("{key}."))));
        if !documented {
            problems.push(format!(
                "{CONFIG_DOC} has no row for the setting `{key}`. Add this row to the table under \
                 \"## Every setting\", beside the other `{}` settings, and describe it:\n    {}",
                key.split('.').next().unwrap_or(key),
                row_to_add(key, value)
            ));
        }
    }

    assert!(
        problems.is_empty(),
        "docs/configuration.md is out of date with the settings structs:\n- {}",
        problems.join("\n- ")
    );
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

#[test]
fn every_relative_link_in_the_documentation_resolves() {
    let mut problems = Vec::new();
    for page in markdown_pages() {
        for (line, target) in link_targets(&read(&page)) {
            let external = ["http://", "https://", "mailto:"]
                .iter()
                .any(|scheme| target.starts_with(scheme));
            if !external && !target.is_empty() {
                check_target(&page, true, line, &target, &mut problems);
            }
        }
    }
    assert!(
        problems.is_empty(),
        "broken links:\n- {}",
        problems.join("\n- ")
    );
}

fn source_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir() {
            // Build output, fuzz corpora and crash artefacts are not sources.
            if !matches!(name.as_str(), "target" | "corpus" | "artifacts" | "seeds") {
                source_files(&path, out);
            }
        } else if [".rs", ".sh", ".md", ".toml", ".html", ".txt", ".sql"]
            .iter()
            .any(|ext| name.ends_with(ext))
            || path
                .parent()
                .is_some_and(|p| p.file_name().is_some_and(|n| n == ".ci"))
        {
            out.push(path);
        }
    }
}

#[test]
fn code_cites_only_documentation_that_exists() {
    // Spelled in pieces so that this file does not cite them itself.
    let foreign = [
        concat!("SECURITY", ".md"),
        concat!("DESIGN", ".md"),
        concat!("STYLE", ".md"),
        concat!("HELPERS", ".md"),
    ];
    let mut files = Vec::new();
    for dir in [
        "src",
        "tests",
        "benches",
        "scripts",
        "docs",
        ".ci",
        "templates",
    ] {
        source_files(&root().join(dir), &mut files);
    }
    files.push(root().join("README.md"));
    files.push(root().join("build.rs"));
    files.push(root().join("latchkey.example.toml"));

    let mut problems = Vec::new();
    for file in files {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        let rel = file
            .strip_prefix(root())
            .unwrap_or(&file)
            .display()
            .to_string();
        for (index, line) in text.lines().enumerate() {
            for name in foreign {
                if line.contains(name) {
                    problems.push(format!(
                        "{rel}:{}: cites {name}, which is not in this repository; cite the page \
                         of docs/ that holds the material (security items: docs/security.md#N)",
                        index + 1
                    ));
                }
            }
            let mut rest = line;
            while let Some(at) = rest.find("docs/") {
                rest = &rest[at..];
                // A path, then an optional `#fragment` of letters, digits, `-` and `_`
                // (`docs/security.md#24/#25` cites #24; `#N` is a placeholder in prose).
                let path_end = rest
                    .find(|c: char| !(c.is_alphanumeric() || "/._-".contains(c)))
                    .unwrap_or(rest.len());
                let mut end = path_end;
                if rest[path_end..].starts_with('#') {
                    end = path_end
                        + 1
                        + rest[path_end + 1..]
                            .find(|c: char| !(c.is_alphanumeric() || "-_".contains(c)))
                            .unwrap_or(rest.len() - path_end - 1);
                }
                let citation = rest[..end].trim_end_matches(['.', '-']);
                if citation.contains(".md") && !citation.ends_with("#N") {
                    check_target(&rel, false, index + 1, citation, &mut problems);
                }
                rest = &rest[end.max(1)..];
            }
        }
    }
    assert!(
        problems.is_empty(),
        "citations to fix:\n- {}",
        problems.join("\n- ")
    );
}
