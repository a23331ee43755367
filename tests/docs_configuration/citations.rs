//! Code and tests cite only documentation that exists in this repository.

use super::*;

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
