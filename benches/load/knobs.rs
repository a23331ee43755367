//! The knobs: the bench's settings, read from the environment (listed in main.rs).

use std::time::Duration;

pub struct Knobs {
    pub users: u32,
    pub audit_rows: u64,
    pub secs: Duration,
    pub c_secs: Duration,
    pub d_secs: Duration,
    pub d_tokens: u32,
    pub f_count: usize,
    pub conns: usize,
    pub mail: Mail,
    pub only: String,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Mail {
    Smtp,
    Outbox,
}

impl Knobs {
    pub fn wants(&self, scenario: char) -> bool {
        self.only.is_empty() || self.only.contains(scenario)
    }

    /// Whether any scenario of the main run (A–H, L) is asked for: I and J run on servers of
    /// their own.
    pub fn wants_main_run(&self) -> bool {
        self.only.is_empty() || self.only.chars().any(|c| !"IJ".contains(c))
    }
}

pub fn knob<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

impl Knobs {
    pub fn from_env() -> Self {
        Self {
            users: knob("LATCHKEY_BENCH_USERS", 10_000u32).max(100),
            audit_rows: knob("LATCHKEY_BENCH_AUDIT_ROWS", 1_000_000u64),
            secs: Duration::from_secs_f64(knob("LATCHKEY_BENCH_SECS", 5.0)),
            c_secs: Duration::from_secs_f64(knob("LATCHKEY_BENCH_C_SECS", 30.0)),
            d_secs: Duration::from_secs_f64(knob("LATCHKEY_BENCH_D_SECS", 15.0)),
            d_tokens: knob("LATCHKEY_BENCH_D_TOKENS", 1_500u32),
            f_count: knob("LATCHKEY_BENCH_F", 2_000usize),
            conns: knob("LATCHKEY_BENCH_CONNS", 32usize).max(1),
            mail: match std::env::var("LATCHKEY_BENCH_MAIL").as_deref() {
                Ok("outbox") => Mail::Outbox,
                _ => Mail::Smtp,
            },
            only: std::env::var("LATCHKEY_BENCH_ONLY")
                .unwrap_or_default()
                .to_ascii_uppercase(),
        }
    }
}
