//! The in-process limiters' memory is bounded (docs/operations.md#rate-limits): a flood from 100 000
//! distinct addresses leaves 100 000 keys, and pruning (`retain_recent` + `shrink_to_fit`, run
//! on a timer in production) removes them all once their period has passed.

use governor::clock::FakeRelativeClock;
use latchkey::config::{QuotaSettings, RateLimitSettings};
use latchkey::ratelimit::{LimitKey, Limiter, Limiters};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

#[test]
fn one_hundred_thousand_distinct_keys_are_pruned_after_the_period() {
    let settings = RateLimitSettings {
        public_forms: QuotaSettings::new(30, 20),
        ..RateLimitSettings::default()
    };
    let clock = FakeRelativeClock::default();
    let limiters = Limiters::with_clock(&settings, clock.clone());
    for n in 0..100_000u32 {
        let ip = IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + n));
        assert!(limiters
            .check(Limiter::PublicForms, &LimitKey::ip(ip))
            .is_ok());
    }
    assert_eq!(limiters.len(Limiter::PublicForms), 100_000);

    // Within the period the keys still carry state and are kept.
    clock.advance(Duration::from_secs(1));
    limiters.prune();
    assert_eq!(limiters.len(Limiter::PublicForms), 100_000);

    // One request costs one emission interval (2 s at 30 a minute); governor keeps a key one
    // more interval. After that nothing distinguishes it from a fresh key: all are dropped.
    clock.advance(Duration::from_secs(4));
    limiters.prune();
    assert_eq!(limiters.len(Limiter::PublicForms), 0);
    assert_eq!(limiters.total_keys(), 0);
}

#[test]
fn rotating_ipv6_addresses_inside_a_slash_64_is_one_key() {
    let settings = RateLimitSettings {
        public_forms: QuotaSettings::new(30, 5),
        ..RateLimitSettings::default()
    };
    let limiters = Limiters::with_clock(&settings, FakeRelativeClock::default());
    let mut refused = 0;
    for n in 0..10_000u128 {
        let ip = IpAddr::V6(Ipv6Addr::from((0x2001_0db8_0000_0001u128 << 64) | n));
        if limiters
            .check(Limiter::PublicForms, &LimitKey::ip(ip))
            .is_err()
        {
            refused += 1;
        }
    }
    assert_eq!(limiters.len(Limiter::PublicForms), 1);
    assert_eq!(refused, 10_000 - 5);
}

/// Settings errors name the `rate_limits` setting and the fix.
#[test]
fn bad_rate_limit_settings_are_refused_at_start() {
    use figment::providers::{Format, Serialized, Toml};
    use latchkey::config::{RawSettings, Settings};
    let dir = tempfile::tempdir().unwrap();
    let with = |toml: &str| {
        let raw = RawSettings {
            data_dir: dir.path().to_path_buf(),
            ..RawSettings::default()
        };
        Settings::from_figment(
            figment::Figment::from(Serialized::defaults(raw)).merge(Toml::string(toml)),
        )
    };
    let s = with("").unwrap();
    assert!(s.rate_limits.enabled);
    assert_eq!(s.rate_limits.mails_per_address_hour, 3);
    assert_eq!(s.rate_limits.mails_per_address_day, 10);
    assert_eq!(s.rate_limits.max_consecutive_failures, 100);
    for (toml, setting) in [
        ("[rate_limits.api]\nburst = 0", "rate_limits.api"),
        (
            "[rate_limits.public_forms]\nper_minute = 0",
            "rate_limits.public_forms",
        ),
        (
            "[rate_limits]\nmax_consecutive_failures = 101",
            "rate_limits.max_consecutive_failures",
        ),
        (
            "[rate_limits]\nreset_attempts_per_day = 0",
            "rate_limits.reset_attempts_per_day",
        ),
        (
            "[rate_limits]\nmails_per_address_hour = 0",
            "rate_limits.mails_per_address_hour",
        ),
    ] {
        let e = with(toml).expect_err(toml).to_string();
        assert!(e.contains(setting), "{toml}: {e}");
    }
}
