//! Timing comparisons of two request paths (docs/security.md#12): interleaved measurement, the
//! Mann–Whitney U test, and a verdict that measures once more before it fails.
//!
//! The machines these run on are shared and noisy, so every figure is taken in interleaved
//! pairs in ABBA order (drift and load bursts hit both paths alike), the first pairs are thrown
//! away as warm-up, and a significant result is measured again once: a noise burst is then
//! forgiven (both measurements would have to fail, p ≈ 0.01² for a true null), while a real
//! difference fails both.

use std::future::Future;
use std::time::Instant;

/// Mann–Whitney U, normal approximation: the z score of `a` against `b` (positive when `a`
/// tends to be larger). Ties get their average rank.
pub fn mann_whitney_z(a: &[f64], b: &[f64]) -> f64 {
    let mut all: Vec<(f64, usize)> = a
        .iter()
        .map(|&x| (x, 0))
        .chain(b.iter().map(|&x| (x, 1)))
        .collect();
    all.sort_by(|x, y| x.0.partial_cmp(&y.0).unwrap());
    let mut ranks = vec![0.0; all.len()];
    let mut i = 0;
    while i < all.len() {
        let mut j = i;
        while j + 1 < all.len() && all[j + 1].0 == all[i].0 {
            j += 1;
        }
        let r = (i + j) as f64 / 2.0 + 1.0;
        for k in ranks.iter_mut().take(j + 1).skip(i) {
            *k = r;
        }
        i = j + 1;
    }
    let (n1, n2) = (a.len() as f64, b.len() as f64);
    let r1: f64 = all
        .iter()
        .zip(&ranks)
        .filter(|((_, g), _)| *g == 0)
        .map(|(_, r)| r)
        .sum();
    let u1 = r1 - n1 * (n1 + 1.0) / 2.0;
    (u1 - n1 * n2 / 2.0) / (n1 * n2 * (n1 + n2 + 1.0) / 12.0).sqrt()
}

pub fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

/// Pairs to throw away before a measurement: connections, caches and the allocator settle in
/// them.
pub const WARM_UP_PAIRS: usize = 20;

/// Times `pairs` interleaved requests for each path, ABBA order (`one(true)` is the path with
/// an account), after `warm_up` untimed pairs; returns (known, unknown) in ms.
pub async fn time_pairs<F, Fut>(warm_up: usize, pairs: usize, mut one: F) -> (Vec<f64>, Vec<f64>)
where
    F: FnMut(bool) -> Fut,
    Fut: Future<Output = ()>,
{
    let (mut known, mut unknown) = (Vec::with_capacity(pairs), Vec::with_capacity(pairs));
    for i in 0..warm_up + pairs {
        let order = if i % 2 == 0 {
            [true, false]
        } else {
            [false, true]
        };
        for is_known in order {
            let started = Instant::now();
            one(is_known).await;
            let ms = started.elapsed().as_secs_f64() * 1000.0;
            match (i < warm_up, is_known) {
                (true, _) => {}
                (false, true) => known.push(ms),
                (false, false) => unknown.push(ms),
            }
        }
    }
    (known, unknown)
}

/// The medians differ by less than this (ms).
pub const MAX_MEDIAN_DIFF_MS: f64 = 0.5;
/// |z| below this is not significant at p = 0.01 (two-sided).
pub const Z_AT_P_001: f64 = 2.576;

/// One measurement judged: `Ok(line)` when the medians differ by less than
/// [`MAX_MEDIAN_DIFF_MS`] and Mann–Whitney finds no difference at p = 0.01, else `Err(line)`.
pub fn verdict(what: &str, known: &[f64], unknown: &[f64]) -> Result<String, String> {
    let z = mann_whitney_z(known, unknown);
    let (mk, mu) = (median(known), median(unknown));
    let line = format!(
        "{what}: n={}+{}, median known {mk:.3} ms, unknown {mu:.3} ms, diff {:+.3} ms, \
         Mann-Whitney z={z:.2}",
        known.len(),
        unknown.len(),
        mk - mu
    );
    eprintln!("{line}");
    if (mk - mu).abs() < MAX_MEDIAN_DIFF_MS && z.abs() < Z_AT_P_001 {
        Ok(line)
    } else {
        Err(line)
    }
}

/// Measures with `measure` and judges it; a failing measurement is taken once more and that
/// second one decides (both lines are kept in the error).
pub async fn judged<F, Fut>(what: &str, mut measure: F) -> Result<String, String>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = (Vec<f64>, Vec<f64>)>,
{
    let (k, u) = measure().await;
    let first = match verdict(what, &k, &u) {
        Ok(line) => return Ok(line),
        Err(line) => line,
    };
    eprintln!("{what}: measuring once more");
    let (k, u) = measure().await;
    verdict(what, &k, &u).map_err(|second| format!("{first}; again: {second}"))
}
