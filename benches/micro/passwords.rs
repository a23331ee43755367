//! zxcvbn on the new password: what a completion pays for the guessability check, alone and
//! as part of the whole policy check (NFKC, common list, context and banned words, zxcvbn), on
//! a typical password and on a long one (200 characters, below the 256 cap).

use criterion::Criterion;
use latchkey::domain::password::{PasswordContext, PasswordPolicy};
use latchkey::domain::EmailAddress;
use std::hint::black_box;

const TYPICAL: &str = "copper-lantern-vivid-harbor-4711";

fn long() -> String {
    // Words, separators and digits, as a passphrase manager would make it.
    let words = [
        "meadow", "quartz", "saddle", "glacier", "orbit", "pepper", "tundra",
    ];
    let mut s = String::new();
    let mut i = 0;
    while s.len() < 200 {
        s.push_str(words[i % words.len()]);
        s.push(if i % 3 == 0 { '-' } else { '.' });
        s.push_str(&(i * 37 % 100).to_string());
        i += 1;
    }
    s.truncate(200);
    s
}

pub fn zxcvbn(c: &mut Criterion) {
    let long = long();
    let email = EmailAddress::parse("jane.doe@contoso.example").expect("an address");
    let ctx = PasswordContext::for_account(&email, "Contoso");
    let policy = PasswordPolicy::default();
    // What the policy hands zxcvbn: the account's context words.
    let inputs = ["jane", "doe", "contoso"];
    let mut g = c.benchmark_group("zxcvbn");
    g.bench_function("zxcvbn, typical (32 chars)", |b| {
        b.iter(|| zxcvbn::zxcvbn(black_box(TYPICAL), &inputs).score())
    });
    g.bench_function("zxcvbn, long (200 chars)", |b| {
        b.iter(|| zxcvbn::zxcvbn(black_box(&long), &inputs).score())
    });
    g.bench_function("PasswordPolicy::check, typical", |b| {
        b.iter(|| policy.check(black_box(TYPICAL), TYPICAL, &ctx).is_ok())
    });
    g.bench_function("PasswordPolicy::check, long (200 chars)", |b| {
        b.iter(|| policy.check(black_box(&long), &long, &ctx).is_ok())
    });
    g.finish();
}
