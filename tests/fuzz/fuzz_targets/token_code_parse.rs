//! Reset tokens, flow ids, one-time codes and TOTP codes as presented by a browser: parsing
//! never panics, accepts only the canonical shapes, and a random input never matches a MAC.
#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::token_code_parse::check(data));
