//! The bundled disposable/forwarding-only domain list (see `README.md` next to this file).

use std::collections::HashSet;
use std::sync::LazyLock;

/// The bundled list, one domain per line, `#` comments.
const BUNDLED: &str = include_str!("disposable_domains.txt");

/// The bundled list as a set, built on first use. Immutable data, so sharing it is not global
/// state in the sense of docs/architecture.md#dependency-rules.
static BUNDLED_SET: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    BUNDLED
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
});

/// Builds the bundled set now rather than on the first check, so no request pays for it.
pub(crate) fn preload() {
    LazyLock::force(&BUNDLED_SET);
}

/// How many domains the bundled list holds.
pub fn bundled_len() -> usize {
    BUNDLED_SET.len()
}

/// Whether `domain` (lowercase ASCII) or any parent domain with at least two labels is in the
/// bundled list or in `extra`.
pub(crate) fn is_listed(domain: &str, extra: &HashSet<String>) -> bool {
    let listed = |d: &str| BUNDLED_SET.contains(d) || extra.contains(d);
    let mut candidate = domain.trim_end_matches('.');
    loop {
        if listed(candidate) {
            return true;
        }
        match candidate.split_once('.') {
            // Stop before a bare top-level label: the list never blocks a whole TLD.
            Some((_, parent)) if parent.contains('.') => candidate = parent,
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_list_is_large_and_clean() {
        assert!(bundled_len() > 1000, "{}", bundled_len());
        for d in BUNDLED_SET.iter() {
            assert!(d.contains('.') && *d == d.to_ascii_lowercase(), "{d:?}");
        }
    }

    #[test]
    fn listed_domains_and_their_subdomains_match() {
        let none = HashSet::new();
        assert!(is_listed("mailinator.com", &none));
        assert!(is_listed("eu.mailinator.com", &none));
        assert!(is_listed("a.b.mailinator.com", &none));
        // Label boundaries matter: a suffix match inside a label is not a parent domain.
        assert!(!is_listed("latchkeymailinator.com", &none));
        assert!(!is_listed("example.org", &none));
        assert!(!is_listed("com", &none));
    }

    #[test]
    fn consumer_providers_are_not_on_the_list() {
        let none = HashSet::new();
        for d in super::super::settings::DEFAULT_CONSUMER_DOMAINS {
            assert!(!is_listed(d, &none), "{d}");
        }
    }

    #[test]
    fn extra_domains_extend_the_list() {
        let extra: HashSet<String> = ["throwaway.example".to_owned()].into();
        assert!(is_listed("throwaway.example", &extra));
        assert!(is_listed("x.throwaway.example", &extra));
        assert!(!is_listed("throwaway.example.org", &extra));
    }
}
