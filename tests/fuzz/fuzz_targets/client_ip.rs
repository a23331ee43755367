//! `X-Forwarded-For` resolution never panics, never lets an untrusted peer choose its address,
//! and always reports a canonical (IPv4-mapped → IPv4) address.
#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::client_ip::check(data));
