//! D: completions (open the mailed link, set a new password), and the argon2 limit they are
//! measured against.

use crate::client::{Conn, Samples};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

const WORDS: &[&str] = &[
    "copper", "lantern", "vivid", "harbor", "meadow", "quartz", "saddle", "glacier", "orbit",
    "pepper", "tundra", "velvet", "walnut", "yonder", "zephyr", "bramble", "cobalt", "dervish",
    "ember", "fjord", "gossamer", "hollow", "indigo", "jasper", "kelp", "lichen", "marrow",
    "nimbus", "oxbow", "prairie", "quiver", "russet",
];

pub fn new_password(seed: u64) -> String {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let w: Vec<&str> = (0..4)
        .map(|_| WORDS[(next() % WORDS.len() as u64) as usize])
        .collect();
    format!("{}-{}-{}-{}-{}", w[0], w[1], w[2], w[3], next() % 10_000)
}

/// D: open each link, then set a new password; returns completion latencies (link → done).
pub async fn completions(
    addr: SocketAddr,
    tokens: Vec<String>,
    conns: usize,
    dur: Duration,
) -> Samples {
    let start = Instant::now();
    let deadline = start + dur;
    let queue = std::sync::Arc::new(std::sync::Mutex::new(tokens));
    let tasks: Vec<_> = (0..conns)
        .map(|n| {
            let queue = queue.clone();
            tokio::spawn(async move {
                let mut s = Samples::default();
                let mut conn = Conn::new(addr);
                let Ok(csrf) = conn.csrf_token().await else {
                    s.errors += 1;
                    return s;
                };
                let mut i = 0u64;
                while Instant::now() < deadline {
                    let Some(token) = queue.lock().expect("token queue").pop() else {
                        break;
                    };
                    let t = Instant::now();
                    let opened = conn.get(&format!("/reset/link/{token}")).await;
                    let ok = match opened {
                        Ok(r) if r.location.as_deref() == Some("/reset/new") => {
                            let pw = new_password(n as u64 * 1_000_003 + i);
                            match conn
                                .post_form(
                                    "/reset/new",
                                    &[
                                        ("csrf_token", csrf.as_str()),
                                        ("password", &pw),
                                        ("password_confirm", &pw),
                                    ],
                                )
                                .await
                            {
                                Ok(r) => r.location.as_deref() == Some("/reset/done"),
                                Err(_) => false,
                            }
                        }
                        _ => false,
                    };
                    s.record(t, ok);
                    i += 1;
                }
                s
            })
        })
        .collect();
    let mut all = Samples::default();
    for t in tasks {
        if let Ok(s) = t.await {
            all.merge(s);
        }
    }
    all.elapsed = start.elapsed();
    all
}

/// The argon2 limit: cores ÷ the time of one hash with the configured (default) parameters.
pub fn argon2_limit() -> (f64, f64, usize) {
    let hasher =
        latchkey::security::PasswordHasher::new(&latchkey::security::HashingSettings::default())
            .expect("default hashing settings");
    let pw = secrecy::SecretString::from("correct horse battery staple".to_string());
    let _ = hasher.hash_blocking(&pw);
    let mut times: Vec<f64> = (0..9)
        .map(|_| {
            let t = Instant::now();
            let _ = hasher.hash_blocking(&pw);
            t.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    let one = times[times.len() / 2];
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    (cores as f64 / one, one * 1000.0, cores)
}
