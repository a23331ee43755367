//! Migration parity: both backends' trees hold the same migrations, each with a real
//! down.sql, and migrating creates every table of the schema.

mod support;
use diesel::connection::SimpleConnection;
use latchkey::db::{DatabaseUrl, Db};
use std::collections::BTreeSet;

fn names(dir: &str) -> BTreeSet<String> {
    std::fs::read_dir(format!("{}/migrations/{dir}", env!("CARGO_MANIFEST_DIR")))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn sqlite_and_postgres_trees_list_the_same_migrations() {
    let sqlite = names("sqlite");
    let postgres = names("postgres");
    assert!(!sqlite.is_empty());
    assert_eq!(
        sqlite, postgres,
        "migrations/sqlite and migrations/postgres drifted apart"
    );
    for backend in ["sqlite", "postgres"] {
        for m in &sqlite {
            for file in ["up.sql", "down.sql"] {
                let path = format!(
                    "{}/migrations/{backend}/{m}/{file}",
                    env!("CARGO_MANIFEST_DIR")
                );
                let text =
                    std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("{path} missing"));
                assert!(
                    text.lines()
                        .any(|l| !l.trim().is_empty() && !l.trim_start().starts_with("--")),
                    "{path} is empty"
                );
            }
        }
    }
}

#[test]
fn no_two_migrations_share_a_version() {
    // Diesel keys a migration by the part of its folder name before the first `_`: two
    // folders with one version would run only one of them, silently, on every database.
    let mut seen = std::collections::BTreeMap::new();
    for m in names("sqlite") {
        let version = m.split('_').next().unwrap().to_string();
        if let Some(other) = seen.insert(version.clone(), m.clone()) {
            panic!("{other} and {m} share the version {version}: rename one of them");
        }
    }
}

#[test]
fn migrating_creates_every_table_and_down_removes_them() {
    let dir = tempfile::tempdir().unwrap();
    let test_db = support::TestDb::create(dir.path());
    let url: DatabaseUrl = test_db.url.parse().unwrap();
    let db = Db::connect_lazy(&url, 1).unwrap();
    let applied = db.migrate().unwrap();
    assert_eq!(applied.len(), names("sqlite").len());
    let mut conn = db.get().unwrap();
    for table in latchkey::db::schema::TABLES {
        conn.batch_execute(&format!("SELECT count(*) FROM {table}"))
            .unwrap_or_else(|e| panic!("table {table} missing: {e}"));
    }
    // Running again applies nothing.
    assert!(db.migrate().unwrap().is_empty());
    // down.sql really reverts.
    let backend = if test_db.is_postgres() {
        "postgres"
    } else {
        "sqlite"
    };
    for m in names(backend).iter().rev() {
        let down = std::fs::read_to_string(format!(
            "{}/migrations/{backend}/{m}/down.sql",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        conn.batch_execute(&down).unwrap();
    }
    assert!(conn.batch_execute("SELECT count(*) FROM tenants").is_err());
}
