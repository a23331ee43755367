//! The invitation CSV (docs/onboarding.md): columns `Email`, `DisplayName` and optional `CcEmail`,
//! headers case-insensitive (spaces, `_` and `-` ignored), extra columns ignored, UTF-8 with or
//! without a byte-order mark, `,` or `;` as separator (sniffed from the header line), at most
//! [`MAX_ROWS`] rows and [`MAX_BYTES`] bytes. Pure: no I/O, so the admin upload page, the CLI and
//! the tests share it.
//!
//! Cells are returned as typed (trimmed); addresses are parsed by the caller, row by row, so one
//! bad address does not refuse the file. Only a file that cannot be read as a table is refused,
//! with an error that names the line.

/// Most data rows a file may hold.
pub const MAX_ROWS: usize = 10_000;
/// Largest file accepted, in bytes.
pub const MAX_BYTES: usize = 2 * 1024 * 1024;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// One data row, with the line it starts on (1-based, the header being line 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvRow {
    pub line: u64,
    pub email: String,
    pub display_name: Option<String>,
    pub cc_email: Option<String>,
}

/// Why a file was refused as a whole. `Display` is a sentence for the uploader.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CsvError {
    #[error("The file is empty: it needs a header line with Email and DisplayName columns.")]
    Empty,
    #[error("The file is larger than {} MiB. Split it into smaller files.", MAX_BYTES / (1024 * 1024))]
    TooLarge,
    #[error("The file has more than {MAX_ROWS} rows (line {line} is row {rows}). Split it into smaller files.")]
    TooManyRows { line: u64, rows: usize },
    #[error("This is not a CSV text file (line {line} contains binary data). Export the sheet as \"CSV UTF-8\".")]
    Binary { line: u64 },
    #[error("Line {line} is not valid UTF-8 text. Export the sheet as \"CSV UTF-8\".")]
    NotUtf8 { line: u64 },
    #[error("The header line has no {column} column. The first line must name the columns: Email, DisplayName and optionally CcEmail.")]
    MissingColumn { column: &'static str },
    #[error("The header line names the {column} column twice.")]
    DuplicateColumn { column: &'static str },
    #[error("Line {line} has {found} fields but the header line has {expected}. Put values that contain the separator in double quotes.")]
    FieldCount {
        line: u64,
        found: usize,
        expected: usize,
    },
    #[error("Line {line} could not be read: {message}")]
    Malformed { line: u64, message: String },
}

/// The 1-based line of byte `offset` in `bytes`.
fn line_of(bytes: &[u8], offset: usize) -> u64 {
    line_breaks(&bytes[..offset.min(bytes.len())]) + 1
}

/// Line breaks as the CSV reader sees them: `\n`, `\r\n`, or a lone `\r` (old Mac exports;
/// found by fuzzing: a lone `\r` ended a record without starting a numbered line).
pub fn line_breaks(bytes: &[u8]) -> u64 {
    let mut n = 0;
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'\n' || (*b == b'\r' && bytes.get(i + 1) != Some(&b'\n')) {
            n += 1;
        }
    }
    n
}

/// The 1-based line a record (or error) at reader position `p` starts on. The reader's own
/// counter does not count a CRLF line break, and its position can sit on the line break before
/// the record (the `\n` of a `\r\n`, or skipped blank lines), so line breaks there are
/// stepped over.
fn line_at(text: &str, p: &csv::Position) -> u64 {
    let bytes = text.as_bytes();
    let mut at = usize::try_from(p.byte()).map_or(bytes.len(), |b| b.min(bytes.len()));
    while at < bytes.len() && matches!(bytes[at], b'\r' | b'\n') {
        at += 1;
    }
    line_of(bytes, at)
}

/// `Display Name`, `display_name`, `DISPLAYNAME` → `displayname`.
fn fold_header(h: &str) -> String {
    h.trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// `;` when the header line has more semicolons than commas outside quotes, else `,`.
fn sniff_delimiter(text: &str) -> u8 {
    let (mut commas, mut semicolons, mut quoted) = (0, 0, false);
    for c in text.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => commas += 1,
            ';' if !quoted => semicolons += 1,
            '\n' if !quoted => break,
            _ => {}
        }
    }
    if semicolons > commas {
        b';'
    } else {
        b','
    }
}

fn non_empty(s: Option<&str>) -> Option<String> {
    s.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// Reads an invitation file into rows, or says why it cannot be read.
pub fn parse(bytes: &[u8]) -> Result<Vec<CsvRow>, CsvError> {
    if bytes.len() > MAX_BYTES {
        return Err(CsvError::TooLarge);
    }
    let bytes = bytes.strip_prefix(BOM).unwrap_or(bytes);
    // NUL never occurs in text; nor do most other C0 controls (tab, CR, LF and form feed aside).
    if let Some(at) = bytes
        .iter()
        .position(|b| *b == 0 || (*b < 0x20 && !matches!(b, b'\t' | b'\r' | b'\n' | 0x0c)))
    {
        return Err(CsvError::Binary {
            line: line_of(bytes, at),
        });
    }
    let text = std::str::from_utf8(bytes).map_err(|e| CsvError::NotUtf8 {
        line: line_of(bytes, e.valid_up_to()),
    })?;
    if text.trim().is_empty() {
        return Err(CsvError::Empty);
    }
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(sniff_delimiter(text))
        .has_headers(true)
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| CsvError::Malformed {
            line: 1,
            message: e.to_string(),
        })?
        .clone();
    let find = |name: &'static str, folded: &str| -> Result<Option<usize>, CsvError> {
        let mut hits = headers
            .iter()
            .enumerate()
            .filter(|(_, h)| fold_header(h) == folded);
        let first = hits.next().map(|(i, _)| i);
        if hits.next().is_some() {
            return Err(CsvError::DuplicateColumn { column: name });
        }
        Ok(first)
    };
    let email_col = find("Email", "email")?.ok_or(CsvError::MissingColumn { column: "Email" })?;
    let name_col = find("DisplayName", "displayname")?.ok_or(CsvError::MissingColumn {
        column: "DisplayName",
    })?;
    let cc_col = find("CcEmail", "ccemail")?;
    let expected = headers.len();

    let mut rows = Vec::new();
    for record in reader.records() {
        // Lines are counted from byte offsets (`line_at`), not the reader's line counter: with
        // CRLF line breaks (a Windows export) every line number after the header came out one
        // too low (found by fuzzing: tests/fuzz csv_invitations).
        let record = record.map_err(|e| CsvError::Malformed {
            line: e.position().map_or(0, |p| line_at(text, p)),
            message: e.to_string(),
        })?;
        let line = record.position().map_or(0, |p| line_at(text, p));
        // A line of separators only (spreadsheets export trailing empty rows): skipped.
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        if record.len() != expected {
            return Err(CsvError::FieldCount {
                line,
                found: record.len(),
                expected,
            });
        }
        if rows.len() == MAX_ROWS {
            return Err(CsvError::TooManyRows {
                line,
                rows: MAX_ROWS + 1,
            });
        }
        rows.push(CsvRow {
            line,
            email: record.get(email_col).unwrap_or_default().trim().to_string(),
            display_name: non_empty(record.get(name_col)),
            cc_email: cc_col.and_then(|i| non_empty(record.get(i))),
        });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commas_semicolons_bom_and_quotes() {
        let rows =
            parse(b"\xEF\xBB\xBFemail,DISPLAY NAME,Extra\nann@a.test,\"Smith, Ann\",x\n").unwrap();
        assert_eq!(rows[0].email, "ann@a.test");
        assert_eq!(rows[0].display_name.as_deref(), Some("Smith, Ann"));
        assert_eq!(rows[0].line, 2);
        let rows = parse(b"Email;DisplayName;CcEmail\r\nbob@b.test;Bob, Jr;cc@b.test\r\n").unwrap();
        assert_eq!(rows[0].display_name.as_deref(), Some("Bob, Jr"));
        assert_eq!(rows[0].cc_email.as_deref(), Some("cc@b.test"));
    }

    #[test]
    fn refusals_name_the_line() {
        assert_eq!(
            parse(b"Name,DisplayName\nx,y\n").unwrap_err(),
            CsvError::MissingColumn { column: "Email" }
        );
        assert_eq!(
            parse(b"Email,DisplayName\na@b.test,A\nc@d.test,C,extra\n").unwrap_err(),
            CsvError::FieldCount {
                line: 3,
                found: 3,
                expected: 2
            }
        );
        assert!(matches!(
            parse(b"Email,DisplayName\n\x89PNG\x00\x01").unwrap_err(),
            CsvError::Binary { line: 2 }
        ));
        assert_eq!(
            parse(b"Email,DisplayName\na@b.test,\xff\n").unwrap_err(),
            CsvError::NotUtf8 { line: 2 }
        );
        assert_eq!(parse(b"").unwrap_err(), CsvError::Empty);
    }

    #[test]
    fn crlf_line_numbers() {
        // Found by fuzzing (tests/fuzz csv_invitations): with CRLF line breaks the rows were
        // numbered from 1, so errors named the line above the bad one.
        let rows = parse(b"Email,DisplayName\r\na@b.test,A\r\nc@d.test,C\r\n").unwrap();
        assert_eq!(rows.iter().map(|r| r.line).collect::<Vec<_>>(), [2, 3]);
        assert_eq!(
            parse(b"Email,DisplayName\r\na@b.test,A\r\nc@d.test,C,extra\r\n").unwrap_err(),
            CsvError::FieldCount {
                line: 3,
                found: 3,
                expected: 2
            }
        );
    }

    #[test]
    fn row_cap() {
        let mut f = String::from("Email,DisplayName\n");
        for i in 0..MAX_ROWS {
            f.push_str(&format!("u{i}@a.test,U\n"));
        }
        assert_eq!(parse(f.as_bytes()).unwrap().len(), MAX_ROWS);
        f.push_str("last@a.test,L\n");
        assert!(matches!(
            parse(f.as_bytes()).unwrap_err(),
            CsvError::TooManyRows { line: 10_002, .. }
        ));
    }
}
