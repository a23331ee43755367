//! The settings table of docs/configuration.md: every setting, its environment variable and its default.

use super::*;

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
