//! Accessibility checks in the real browser ([`super::chromium`]): axe-core (the npm package,
//! injected into the page) at a desktop and a phone width, a screenshot at each, and a
//! keyboard-only walk that Tabs through a page's controls checking each shows its focus.
//!
//! axe-core is found at `AXE_CORE_JS`, else at `target/a11y/node_modules/axe-core/axe.min.js`,
//! where `.ci/run` installs the version pinned (with its integrity hash) in
//! `tests/a11y/package-lock.json`. Without it a test prints that it skipped; under `CI=true` a
//! missing axe-core is a failure.

use fantoccini::key::Key;
use fantoccini::Client;
use serde::Deserialize;
use std::path::{Path, PathBuf};

use super::chromium::{js, press};

/// A desktop window and a phone (an iPhone 12–15 viewport).
pub const DESKTOP: (u32, u32) = (1280, 900);
pub const PHONE: (u32, u32) = (390, 844);

/// The impacts that fail the test (axe's "serious" and "critical").
const FAILING: [&str; 2] = ["serious", "critical"];

/// axe-core's source, or `None` (after saying why) when it is not installed and the run is
/// not CI.
pub fn axe_source() -> Option<String> {
    let path = std::env::var_os("AXE_CORE_JS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("target/a11y/node_modules/axe-core/axe.min.js")
        });
    match std::fs::read_to_string(&path) {
        Ok(src) => Some(src),
        Err(e) => {
            let how = "install it as .ci/run does: mkdir -p target/a11y && \
                       cp tests/a11y/package*.json target/a11y && npm ci --prefix target/a11y";
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!(
                    "axe-core is required under CI=true: {}: {e} ({how})",
                    path.display()
                );
            }
            eprintln!(
                "skipped: axe-core not found at {} ({e}); {how}, or set AXE_CORE_JS",
                path.display()
            );
            None
        }
    }
}

/// Where the screenshots go: `target/screenshots/<name>/`, emptied first.
pub fn screenshot_dir(name: &str) -> PathBuf {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let dir = tmp.parent().unwrap_or(tmp).join("screenshots").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[derive(Deserialize, Debug)]
struct Violation {
    id: String,
    impact: Option<String>,
    help: String,
    targets: Vec<String>,
}

/// Runs axe over pages in one browser and collects what fails, so one run lists every
/// violation of every page.
pub struct Audit<'a> {
    c: &'a Client,
    axe: String,
    shots: PathBuf,
    /// "page @ width: rule (impact): help — targets", one per failing rule and page.
    pub failures: Vec<String>,
    /// The same for the moderate and minor violations: printed, not failed on.
    pub notes: Vec<String>,
    /// The pages that scroll sideways on the phone: "page: N px wide in a W px viewport".
    pub too_wide: Vec<String>,
    /// The pages checked, in order.
    pub pages: Vec<String>,
    /// How much taller the window is than its viewport (measured once).
    chrome_height: Option<u32>,
}

impl<'a> Audit<'a> {
    pub fn new(c: &'a Client, axe: String, shots: PathBuf) -> Audit<'a> {
        Audit {
            c,
            axe,
            shots,
            failures: Vec::new(),
            notes: Vec::new(),
            too_wide: Vec::new(),
            pages: Vec::new(),
            chrome_height: None,
        }
    }

    /// Checks the page the browser shows as `name`: axe and a screenshot at the desktop width,
    /// then at the phone width, then back to the desktop.
    pub async fn check(&mut self, name: &str) {
        assert!(
            !self.pages.iter().any(|p| p == name),
            "page name {name} used twice"
        );
        self.pages.push(name.to_string());
        for (label, (w, h)) in [("desktop", DESKTOP), ("phone", PHONE)] {
            self.resize(w, h).await;
            for v in self.run().await {
                let line = format!(
                    "{name} @ {label} {w}px: {} ({}): {} — {}",
                    v.id,
                    v.impact.as_deref().unwrap_or("?"),
                    v.help,
                    v.targets.join(", ")
                );
                if v.impact.as_deref().is_some_and(|i| FAILING.contains(&i)) {
                    self.failures.push(line);
                } else {
                    self.notes.push(line);
                }
            }
            if label == "phone" {
                let v = js(
                    self.c,
                    "return [document.documentElement.scrollWidth, window.innerWidth];",
                )
                .await;
                let (scroll, inner) = (v[0].as_i64().unwrap(), v[1].as_i64().unwrap());
                if scroll > inner {
                    self.too_wide
                        .push(format!("{name}: {scroll} px wide in a {inner} px viewport"));
                }
            }
            let png = self.c.screenshot().await.expect("screenshot");
            std::fs::write(self.shots.join(format!("{name}-{label}.png")), png).unwrap();
        }
        self.resize(DESKTOP.0, DESKTOP.1).await;
    }

    /// Sets the viewport (not the window) to `w`×`h`: headless Chromium's window is a little
    /// taller than the page it shows.
    async fn resize(&mut self, w: u32, h: u32) {
        let extra = match self.chrome_height {
            Some(e) => e,
            None => {
                self.c.set_window_size(w, h).await.expect("resize");
                let inner = js(self.c, "return window.innerHeight;").await;
                let e = h.saturating_sub(inner.as_u64().unwrap_or(u64::from(h)) as u32);
                self.chrome_height = Some(e);
                e
            }
        };
        self.c.set_window_size(w, h + extra).await.expect("resize");
    }

    /// The ids of the rules the page as it is now violates, whatever their impact.
    pub async fn violation_ids(&self) -> Vec<String> {
        self.run().await.into_iter().map(|v| v.id).collect()
    }

    async fn run(&self) -> Vec<Violation> {
        let loaded = js(self.c, "return typeof window.axe === 'object';").await;
        if loaded != serde_json::Value::Bool(true) {
            self.c
                .execute(&format!("{}\nreturn true;", self.axe), vec![])
                .await
                .expect("axe-core loads");
        }
        let out = self
            .c
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, { resultTypes: ['violations'] })
                   .then(r => done(JSON.stringify(r.violations.map(v => ({
                     id: v.id, impact: v.impact, help: v.help,
                     targets: v.nodes.map(n => n.target.join(' '))
                   })))))
                   .catch(e => done('error: ' + e));",
                vec![],
            )
            .await
            .expect("axe.run answers");
        let text = out.as_str().unwrap_or_default();
        serde_json::from_str(text).unwrap_or_else(|e| panic!("axe.run: {text} ({e})"))
    }

    /// Panics listing every serious or critical violation, if any (after printing the others).
    pub fn assert_clean(&self) {
        if !self.notes.is_empty() {
            eprintln!(
                "moderate or minor accessibility findings (not failed on):\n{}",
                self.notes.join("\n")
            );
        }
        assert!(
            self.failures.is_empty(),
            "{} serious or critical accessibility violations (axe-core) on {} pages:\n{}",
            self.failures.len(),
            self.pages.len(),
            self.failures.join("\n")
        );
    }
}

/// The keyboard-only walk of the page the browser shows: Tab (from a freshly loaded page)
/// reaches every visible control in document order, and each shows a focus indicator (a solid
/// outline of at least 2 px, or a box shadow). Returns the problems found, named after `page`.
pub async fn tab_walk(c: &Client, page: &str) -> Vec<String> {
    let controls = js(
        c,
        "const all = document.querySelectorAll(
           'a[href], button, input, select, textarea, summary, [tabindex]');
         const els = [...all].filter(e => e.tabIndex >= 0 && !e.disabled && e.type !== 'hidden'
           && e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden');
         els.forEach((e, i) => e.dataset.kbd = i);
         return els.map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
           + (e.name ? '[name=' + e.name + ']' : '') + ' \"' + (e.textContent || e.value || '')
           .trim().slice(0, 40) + '\"');",
    )
    .await;
    let names: Vec<String> = controls
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    let mut problems = Vec::new();
    let mut reached = vec![false; names.len()];
    let mut order = Vec::new();
    for _ in 0..names.len() + 3 {
        press(c, Key::Tab).await;
        let at = js(
            c,
            "const e = document.activeElement; const s = getComputedStyle(e);
             return [e.dataset.kbd === undefined ? -1 : Number(e.dataset.kbd),
                     s.outlineStyle, parseFloat(s.outlineWidth) || 0, s.boxShadow];",
        )
        .await;
        let Some(i) = at[0].as_i64().filter(|i| *i >= 0) else {
            continue;
        };
        let i = i as usize;
        let outline = at[1] != "none" && at[2].as_f64().unwrap_or(0.0) >= 2.0;
        let shadow = at[3] != "none";
        if !outline && !shadow && !reached[i] {
            problems.push(format!(
                "{page}: no visible focus on {} (outline {} {}, box-shadow {})",
                names[i], at[1], at[2], at[3]
            ));
        }
        reached[i] = true;
        order.push(i);
        if reached.iter().all(|r| *r) {
            break;
        }
    }
    for (i, r) in reached.iter().enumerate() {
        if !*r {
            problems.push(format!("{page}: Tab never reaches {}", names[i]));
        }
    }
    // Document order: each step goes to the next control (or wraps to the first).
    for w in order.windows(2) {
        if w[1] != w[0] + 1 && w[1] != 0 {
            problems.push(format!(
                "{page}: Tab goes from {} to {}",
                names[w[0]], names[w[1]]
            ));
        }
    }
    if names.is_empty() {
        problems.push(format!("{page}: no control to reach"));
    }
    problems
}
