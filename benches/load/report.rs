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
        }
    }
}

pub fn print_table(label: &str, rows: &[Row]) {
    println!("\n### {label}\n");
    println!("| scenario | throughput | p50 ms | p99 ms | max ms | errors | notes |");
    println!("|---|---:|---:|---:|---:|---:|---|");
    for r in rows {
        println!(
            "| {} | {} | {} | {} | {} | {} | {} |",
            r.name, r.throughput, r.p50, r.p99, r.max, r.errors, r.note
        );
    }
}
