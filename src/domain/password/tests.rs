use super::*;

#[test]
fn only_the_first_64_characters_are_scored() {
    let long: String = "Tq7#vLp2!xWm9$Rb".repeat(16);
    assert_eq!(scored_part(&long).chars().count(), 64);
    assert_eq!(scored_part("short"), "short");
    let multibyte = "é".repeat(100);
    assert_eq!(scored_part(&multibyte).chars().count(), 64);
}
use std::time::{Duration, Instant};

fn policy() -> PasswordPolicy {
    PasswordPolicy::default()
}

fn ctx() -> PasswordContext {
    PasswordContext {
        email_local_part: "ann.smith".into(),
        tenant_name: "Contoso".into(),
        extra_words: vec!["contoso".into()],
        banned_words: vec![],
    }
}

fn check(p: &str) -> Result<NewPassword, PasswordRejection> {
    policy().check(p, p, &ctx())
}

/// Each of `passwords` is refused as `rejection` for an account with `context`.
fn assert_refused(context: &PasswordContext, passwords: &[&str], rejection: PasswordRejection) {
    for p in passwords {
        assert_eq!(policy().check(p, p, context).unwrap_err(), rejection, "{p}");
    }
}

#[test]
fn the_bundled_list_has_at_least_10000_lowercase_entries() {
    assert!(
        COMMON_PASSWORDS.len() >= 10_000,
        "{}",
        COMMON_PASSWORDS.len()
    );
    assert!(COMMON_PASSWORDS.contains("password"));
    assert!(COMMON_PASSWORDS
        .iter()
        .all(|p| p.to_lowercase() == *p && p.trim() == *p));
}

// docs/security.md#19: min − 1 refused, exactly min accepted.
#[test]
fn one_under_the_minimum_is_refused_and_the_minimum_is_accepted() {
    assert_eq!(
        check("Vq7#mZ2!pLx").unwrap_err(),
        PasswordRejection::TooShort { min: 12 }
    );
    assert_eq!("Vq7#mZ2!pLx9".chars().count(), 12);
    assert_eq!(check("Vq7#mZ2!pLx9").unwrap().expose(), "Vq7#mZ2!pLx9");
    // Characters, not bytes: 11 two-byte characters are still too short.
    assert_eq!(
        check("ääääääääääää".get(..22).unwrap()).unwrap_err(),
        PasswordRejection::TooShort { min: 12 }
    );
}

// docs/security.md#19
#[test]
fn a_different_confirmation_is_refused() {
    assert_eq!(
        policy()
            .check(
                "correct horse battery staple",
                "correct horse battery stapl",
                &ctx()
            )
            .unwrap_err(),
        PasswordRejection::Mismatch
    );
    assert_eq!(
        policy()
            .check("correct horse battery staple", "", &ctx())
            .unwrap_err(),
        PasswordRejection::Mismatch
    );
}

// docs/security.md#20: 64 characters accepted, stored exactly (no trimming or truncation).
#[test]
fn sixty_four_characters_are_accepted_unmodified() {
    let p = " glacier Umbrella 7 velvet Orbit quietly 93 tangerine Lantern z ";
    assert_eq!(p.chars().count(), 64);
    assert_eq!(check(p).unwrap().expose(), p);
    // 256 varied characters (a repeated pattern would rightly score as guessable).
    let alphabet: Vec<char> = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789!#%"
        .chars()
        .collect();
    let mut state: u32 = 12_345;
    let max: String = (0..256)
        .map(|_| {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            alphabet[(state >> 16) as usize % alphabet.len()]
        })
        .collect();
    assert_eq!(check(&max).unwrap().expose(), max);
    assert_eq!(
        check(&format!("{max}x")).unwrap_err(),
        PasswordRejection::TooLong { max: 256 }
    );
}

// docs/security.md#20: a 1 MB password is refused at once, without any expensive work.
#[test]
fn a_megabyte_password_is_refused_fast() {
    let huge = "a".repeat(1 << 20);
    let start = Instant::now();
    assert_eq!(
        policy().check(&huge, &huge, &ctx()).unwrap_err(),
        PasswordRejection::TooLong { max: 256 }
    );
    assert_eq!(
        policy()
            .check("correct horse battery staple", &huge, &ctx())
            .unwrap_err(),
        PasswordRejection::Mismatch
    );
    assert!(normalize_for_sign_in(&huge).is_none());
    assert!(
        start.elapsed() < Duration::from_millis(100),
        "{:?}",
        start.elapsed()
    );
}

// docs/security.md#21: no composition rules, Unicode allowed.
#[test]
fn passphrases_and_unicode_are_accepted() {
    let p = check("correct horse battery staple").unwrap();
    assert_eq!(p.expose(), "correct horse battery staple");
    let u = check("pässwörd ñandú 😀😀").unwrap();
    assert_eq!(u.expose(), "pässwörd ñandú 😀😀");
}

#[test]
fn the_stored_form_is_nfkc() {
    // "ﬁ" (U+FB01) is NFKC "fi"; a decomposed "é" composes.
    let typed = "ﬁnal cre\u{301}me brûlée orbit";
    let p = check(typed).unwrap();
    assert_eq!(p.expose(), "final créme brûlée orbit");
    assert_eq!(
        normalize_for_sign_in(typed).unwrap().expose_secret(),
        p.expose()
    );
}

// docs/security.md#22: common passwords are refused with the reason.
#[test]
fn common_passwords_are_refused() {
    assert_refused(
        &ctx(),
        &[
            "password123456",
            "PASSWORD123456",
            "qwerty123456",
            "1qaz2wsx3edc",
            "passwordpassword",
        ],
        PasswordRejection::Common,
    );
    assert_eq!(
        PasswordRejection::Common.to_string(),
        "This password is too common — choose another."
    );
}

// docs/security.md#22: the tenant name, email local part and product name are refused.
#[test]
fn context_words_are_refused() {
    assert_refused(
        &ctx(),
        &[
            "Contoso-Rules-Forever-91",
            "contoso ltd orbit glacier",
            "ann.smith velvet orbit 42",
            "AnnSmith velvet orbit 42",
            "my LatchKey velvet orbit",
        ],
        PasswordRejection::ContainsContext,
    );
    assert_eq!(
        PasswordRejection::ContainsContext.to_string(),
        "Don't use your email name or your organisation's name in the password."
    );
    // A local part under 3 characters is not checked.
    let short = PasswordContext {
        email_local_part: "jo".into(),
        ..Default::default()
    };
    assert!(policy()
        .check("jo velvet orbit glacier", "jo velvet orbit glacier", &short)
        .is_ok());
}

#[test]
fn context_words_are_found_through_leet_substitutions() {
    assert_refused(
        &ctx(),
        &[
            "C0nt0s0 velvet orbit 42",
            "c0nt0$0 velvet orbit 42",
            "4nn.5m1th velvet orbit",
        ],
        PasswordRejection::ContainsContext,
    );
}

#[test]
fn a_tenants_banned_words_are_refused_in_any_case_and_leet() {
    let c = PasswordContext {
        banned_words: vec!["Widget".into(), "Acme Rocket".into()],
        ..ctx()
    };
    assert_refused(
        &c,
        &[
            "widget velvet orbit 42",
            "My WIDGET velvet orbit",
            "w1dg3t velvet orbit 42",
            "acme-rocket velvet orbit",
            "4cm3r0ck3t velvet orbit",
        ],
        PasswordRejection::ContainsBannedWord,
    );
    assert_eq!(
        PasswordRejection::ContainsBannedWord.code(),
        "password_contains_banned_word"
    );
    assert!(policy()
        .check("gadget velvet orbit 42", "gadget velvet orbit 42", &c)
        .is_ok());
}

#[test]
fn guessable_passwords_are_refused() {
    assert_refused(
        &ctx(),
        &[
            "Summer2024Summer2024",
            "johnjohnjohnjohn",
            "asdfghjkl;'qwer",
        ],
        PasswordRejection::TooGuessable,
    );
    assert_eq!(
        PasswordRejection::TooGuessable.code(),
        "password_too_guessable"
    );
}

#[test]
fn nfkc_expansion_is_counted_after_normalising() {
    // U+FDFA expands to 18 characters under NFKC: 15 of them is 270 characters.
    let p = "\u{FDFA}".repeat(15);
    assert_eq!(
        check(&p).unwrap_err(),
        PasswordRejection::TooLong { max: 256 }
    );
}

#[test]
fn debug_never_prints_the_password() {
    let p = check("correct horse battery staple").unwrap();
    assert_eq!(format!("{p:?}"), "NewPassword(***)");
}

#[test]
fn policy_settings_are_validated() {
    assert!(policy().validate().is_ok());
    let low = PasswordPolicy {
        min_chars: 7,
        ..policy()
    };
    assert!(low.validate().unwrap_err().contains("password.min_chars"));
    let high = PasswordPolicy {
        max_chars: 257,
        ..policy()
    };
    assert!(high.validate().unwrap_err().contains("password.max_chars"));
    let p: PasswordPolicy = serde_json::from_str(r#"{"min_chars": 15}"#).unwrap();
    assert_eq!((p.min_chars, p.max_chars), (15, 256));
    assert!(serde_json::from_str::<PasswordPolicy>(r#"{"min": 15}"#).is_err());
}

#[test]
fn for_account_uses_local_part_tenant_and_domain_label() {
    let email = EmailAddress::parse("Ann.Smith@Fabrikam.example").unwrap();
    let c = PasswordContext::for_account(&email, "Fabrikam Inc");
    assert_eq!(c.email_local_part, "ann.smith");
    assert_eq!(c.extra_words, vec!["fabrikam".to_owned()]);
    assert_eq!(
        policy()
            .check("fabrikam velvet orbit 42", "fabrikam velvet orbit 42", &c)
            .unwrap_err(),
        PasswordRejection::ContainsContext
    );
}

mod prop {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        // No input panics (zxcvbn and NFKC included), and what is accepted is exactly
        // the NFKC form of the input.
        #[test]
        fn check_never_panics(s in "\\PC{0,80}") {
            if let Ok(p) = check(&s) {
                prop_assert_eq!(p.expose(), s.nfkc().collect::<String>());
            }
        }
    }
}
