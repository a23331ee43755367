//! Webhooks, black-box: audit events leave the service as signed POSTs to local receivers
//! (tests/support/http_stub.rs), through the job queue, retried until they are taken, never to a
//! URL that is not configured; the console lists each webhook's deliveries and sends a test
//! event. Retries are driven by the injected clock, never by real waiting. Runs on PostgreSQL
//! too (LATCHKEY_TEST_PG).

#[path = "../admin_support/mod.rs"]
mod admin_support;
mod console;
mod delivery;
#[path = "../sec_support/mod.rs"]
mod sec_support;
#[path = "../support/mod.rs"]
mod support;

use admin_support::{set_up, signed_in};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sec_support::*;
use sha2::Sha256;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::http_stub::{Reply, StubRequest, StubServer};
use support::TestApp;

/// A Standard Webhooks secret, and its key (the base64 part) as a receiver holds it.
const SECRET: &str = "whsec_C2FSd3VlYm9va3MtdGVzdC1zZWNyZXQtMzItYnl0ZXM=";
const KEY_B64: &str = "C2FSd3VlYm9va3MtdGVzdC1zZWNyZXQtMzItYnl0ZXM=";

/// What a receiver does with its n-th request (from 0); `Ok` after the script.
#[derive(Clone, Copy)]
enum Step {
    Fail,
    Hang,
}

/// A receiver that checks signatures and, like a real one, processes each `webhook-id` once.
struct Receiver {
    stub: StubServer,
    /// The ids it accepted (answered 2xx for) and processed, in order.
    processed: Arc<Mutex<Vec<String>>>,
}

impl Receiver {
    async fn start(script: Vec<Step>) -> Receiver {
        let processed = Arc::new(Mutex::new(Vec::<String>::new()));
        let seen = processed.clone();
        let n = AtomicUsize::new(0);
        let stub = StubServer::start(move |req: &StubRequest| {
            let i = n.fetch_add(1, Ordering::SeqCst);
            match script.get(i) {
                Some(Step::Fail) => Reply::text(500, "try later"),
                Some(Step::Hang) => Reply::Hang,
                None => {
                    if verify(req) {
                        let id = req.header("webhook-id").unwrap().to_string();
                        let mut done = seen.lock().unwrap();
                        // Idempotency: an id already processed is acknowledged, not redone.
                        if !done.contains(&id) {
                            done.push(id);
                        }
                        Reply::text(204, "")
                    } else {
                        Reply::text(401, "bad signature")
                    }
                }
            }
        })
        .await;
        Receiver { stub, processed }
    }

    fn url(&self) -> String {
        format!("{}/hooks/in", self.stub.url)
    }

    fn requests(&self) -> Vec<StubRequest> {
        self.stub.requests()
    }

    fn processed(&self) -> Vec<String> {
        self.processed.lock().unwrap().clone()
    }

    /// Waits for the n-th request (from 1).
    async fn wait_request(&self, n: usize) -> StubRequest {
        for _ in 0..600 {
            let got = self.requests();
            if got.len() >= n {
                return got[n - 1].clone();
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("no request #{n}; got {}", self.requests().len());
    }
}

/// The receiver's check: `v1,` + base64 HMAC-SHA256 of `id.timestamp.body` under the key.
fn verify(req: &StubRequest) -> bool {
    let (Some(id), Some(ts), Some(sig)) = (
        req.header("webhook-id"),
        req.header("webhook-timestamp"),
        req.header("webhook-signature"),
    ) else {
        return false;
    };
    let key = base64::engine::general_purpose::STANDARD
        .decode(KEY_B64)
        .unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{id}.{ts}.").as_bytes());
    mac.update(&req.body);
    let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    // The header may list several signatures separated by spaces.
    sig.split(' ').any(|s| s == format!("v1,{expected}"))
}

fn hook(url: &str, events: &[&str], tenant: Option<&str>, timeout: u64) -> String {
    let events: Vec<String> = events.iter().map(|e| format!("\"{e}\"")).collect();
    let tenant = tenant.map_or(String::new(), |t| format!("tenant = \"{t}\"\n"));
    format!(
        "[[webhooks]]\nurl = \"{url}\"\nsecret = \"{SECRET}\"\nevents = [{}]\n{tenant}timeout_seconds = {timeout}\n",
        events.join(", ")
    )
}

/// The app, with `hooks` (TOML `[[webhooks]]` tables, which must come last).
async fn app_with_hooks(hooks: &[String]) -> TestApp {
    let config = format!("[jobs]\npoll_interval_ms = 50\n{}", hooks.concat());
    app_with(&config).await
}

fn deliveries(app: &TestApp, url: &str) -> Vec<latchkey::db::webhooks::Delivery> {
    let mut conn = app.state.db.get().unwrap();
    latchkey::db::webhooks::recent(&mut conn, url, 100).unwrap()
}

/// Waits until the newest delivery to `url` satisfies `done`.
async fn wait_delivery(
    app: &TestApp,
    url: &str,
    done: impl Fn(&latchkey::db::webhooks::Delivery) -> bool,
) -> latchkey::db::webhooks::Delivery {
    for _ in 0..600 {
        if let Some(d) = deliveries(app, url).into_iter().next() {
            if done(&d) {
                return d;
            }
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!(
        "delivery to {url} never got there: {:?}",
        deliveries(app, url)
    );
}

fn body(req: &StubRequest) -> serde_json::Value {
    serde_json::from_slice(&req.body).unwrap()
}

async fn reset_requested_by(app: &TestApp, email: &str) {
    let (_, p) = ask(app, email).await;
    assert_eq!(p.status, 200, "{}", p.body);
    // The request is evaluated by a job; wait for its audit event (not for an empty queue:
    // a delivery to a failing receiver stays queued).
    for _ in 0..600 {
        let written = app
            .audit_events()
            .iter()
            .any(|e| e.event == "reset_requested" && e.email.as_deref() == Some(email));
        if written {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("no reset_requested event for {email}");
}
