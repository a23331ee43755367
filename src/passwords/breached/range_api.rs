//! The k-anonymity range API of Pwned Passwords: `GET {base}/range/{first 5 hex digits of the
//! SHA-1}` answers every known suffix with that prefix (`SUFFIX:count` lines). Only the prefix
//! leaves the process; the suffix is compared here. `Add-Padding: true` asks for padding lines
//! (count 0) so that the size of the answer says nothing about the prefix either.
//!
//! Answers are cached in memory per prefix for a day (the corpus changes rarely), without their
//! padding, holding at most [`MAX_CACHED_PREFIXES`] prefixes.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a range answer is reused.
pub const CACHE_TTL: Duration = Duration::from_secs(24 * 60 * 60);

/// Prefixes kept at once (a real answer holds ~1 000 suffixes: ~24 KB each once parsed).
pub const MAX_CACHED_PREFIXES: usize = 1024;

/// Suffix hex digits (40 − 5).
const SUFFIX_HEX: usize = 35;

/// The largest answer read (a padded real answer is ~40 KB).
const MAX_ANSWER_BYTES: usize = 1 << 20;

/// One suffix, packed: 35 hex digits in 18 bytes (the last nibble zero).
type Suffix = [u8; 18];

/// A range API client with its cache.
#[derive(Debug)]
pub struct RangeApi {
    base: String,
    client: reqwest::Client,
    cache: Mutex<HashMap<String, Cached>>,
}

#[derive(Debug)]
struct Cached {
    fetched: Instant,
    /// Sorted; padding (count 0) left out.
    entries: Vec<(Suffix, u32)>,
}

/// Why the API could not answer.
#[derive(Debug, thiserror::Error)]
pub enum RangeError {
    #[error("the range API answered HTTP {0}")]
    Status(u16),
    #[error("the range API could not be reached: {0}")]
    Transport(String),
    #[error("the range API's answer is not `SUFFIX:count` lines")]
    Malformed,
}

impl RangeApi {
    /// A client for `base` (`/range/{prefix}` is appended) with a per-request `timeout`.
    /// Redirects are not followed: the configured URL is the only one contacted.
    pub fn new(base: &str, timeout: Duration) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("latchkey/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            base: base.trim_end_matches('/').to_string(),
            client,
            cache: Mutex::new(HashMap::new()),
        })
    }

    /// How often the password whose SHA-1 is `hash_hex` (40 uppercase hex digits) was seen;
    /// `Ok(None)` when it is not in the corpus.
    pub async fn lookup(&self, hash_hex: &str) -> Result<Option<u64>, RangeError> {
        let (prefix, suffix) = hash_hex.split_at(5);
        let Some(suffix) = pack(suffix.as_bytes()) else {
            return Err(RangeError::Malformed);
        };
        if let Some(found) = self.cached(prefix, &suffix) {
            return Ok(found);
        }
        let entries = self.fetch(prefix).await?;
        let found = find(&entries, &suffix);
        self.store(prefix, entries);
        Ok(found)
    }

    fn cached(&self, prefix: &str, suffix: &Suffix) -> Option<Option<u64>> {
        let cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        let hit = cache.get(prefix)?;
        (hit.fetched.elapsed() < CACHE_TTL).then(|| find(&hit.entries, suffix))
    }

    fn store(&self, prefix: &str, entries: Vec<(Suffix, u32)>) {
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if cache.len() >= MAX_CACHED_PREFIXES && !cache.contains_key(prefix) {
            cache.retain(|_, c| c.fetched.elapsed() < CACHE_TTL);
            if cache.len() >= MAX_CACHED_PREFIXES {
                let oldest = cache
                    .iter()
                    .min_by_key(|(_, c)| c.fetched)
                    .map(|(k, _)| k.clone());
                if let Some(k) = oldest {
                    cache.remove(&k);
                }
            }
        }
        cache.insert(
            prefix.to_string(),
            Cached {
                fetched: Instant::now(),
                entries,
            },
        );
    }

    async fn fetch(&self, prefix: &str) -> Result<Vec<(Suffix, u32)>, RangeError> {
        let url = format!("{}/range/{prefix}", self.base);
        let mut response = self
            .client
            .get(&url)
            .header("Add-Padding", "true")
            .send()
            .await
            .map_err(|e| RangeError::Transport(describe(e)))?;
        if !response.status().is_success() {
            return Err(RangeError::Status(response.status().as_u16()));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| RangeError::Transport(describe(e)))?
        {
            if body.len() + chunk.len() > MAX_ANSWER_BYTES {
                return Err(RangeError::Malformed);
            }
            body.extend_from_slice(&chunk);
        }
        parse_answer(&body)
    }
}

/// The error, without its URL (which holds nothing secret, but keeps log lines short).
fn describe(e: reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".into()
    } else if e.is_connect() {
        "connection failed".into()
    } else {
        e.without_url().to_string()
    }
}

/// Parses `SUFFIX:count` lines, dropping padding (count 0); sorted for binary search.
fn parse_answer(body: &[u8]) -> Result<Vec<(Suffix, u32)>, RangeError> {
    let text = std::str::from_utf8(body).map_err(|_| RangeError::Malformed)?;
    let mut entries = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let (suffix, count) = line.split_once(':').ok_or(RangeError::Malformed)?;
        let suffix = pack(suffix.as_bytes()).ok_or(RangeError::Malformed)?;
        let count: u64 = count.trim().parse().map_err(|_| RangeError::Malformed)?;
        if count > 0 {
            entries.push((suffix, u32::try_from(count).unwrap_or(u32::MAX)));
        }
    }
    entries.sort_unstable();
    Ok(entries)
}

/// 35 hex digits (any case) → packed bytes.
fn pack(hex: &[u8]) -> Option<Suffix> {
    if hex.len() != SUFFIX_HEX {
        return None;
    }
    let mut out = [0u8; 18];
    for (i, c) in hex.iter().enumerate() {
        let nibble = (*c as char).to_digit(16)? as u8;
        out[i / 2] |= if i % 2 == 0 { nibble << 4 } else { nibble };
    }
    Some(out)
}

fn find(entries: &[(Suffix, u32)], suffix: &Suffix) -> Option<u64> {
    entries
        .binary_search_by(|(s, _)| s.cmp(suffix))
        .ok()
        .map(|i| u64::from(entries[i].1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_parsed_without_padding_and_in_any_case() {
        let body = b"0018A45C4D1DEF81644B54AB7F969B88D65:1\r\n\
                     00D4F6E8FA6EECAD2A3AA415EEC418D38EC:0\r\n\
                     011053fd0102e94d6ae2f8b83d76faf94f6:13\r\n";
        let entries = parse_answer(body).unwrap();
        assert_eq!(entries.len(), 2);
        let upper = pack(b"011053FD0102E94D6AE2F8B83D76FAF94F6").unwrap();
        assert_eq!(find(&entries, &upper), Some(13));
        let padding = pack(b"00D4F6E8FA6EECAD2A3AA415EEC418D38EC").unwrap();
        assert_eq!(find(&entries, &padding), None);
        assert!(matches!(
            parse_answer(b"<html>oops</html>"),
            Err(RangeError::Malformed)
        ));
        assert_eq!(parse_answer(b"").unwrap(), vec![]);
    }

    #[test]
    fn suffixes_pack_only_from_35_hex_digits() {
        assert!(pack(b"0018A45C4D1DEF81644B54AB7F969B88D65").is_some());
        assert!(pack(b"0018A45C4D1DEF81644B54AB7F969B88D6").is_none());
        assert!(pack(b"0018A45C4D1DEF81644B54AB7F969B88D6Z").is_none());
    }
}
