//! The CSRF verifier never panics and never accepts a token it did not issue for that
//! binding; a token it issued verifies for its binding only.
#![no_main]

use latchkey::security::CsrfKey;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let key = CsrfKey::new([7; 32]);
    let text = String::from_utf8_lossy(data);
    // The first line is the binding (the cookie), the rest the presented token.
    let (binding, presented) = text.split_once('\n').unwrap_or((&text, &text));
    assert!(!key.verify(binding, presented), "forged token accepted");
    let issued = key.issue(binding);
    assert_eq!(key.verify(binding, &issued), !binding.is_empty());
    let other = format!("{binding}x");
    assert!(!key.verify(&other, &issued));
    assert!(!CsrfKey::new([8; 32]).verify(binding, &issued));
});
