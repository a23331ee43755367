//! The fuzz targets' checks (tests/fuzz/checks.rs, shared with `scripts/fuzz.sh`) run in the
//! normal suite: every input of the committed seed corpus (tests/fuzz/seeds/<target>/, which
//! also holds each input a fuzzer ever failed on, as `regression-*`), plus the findings spelled
//! out below with what went wrong. A stable-toolchain `cargo test` thus replays every finding
//! without cargo-fuzz.

#[path = "fuzz/checks.rs"]
mod checks;

use std::path::Path;

fn replay(target: &str, check: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz/seeds")
        .join(target);
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        if std::panic::catch_unwind(|| check(&data)).is_err() {
            panic!("{target}: {} fails its check", path.display());
        }
        n += 1;
    }
    assert!(n > 0, "no seeds in {}", dir.display());
}

#[test]
fn email_parse_seeds() {
    // docs/security.md#15, #16.
    replay("email_parse", checks::email_parse::check);
}

#[test]
fn csv_invitations_seeds() {
    replay("csv_invitations", checks::csv_invitations::check);
}

#[test]
fn form_decode_seeds() {
    replay("form_decode", checks::form_decode::check);
}

#[test]
fn token_code_parse_seeds() {
    // docs/security.md#8.
    replay("token_code_parse", checks::token_code_parse::check);
}

#[test]
fn csrf_verify_seeds() {
    // docs/security.md#31.
    replay("csrf_verify", checks::csrf_verify::check);
}

#[test]
fn client_ip_seeds() {
    // docs/security.md#29.
    replay("client_ip", checks::client_ip::check);
}

/// Finding 1 (csv_invitations): with CRLF line breaks the `csv` reader's line counter stays one
/// low, so rows and "Line N has 3 fields" errors named the line above the real one. Lines now
/// come from byte offsets (src/onboarding/csv.rs `line_at`).
#[test]
fn csv_crlf_rows_are_numbered_by_their_real_line() {
    use latchkey::onboarding::csv::{parse, CsvError};
    let rows = parse(b"Email;DisplayName\r\nx@y.test;X\r\n;;\r\nz@y.test;Z\r\n").unwrap();
    assert_eq!(rows.iter().map(|r| r.line).collect::<Vec<_>>(), [2, 4]);
    assert_eq!(
        parse(b"Email,DisplayName\r\na@b.test,A\r\n\r\nc@d.test,C,extra\r\n").unwrap_err(),
        CsvError::FieldCount {
            line: 4,
            found: 3,
            expected: 2
        }
    );
}
