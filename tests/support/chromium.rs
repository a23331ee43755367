//! A real browser for the tests: headless Chromium driven through chromedriver (WebDriver,
//! fantoccini). Without `chromium` and `chromium-driver` (Debian) a test prints that it skipped;
//! under `CI=true` a missing browser is a failure (`.ci/run` installs them).

use super::process::free_port;
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The chromedriver process, stopped when dropped.
pub struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn find(names: &[&str]) -> Option<PathBuf> {
    names.iter().map(PathBuf::from).find(|p| p.exists())
}

/// Starts chromedriver and a headless Chromium session (1000×900, its profile in `profile`);
/// `None` when they are not installed and the run is not CI.
pub async fn browser(profile: &Path) -> Option<(Driver, Client)> {
    browser_speaking(profile, "en-US,en").await
}

/// [`browser`] whose user prefers `accept_languages` (its `Accept-Language`, e.g. `"de-DE,de"`).
pub async fn browser_speaking(profile: &Path, accept_languages: &str) -> Option<(Driver, Client)> {
    let (Some(chromium), Some(chromedriver)) = (
        find(&[
            "/usr/bin/chromium",
            "/usr/bin/chromium-browser",
            "/usr/bin/google-chrome",
        ]),
        find(&["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]),
    ) else {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("chromium and chromedriver are required under CI=true (apt-get install chromium chromium-driver)");
        }
        eprintln!("skipped: chromium/chromedriver not installed (apt-get install chromium chromium-driver)");
        return None;
    };
    let port = free_port();
    let driver = Driver(
        Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts"),
    );
    let caps: serde_json::Map<String, Value> = serde_json::from_value(serde_json::json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": chromium,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--window-size=1000,900",
                "--hide-scrollbars",
                format!("--user-data-dir={}", profile.display()),
                format!("--lang={}", accept_languages.split(',').next().unwrap_or("en")),
            ],
            "prefs": { "intl.accept_languages": accept_languages }
        }
    }))
    .unwrap();
    for _ in 0..50 {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        if let Ok(c) = ClientBuilder::new(connector)
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            return Some((driver, c));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver never answered");
}

/// Runs `script` in the page and returns its value.
pub async fn js(c: &Client, script: &str) -> Value {
    c.execute(script, vec![]).await.expect(script)
}

/// One key press (down and up).
pub async fn press(c: &Client, key: Key) {
    let k: char = key.into();
    let keys = KeyActions::new("keyboard".into())
        .then(KeyAction::Down { value: k })
        .then(KeyAction::Up { value: k });
    c.perform_actions(keys).await.expect("a key press");
}

/// Waits (up to ten seconds) until the browser is at `path`.
pub async fn wait_for_path(c: &Client, path: &str) {
    for _ in 0..200 {
        if c.current_url().await.unwrap().path() == path {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "browser never reached {path}; at {}",
        c.current_url().await.unwrap()
    );
}

/// Saves a screenshot of the page as `dir/name.png`, for a person to look at.
pub async fn shot(c: &Client, dir: &Path, name: &str) {
    let png = c.screenshot().await.expect("screenshot");
    std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
}
