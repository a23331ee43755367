//! Times written for people: "20 minutes", "14:35 UTC", "14:35 UTC on Tuesday 3 November 2026".
//! Mail is read later and elsewhere, so every time is absolute UTC as well as relative.

//! These are the English forms; [`crate::i18n::words`] writes them in any language.

use crate::i18n::{words, Lang};
use chrono::{DateTime, Utc};

/// A duration in words, rounded to whole minutes: "20 minutes", "1 hour", "1 hour and 30
/// minutes", "7 days". Durations under a minute read "less than a minute".
pub fn duration_in_words(d: chrono::Duration) -> String {
    words::duration(Lang::En, d)
}

/// A clock time in UTC, with the date when it is not on the same UTC day as `now`:
/// "14:35 UTC", or "09:00 UTC on Tuesday 10 November 2026".
pub fn utc_time(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    words::time(Lang::En, at, now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn durations_read_naturally() {
        let m = chrono::Duration::minutes;
        assert_eq!(duration_in_words(m(20)), "20 minutes");
        assert_eq!(duration_in_words(m(1)), "1 minute");
        assert_eq!(duration_in_words(m(60)), "1 hour");
        assert_eq!(duration_in_words(m(90)), "1 hour and 30 minutes");
        assert_eq!(duration_in_words(m(12 * 60)), "12 hours");
        assert_eq!(duration_in_words(chrono::Duration::days(7)), "7 days");
        assert_eq!(
            duration_in_words(m(24 * 60 + 61)),
            "1 day, 1 hour and 1 minute"
        );
        assert_eq!(
            duration_in_words(chrono::Duration::seconds(20 * 60 - 1)),
            "20 minutes"
        );
        assert_eq!(
            duration_in_words(chrono::Duration::seconds(10)),
            "less than a minute"
        );
        assert_eq!(
            duration_in_words(chrono::Duration::seconds(-5)),
            "less than a minute"
        );
    }

    #[test]
    fn times_carry_the_date_only_when_it_differs() {
        let now = Utc.with_ymd_and_hms(2026, 11, 3, 14, 15, 0).unwrap();
        let same = Utc.with_ymd_and_hms(2026, 11, 3, 14, 35, 0).unwrap();
        let later = Utc.with_ymd_and_hms(2026, 11, 10, 9, 0, 0).unwrap();
        assert_eq!(utc_time(same, now), "14:35 UTC");
        assert_eq!(
            utc_time(later, now),
            "09:00 UTC on Tuesday 10 November 2026"
        );
    }
}
