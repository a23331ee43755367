//! `EmailAddress::parse` never panics, and what it accepts is a fixed point: parsing the
//! rendered address gives the same address; the domain is lowercase ASCII; the RFC 5321
//! length limits hold; exactly one `@`; no whitespace or control characters.
#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::email_parse::check(data));
