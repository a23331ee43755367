//! The one-way dependency rules of the module map, checked on the source text so they cannot
//! erode unnoticed:
//!
//! - handlers are thin: no file under `src/web/` reaches storage (`crate::db`) — it calls a
//!   service (`accounts`, `console`, `reset`, `onboarding`), which does;
//! - `src/policy/` and `src/domain/` are pure: no I/O crate, no other module of the crate;
//! - `src/jobs/` is a generic queue that knows no service (`reset`, `onboarding`).

use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`, recursively.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The code of a file without its comments (line comments, doc comments, block comments), so
/// a module named in prose does not count as an import.
fn code_of(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("/*") {
            rest = after.split_once("*/").map_or("", |(_, r)| r);
        } else if rest.starts_with("//") {
            rest = rest.split_once('\n').map_or("", |(_, r)| r);
            out.push('\n');
        } else if let Some(after) = rest.strip_prefix("'\"'") {
            // The character literal of a double quote does not open a string.
            out.push_str("' '");
            rest = after;
        } else if rest.starts_with('"') {
            // Skip string literals: `"crate::reset"` in a message is not an import.
            let mut chars = rest[1..].char_indices();
            let mut end = rest.len();
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => {
                        chars.next();
                    }
                    '"' => {
                        end = i + 2;
                        break;
                    }
                    _ => {}
                }
            }
            out.push_str("\"\"");
            rest = &rest[end..];
        } else {
            let c = rest.chars().next().unwrap();
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// The paths of `crate::…` the code of `file` names (`use crate::{a, b::c}` gives `a`, `b`),
/// as their first segment after `crate::`.
fn crate_modules_used(code: &str) -> Vec<String> {
    let mut found = Vec::new();
    let compact: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    for (i, _) in compact.match_indices("crate::") {
        let after = &compact[i + "crate::".len()..];
        if let Some(group) = after.strip_prefix('{') {
            // One level of grouping is all the code base uses; nested groups name their first
            // segment before the inner brace, which is what matters here.
            let mut depth = 0;
            let mut segment = String::new();
            let mut at_start = true;
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        if !segment.is_empty() {
                            found.push(std::mem::take(&mut segment));
                        }
                        at_start = true;
                        continue;
                    }
                    _ => {}
                }
                if depth == 0 && at_start {
                    if c.is_alphanumeric() || c == '_' {
                        segment.push(c);
                    } else if !segment.is_empty() {
                        found.push(std::mem::take(&mut segment));
                        at_start = false;
                    }
                }
            }
            if !segment.is_empty() {
                found.push(segment);
            }
        } else {
            let name: String = after
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            found.push(name);
        }
    }
    found
}

/// Files under `src/<dir>` that import any of `forbidden` (as `crate::<module>`).
fn violations(dir: &str, forbidden: &[&str]) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(dir);
    let mut out = Vec::new();
    for file in rust_files(&root) {
        let text = std::fs::read_to_string(&file).unwrap();
        for module in crate_modules_used(&code_of(&text)) {
            if forbidden.contains(&module.as_str()) {
                out.push(format!("{} imports crate::{module}", file.display()));
            }
        }
    }
    out
}

#[test]
fn the_job_queue_knows_no_service() {
    // Services register their jobs with the queue (startup.rs); the queue never calls up.
    let found = violations(
        "jobs",
        &["reset", "onboarding", "accounts", "console", "web"],
    );
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn the_checker_sees_grouped_and_plain_imports_but_not_prose() {
    let code = code_of(
        "//! Unlike crate::reset, this …\n\
         use crate::{db::audit, reset::evaluate};\n\
         use crate::{\n    onboarding,\n    mail::{self, deliver},\n};\n\
         fn f() { crate::web::x(); let s = \"crate::console\"; let q = '\"'; }\n\
         /* crate::accounts */",
    );
    assert_eq!(
        crate_modules_used(&code),
        ["db", "reset", "onboarding", "mail", "web"]
    );
}

/// Every `file:line: code` under `src/<dir>` whose code (comments aside) mentions one of
/// `needles`.
fn offenders(dir: &str, needles: &[&str]) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(dir);
    let files = rust_files(&root);
    assert!(!files.is_empty(), "no sources under {}", root.display());
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("readable source");
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            if needles.iter().any(|needle| code.contains(needle)) {
                let rel = file
                    .strip_prefix(env!("CARGO_MANIFEST_DIR"))
                    .unwrap_or(&file);
                found.push(format!("{}:{}: {}", rel.display(), n + 1, code.trim()));
            }
        }
    }
    found
}

#[test]
fn no_handler_reaches_storage() {
    let mut found = offenders("web", &["crate::db", "db::models", "db::DbError"]);
    // Grouped imports too (`use crate::{db, …}`).
    found.extend(violations("web", &["db"]));
    assert!(
        found.is_empty(),
        "web/ must call a service, not the database:\n{}",
        found.join("\n")
    );
}

#[test]
fn policy_and_domain_do_no_io() {
    const IO: &[&str] = &[
        "diesel",
        "actix",
        "tokio",
        "reqwest",
        "lettre",
        "hickory",
        "r2d2",
        "ldap3",
        "std::fs",
        "std::process",
        "std::net::Tcp",
        "std::net::Udp",
    ];
    for dir in ["policy", "domain"] {
        let mut found = offenders(dir, IO);
        // Pure modules depend on nothing else of the crate but each other.
        found.extend(
            offenders(dir, &["crate::"])
                .into_iter()
                .filter(|f| !f.contains("crate::domain") && !f.contains("crate::policy")),
        );
        assert!(
            found.is_empty(),
            "{dir}/ must stay pure (no I/O, no other module):\n{}",
            found.join("\n")
        );
    }
}

#[test]
fn the_job_queue_names_no_service_by_path() {
    let found = offenders("jobs", &["crate::reset", "crate::onboarding"]);
    assert!(
        found.is_empty(),
        "jobs/ must not import a service (register jobs in startup instead):\n{}",
        found.join("\n")
    );
}

#[test]
fn no_handler_runs_a_storage_closure() {
    // `state.db.run(|conn| …)` in a handler is a service written inline: it belongs in the
    // service the handler calls (`onboarding`, `console`, …), so a handler stays parse → limit →
    // call → render.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src")
        .join("web");
    let found: Vec<String> = rust_files(&root)
        .into_iter()
        .filter(|file| {
            let code = code_of(&std::fs::read_to_string(file).unwrap());
            let compact: String = code.chars().filter(|c| !c.is_whitespace()).collect();
            compact.contains(".db.run(")
        })
        .map(|file| file.display().to_string())
        .collect();
    assert!(
        found.is_empty(),
        "web/ must call a service instead of running a database closure:\n{}",
        found.join("\n")
    );
}

/// The entries of the module map in docs/architecture.md: the indented names under `src/` in
/// its first code block (`name.rs` for a file, `name/` for a folder).
fn module_map() -> Vec<String> {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/architecture.md"))
            .unwrap();
    let block = doc
        .split("```\nsrc/\n")
        .nth(1)
        .expect("a module map under src/");
    let block = block.split("```").next().unwrap();
    block
        .lines()
        .take_while(|line| line.starts_with("  "))
        .filter_map(|line| line.strip_prefix("  "))
        .filter(|line| !line.starts_with(' '))
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

#[test]
fn the_module_map_lists_exactly_the_crate_root() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut on_disk: Vec<String> = std::fs::read_dir(&src)
        .unwrap()
        .map(|entry| {
            let entry = entry.unwrap();
            let name = entry.file_name().to_string_lossy().into_owned();
            if entry.file_type().unwrap().is_dir() {
                format!("{name}/")
            } else {
                name
            }
        })
        .collect();
    on_disk.sort();
    let mut mapped = module_map();
    mapped.sort();
    assert_eq!(
        mapped, on_disk,
        "docs/architecture.md's module map must name every file and folder at the crate root"
    );
}
