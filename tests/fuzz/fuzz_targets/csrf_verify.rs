//! The CSRF verifier never panics and never accepts a token it did not issue for that
//! binding; a token it issued verifies for its binding only.
#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::csrf_verify::check(data));
