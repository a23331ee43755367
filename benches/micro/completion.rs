//! The completion path without hashing: everything a reset completion does in the service
//! layer except the two argon2 runs — the link step (`reset::redeem::open_link`: token by hash,
//! user, policy re-check, audit) and the final step (`reset::redeem::complete`: token, user and
//! tenant, the password policy with zxcvbn, the policy re-check, the one transaction that
//! consumes the token, sets the hash, revokes, queues the notice and audits).
//!
//! The seam: the application is built as in production (SQLite in a temp dir), then its
//! services get a hasher with argon2's smallest parameters (`m = 8 KiB, t = 1`: microseconds),
//! so the "not your current password" verify and the new hash still run, through the same
//! code and the same permit, at no measurable cost. The HTTP layer (two page loads, CSRF,
//! the sealed cookie) is not in it: the load bench's D measures the whole. The worker is
//! never woken (the notice jobs wait in the queue).

use criterion::{BatchSize, Criterion};
use figment::providers::{Format, Serialized, Toml};
use latchkey::config::{RawSettings, Settings};
use latchkey::db::reset_tokens::{self, NewToken};
use latchkey::db::{tenants, users};
use latchkey::domain::user_agent::BrowserWords;
use latchkey::domain::{EmailAddress, Plan, TenantKind};
use latchkey::security::{HashingSettings, PasswordHasher, TokenSecret};
use latchkey::services::Services;
use std::sync::Arc;

fn settings(dir: &std::path::Path) -> Settings {
    let raw = RawSettings {
        bind: "127.0.0.1:0".into(),
        management_bind: "0".into(),
        public_base_url: Some("https://reset.bench.example".into()),
        data_dir: dir.to_path_buf(),
        database_url: Some(format!("sqlite://{}", dir.join("latchkey.db").display())),
        demo: false,
        dns: "off".into(),
        ..RawSettings::default()
    };
    // The worker only polls, once an hour: the bench's notice jobs stay queued.
    let figment = figment::Figment::from(Serialized::defaults(raw))
        .merge(Toml::string("[jobs]\npoll_interval_ms = 3600000\n"));
    Settings::from_figment(figment).expect("bench settings")
}

/// The services, with the cheapest hasher, and a verified guest whose stored hash is cheap too.
fn services(rt: &tokio::runtime::Runtime, dir: &std::path::Path) -> (Services, String) {
    let app = rt
        .block_on(latchkey::startup::Application::build(settings(dir)))
        .expect("the application builds");
    let mut svc = app.state.services.clone();
    // The application (and its idle worker) lives as long as the bench process.
    std::mem::forget(app);
    svc.hasher = PasswordHasher::new_unchecked(&HashingSettings {
        memory_kib: 8,
        iterations: 1,
        parallelism: 1,
        ..HashingSettings::default()
    })
    .expect("argon2 accepts its minimum");
    svc.jobs_wakeup = Arc::new(tokio::sync::Notify::new());
    let hash = svc
        .hasher
        .hash_blocking(&secrecy::SecretString::from(
            "initial-bench-password-1".to_string(),
        ))
        .expect("a cheap hash");
    let now = svc.now();
    let mut conn = svc.db.get().expect("a connection");
    let tenant = tenants::create(
        &mut conn,
        &tenants::NewTenant {
            name: "Bench".into(),
            kind: TenantKind::Unmanaged,
            plan: Plan::Free,
            domains: vec!["bench.example".into()],
            helpdesk_url: None,
            is_consumer: false,
        },
        now,
    )
    .expect("the bench tenant");
    let user = users::create(
        &mut conn,
        &users::NewUser {
            tenant_id: tenant.tenant_id(),
            email: EmailAddress::parse("guest@bench.example").expect("an address"),
            display_name: None,
            password_hash: Some(hash),
            verified: true,
            totp_secret: None,
        },
        now,
    )
    .expect("the bench guest");
    (svc, user.id.into_string())
}

/// A live token for the guest, as the worker issues it; returns the secret the link carries.
fn issue(svc: &Services, user_id: &str) -> String {
    let secret = TokenSecret::generate();
    let now = svc.now();
    let mut conn = svc.db.get().expect("a connection");
    let user = users::find_by_id(
        &mut conn,
        &latchkey::domain::UserId::from_string(user_id.to_string()),
    )
    .expect("the guest")
    .expect("the guest exists");
    reset_tokens::issue(
        &mut conn,
        &NewToken {
            user_id: user.user_id(),
            tenant_id: user.tenant_id(),
            token_hash: secret.hash().into_string(),
            code_hash: None,
            flow_id_hash: None,
            issued_by: None,
            totp_required: false,
            expires_at: now + chrono::Duration::minutes(20),
        },
        now,
    )
    .expect("a token");
    secret.expose().to_string()
}

pub fn completion(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let (svc, user_id) = services(&rt, dir.path());
    let mut n = 0u64;
    let mut g = c.benchmark_group("completion without argon2 (service layer, SQLite)");
    g.bench_function("open_link + complete", |b| {
        b.iter_batched(
            || {
                n += 1;
                (
                    issue(&svc, &user_id),
                    format!("sunlit-harbour-velvet-{n}-lantern"),
                )
            },
            |(token, password)| {
                rt.block_on(async {
                    let redeemed = latchkey::reset::redeem::open_link(&svc, &token, None)
                        .await
                        .expect("the link step")
                        .expect("a live token");
                    let done = latchkey::reset::redeem::complete(
                        &svc,
                        &redeemed.token_id,
                        &password,
                        &password,
                        None,
                        None,
                        BrowserWords::default(),
                    )
                    .await
                    .expect("the final step");
                    assert!(
                        matches!(done, latchkey::reset::redeem::CompleteOutcome::Done),
                        "{done:?}"
                    );
                })
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
}
