//! The invitation CSV parser never panics; a file is either refused as a whole with an error
//! that names a real line (or the header), or every data row comes back with its own line
//! number (increasing, after the header, within the file), trimmed cells, and an address
//! that `EmailAddress::parse` accepts or refuses without panicking (as `invite_one` does).
#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::csv_invitations::check(data));
