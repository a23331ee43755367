//! Times written for people, in each language: "20 minutes" / "20 Minuten" / "20 minutes",
//! "14:35 UTC", "14:35 UTC on Tuesday 3 November 2026". Mail is read later and elsewhere, so
//! every time is absolute UTC as well as relative. The words are in `words.ftl`.

use super::{t, Args, Lang};
use chrono::{DateTime, Datelike, Utc};
use serde::Serialize;

/// Words in a mail's context that depend on the language the mail is written in: serialised
/// as a marker object (`{"$words": "duration", …}`) that [`localise`] replaces with the text
/// when the mail is rendered, so templates write `{{ expires_in }}` as before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "$words", rename_all = "snake_case")]
pub enum Words {
    /// [`duration`]: "20 minutes".
    Duration { seconds: i64 },
    /// [`time`]: "14:35 UTC", with the date when `at` is on another day than `now`.
    Time {
        at: DateTime<Utc>,
        now: DateTime<Utc>,
    },
    /// [`date_time`]: "14:35 UTC on Tuesday 3 November 2026".
    DateTime { at: DateTime<Utc> },
}

impl Default for Words {
    fn default() -> Self {
        Words::Duration { seconds: 0 }
    }
}

impl Words {
    /// The words in `lang`.
    pub fn in_lang(&self, lang: Lang) -> String {
        match self {
            Words::Duration { seconds } => duration(lang, chrono::Duration::seconds(*seconds)),
            Words::Time { at, now } => time(lang, *at, *now),
            Words::DateTime { at } => date_time(lang, *at),
        }
    }
}

/// Replaces every [`Words`] marker in a serialised context with its text in `lang`.
pub fn localise(lang: Lang, value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) if map.contains_key("$words") => {
            let words: Option<Words> = serde_json::from_value::<WordsIn>(value.clone())
                .ok()
                .map(Into::into);
            if let Some(w) = words {
                *value = serde_json::Value::String(w.in_lang(lang));
            }
        }
        serde_json::Value::Object(map) => map.values_mut().for_each(|v| localise(lang, v)),
        serde_json::Value::Array(items) => items.iter_mut().for_each(|v| localise(lang, v)),
        _ => {}
    }
}

/// [`Words`] read back from its marker.
#[derive(serde::Deserialize)]
#[serde(tag = "$words", rename_all = "snake_case")]
enum WordsIn {
    Duration {
        seconds: i64,
    },
    Time {
        at: DateTime<Utc>,
        now: DateTime<Utc>,
    },
    DateTime {
        at: DateTime<Utc>,
    },
}

impl From<WordsIn> for Words {
    fn from(w: WordsIn) -> Self {
        match w {
            WordsIn::Duration { seconds } => Words::Duration { seconds },
            WordsIn::Time { at, now } => Words::Time { at, now },
            WordsIn::DateTime { at } => Words::DateTime { at },
        }
    }
}

/// A duration in words, rounded to whole minutes: "20 minutes", "1 hour and 30 minutes",
/// "7 days"; under a minute it reads "less than a minute".
pub fn duration(lang: Lang, d: chrono::Duration) -> String {
    // Round to the nearest minute: a lifetime of 19 min 59.6 s still reads "20 minutes".
    let minutes = (d.num_seconds().max(0) + 30) / 60;
    let days = minutes / (24 * 60);
    let hours = (minutes % (24 * 60)) / 60;
    let mins = minutes % 60;
    let parts: Vec<String> = [
        (days, "words-days"),
        (hours, "words-hours"),
        (mins, "words-minutes"),
    ]
    .into_iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, key)| t(lang, key, &Args::new().num("n", n as f64)))
    .collect();
    match parts.as_slice() {
        [] => t(lang, "words-less-than-a-minute", &Args::new()),
        [one] => one.clone(),
        [init @ .., last] => t(
            lang,
            "words-list-and",
            &Args::new().str("init", init.join(", ")).str("last", last),
        ),
    }
}

/// A clock time in UTC, with the date when it is not on the same UTC day as `now`:
/// "14:35 UTC", or "09:00 UTC on Tuesday 10 November 2026".
pub fn time(lang: Lang, at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    if at.date_naive() == now.date_naive() {
        t(
            lang,
            "words-time",
            &Args::new().str("time", at.format("%H:%M").to_string()),
        )
    } else {
        date_time(lang, at)
    }
}

/// A clock time with its date, always: "14:35 UTC on Tuesday 3 November 2026".
pub fn date_time(lang: Lang, at: DateTime<Utc>) -> String {
    let weekday = t(
        lang,
        &format!("words-weekday-{}", at.weekday().number_from_monday()),
        &Args::new(),
    );
    let month = t(lang, &format!("words-month-{}", at.month()), &Args::new());
    t(
        lang,
        "words-date-time",
        &Args::new()
            .str("time", at.format("%H:%M").to_string())
            .str("weekday", weekday)
            .str("day", at.day().to_string())
            .str("month", month)
            .str("year", at.year().to_string()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn durations_read_naturally_in_every_language() {
        let m = chrono::Duration::minutes;
        assert_eq!(duration(Lang::De, m(20)), "20 Minuten");
        assert_eq!(duration(Lang::De, m(1)), "1 Minute");
        assert_eq!(duration(Lang::De, m(90)), "1 Stunde und 30 Minuten");
        assert_eq!(duration(Lang::De, chrono::Duration::days(7)), "7 Tage");
        assert_eq!(
            duration(Lang::Fr, m(24 * 60 + 61)),
            "1 jour, 1 heure et 1 minute"
        );
        assert_eq!(duration(Lang::Fr, m(120)), "2 heures");
        assert_eq!(
            duration(Lang::Fr, chrono::Duration::seconds(5)),
            "moins d’une minute"
        );
    }

    #[test]
    fn dates_read_naturally_in_every_language() {
        let at = Utc.with_ymd_and_hms(2026, 11, 10, 9, 0, 0).unwrap();
        assert_eq!(
            date_time(Lang::En, at),
            "09:00 UTC on Tuesday 10 November 2026"
        );
        assert_eq!(
            date_time(Lang::De, at),
            "09:00 Uhr UTC am Dienstag, 10. November 2026"
        );
        assert_eq!(
            date_time(Lang::Fr, at),
            "09:00 UTC le mardi 10 novembre 2026"
        );
        assert_eq!(time(Lang::De, at, at), "09:00 Uhr UTC");
    }
}
