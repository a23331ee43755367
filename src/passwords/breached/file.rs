//! The offline breached-password corpus: a text file of `SHA1:count` lines ordered by hash (the
//! "ordered by hash" format Have I Been Pwned publishes, 40 hex digits, a colon, a decimal
//! count, `\n` or `\r\n`). It is memory-mapped and searched in place by binary search over byte
//! offsets: a lookup touches about log2(n) pages (some 30 for the full corpus of ~10⁹ lines)
//! and nothing is ever loaded whole.
//!
//! The file must not be changed in place while the server runs (a mapped file truncated under
//! it makes the process fault): replace it by writing a new file and renaming it over the old
//! one, then restart; the old inode stays mapped until then.

use anyhow::Context as _;
use memmap2::Mmap;
use std::cmp::Ordering;
use std::fs::File;
use std::path::{Path, PathBuf};

/// Hex digits of a SHA-1.
const HASH_HEX: usize = 40;

/// An opened, memory-mapped corpus.
pub struct BreachFile {
    path: PathBuf,
    map: Mmap,
}

impl std::fmt::Debug for BreachFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BreachFile")
            .field("path", &self.path)
            .field("bytes", &self.map.len())
            .finish()
    }
}

/// What a full pass over a corpus found (`latchkey password breached-check`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileReport {
    /// Well-formed lines.
    pub entries: u64,
    /// The first problem, with its 1-based line number: a malformed line or one out of order.
    pub problem: Option<(u64, String)>,
}

impl BreachFile {
    /// Opens and maps `path`, and checks that its first and last lines are `SHA1:count` lines in
    /// order: a quick test that the file is the right kind, done at start. The full check is
    /// [`BreachFile::verify`].
    pub fn open(path: &Path) -> anyhow::Result<Self> {
        let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        // SAFETY: the map is read-only and private to this process. The operator is told (module
        // docs, docs/passwords-and-webhooks.md) to replace the file by rename, never to change it
        // in place; bytes that change under the map would at worst give a wrong verdict, and a
        // file truncated under it would fault, which is why in-place edits are ruled out.
        let map = unsafe { Mmap::map(&file) }
            .with_context(|| format!("cannot memory-map {}", path.display()))?;
        let this = Self {
            path: path.to_path_buf(),
            map,
        };
        let data = this.bytes();
        let first = data.split(|b| *b == b'\n').next().unwrap_or_default();
        let last = data
            .strip_suffix(b"\n")
            .unwrap_or(data)
            .rsplit(|b| *b == b'\n')
            .next()
            .unwrap_or_default();
        for (which, line) in [("first", first), ("last", last)] {
            parse_line(line).map_err(|e| {
                anyhow::anyhow!(
                    "{}: the {which} line is not a `SHA1:count` line ({e}); expected the \
                     \"ordered by hash\" SHA-1 text format",
                    path.display()
                )
            })?;
        }
        if first.get(..HASH_HEX) > last.get(..HASH_HEX) {
            anyhow::bail!(
                "{}: the lines are not ordered by hash (the first is after the last); expected \
                 the \"ordered by hash\" file, not the \"ordered by prevalence\" one",
                path.display()
            );
        }
        Ok(this)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn bytes(&self) -> &[u8] {
        &self.map
    }

    /// How often the corpus has seen the password whose SHA-1 is `hash_hex` (40 uppercase hex
    /// digits); `None` when it is not in the file.
    pub fn lookup(&self, hash_hex: &[u8; HASH_HEX]) -> Option<u64> {
        lookup(self.bytes(), hash_hex)
    }

    /// Reads the whole file once: counts the entries and reports the first malformed or
    /// out-of-order line.
    pub fn verify(&self) -> FileReport {
        verify(self.bytes())
    }
}

/// Binary search for `key` in `data` (sorted `SHA1:count` lines). `lo` is always a line start
/// and `hi` a line start or the end; each step reads the line around the middle and drops the
/// half that cannot hold the key.
pub fn lookup(data: &[u8], key: &[u8; HASH_HEX]) -> Option<u64> {
    let (mut lo, mut hi) = (0usize, data.len());
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let start = data[lo..mid]
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(lo, |i| lo + i + 1);
        let end = data[mid..hi]
            .iter()
            .position(|b| *b == b'\n')
            .map_or(hi, |i| mid + i + 1);
        let line = &data[start..end];
        match compare_hash(line, key) {
            Ordering::Less => lo = end,
            Ordering::Greater => hi = start,
            Ordering::Equal => return parse_line(line).ok().map(|(_, count)| count),
        }
    }
    None
}

/// The line's hash (first 40 bytes, case-insensitive) against the key.
fn compare_hash(line: &[u8], key: &[u8; HASH_HEX]) -> Ordering {
    let head = &line[..line.len().min(HASH_HEX)];
    head.iter()
        .map(u8::to_ascii_uppercase)
        .cmp(key.iter().copied())
}

/// A `SHA1:count` line (its newline optional) → (the hash, the count).
fn parse_line(line: &[u8]) -> Result<(&[u8], u64), &'static str> {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if line.len() < HASH_HEX + 2 || line[HASH_HEX] != b':' {
        return Err("not 40 hex digits, a colon and a count");
    }
    let (hash, count) = (&line[..HASH_HEX], &line[HASH_HEX + 1..]);
    if !hash.iter().all(u8::is_ascii_hexdigit) {
        return Err("the hash is not hexadecimal");
    }
    if !count.iter().all(u8::is_ascii_digit) || count.len() > 19 {
        return Err("the count is not a decimal number");
    }
    let count = count.iter().fold(0u64, |n, d| n * 10 + u64::from(d - b'0'));
    Ok((hash, count))
}

fn verify(data: &[u8]) -> FileReport {
    let mut entries = 0u64;
    let mut previous: Option<[u8; HASH_HEX]> = None;
    let body = data.strip_suffix(b"\n").unwrap_or(data);
    if body.is_empty() {
        return FileReport {
            entries: 0,
            problem: Some((1, "the file is empty".into())),
        };
    }
    for (i, line) in body.split(|b| *b == b'\n').enumerate() {
        let number = i as u64 + 1;
        let hash = match parse_line(line) {
            Ok((hash, _)) => hash,
            Err(e) => {
                return FileReport {
                    entries,
                    problem: Some((number, e.into())),
                }
            }
        };
        let mut upper = [0u8; HASH_HEX];
        for (u, h) in upper.iter_mut().zip(hash) {
            *u = h.to_ascii_uppercase();
        }
        if previous.is_some_and(|p| p >= upper) {
            return FileReport {
                entries,
                problem: Some((
                    number,
                    "out of order: the file must be ordered by hash, each hash once".into(),
                )),
            };
        }
        previous = Some(upper);
        entries += 1;
    }
    FileReport {
        entries,
        problem: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha1::{Digest, Sha1};

    fn key(password: &str) -> [u8; HASH_HEX] {
        let hex = hex::encode_upper(Sha1::digest(password.as_bytes()));
        hex.as_bytes().try_into().unwrap()
    }

    /// A sorted corpus of `n` passwords `pw{i}` seen `i + 1` times, `\r\n`-terminated.
    fn corpus(n: usize) -> (Vec<u8>, Vec<String>) {
        let mut lines: Vec<(String, usize)> = (0..n)
            .map(|i| (hex::encode_upper(Sha1::digest(format!("pw{i}"))), i + 1))
            .collect();
        lines.sort();
        let text: String = lines.iter().map(|(h, c)| format!("{h}:{c}\r\n")).collect();
        (
            text.into_bytes(),
            (0..n).map(|i| format!("pw{i}")).collect(),
        )
    }

    #[test]
    fn every_entry_is_found_with_its_count_and_others_are_not() {
        for n in [1, 2, 3, 7, 1000] {
            let (data, passwords) = corpus(n);
            for (i, p) in passwords.iter().enumerate() {
                assert_eq!(lookup(&data, &key(p)), Some(i as u64 + 1), "n={n} {p}");
            }
            for p in ["absent", "pw-1", ""] {
                assert_eq!(lookup(&data, &key(p)), None, "n={n} {p}");
            }
            // The smallest and largest possible keys fall off either end.
            assert_eq!(lookup(&data, &[b'0'; HASH_HEX]), None);
            assert_eq!(lookup(&data, &[b'F'; HASH_HEX]), None);
        }
        assert_eq!(lookup(b"", &key("x")), None);
    }

    #[test]
    fn lowercase_hashes_and_bare_newlines_are_read_too() {
        let (data, passwords) = corpus(50);
        let lower = String::from_utf8(data)
            .unwrap()
            .to_lowercase()
            .replace("\r\n", "\n");
        assert_eq!(lookup(lower.as_bytes(), &key(&passwords[7])), Some(8));
        assert_eq!(verify(lower.as_bytes()).entries, 50);
    }

    #[test]
    fn verify_counts_entries_and_names_the_first_bad_line() {
        let (data, _) = corpus(100);
        assert_eq!(
            verify(&data),
            FileReport {
                entries: 100,
                problem: None
            }
        );
        let mut text = String::from_utf8(data).unwrap();
        text.push_str("0000000000000000000000000000000000000000:3\n");
        let report = verify(text.as_bytes());
        assert_eq!(report.entries, 100);
        assert_eq!(report.problem.unwrap().0, 101);
        let report = verify(b"not a hash line\n");
        assert_eq!(
            report.problem.unwrap(),
            (1, "not 40 hex digits, a colon and a count".into())
        );
        assert!(verify(b"").problem.is_some());
    }

    #[test]
    fn open_refuses_other_formats() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.txt");
        std::fs::write(&path, "password123\nletmein\n").unwrap();
        let err = BreachFile::open(&path).unwrap_err().to_string();
        assert!(err.contains("SHA1:count"), "{err}");
        let (data, _) = corpus(10);
        let mut lines: Vec<&[u8]> = data.split_inclusive(|b| *b == b'\n').collect();
        lines.reverse();
        std::fs::write(&path, lines.concat()).unwrap();
        let err = BreachFile::open(&path).unwrap_err().to_string();
        assert!(err.contains("ordered by hash"), "{err}");
        assert!(BreachFile::open(&dir.path().join("missing")).is_err());
        std::fs::write(&path, &data).unwrap();
        let file = BreachFile::open(&path).unwrap();
        assert_eq!(file.verify().entries, 10);
        assert_eq!(file.lookup(&key("pw3")), Some(4));
    }
}
