use super::*;

fn email(s: &str) -> EmailAddress {
    EmailAddress::parse(s).expect("valid test address")
}

fn offline(settings: DeliverabilitySettings) -> Deliverability {
    Deliverability::new(DnsMode::Off, &settings).expect("offline service")
}

fn with_static(entries: &[(&str, StaticAnswer)]) -> DeliverabilitySettings {
    DeliverabilitySettings {
        static_answers: entries
            .iter()
            .map(|(d, a)| ((*d).to_owned(), a.clone()))
            .collect(),
        ..DeliverabilitySettings::default()
    }
}

#[tokio::test]
async fn dns_off_is_unknown_without_lookups() {
    let d = offline(DeliverabilitySettings::default());
    assert_eq!(
        d.check(&email("a@example.org"), false).await,
        EmailVerdict::Unknown(UnknownReason::DnsOff)
    );
    assert_eq!(d.txt_records("example.org").await, Err(TxtError::DnsOff));
}

#[tokio::test]
async fn static_answers_apply_with_dns_off() {
    let d = offline(with_static(&[
        (
            "mx.example",
            StaticAnswer {
                mx: vec!["mail.mx.example".into()],
                txt: vec!["latchkey-verification=abc".into()],
                ..StaticAnswer::default()
            },
        ),
        (
            "NULL.example.",
            StaticAnswer {
                null_mx: true,
                ..StaticAnswer::default()
            },
        ),
        (
            "a-only.example",
            StaticAnswer {
                addresses: vec!["192.0.2.1".parse().expect("ip")],
                ..StaticAnswer::default()
            },
        ),
        (
            "gone.example",
            StaticAnswer {
                nxdomain: true,
                ..StaticAnswer::default()
            },
        ),
        ("bare.example", StaticAnswer::default()),
        (
            "bücher.example",
            StaticAnswer {
                null_mx: true,
                ..StaticAnswer::default()
            },
        ),
    ]));
    let cases = [
        ("a@mx.example", EmailVerdict::Deliverable),
        (
            "a@null.example",
            EmailVerdict::Undeliverable(UndeliverableReason::NullMx),
        ),
        ("a@a-only.example", EmailVerdict::Deliverable),
        (
            "a@gone.example",
            EmailVerdict::Undeliverable(UndeliverableReason::Nxdomain),
        ),
        (
            "a@bare.example",
            EmailVerdict::Undeliverable(UndeliverableReason::NoMailHost),
        ),
        (
            "a@xn--bcher-kva.example",
            EmailVerdict::Undeliverable(UndeliverableReason::NullMx),
        ),
    ];
    for (address, expected) in cases {
        assert_eq!(d.check(&email(address), false).await, expected, "{address}");
    }
    assert_eq!(
        d.txt_records("MX.example").await,
        Ok(vec!["latchkey-verification=abc".to_owned()])
    );
    assert_eq!(d.txt_records("gone.example").await, Err(TxtError::NxDomain));
    assert_eq!(d.txt_records("bare.example").await, Ok(vec![]));
}

#[tokio::test]
async fn bounced_wins_over_everything() {
    let d = offline(with_static(&[(
        "mx.example",
        StaticAnswer {
            mx: vec!["mail.mx.example".into()],
            ..StaticAnswer::default()
        },
    )]));
    for address in ["a@mx.example", "a@mailinator.com", "a@gmail.com"] {
        assert_eq!(
            d.check(&email(address), true).await,
            EmailVerdict::Undeliverable(UndeliverableReason::Bounced)
        );
    }
}

#[tokio::test]
async fn disposable_domains_and_their_subdomains_are_undeliverable() {
    let d = offline(DeliverabilitySettings {
        extra_disposable_domains: vec!["Throwaway.Example".into()],
        ..with_static(&[(
            "mailinator.com",
            StaticAnswer {
                mx: vec!["mail.mailinator.com".into()],
                ..StaticAnswer::default()
            },
        )])
    });
    for address in [
        "a@mailinator.com",
        "a@eu.mailinator.com",
        "a@throwaway.example",
        "a@x.throwaway.example",
    ] {
        assert_eq!(
            d.check(&email(address), false).await,
            EmailVerdict::Undeliverable(UndeliverableReason::Disposable),
            "{address}"
        );
    }
    assert!(d.is_disposable("MAILINATOR.COM."));
    assert!(!d.is_disposable("example.org"));
}

#[tokio::test]
async fn consumer_domains_are_deliverable_and_flagged() {
    let d = offline(DeliverabilitySettings::default());
    assert!(d.is_consumer("gmail.com"));
    assert!(d.is_consumer("GMail.com."));
    assert!(!d.is_consumer("mail.gmail.com"));
    assert!(!d.is_consumer("example.org"));
    assert_eq!(
        d.check(&email("a@gmail.com"), false).await,
        EmailVerdict::Deliverable
    );
    let custom = offline(DeliverabilitySettings {
        consumer_domains: vec!["mail.example".into()],
        ..DeliverabilitySettings::default()
    });
    assert!(custom.is_consumer("mail.example"));
    assert!(!custom.is_consumer("gmail.com"));
}

#[test]
fn building_needs_no_async_runtime() {
    let servers = DnsMode::Servers(vec!["127.0.0.1:53".parse().expect("addr")]);
    assert!(Deliverability::new(servers, &DeliverabilitySettings::default()).is_ok());
}

#[tokio::test]
async fn txt_lookups_refuse_invalid_names() {
    let d = offline(DeliverabilitySettings::default());
    assert_eq!(d.txt_records("a..b").await, Err(TxtError::InvalidName));
}

#[test]
fn invalid_settings_are_refused_with_context() {
    let bad = DeliverabilitySettings {
        extra_disposable_domains: vec!["a..b".into()],
        ..DeliverabilitySettings::default()
    };
    let e = Deliverability::new(DnsMode::Off, &bad).unwrap_err();
    assert!(
        format!("{e:#}").contains("extra_disposable_domains"),
        "{e:#}"
    );

    let contradictory = with_static(&[(
        "x.example",
        StaticAnswer {
            nxdomain: true,
            txt: vec!["t".into()],
            ..StaticAnswer::default()
        },
    )]);
    assert!(Deliverability::new(DnsMode::Off, &contradictory).is_err());
}
