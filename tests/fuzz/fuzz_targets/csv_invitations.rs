//! The invitation CSV parser never panics; a file is either refused as a whole with an error
//! that names a real line (or the header), or every data row comes back with its own line
//! number (increasing, after the header, within the file), trimmed cells, and an address
//! that `EmailAddress::parse` accepts or refuses without panicking (as `invite_one` does).
#![no_main]

use latchkey::domain::email::EmailAddress;
use latchkey::onboarding::csv::{parse, CsvError, MAX_ROWS};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let lines = 1 + data.iter().filter(|b| **b == b'\n').count() as u64;
    match parse(data) {
        Ok(rows) => {
            assert!(rows.len() <= MAX_ROWS);
            let mut previous = 1;
            for row in &rows {
                assert!(row.line > previous, "line {} after {previous}", row.line);
                assert!(row.line <= lines, "line {} of {lines}", row.line);
                previous = row.line;
                assert_eq!(row.email, row.email.trim());
                for cell in [&row.display_name, &row.cc_email].into_iter().flatten() {
                    assert!(!cell.is_empty() && cell == cell.trim());
                }
                let _ = EmailAddress::parse(&row.email);
                if let Some(cc) = &row.cc_email {
                    let _ = EmailAddress::parse(cc);
                }
            }
        }
        Err(e) => {
            assert!(!e.to_string().is_empty());
            let line = match e {
                CsvError::TooManyRows { line, .. }
                | CsvError::Binary { line }
                | CsvError::NotUtf8 { line }
                | CsvError::FieldCount { line, .. }
                | CsvError::Malformed { line, .. } => Some(line),
                CsvError::Empty
                | CsvError::TooLarge
                | CsvError::MissingColumn { .. }
                | CsvError::DuplicateColumn { .. } => None,
            };
            if let Some(line) = line {
                assert!((1..=lines).contains(&line), "error line {line} of {lines}: {e}");
            }
        }
    }
});
