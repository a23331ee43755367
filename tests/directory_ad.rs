//! The connector in Active Directory mode against a real Samba AD domain controller
//! (tests/support/samba_ad.rs): `password_write = "ad"` (`unicodePwd`) over LDAPS with the
//! server's CA in `ca_file`, `objectGUID` as the stable id, `userAccountControl` for disabled
//! accounts. One domain controller serves every check (provisioning takes a while, and Samba's
//! ports are fixed, so two servers cannot run side by side).

mod support;
use latchkey::directory::ldap::LdapDirectory;
use latchkey::directory::{
    DirectoryError, LdapSettings, Lookup, PasswordWrite, RejectReason, TlsMode,
};
use secrecy::SecretString;
use std::time::Duration;
use support::samba_ad::{self, SambaAd};

fn settings(server: &SambaAd) -> LdapSettings {
    LdapSettings {
        urls: vec![server.url()],
        tls: TlsMode::Ldaps,
        ca_file: Some(server.ca_file()),
        bind_dn: samba_ad::SERVICE_DN.into(),
        bind_password: SecretString::from(samba_ad::SERVICE_PASSWORD),
        users_base_dn: samba_ad::USERS.into(),
        user_filter: "(&(objectClass=user)(mail={email}))".into(),
        mail_attribute: "mail".into(),
        display_name_attribute: "displayName".into(),
        id_attribute: "objectGUID".into(),
        disabled_attribute: "userAccountControl".into(),
        password_write: PasswordWrite::Ad,
        create_under: None,
        create_object_classes: Vec::new(),
        timeout: Duration::from_secs(30),
        pool_size: 2,
    }
}

fn secret(s: &str) -> SecretString {
    SecretString::from(s)
}

#[tokio::test]
async fn active_directory_mode_against_samba() {
    let Some(server) = SambaAd::start() else {
        return;
    };
    let dir = LdapDirectory::new(settings(&server)).expect("connector");

    // Found by mail, with objectGUID (16 bytes, in hex) as its stable id; enabled.
    let Lookup::Found(ann) = dir.lookup(samba_ad::ANN_MAIL).await.expect("lookup") else {
        panic!("ann is not found");
    };
    assert_eq!(
        ann.stable_id.len(),
        32,
        "objectGUID in hex: {}",
        ann.stable_id
    );
    assert!(ann.stable_id.chars().all(|c| c.is_ascii_hexdigit()));
    assert!(!ann.disabled);
    assert_eq!(ann.mail.as_deref(), Some(samba_ad::ANN_MAIL));
    assert!(dir
        .verify_password(&ann.dn, &secret(samba_ad::ANN_PASSWORD))
        .await
        .unwrap());

    // A password set through unicodePwd: the new one binds, the old one no longer does.
    let new = "Brisk-Meadow-Compass-81";
    dir.set_password(&ann.dn, &secret(new))
        .await
        .expect("the password is set");
    assert!(dir.verify_password(&ann.dn, &secret(new)).await.unwrap());
    assert!(!dir
        .verify_password(&ann.dn, &secret(samba_ad::ANN_PASSWORD))
        .await
        .unwrap());

    // The domain's policy refuses a short or simple password: a rejection with AD's code,
    // not an outage; nothing changed.
    for refused in ["Ab1!", "alllowercaseletters"] {
        match dir.set_password(&ann.dn, &secret(refused)).await {
            Err(DirectoryError::Rejected(r)) => {
                assert_eq!(r.code, "ad:0000052D", "{refused}: {r:?}");
                assert!(
                    matches!(r.reason, RejectReason::TooShort | RejectReason::Quality),
                    "{refused}: {r:?}"
                );
            }
            other => panic!("{refused}: expected a rejection, got {other:?}"),
        }
    }
    assert!(dir.verify_password(&ann.dn, &secret(new)).await.unwrap());

    // A reset by the service account is not checked against the history (as on Windows): the
    // same password again is accepted.
    dir.set_password(&ann.dn, &secret(new))
        .await
        .expect("an administrator's reset ignores the history");

    // A disabled account (userAccountControl bit 0x2) is seen as disabled.
    let Lookup::Found(dis) = dir.lookup(samba_ad::DISABLED_MAIL).await.expect("lookup") else {
        panic!("the disabled account is not found");
    };
    assert!(dis.disabled);
    assert_ne!(dis.stable_id, ann.stable_id);

    // Unknown and hostile addresses find nobody.
    assert_eq!(
        dir.lookup("nobody@latchkey.test").await.unwrap(),
        Lookup::NotFound
    );
    assert_eq!(dir.lookup("*").await.unwrap(), Lookup::NotFound);
    drop(server);
}
