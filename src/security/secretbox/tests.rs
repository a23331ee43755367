use super::*;

const SEED: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

fn key(id: &str, byte: u8) -> String {
    format!("{id}:{}", hex::encode([byte; 32]))
}

fn ring(entries: &[String]) -> SecretBox {
    SecretBox::from_entries(entries).unwrap()
}

fn seed() -> TotpSecret {
    TotpSecret::from_base32(SEED).unwrap()
}

#[test]
fn sealed_seeds_round_trip_and_hide_the_seed() {
    let b = ring(&[key("a", 1)]);
    let sealed = b.seal(SeedOwner::User("u1"), &seed());
    assert!(sealed.starts_with("v1.a."), "{sealed}");
    assert!(!sealed.contains(SEED) && !sealed.contains(&SEED[..8]));
    assert_eq!(stored_form(&sealed), StoredForm::Sealed { key_id: "a" });
    let opened = b.open(SeedOwner::User("u1"), &sealed).unwrap();
    assert_eq!(opened.expose_base32(), SEED);
    // A fresh nonce every time.
    assert_ne!(sealed, b.seal(SeedOwner::User("u1"), &seed()));
    assert!(b.is_current(&sealed));
}

#[test]
fn a_seed_moved_to_another_row_or_table_does_not_open() {
    let b = ring(&[key("a", 1)]);
    let sealed = b.seal(SeedOwner::User("u1"), &seed());
    assert_eq!(
        b.open(SeedOwner::User("u2"), &sealed).unwrap_err(),
        OpenError::Tampered("a".into())
    );
    assert!(b.open(SeedOwner::Admin("u1"), &sealed).is_err());
}

#[test]
fn tampering_and_relabelling_fail_closed() {
    let b = ring(&[key("a", 1), key("b", 2)]);
    let sealed = b.seal(SeedOwner::User("u1"), &seed());
    // Flip one character of the body.
    let mut chars: Vec<char> = sealed.chars().collect();
    let last = chars.len() - 3;
    chars[last] = if chars[last] == 'A' { 'B' } else { 'A' };
    let flipped: String = chars.into_iter().collect();
    assert!(matches!(
        b.open(SeedOwner::User("u1"), &flipped),
        Err(OpenError::Tampered(_))
    ));
    // Relabelled with the other key id.
    let relabelled = sealed.replacen("v1.a.", "v1.b.", 1);
    assert!(b.open(SeedOwner::User("u1"), &relabelled).is_err());
    for bad in ["v1.a.", "v1.a.AAAA", "v1..xx", "v2.a.xx", "v1.A.xx", "x.y"] {
        assert!(b.open(SeedOwner::User("u1"), bad).is_err(), "{bad}");
    }
}

#[test]
fn unknown_key_ids_are_reported_by_id() {
    let old = ring(&[key("old", 1)]);
    let sealed = old.seal(SeedOwner::Admin("x"), &seed());
    let new = ring(&[key("new", 2)]);
    let err = new.open(SeedOwner::Admin("x"), &sealed).unwrap_err();
    assert_eq!(err, OpenError::UnknownKey("old".into()));
    assert!(!err.to_string().contains(&sealed[6..]));
}

#[test]
fn rotation_keeps_old_keys_readable() {
    let old = ring(&[key("old", 1)]);
    let sealed = old.seal(SeedOwner::User("u"), &seed());
    let rotated = ring(&[key("new", 2), key("old", 1)]);
    assert!(!rotated.is_current(&sealed));
    let opened = rotated.open(SeedOwner::User("u"), &sealed).unwrap();
    let resealed = rotated.seal(SeedOwner::User("u"), &opened);
    assert!(resealed.starts_with("v1.new."));
    assert!(rotated.is_current(&resealed));
    let only_new = ring(&[key("new", 2)]);
    assert_eq!(
        only_new
            .open(SeedOwner::User("u"), &resealed)
            .unwrap()
            .expose_base32(),
        SEED
    );
}

#[test]
fn plain_seeds_from_before_encryption_still_open() {
    let b = ring(&[key("a", 1)]);
    assert_eq!(stored_form(SEED), StoredForm::Plain);
    assert_eq!(
        b.open(SeedOwner::User("u"), SEED).unwrap().expose_base32(),
        SEED
    );
    assert!(!b.is_current(SEED));
    assert_eq!(
        b.open(SeedOwner::User("u"), "not base32!").unwrap_err(),
        OpenError::Malformed
    );
}

#[test]
fn keyring_entries_are_validated_without_echoing_keys() {
    let secret_hex = "ab".repeat(31);
    for (bad, needle) in [
        (vec![], "no key"),
        (vec!["nocolon".to_string()], "id:hexkey"),
        (vec![key("Upper", 1)], "a-z"),
        (vec![key("a.b", 1)], "a-z"),
        (vec![format!("a:{secret_hex}")], "64 hex"),
        (vec!["a:zz".to_string()], "not hex"),
        (vec![key("a", 1), key("a", 2)], "twice"),
    ] {
        let e = SecretBox::from_entries(&bad).unwrap_err();
        assert!(e.contains(needle), "{e}");
        assert!(!e.contains(&secret_hex), "{e}");
    }
    let b = ring(&[key("cur", 1), key("old", 2)]);
    assert_eq!(b.current_key_id(), "cur");
    let dbg = format!("{b:?}");
    assert!(dbg.contains("cur") && !dbg.contains("0101"), "{dbg}");
    let e = KeyEntry::generate();
    assert!(valid_key_id(&e.id), "{}", e.id);
    assert!(!format!("{e:?}").contains(&hex::encode(*e.material)));
}

#[test]
fn keyring_file_is_created_private_and_rotates() {
    let dir = std::env::temp_dir().join(format!("lk-secretbox-{}", uuid::Uuid::new_v4()));
    let path = dir.join("sub").join("totp.keys");
    let a = SecretBox::load_or_create_file(&path).unwrap();
    let b = SecretBox::load_or_create_file(&path).unwrap();
    assert_eq!(a.current_key_id(), b.current_key_id());
    let sealed = a.seal(SeedOwner::User("u"), &seed());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let entry = KeyEntry::generate();
    let rotated = add_current_key_to_file(&path, &entry).unwrap();
    assert_eq!(rotated.current_key_id(), entry.id);
    assert!(rotated.has_key(a.current_key_id()));
    let reread = SecretBox::load_file(&path).unwrap();
    assert_eq!(reread.current_key_id(), entry.id);
    assert!(reread.open(SeedOwner::User("u"), &sealed).is_ok());
    assert!(add_current_key_to_file(&path, &entry).is_err());
    let _ = std::fs::remove_dir_all(&dir);
}
