//! The one-way dependency rules of the module map, checked on the source text so they cannot
//! erode unnoticed:
//!
//! - handlers are thin: no file under `src/web/` reaches storage (`crate::db`) — it calls a
//!   service (`accounts`, `console`, `reset`, `onboarding`), which does;
//! - `src/policy/` and `src/domain/` are pure: no I/O crate, no other module of the crate;
//! - `src/jobs/` is a generic queue that knows no service (`reset`, `onboarding`).

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|x| x == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
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
    let found = offenders("web", &["crate::db", "db::models", "db::DbError"]);
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
#[ignore = "jobs/worker.rs still dispatches to reset/ and onboarding/ until the job queue is generic"]
fn the_job_queue_knows_no_service() {
    let found = offenders("jobs", &["crate::reset", "crate::onboarding"]);
    assert!(
        found.is_empty(),
        "jobs/ must not import a service (register jobs in startup instead):\n{}",
        found.join("\n")
    );
}
