//! Percentiles and the Mann-Whitney U test (normal approximation with tie correction).

/// The `q`-quantile (0..=1) of sorted data, nearest rank.
pub fn quantile(sorted: &[u32], q: f64) -> Option<u32> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    Some(sorted[rank - 1])
}

/// Microseconds as milliseconds with two decimals, or `-`.
pub fn ms(us: Option<u32>) -> String {
    us.map_or_else(|| "-".into(), |u| format!("{:.2}", f64::from(u) / 1000.0))
}

/// Two-sided p-value of the Mann-Whitney U test that `a` and `b` come from the same
/// distribution, with the normal approximation (tie-corrected variance, continuity
/// correction). Also returns U for `a` and z.
pub fn mann_whitney(a: &[u32], b: &[u32]) -> (f64, f64, f64) {
    let (n1, n2) = (a.len() as f64, b.len() as f64);
    let mut all: Vec<(u32, bool)> = a
        .iter()
        .map(|&x| (x, true))
        .chain(b.iter().map(|&x| (x, false)))
        .collect();
    all.sort_unstable_by_key(|p| p.0);
    let n = all.len();
    let mut rank_sum_a = 0.0;
    let mut tie_term = 0.0;
    let mut i = 0;
    while i < n {
        let mut j = i;
        while j + 1 < n && all[j + 1].0 == all[i].0 {
            j += 1;
        }
        // Ranks i+1 ..= j+1 share their average.
        let avg = (i + j + 2) as f64 / 2.0;
        let t = (j - i + 1) as f64;
        tie_term += t * t * t - t;
        rank_sum_a += avg * all[i..=j].iter().filter(|p| p.1).count() as f64;
        i = j + 1;
    }
    let u = rank_sum_a - n1 * (n1 + 1.0) / 2.0;
    let mean = n1 * n2 / 2.0;
    let nf = n as f64;
    let var = n1 * n2 / 12.0 * ((nf + 1.0) - tie_term / (nf * (nf - 1.0)));
    if var <= 0.0 {
        return (u, 0.0, 1.0);
    }
    let diff = (u - mean).abs() - 0.5;
    let z = diff.max(0.0) / var.sqrt();
    (u, z, erfc(z / std::f64::consts::SQRT_2).min(1.0))
}

/// The complementary error function (Numerical Recipes' Chebyshev fit, |error| < 1.2e-7).
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let r = t
        * (-z * z - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87
                                        + t * (-0.822_152_23 + t * 0.170_872_77)))))))))
            .exp();
    if x >= 0.0 {
        r
    } else {
        2.0 - r
    }
}

/// Checks the statistics against known answers before they are trusted (the bench has no test
/// harness of its own).
pub fn self_check() {
    let a: Vec<u32> = (0..500).collect();
    let b: Vec<u32> = (100..600).collect();
    assert!(
        mann_whitney(&a, &a).2 > 0.99,
        "identical samples must not differ"
    );
    assert!(mann_whitney(&a, &b).2 < 1e-6, "shifted samples must differ");
    assert!((erfc(0.0) - 1.0).abs() < 1e-6);
    assert!((erfc(1.0) - 0.157_299_2).abs() < 1e-6);
    assert!((erfc(1.959_964 / std::f64::consts::SQRT_2) - 0.05).abs() < 1e-5);
    assert_eq!(quantile(&[1, 2, 3, 4], 0.5), Some(2));
    assert_eq!(quantile(&[1, 2, 3, 4], 0.99), Some(4));
}
