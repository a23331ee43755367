//! Micro-benchmarks of the pure hot paths (`cargo bench --bench micro`): the policy decision,
//! address parsing, token generation + hashing, rendering the reset page, the offline
//! breached-password lookup (SHA-1 + binary search over a memory-mapped file of 1 M entries),
//! zxcvbn (micro/passwords.rs), the completion path without argon2 (micro/completion.rs) and a
//! worker claim round on SQLite (micro/worker.rs).

#[path = "micro/completion.rs"]
mod completion;
#[path = "micro/passwords.rs"]
mod passwords;
#[path = "micro/worker.rs"]
mod worker;

use chrono::NaiveDate;
use criterion::{criterion_group, criterion_main, Criterion};
use latchkey::domain::{EmailAddress, Plan, TenantKind};
use latchkey::policy::{self, AccountFacts, EmailVerdict, Facts, TenantFacts, UnknownReason};
use latchkey::security::{FlowId, OneTimeCode, TokenSecret};
use std::hint::black_box;

fn facts(tenant: TenantFacts, account: Option<AccountFacts>) -> Facts {
    Facts {
        tenant: Some(tenant),
        account,
        email: EmailVerdict::Unknown(UnknownReason::DnsOff),
        now: NaiveDate::from_ymd_opt(2026, 11, 26)
            .and_then(|d| d.and_hms_opt(12, 0, 0))
            .expect("a valid date"),
    }
}

fn decide(c: &mut Criterion) {
    let account = AccountFacts {
        disabled: false,
        locked_until: None,
        verified: true,
        totp_enrolled: false,
    };
    // The common case walks every rule before allowing; the unknown account stops at rule 3.
    let allowed = facts(TenantFacts::unmanaged(), Some(account));
    let unknown = facts(TenantFacts::unmanaged(), None);
    let unlicensed = facts(
        TenantFacts {
            kind: TenantKind::Managed,
            plan: Plan::Free,
            sspr_enabled: true,
            methods_required: 1,
        },
        None,
    );
    let mut g = c.benchmark_group("policy::decide");
    g.bench_function("allow (all 9 rules)", |b| {
        b.iter(|| policy::decide(black_box(&allowed)))
    });
    g.bench_function("unknown account (rule 3)", |b| {
        b.iter(|| policy::decide(black_box(&unknown)))
    });
    g.bench_function("tenant not licensed (rule 1)", |b| {
        b.iter(|| policy::decide(black_box(&unlicensed)))
    });
    g.finish();
}

fn parse(c: &mut Criterion) {
    let mut g = c.benchmark_group("EmailAddress::parse");
    g.bench_function("ascii", |b| {
        b.iter(|| EmailAddress::parse(black_box("  Jane.Doe+reset@Contoso.COM ")))
    });
    g.bench_function("idna domain", |b| {
        b.iter(|| EmailAddress::parse(black_box("jörg@bücher.example")))
    });
    g.bench_function("invalid", |b| {
        b.iter(|| EmailAddress::parse(black_box("not an address@@example")))
    });
    g.finish();
}

fn tokens(c: &mut Criterion) {
    let key = [7u8; 32];
    let mut g = c.benchmark_group("tokens");
    g.bench_function("reset token: generate + SHA-256", |b| {
        b.iter(|| {
            let t = TokenSecret::generate();
            black_box(t.hash().into_string())
        })
    });
    g.bench_function("flow id: generate + SHA-256", |b| {
        b.iter(|| {
            let f = FlowId::generate();
            black_box(f.hash().into_string())
        })
    });
    g.bench_function("one-time code: generate + HMAC", |b| {
        b.iter(|| {
            let code = OneTimeCode::generate();
            black_box(latchkey::security::hash_code(&key, &code))
        })
    });
    g.finish();
}

fn render(c: &mut Criterion) {
    let templates = latchkey::services::templates::Templates::load().expect("templates load");
    let ctx = serde_json::json!({
        "email": "",
        "error": null,
        "csrf_token": "x".repeat(64),
    });
    let with_error = serde_json::json!({
        "email": "jane@contoso.com",
        "error": "That address has no @.",
        "csrf_token": "x".repeat(64),
    });
    let mut g = c.benchmark_group("templates");
    g.bench_function("reset/request.html", |b| {
        b.iter(|| templates.render("reset/request.html", black_box(&ctx)))
    });
    g.bench_function("reset/request.html with error", |b| {
        b.iter(|| templates.render("reset/request.html", black_box(&with_error)))
    });
    g.bench_function("reset/check_email.html", |b| {
        let ctx = serde_json::json!({"error": null, "minutes": 20, "csrf_token": "x".repeat(64)});
        b.iter(|| templates.render("reset/check_email.html", black_box(&ctx)))
    });
    g.finish();
}

/// The cost the breached-password check (`password.breached = "file"`) adds to setting a
/// password: SHA-1 of the candidate and a binary search over a memory-mapped `SHA1:count` file.
/// One million entries (~45 MB, made here); the full published corpus (~10⁹ lines) takes ~10
/// more steps of the search. The pages are in the page cache here, as they are on a server after
/// its first lookups; a cold lookup reads ~30 pages from disk.
fn breached_file(c: &mut Criterion) {
    use latchkey::passwords::breached::{sha1_upper_hex, BreachFile, BreachedSource};
    use std::io::Write as _;
    const ENTRIES: usize = 1_000_000;
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("ordered-by-hash.txt");
    let mut hashes: Vec<[u8; 40]> = (0..ENTRIES)
        .map(|i| sha1_upper_hex(&format!("breached-{i}")))
        .collect();
    hashes.sort_unstable();
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path).expect("create"));
    for (i, h) in hashes.iter().enumerate() {
        out.write_all(h).expect("write");
        write!(out, ":{}\r\n", i % 5000 + 1).expect("write");
    }
    out.flush().expect("flush");
    drop(out);
    let file = BreachFile::open(&path).expect("a valid corpus");
    let present = "breached-123457";
    let absent = "sunlit-harbour-velvet-93";
    let mut g = c.benchmark_group("breached file (1 M entries)");
    g.bench_function("SHA-1 + lookup, present", |b| {
        b.iter(|| file.lookup(&sha1_upper_hex(black_box(present))))
    });
    g.bench_function("SHA-1 + lookup, absent", |b| {
        b.iter(|| file.lookup(&sha1_upper_hex(black_box(absent))))
    });
    // What a request pays: the same through the service's async path, on the blocking pool.
    let settings = latchkey::config::PasswordSettings {
        breached: latchkey::config::BreachedMode::File,
        breached_file: Some(path.clone()),
        ..Default::default()
    };
    let source = BreachedSource::from_settings(&settings).expect("source");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    g.bench_function("async lookup via spawn_blocking, absent", |b| {
        b.iter(|| rt.block_on(source.lookup(black_box(absent))))
    });
    g.finish();
}

criterion_group!(
    benches,
    decide,
    parse,
    tokens,
    render,
    breached_file,
    passwords::zxcvbn,
    completion::completion,
    worker::claim_round
);
criterion_main!(benches);
