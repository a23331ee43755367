//! The guest pages in a real browser (headless Chromium through chromedriver), at 1000 px and
//! at a 390 px phone width: a refresh after asking sends no second mail, the skip link comes
//! first and works, the focus ring reaches 3:1 (WCAG 1.4.11), the show-password control works,
//! the sign-in button sits under its field, and no page scrolls sideways on a phone. Screenshots
//! of each page at both widths are kept for a person to look at.
//!
//! Needs `chromium` and `chromium-driver` (Debian). Without them the test prints that it
//! skipped; under `CI=true` a missing browser is a failure (`.ci/run` installs them).

mod support;
use fantoccini::key::Key;
use fantoccini::{Client, Locator};
use support::chromium::{browser, js, press, shot, wait_for_path};
use support::smtp::link_with;
use support::TestApp;

const EMAIL: &str = "erin@fabrikam.test";
const OLD: &str = "old-lantern-orchard-27";
/// The page background and the card background (static/style.css).
const BACKGROUNDS: [(u8, u8, u8); 2] = [(0xf6, 0xf7, 0xf9), (0xff, 0xff, 0xff)];

/// "rgb(11, 12, 12)" or "rgba(…)" → (r, g, b).
fn rgb(css: &str) -> (u8, u8, u8) {
    let inner = css
        .split_once('(')
        .and_then(|(_, r)| r.split_once(')'))
        .map(|(i, _)| i)
        .unwrap_or_else(|| panic!("not a colour: {css}"));
    let v: Vec<u8> = inner
        .split(',')
        .take(3)
        .map(|p| p.trim().parse::<f64>().unwrap() as u8)
        .collect();
    (v[0], v[1], v[2])
}

/// WCAG 2 contrast ratio.
fn contrast(a: (u8, u8, u8), b: (u8, u8, u8)) -> f64 {
    fn lum((r, g, b): (u8, u8, u8)) -> f64 {
        let ch = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.03928 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * ch(r) + 0.7152 * ch(g) + 0.0722 * ch(b)
    }
    let (la, lb) = (lum(a), lum(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// Whether the page is wider than the window (it scrolls sideways).
async fn overflows(c: &Client) -> (i64, i64) {
    let v = js(
        c,
        "return [document.documentElement.scrollWidth, window.innerWidth];",
    )
    .await;
    (v[0].as_i64().unwrap(), v[1].as_i64().unwrap())
}

#[tokio::test]
async fn guest_pages_work_by_keyboard_and_on_a_phone_in_a_real_browser() {
    let profile = tempfile::tempdir().unwrap();
    let Some((_driver, c)) = browser(profile.path()).await else {
        return;
    };
    let app = TestApp::spawn_self_addressed_with_mail("").await;
    app.tenant("Fabrikam", "fabrikam.test", "unmanaged", "free");
    app.user(EMAIL, OLD, true, false);
    let shots = app.dir.path().join("screenshots");
    std::fs::create_dir_all(&shots).unwrap();

    let result = async {
        // Skip link: the first Tab reaches it; Enter moves focus to the content.
        c.goto(&app.url("/reset")).await?;
        press(&c, Key::Tab).await;
        let first = js(&c, "return document.activeElement.textContent.trim();").await;
        assert_eq!(first, "Skip to content");
        press(&c, Key::Enter).await;
        let at = js(&c, "return document.activeElement.id;").await;
        assert_eq!(at, "main", "the skip link moves focus to the content");

        // WCAG 1.4.11: the focus ring of a field contrasts ≥ 3:1 with white and the page.
        let style = js(
            &c,
            "const e = document.getElementById('email'); e.focus(); \
             const s = getComputedStyle(e); \
             return [s.outlineStyle, s.outlineWidth, s.outlineColor];",
        )
        .await;
        assert_eq!(style[0], "solid", "{style}");
        assert!(
            style[1]
                .as_str()
                .unwrap()
                .trim_end_matches("px")
                .parse::<f64>()
                .unwrap()
                >= 2.0,
            "{style}"
        );
        let ring = rgb(style[2].as_str().unwrap());
        for bg in BACKGROUNDS {
            let ratio = contrast(ring, bg);
            assert!(ratio >= 3.0, "focus ring {ring:?} on {bg:?}: {ratio:.2}:1");
        }

        // Post-redirect-get: the check-email page is a GET; refreshing it sends no new mail.
        c.find(Locator::Id("email")).await?.send_keys(EMAIL).await?;
        c.find(Locator::Css("form button[type=submit]"))
            .await?
            .click()
            .await?;
        wait_for_path(&c, "/reset/code").await;
        shot(&c, &shots, "desktop-check-email").await;
        app.wait_mail_to(EMAIL, 1).await;
        c.refresh().await?;
        wait_for_path(&c, "/reset/code").await;
        let h1 = c.find(Locator::Css("h1")).await?.text().await?;
        assert_eq!(h1, "Check your email");
        app.drain_jobs().await;
        assert_eq!(app.mails_to(EMAIL).len(), 1, "a refresh sent another mail");

        // The show-password control: shown by the script, toggles both fields.
        let mail = app.wait_mail_to(EMAIL, 1).await;
        let link = link_with(&mail.text(), "/reset/link/").expect("a link");
        c.goto(&link).await?;
        wait_for_path(&c, "/reset/new").await;
        // The hidden username field (for password managers) stays hidden.
        let hidden = js(
            &c,
            "return getComputedStyle(document.querySelector('input[name=username]')).display;",
        )
        .await;
        assert_eq!(hidden, "none");
        let toggle = c.find(Locator::Id("show-password")).await?;
        assert!(toggle.is_displayed().await?, "the control is shown");
        toggle.click().await?;
        let types = js(
            &c,
            "return ['password','password_confirm'].map(i => document.getElementById(i).type);",
        )
        .await;
        assert_eq!(types, serde_json::json!(["text", "text"]));
        c.find(Locator::Id("show-password")).await?.click().await?;
        let types = js(
            &c,
            "return ['password','password_confirm'].map(i => document.getElementById(i).type);",
        )
        .await;
        assert_eq!(types, serde_json::json!(["password", "password"]));
        shot(&c, &shots, "desktop-new-password").await;

        // Sign-in: the button sits under the password field, aligned with it.
        c.goto(&app.url("/signin")).await?;
        let geometry = js(
            &c,
            "const f = document.getElementById('password').getBoundingClientRect(); \
             const b = document.querySelector('form button[type=submit]').getBoundingClientRect(); \
             return [f.left, f.bottom, b.left, b.top];",
        )
        .await;
        let g: Vec<f64> = geometry
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        assert!(g[3] >= g[1], "the button is below the field: {g:?}");
        assert!((g[0] - g[2]).abs() < 1.0, "and starts where it does: {g:?}");
        assert!(g[3] - g[1] < 40.0, "no stray gap: {g:?}");
        shot(&c, &shots, "desktop-signin").await;

        // A 390 px phone: no page scrolls sideways.
        c.set_window_size(390, 844).await?;
        for (name, path) in [
            ("request", "/reset"),
            ("check-email", "/reset/code"),
            ("new-password", "/reset/new"),
            ("done", "/reset/done"),
            ("signin", "/signin"),
        ] {
            c.goto(&app.url(path)).await?;
            let (scroll, width) = overflows(&c).await;
            assert!(width <= 400, "the window is phone-sized: {width}");
            assert!(scroll <= width, "{path} is {scroll} px wide at {width} px");
            shot(&c, &shots, &format!("phone-{name}")).await;
        }
        Ok::<_, fantoccini::error::CmdError>(())
    }
    .await;
    let _ = c.close().await;
    result.expect("the browser walked the guest pages");
    let keep = std::env::temp_dir().join("latchkey-browser-screenshots");
    let _ = std::fs::create_dir_all(&keep);
    for entry in std::fs::read_dir(&shots).unwrap() {
        let entry = entry.unwrap();
        let _ = std::fs::copy(entry.path(), keep.join(entry.file_name()));
    }
    eprintln!("screenshots: {}", keep.display());
}
