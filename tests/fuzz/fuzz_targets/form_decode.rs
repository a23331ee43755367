//! Every urlencoded form (inside its `csrf_token` envelope), every query string and the API's
//! JSON body decode to a value or an error, never a panic.
#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::form_decode::check(data));
