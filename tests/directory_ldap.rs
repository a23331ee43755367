//! The LDAP connector against a real OpenLDAP `slapd` (tests/support/slapd/): look-ups by
//! address, binds, password writes under the server's ppolicy, outages, failover, renames,
//! StartTLS, and escaping of hostile addresses.

mod support;

use latchkey::directory::ldap::LdapDirectory;
use latchkey::directory::{
    DirectoryError, Lookup, NewEntry, PasswordWrite, RawDirectorySettings, RejectReason,
};
use secrecy::SecretString;
use support::slapd::{self, Slapd};

fn raw(server: &Slapd) -> RawDirectorySettings {
    RawDirectorySettings {
        kind: latchkey::directory::DirectoryKind::Ldap,
        url: vec![server.url()],
        ca_file: Some(server.ca_file()),
        bind_dn: slapd::SERVICE_DN.into(),
        users_base_dn: slapd::PEOPLE.into(),
        timeout_seconds: 5,
        ..RawDirectorySettings::default()
    }
}

fn connector(raw: RawDirectorySettings) -> LdapDirectory {
    let settings = raw
        .validate(Some(slapd::SERVICE_PASSWORD.into()))
        .unwrap_or_else(|e| panic!("{}: {}", e.setting, e.message));
    LdapDirectory::new(settings.ldap.unwrap()).expect("connector")
}

fn secret(s: &str) -> SecretString {
    SecretString::from(s.to_string())
}

#[tokio::test]
async fn lookup_gives_one_account_with_its_facts_or_unknown() {
    let Some(server) = Slapd::start() else { return };
    let dir = connector(raw(&server));

    let Lookup::Found(ann) = dir.lookup("ann@example.com").await.unwrap() else {
        panic!("ann is one entry");
    };
    assert_eq!(ann.dn, slapd::ANN_DN);
    assert_eq!(ann.mail.as_deref(), Some("ann@example.com"));
    assert_eq!(ann.display_name.as_deref(), Some("Ann Example"));
    assert_eq!(ann.stable_id.len(), 36, "an entryUUID: {}", ann.stable_id);
    assert!(!ann.disabled);

    let Lookup::Found(dis) = dir.lookup("disabled@example.com").await.unwrap() else {
        panic!("the disabled entry is found");
    };
    assert!(dis.disabled, "pwdAccountLockedTime marks it disabled");

    let Lookup::Ambiguous(mut dns) = dir.lookup("shared@example.com").await.unwrap() else {
        panic!("two entries share the address");
    };
    dns.sort();
    assert_eq!(
        dns,
        vec![
            format!("uid=twin1,{}", slapd::PEOPLE),
            format!("uid=twin2,{}", slapd::PEOPLE)
        ]
    );
    assert_eq!(
        dir.lookup("nomail@example.com").await.unwrap(),
        Lookup::NotFound
    );
    assert_eq!(
        dir.lookup("nobody@example.com").await.unwrap(),
        Lookup::NotFound
    );
}

#[tokio::test]
async fn hostile_addresses_are_escaped_and_match_nothing() {
    let Some(server) = Slapd::start() else { return };
    let dir = connector(raw(&server));
    for hostile in [
        "*",
        "*)(uid=*))(|(uid=*",
        "*)(mail=*",
        "ann@example.com)(|(mail=*",
        "ann\0@example.com",
        "\\2a",
    ] {
        assert_eq!(
            dir.lookup(hostile).await.unwrap(),
            Lookup::NotFound,
            "{hostile:?} must match nothing"
        );
    }
}

#[tokio::test]
async fn a_user_bind_checks_the_password_and_every_refusal_looks_the_same() {
    let Some(server) = Slapd::start() else { return };
    let dir = connector(raw(&server));
    assert!(dir
        .verify_password(slapd::ANN_DN, &secret(slapd::ANN_PASSWORD))
        .await
        .unwrap());
    assert!(!dir
        .verify_password(slapd::ANN_DN, &secret("wrong-password-123"))
        .await
        .unwrap());
    assert!(!dir
        .verify_password(slapd::ANN_DN, &secret(""))
        .await
        .unwrap());
    assert!(!dir
        .verify_password(
            &format!("uid=ghost,{}", slapd::PEOPLE),
            &secret("whatever-123")
        )
        .await
        .unwrap());
    // A locked (disabled) account with its right password: refused like a wrong password.
    assert!(!dir
        .verify_password(
            &format!("uid=dis,{}", slapd::PEOPLE),
            &secret(slapd::DISABLED_PASSWORD)
        )
        .await
        .unwrap());
}

#[tokio::test]
async fn the_password_modify_exop_sets_the_password_under_ppolicy() {
    let Some(server) = Slapd::start() else { return };
    let dir = connector(raw(&server));

    let Err(DirectoryError::Rejected(r)) = dir.set_password(slapd::ANN_DN, &secret("short")).await
    else {
        panic!("ppolicy pwdMinLength 16 refuses a short password");
    };
    assert_eq!(r.reason, RejectReason::TooShort);
    assert_eq!(r.code, "ppolicy:passwordTooShort");
    assert!(
        server.bind_works(slapd::ANN_DN, slapd::ANN_PASSWORD),
        "nothing changed"
    );

    let Err(DirectoryError::Rejected(r)) = dir
        .set_password(slapd::ANN_DN, &secret(slapd::ANN_PASSWORD))
        .await
    else {
        panic!("ppolicy refuses the current password");
    };
    assert_eq!(r.reason, RejectReason::InHistory);
    assert_eq!(r.code, "ppolicy:passwordInHistory");

    dir.set_password(slapd::ANN_DN, &secret("a brand new passphrase"))
        .await
        .unwrap();
    assert!(server.bind_works(slapd::ANN_DN, "a brand new passphrase"));
    assert!(!server.bind_works(slapd::ANN_DN, slapd::ANN_PASSWORD));

    // Back to the old one: in the history now.
    let Err(DirectoryError::Rejected(r)) = dir
        .set_password(slapd::ANN_DN, &secret(slapd::ANN_PASSWORD))
        .await
    else {
        panic!("pwdInHistory 3 refuses a recent password");
    };
    assert_eq!(r.reason, RejectReason::InHistory);
}

#[tokio::test]
async fn the_attribute_write_replaces_user_password_under_ppolicy() {
    let Some(server) = Slapd::start() else { return };
    let dir = connector(RawDirectorySettings {
        password_write: PasswordWrite::Attribute,
        ..raw(&server)
    });
    let Err(DirectoryError::Rejected(r)) = dir.set_password(slapd::CARL_DN, &secret("tiny")).await
    else {
        panic!("a short password is refused");
    };
    assert_eq!(r.reason, RejectReason::TooShort);
    dir.set_password(slapd::CARL_DN, &secret("carl's new passphrase"))
        .await
        .unwrap();
    assert!(server.bind_works(slapd::CARL_DN, "carl's new passphrase"));
    assert!(!server.bind_works(slapd::CARL_DN, slapd::CARL_PASSWORD));
}

#[tokio::test]
async fn an_outage_is_unavailable_and_the_pool_recovers_after_it() {
    let Some(mut server) = Slapd::start() else {
        return;
    };
    let dir = connector(raw(&server));
    assert!(dir
        .lookup("ann@example.com")
        .await
        .unwrap()
        .account()
        .is_some());

    server.stop();
    let e = dir.lookup("ann@example.com").await.unwrap_err();
    assert!(e.is_unavailable(), "{e}");
    let e = dir
        .set_password(slapd::ANN_DN, &secret("a brand new passphrase"))
        .await
        .unwrap_err();
    assert!(e.is_unavailable(), "{e}");
    let e = dir
        .verify_password(slapd::ANN_DN, &secret(slapd::ANN_PASSWORD))
        .await
        .unwrap_err();
    assert!(e.is_unavailable(), "{e}");

    server.start_again();
    // The first call may still meet a pooled connection that died with the server: it fails as
    // unavailable and empties the pool; the next one reconnects.
    if dir.lookup("ann@example.com").await.is_err() {
        eprintln!("first call after the restart met a dead pooled connection");
    }
    assert!(dir
        .lookup("ann@example.com")
        .await
        .unwrap()
        .account()
        .is_some());
    dir.set_password(slapd::ANN_DN, &secret("after the outage 1"))
        .await
        .unwrap();
    assert!(server.bind_works(slapd::ANN_DN, "after the outage 1"));
}

#[tokio::test]
async fn failover_uses_the_next_url_when_the_first_is_down() {
    let Some(server) = Slapd::start() else { return };
    let dead = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = connector(RawDirectorySettings {
        url: vec![format!("ldap://127.0.0.1:{dead}"), server.url()],
        ..raw(&server)
    });
    assert!(dir
        .lookup("ann@example.com")
        .await
        .unwrap()
        .account()
        .is_some());
}

#[tokio::test]
async fn starttls_refuses_a_server_whose_certificate_is_not_trusted() {
    let Some(server) = Slapd::start() else { return };
    // No ca_file: the system's roots, which do not include the test CA.
    let dir = connector(RawDirectorySettings {
        ca_file: None,
        ..raw(&server)
    });
    let e = dir.lookup("ann@example.com").await.unwrap_err();
    let DirectoryError::Unavailable(why) = e else {
        panic!("unavailable expected")
    };
    assert!(why.contains("TLS failure"), "{why}");
}

#[tokio::test]
async fn a_wrong_service_password_is_unavailable_in_words() {
    let Some(server) = Slapd::start() else { return };
    let settings = raw(&server)
        .validate(Some("not-the-service-password".into()))
        .unwrap();
    let dir = LdapDirectory::new(settings.ldap.unwrap()).unwrap();
    let DirectoryError::Unavailable(why) = dir.lookup("ann@example.com").await.unwrap_err() else {
        panic!("unavailable expected")
    };
    assert!(why.contains("wrong bind_dn or bind_password"), "{why}");
    let report = dir.check(None).await;
    assert!(
        report
            .iter()
            .any(|(ok, line)| !ok && line.contains("wrong password")),
        "{report:?}"
    );
}

#[tokio::test]
async fn a_renamed_entry_keeps_its_stable_id() {
    let Some(server) = Slapd::start() else { return };
    let dir = connector(raw(&server));
    let before = dir.lookup("carl@example.com").await.unwrap();
    server.rename("carl", "carl.renamed");
    let after = dir.lookup("carl@example.com").await.unwrap();
    let (before, after) = (before.account().unwrap(), after.account().unwrap());
    assert_eq!(after.dn, format!("uid=carl.renamed,{}", slapd::PEOPLE));
    assert_ne!(before.dn, after.dn);
    assert_eq!(before.stable_id, after.stable_id);
}

#[tokio::test]
async fn entries_are_created_only_under_create_under() {
    let Some(server) = Slapd::start() else { return };
    let read_only = connector(raw(&server));
    let password = secret("invited guest passphrase");
    let entry = NewEntry {
        email: "new.guest@example.com",
        display_name: "New Guest",
        password: &password,
    };
    assert!(matches!(
        read_only.create(&entry).await,
        Err(DirectoryError::ReadOnly)
    ));

    let writable = connector(RawDirectorySettings {
        create_under: Some(slapd::PEOPLE.into()),
        ..raw(&server)
    });
    let account = writable.create(&entry).await.unwrap();
    assert_eq!(account.mail.as_deref(), Some("new.guest@example.com"));
    assert!(server.bind_works(&account.dn, "invited guest passphrase"));
}
