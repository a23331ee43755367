//! The insights chart: resets per day by outcome as an SVG bar chart drawn on the server (no
//! JavaScript; presentation attributes only, so the CSP needs no inline styles). Pure.

use std::fmt::Write as _;

/// One day's bars.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Day {
    /// `YYYY-MM-DD`, UTC.
    pub day: String,
    /// Reset requests the policy allowed.
    pub allowed: i64,
    /// Reset requests the policy denied.
    pub denied: i64,
    /// Resets completed (new password set).
    pub completed: i64,
}

const WIDTH: i64 = 760;
const HEIGHT: i64 = 300;
const LEFT: i64 = 48;
const RIGHT: i64 = 12;
const TOP: i64 = 34;
const BOTTOM: i64 = 36;
/// Axis and legend text, in viewBox units (the SVG scales to its frame's width).
const FONT: i64 = 15;

/// The series, in drawing order: name, colour.
pub const SERIES: [(&str, &str); 3] = [
    ("allowed", "#1f5fbf"),
    ("denied", "#a4262c"),
    ("completed", "#21733a"),
];

/// The y axis for values up to `max`: a round step (1, 2 or 5 × 10ⁿ) giving at most four
/// intervals, and the top (a multiple of the step, at least `max`). Every tick is a whole
/// number of the step, so the labels read 0/5/10, never 0/2/5.
fn y_axis(max: i64) -> (i64, i64) {
    let mut magnitude = 1i64;
    loop {
        for m in [1, 2, 5] {
            let step = magnitude.saturating_mul(m);
            if step.saturating_mul(4) >= max {
                let intervals = ((max + step - 1) / step).max(1);
                return (step, step.saturating_mul(intervals));
            }
        }
        magnitude = magnitude.saturating_mul(10);
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The SVG document for `days` (oldest first).
pub fn resets_per_day(days: &[Day]) -> String {
    let max = days
        .iter()
        .flat_map(|d| [d.allowed, d.denied, d.completed])
        .max()
        .unwrap_or(0);
    let (step, top) = y_axis(max);
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let n = i64::try_from(days.len()).unwrap_or(1).max(1);
    let slot = plot_w as f64 / n as f64;
    let bar = ((slot - 4.0) / 3.0).clamp(1.0, 12.0);
    let y = |v: i64| TOP as f64 + plot_h as f64 * (1.0 - v as f64 / top as f64);

    let mut s = String::new();
    let _ = write!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" preserveAspectRatio="xMidYMid meet" role="img" aria-labelledby="chart-title"><title id="chart-title">Password resets per day by outcome, last {n} days (UTC)</title>"##
    );
    // Grid and y labels.
    for v in (0..=top).step_by(usize::try_from(step).unwrap_or(1)) {
        let yy = y(v);
        let _ = write!(
            s,
            r##"<line x1="{LEFT}" y1="{yy:.1}" x2="{}" y2="{yy:.1}" stroke="#d9dde4" stroke-width="1"/><text x="{}" y="{:.1}" font-size="{FONT}" text-anchor="end" fill="#4a5161">{v}</text>"##,
            WIDTH - RIGHT,
            LEFT - 8,
            yy + 5.0
        );
    }
    // Legend.
    for (i, (name, colour)) in SERIES.iter().enumerate() {
        let x = LEFT + 130 * i64::try_from(i).unwrap_or(0);
        let _ = write!(
            s,
            r##"<rect x="{x}" y="8" width="14" height="14" fill="{colour}"/><text x="{}" y="20" font-size="{FONT}" fill="#1d2330">{name}</text>"##,
            x + 20
        );
    }
    // Bars.
    for (i, d) in days.iter().enumerate() {
        let x0 = LEFT as f64 + slot * i as f64 + 2.0;
        let day = escape(&d.day);
        for (k, ((name, colour), value)) in SERIES
            .iter()
            .zip([d.allowed, d.denied, d.completed])
            .enumerate()
        {
            let x = x0 + bar * k as f64;
            let yy = y(value);
            let h = (TOP + plot_h) as f64 - yy;
            let _ = write!(
                s,
                r##"<rect x="{x:.1}" y="{yy:.1}" width="{bar:.1}" height="{h:.1}" fill="{colour}"><title>{day} {name}: {value}</title></rect>"##
            );
        }
        // About six date labels, whatever the range; the last day always has one.
        let every = days.len().div_ceil(6).max(1);
        if (i % every == 0 && days.len() - i > every / 2) || i + 1 == days.len() {
            let label = escape(d.day.get(5..).unwrap_or(&d.day));
            let _ = write!(
                s,
                r##"<text x="{:.1}" y="{}" font-size="{FONT}" text-anchor="middle" fill="#4a5161">{label}</text>"##,
                x0 + bar * 1.5,
                HEIGHT - BOTTOM + 22
            );
        }
    }
    let _ = write!(
        s,
        r##"<line x1="{LEFT}" y1="{}" x2="{}" y2="{}" stroke="#8a93a3" stroke-width="1"/></svg>"##,
        TOP + plot_h,
        WIDTH - RIGHT,
        TOP + plot_h
    );
    s
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A tiny XML well-formedness check: every tag closes in order, attributes are quoted, and
    /// no raw `<` or `&` appears in text. Enough for the SVG this module writes.
    pub fn well_formed(xml: &str) -> Result<(), String> {
        let mut stack: Vec<String> = Vec::new();
        let mut rest = xml;
        while let Some(open) = rest.find('<') {
            let text = &rest[..open];
            if text.contains('>')
                || text
                    .replace("&amp;", "")
                    .replace("&lt;", "")
                    .replace("&gt;", "")
                    .replace("&quot;", "")
                    .contains('&')
            {
                return Err(format!("bad text {text:?}"));
            }
            let close = rest[open..].find('>').ok_or("unclosed tag")? + open;
            let tag = &rest[open + 1..close];
            if let Some(name) = tag.strip_prefix('/') {
                let top = stack.pop().ok_or(format!("stray </{name}>"))?;
                if top != name {
                    return Err(format!("</{name}> closes <{top}>"));
                }
            } else {
                let self_closing = tag.ends_with('/');
                let name: String = tag
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '-')
                    .collect();
                if name.is_empty() || !tag.matches('"').count().is_multiple_of(2) {
                    return Err(format!("bad tag <{tag}>"));
                }
                if !self_closing {
                    stack.push(name);
                }
            }
            rest = &rest[close + 1..];
        }
        if stack.is_empty() && rest.trim().is_empty() {
            Ok(())
        } else {
            Err(format!("unclosed {stack:?}"))
        }
    }

    fn days(n: usize) -> Vec<Day> {
        (0..n)
            .map(|i| Day {
                day: format!("2026-11-{:02}", i + 1),
                allowed: i as i64,
                denied: (i % 3) as i64,
                completed: (i / 2) as i64,
            })
            .collect()
    }

    #[test]
    fn the_chart_is_well_formed_and_carries_the_numbers() {
        let svg = resets_per_day(&days(30));
        well_formed(&svg).unwrap();
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.contains("<title>2026-11-30 allowed: 29</title>"));
        assert!(svg.contains("<title>2026-11-03 denied: 2</title>"));
        assert_eq!(svg.matches("<rect").count(), 30 * 3 + 3);
    }

    #[test]
    fn an_empty_month_still_draws() {
        let svg = resets_per_day(&[]);
        well_formed(&svg).unwrap();
        let zero = resets_per_day(&[Day {
            day: "2026-11-01".into(),
            allowed: 0,
            denied: 0,
            completed: 0,
        }]);
        well_formed(&zero).unwrap();
        assert!(!zero.contains("NaN") && !zero.contains("inf"));
    }

    #[test]
    fn axis_ticks_are_whole_round_steps() {
        assert_eq!(y_axis(0), (1, 1));
        assert_eq!(y_axis(3), (1, 3));
        assert_eq!(y_axis(7), (2, 8));
        assert_eq!(y_axis(10), (5, 10));
        assert_eq!(y_axis(11), (5, 15));
        assert_eq!(y_axis(20), (5, 20));
        assert_eq!(y_axis(420), (200, 600));
        let svg = resets_per_day(&[Day {
            day: "2026-11-01".into(),
            allowed: 9,
            denied: 0,
            completed: 0,
        }]);
        for tick in [">0</text>", ">5</text>", ">10</text>"] {
            assert!(svg.contains(tick), "{tick} in {svg}");
        }
        assert!(!svg.contains(">2</text>"));
    }

    #[test]
    fn the_checker_catches_broken_markup() {
        assert!(well_formed("<svg><g></svg>").is_err());
        assert!(well_formed("<svg>a < b</svg>").is_err());
        assert!(well_formed("<svg><rect x=\"1/></svg>").is_err());
    }
}
