//! Words a password must not contain: the folding they are compared in, and a tenant's list of
//! banned words as an admin edits it.
//!
//! Two foldings are compared, and a word is found when either matches:
//!
//! - the plain fold: NFKC, lowercase, letters and digits only ("J.Smith" → "jsmith");
//! - the leet fold: the plain fold after mapping each look-alike to one representative
//!   (`0`→`o`, `1`/`!`/`|`/`l`→`i`, `3`→`e`, `4`/`@`→`a`, `5`/`$`→`s`, `7`/`+`→`t`, `8`→`b`,
//!   `9`→`g`), applied to the word and the password alike, so "C0nt0s0" and "c@nt$s0" both
//!   contain "contoso", and "bi11" contains "bill" (`1` and `l` fold to the same letter).

use unicode_normalization::UnicodeNormalization;

/// Words shorter than this (after folding) are not checked: "jo" is in too many passwords to
/// mean anything.
pub const MIN_WORD_CHARS: usize = 3;

/// A banned word may be at most this long (characters, as typed).
pub const MAX_BANNED_WORD_CHARS: usize = 64;

/// A tenant may ban at most this many words.
pub const MAX_BANNED_WORDS: usize = 500;

/// NFKC, lowercase, letters and digits only: "J.Smith" matches `j.smith`, "Contoso Ltd"
/// matches "contosoltd".
pub(super) fn fold(s: &str) -> String {
    s.nfkc()
        .flat_map(char::to_lowercase)
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// [`fold`] with look-alike characters mapped to one representative letter each.
pub(super) fn fold_leet(s: &str) -> String {
    s.nfkc()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            '0' => 'o',
            '1' | '!' | '|' | 'l' => 'i',
            '3' => 'e',
            '4' | '@' => 'a',
            '5' | '$' => 's',
            '7' | '+' => 't',
            '8' => 'b',
            '9' => 'g',
            other => other,
        })
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// A word in both foldings, ready to look for in a password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct FoldedWord {
    pub(super) plain: String,
    pub(super) leet: String,
}

impl FoldedWord {
    /// `None` when the word is too short to check once folded.
    pub(super) fn new(word: &str) -> Option<Self> {
        let plain = fold(word);
        (plain.chars().count() >= MIN_WORD_CHARS).then(|| Self {
            leet: fold_leet(word),
            plain,
        })
    }

    /// Whether `password`, given in both foldings, contains this word in either.
    pub(super) fn is_in(&self, plain: &str, leet: &str) -> bool {
        plain.contains(self.plain.as_str()) || leet.contains(self.leet.as_str())
    }
}

/// Why a tenant's list of banned words was refused, as shown next to the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BannedWordsError {
    #[error(
        "{word:?} is too short: a banned word needs at least {MIN_WORD_CHARS} letters or digits."
    )]
    TooShort { word: String },
    #[error("A banned word may have at most {MAX_BANNED_WORD_CHARS} characters.")]
    TooLong,
    #[error("At most {MAX_BANNED_WORDS} banned words.")]
    TooMany,
}

/// Parses a tenant's banned words as typed in a text area: one per line or separated by commas,
/// trimmed, NFKC, blank entries skipped, duplicates (after folding) dropped, sorted
/// case-insensitively ([`sort_words`]) so the stored list (and the audit's before/after) does
/// not depend on the typing order.
pub fn parse_banned_words(text: &str) -> Result<Vec<String>, BannedWordsError> {
    let mut words: Vec<(String, String)> = Vec::new();
    for raw in text.split(['\n', '\r', ',']) {
        let word = raw.trim();
        if word.is_empty() {
            continue;
        }
        if word.chars().count() > MAX_BANNED_WORD_CHARS {
            return Err(BannedWordsError::TooLong);
        }
        let word = word.nfkc().collect::<String>();
        let key = fold(&word);
        if key.chars().count() < MIN_WORD_CHARS {
            return Err(BannedWordsError::TooShort { word });
        }
        if !words.iter().any(|(k, _)| *k == key) {
            words.push((key, word));
        }
        if words.len() > MAX_BANNED_WORDS {
            return Err(BannedWordsError::TooMany);
        }
    }
    let mut words: Vec<String> = words.into_iter().map(|(_, w)| w).collect();
    sort_words(&mut words);
    Ok(words)
}

/// The order banned words are shown and audited in: case-insensitive, then as typed.
pub fn sort_words(words: &mut [String]) {
    words.sort_by_cached_key(|w| (w.to_lowercase(), w.clone()));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leet_folding_maps_look_alikes_on_both_sides() {
        assert_eq!(fold_leet("C0nt0s0"), fold_leet("contoso"));
        assert_eq!(fold_leet("c@nt$s0"), fold_leet("cantsso"));
        assert_eq!(fold_leet("Bi11"), fold_leet("bill"));
        assert_eq!(fold_leet("W1DG3T!"), "widgeti");
        let w = FoldedWord::new("Widget").unwrap();
        assert!(w.is_in(&fold("my W1dg3t pass"), &fold_leet("my W1dg3t pass")));
        assert!(!w.is_in(&fold("gadget pass"), &fold_leet("gadget pass")));
        // The plain fold still finds a word that punctuation splits in the leet fold.
        let a = FoldedWord::new("annsmith").unwrap();
        assert!(a.is_in(&fold("ann@smith"), &fold_leet("ann@smith")));
    }

    #[test]
    fn short_words_are_not_checked() {
        assert!(FoldedWord::new("jo").is_none());
        assert!(FoldedWord::new("j.o").is_none());
        assert!(FoldedWord::new("joe").is_some());
    }

    #[test]
    fn banned_word_lists_are_trimmed_deduplicated_and_sorted() {
        let words = parse_banned_words(" Widget\n\ngizmo, WIDGET ,\r\nAcme Rocket\n").unwrap();
        assert_eq!(words, vec!["Acme Rocket", "gizmo", "Widget"]);
        assert_eq!(parse_banned_words("").unwrap(), Vec::<String>::new());
    }

    #[test]
    fn banned_word_lists_refuse_short_long_and_too_many_words() {
        assert_eq!(
            parse_banned_words("ok\nwidget").unwrap_err(),
            BannedWordsError::TooShort { word: "ok".into() }
        );
        assert_eq!(
            parse_banned_words(&"x".repeat(65)).unwrap_err(),
            BannedWordsError::TooLong
        );
        let many: Vec<String> = (0..=MAX_BANNED_WORDS).map(|i| format!("word{i}")).collect();
        assert_eq!(
            parse_banned_words(&many.join("\n")).unwrap_err(),
            BannedWordsError::TooMany
        );
    }
}
