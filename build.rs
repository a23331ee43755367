//! Embeds every file under templates/ into the binary, so a deployed `latchkey` needs no
//! template directory beside it and a new template needs no list to be kept by hand.

use std::fmt::Write as _;
use std::path::Path;

fn collect(dir: &Path, base: &Path, out: &mut Vec<String>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("templates/ is readable")
        .map(|e| e.expect("templates/ entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect(&path, base, out);
        } else {
            let rel = path.strip_prefix(base).expect("under templates/");
            out.push(rel.to_string_lossy().replace('\\', "/"));
        }
    }
}

fn main() {
    // Read at run time, not with `env!`: with a shared CARGO_TARGET_DIR, one compiled build
    // script serves every checkout (worktree) of this package, and `env!` would freeze the
    // first checkout's path into it.
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let root = Path::new(&manifest_dir);
    let templates = root.join("templates");
    println!("cargo:rerun-if-changed=templates");
    let mut names = Vec::new();
    collect(&templates, &templates, &mut names);
    // `i18n/<lang>/<area>.ftl` are the Fluent message files (src/i18n), not tera templates.
    let (fluent, names): (Vec<String>, Vec<String>) =
        names.into_iter().partition(|n| n.starts_with("i18n/"));
    let mut code = String::from(
        "/// Every template, as (name, source).\npub const TEMPLATES: &[(&str, &str)] = &[\n",
    );
    for name in &names {
        let path = templates.join(name);
        println!("cargo:rerun-if-changed={}", path.display());
        // Resolved when the library compiles, against that checkout's manifest dir, so a
        // generated file left by another checkout still embeds this checkout's templates.
        writeln!(
            code,
            "    ({name:?}, include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), {:?}))),",
            format!("/templates/{name}")
        )
        .unwrap();
    }
    code.push_str("];\n");
    code.push_str(
        "/// Every Fluent file, as (path under templates/i18n/, source).\npub const FLUENT: &[(&str, &str)] = &[\n",
    );
    for name in &fluent {
        let path = templates.join(name);
        println!("cargo:rerun-if-changed={}", path.display());
        writeln!(
            code,
            "    ({:?}, include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), {:?}))),",
            name.trim_start_matches("i18n/"),
            format!("/templates/{name}")
        )
        .unwrap();
    }
    code.push_str("];\n");
    let out = Path::new(&std::env::var("OUT_DIR").unwrap()).join("templates.rs");
    std::fs::write(out, code).unwrap();
}
