//! The report: one row per scenario, printed as a Markdown table.

use crate::client::Samples;
use crate::stats::{ms, quantile};

/// One row of the table.
pub struct Row {
    pub name: String,
    pub throughput: String,
    pub p50: String,
    pub p99: String,
    pub max: String,
    pub errors: String,
    pub note: String,
    /// The target this figure is held to, and whether it was met (empty: none).
    pub target: String,
}

impl Row {
    pub fn from_samples(name: &str, s: &Samples, unit: &str, note: String) -> Self {
        let mut sorted = s.micros.clone();
        sorted.sort_unstable();
        let secs = s.elapsed.as_secs_f64().max(1e-9);
        Row {
            name: name.into(),
            throughput: format!("{:.0} {unit}", sorted.len() as f64 / secs),
            p50: ms(quantile(&sorted, 0.50)),
            p99: ms(quantile(&sorted, 0.99)),
            max: ms(sorted.last().copied()),
            errors: s.errors.to_string(),
            note,
            target: String::new(),
        }
    }

    pub fn note(name: &str, note: String) -> Self {
        Row {
            name: name.into(),
            throughput: "-".into(),
            p50: "-".into(),
            p99: "-".into(),
            max: "-".into(),
            errors: "-".into(),
            note,
            target: String::new(),
        }
    }

    /// The row with its target and verdict.
    pub fn target(mut self, target: String) -> Self {
        self.target = target;
        self
    }
}

/// `met`, or `MISSED` and by how much.
pub fn verdict(met: bool, by: impl FnOnce() -> String) -> String {
    if met {
        "met".into()
    } else {
        format!("MISSED ({})", by())
    }
}

/// A floor target on a rate: `≥ want unit → met/MISSED by x %`.
pub fn at_least(got: f64, want: f64, unit: &str) -> String {
    format!(
        "≥ {want:.0} {unit}: {}",
        verdict(got >= want, || format!(
            "{:.0} % short",
            100.0 * (1.0 - got / want)
        ))
    )
}

/// A ceiling target on a latency in ms: `p99 < want ms → met/MISSED by x ms`.
pub fn below_ms(what: &str, got: Option<f64>, want: f64) -> String {
    match got {
        Some(g) => format!(
            "{what} < {want:.0} ms: {}",
            verdict(g < want, || format!("{:.1} ms over", g - want))
        ),
        None => format!("{what} < {want:.0} ms: no samples"),
    }
}

/// The p99 of samples, in ms.
pub fn p99_ms(s: &Samples) -> Option<f64> {
    let mut sorted = s.micros.clone();
    sorted.sort_unstable();
    quantile(&sorted, 0.99).map(|u| f64::from(u) / 1000.0)
}

/// The throughput of samples, per second.
pub fn rate(s: &Samples) -> f64 {
    s.micros.len() as f64 / s.elapsed.as_secs_f64().max(1e-9)
}

pub fn print_table(label: &str, rows: &[Row]) {
    println!("\n### {label}\n");
    println!("| scenario | throughput | p50 ms | p99 ms | max ms | errors | target | notes |");
    println!("|---|---:|---:|---:|---:|---:|---|---|");
    for r in rows {
        let target = if r.target.is_empty() { "-" } else { &r.target };
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            r.name, r.throughput, r.p50, r.p99, r.max, r.errors, target, r.note
        );
    }
}
