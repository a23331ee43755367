//! The template side: `{{ t(key="reset-request-title", name=tenant_name) }}` formats a message in
//! the page's or mail's language (the context's `lang`; English when absent).
//!
//! Messages are trusted text and may hold simple markup (`<strong>`); their arguments are not:
//! in an autoescaped (`.html`) template every string argument is escaped before it is placed,
//! and the result is marked safe. In `.txt` templates nothing is escaped.
//!
//! `{{ duration(seconds=expires_in) }}` and `{{ when(at=expires_at, now=sent_at) }}` write
//! durations and UTC times in words ([`super::words`]).

use super::{words, Args, Lang};
use chrono::{DateTime, Utc};
use tera::{Kwargs, State, TeraResult, Value};

/// Registers `t`, `duration` and `when`.
pub fn register(tera: &mut tera::Tera) {
    tera.register_function("t", translate);
    tera.register_function("duration", duration);
    tera.register_function("when", when);
}

fn lang_of(state: &State) -> Lang {
    state
        .get::<String>("lang")
        .ok()
        .flatten()
        .and_then(|c| Lang::parse(&c))
        .unwrap_or_default()
}

fn translate(kwargs: Kwargs, state: &State) -> TeraResult<Value> {
    let key: String = kwargs.must_get::<String>("key")?;
    let mut args = Args::new();
    for (name, value) in kwargs.iter() {
        let Some(name) = name.as_str() else { continue };
        if name == "key" || value.is_undefined() || value.is_none() {
            continue;
        }
        if let Some(n) = value.as_i64() {
            args = args.num(name, n as f64);
        } else if let Some(n) = value.as_f64() {
            args = args.num(name, n);
        } else {
            args = args.str(name, state.escape_if_needed(value)?);
        }
    }
    let lang = lang_of(state);
    let text = super::catalog()
        .format(lang, &key, &args)
        .ok_or_else(|| tera::Error::message(format!("no message `{key}` in any language")))?;
    Ok(Value::safe_string(&text))
}

fn duration(kwargs: Kwargs, state: &State) -> TeraResult<Value> {
    let seconds: i64 = kwargs.must_get::<i64>("seconds")?;
    Ok(Value::from(words::duration(
        lang_of(state),
        chrono::Duration::seconds(seconds),
    )))
}

fn parse_time(s: &str) -> TeraResult<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| tera::Error::message(format!("not an RFC 3339 time `{s}`: {e}")))
}

fn when(kwargs: Kwargs, state: &State) -> TeraResult<Value> {
    let at = parse_time(&kwargs.must_get::<String>("at")?)?;
    let now = match kwargs.get::<String>("now")? {
        Some(n) => Some(parse_time(&n)?),
        None => None,
    };
    let lang = lang_of(state);
    Ok(Value::from(match now {
        Some(now) => words::time(lang, at, now),
        None => words::date_time(lang, at),
    }))
}
