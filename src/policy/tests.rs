//! The policy table, row by row, then the ordering between rows, then properties.

use super::rules::{Seen, RULES};
use super::*;
use crate::domain::tenant::{Plan, TenantKind};
use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
use proptest::prelude::*;

fn now() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 11, 3)
        .and_then(|d| d.and_hms_opt(12, 0, 0))
        .expect("valid date")
}

fn tenant(kind: TenantKind, plan: Plan, sspr_enabled: bool, methods_required: u8) -> TenantFacts {
    TenantFacts {
        kind,
        plan,
        sspr_enabled,
        methods_required,
    }
}

fn managed_premium() -> TenantFacts {
    tenant(TenantKind::Managed, Plan::Premium, true, 1)
}

fn good_account() -> AccountFacts {
    AccountFacts {
        disabled: false,
        locked_until: None,
        verified: true,
        totp_enrolled: false,
    }
}

/// Facts that pass every rule; each row below breaks exactly what it tests.
fn allowed() -> Facts {
    Facts {
        tenant: Some(managed_premium()),
        account: Some(good_account()),
        email: EmailVerdict::Deliverable,
        now: now(),
    }
}

fn code(f: &Facts) -> &'static str {
    decide(f).code()
}

// ---- one test per row ----------------------------------------------------------------------

#[test]
fn row1_managed_free_tenant_is_not_licensed() {
    let f = Facts {
        tenant: Some(tenant(TenantKind::Managed, Plan::Free, true, 1)),
        ..allowed()
    };
    assert_eq!(decide(&f), Decision::Deny(DenyReason::TenantNotLicensed));
}

#[test]
fn row2_managed_premium_with_sspr_off_is_disabled() {
    let f = Facts {
        tenant: Some(tenant(TenantKind::Managed, Plan::Premium, false, 1)),
        ..allowed()
    };
    assert_eq!(decide(&f), Decision::Deny(DenyReason::SsprDisabled));
}

#[test]
fn row3_no_account_is_unknown_account() {
    let f = Facts {
        account: None,
        ..allowed()
    };
    assert_eq!(decide(&f), Decision::Deny(DenyReason::UnknownAccount));
}

#[test]
fn row4_disabled_account_is_denied() {
    let f = Facts {
        account: Some(AccountFacts {
            disabled: true,
            ..good_account()
        }),
        ..allowed()
    };
    assert_eq!(decide(&f), Decision::Deny(DenyReason::AccountDisabled));
}

#[test]
fn row5_locked_account_is_denied_until_the_lock_ends() {
    let until = now() + TimeDelta::minutes(15);
    let mut f = Facts {
        account: Some(AccountFacts {
            locked_until: Some(until),
            ..good_account()
        }),
        ..allowed()
    };
    assert_eq!(
        decide(&f),
        Decision::Deny(DenyReason::AccountLocked { until })
    );
    // The same facts gathered when the lock has ended: the lock no longer applies.
    f.now = until;
    assert_eq!(code(&f), "allow");
    f.now = until + TimeDelta::seconds(1);
    assert_eq!(code(&f), "allow");
}

#[test]
fn row6_undeliverable_email_is_denied_with_its_sub_reason() {
    for &reason in UndeliverableReason::ALL {
        let f = Facts {
            email: EmailVerdict::Undeliverable(reason),
            ..allowed()
        };
        let d = decide(&f);
        assert_eq!(d, Decision::Deny(DenyReason::EmailUndeliverable(reason)));
        assert_eq!(
            d.deny_reason().and_then(DenyReason::sub_reason),
            Some(reason.code())
        );
    }
}

#[test]
fn row6_unknown_deliverability_does_not_deny() {
    for reason in [
        UnknownReason::DnsOff,
        UnknownReason::Timeout,
        UnknownReason::ServerFailure,
        UnknownReason::ResolverError,
    ] {
        let f = Facts {
            email: EmailVerdict::Unknown(reason),
            ..allowed()
        };
        assert!(decide(&f).is_allow(), "{reason:?}");
    }
}

#[test]
fn row7_unverified_email_is_denied() {
    let f = Facts {
        account: Some(AccountFacts {
            verified: false,
            ..good_account()
        }),
        ..allowed()
    };
    assert_eq!(decide(&f), Decision::Deny(DenyReason::EmailUnverified));
}

#[test]
fn row8_two_methods_required_without_totp_is_denied() {
    let f = Facts {
        tenant: Some(tenant(TenantKind::Managed, Plan::Premium, true, 2)),
        ..allowed()
    };
    assert_eq!(decide(&f), Decision::Deny(DenyReason::MethodsNotRegistered));
}

#[test]
fn row9_otherwise_allow_with_email_link_and_totp_when_enrolled_or_required() {
    assert_eq!(
        decide(&allowed()),
        Decision::Allow {
            methods: Methods {
                email_link: true,
                totp: false
            }
        }
    );
    let enrolled = Facts {
        account: Some(AccountFacts {
            totp_enrolled: true,
            ..good_account()
        }),
        ..allowed()
    };
    assert_eq!(
        decide(&enrolled),
        Decision::Allow {
            methods: Methods {
                email_link: true,
                totp: true
            }
        }
    );
    let required = Facts {
        tenant: Some(tenant(TenantKind::Managed, Plan::Premium, true, 2)),
        ..enrolled.clone()
    };
    assert_eq!(decide(&required), decide(&enrolled));
}

#[test]
fn unmanaged_tenants_allow_whatever_their_plan_and_switch() {
    for plan in [Plan::Free, Plan::Premium] {
        for sspr in [true, false] {
            let f = Facts {
                tenant: Some(tenant(TenantKind::Unmanaged, plan, sspr, 1)),
                ..allowed()
            };
            assert_eq!(code(&f), "allow", "{plan} sspr={sspr}");
        }
    }
}

#[test]
fn a_domain_without_a_tenant_behaves_as_unmanaged() {
    let f = Facts {
        tenant: None,
        ..allowed()
    };
    assert_eq!(code(&f), "allow");
    let f = Facts {
        tenant: None,
        account: None,
        ..allowed()
    };
    assert_eq!(code(&f), "unknown_account");
}

// ---- ordering between rows -----------------------------------------------------------------

#[test]
fn managed_free_tenant_with_unknown_account_is_not_licensed() {
    // Domain-level first: otherwise the browser would see different pages for known and unknown
    // accounts of a licensed-out tenant.
    let f = Facts {
        tenant: Some(tenant(TenantKind::Managed, Plan::Free, false, 2)),
        account: None,
        email: EmailVerdict::Undeliverable(UndeliverableReason::Nxdomain),
        now: now(),
    };
    assert_eq!(code(&f), "tenant_not_licensed");
}

#[test]
fn sspr_disabled_wins_over_every_account_rule() {
    let f = Facts {
        tenant: Some(tenant(TenantKind::Managed, Plan::Premium, false, 2)),
        account: None,
        ..allowed()
    };
    assert_eq!(code(&f), "sspr_disabled");
}

#[test]
fn each_rule_wins_over_the_ones_after_it() {
    // Start with everything wrong, then fix one rule at a time: the code walks down the table.
    let mut f = Facts {
        tenant: Some(tenant(TenantKind::Managed, Plan::Free, false, 2)),
        account: None,
        email: EmailVerdict::Undeliverable(UndeliverableReason::NullMx),
        now: now(),
    };
    let mut account = AccountFacts {
        disabled: true,
        locked_until: Some(now() + TimeDelta::hours(1)),
        verified: false,
        totp_enrolled: false,
    };
    let mut seen = vec![code(&f)];
    f.tenant = Some(tenant(TenantKind::Managed, Plan::Premium, false, 2));
    seen.push(code(&f));
    f.tenant = Some(tenant(TenantKind::Managed, Plan::Premium, true, 2));
    seen.push(code(&f));
    f.account = Some(account.clone());
    seen.push(code(&f));
    account.disabled = false;
    f.account = Some(account.clone());
    seen.push(code(&f));
    account.locked_until = None;
    f.account = Some(account.clone());
    seen.push(code(&f));
    f.email = EmailVerdict::Deliverable;
    seen.push(code(&f));
    account.verified = true;
    f.account = Some(account.clone());
    seen.push(code(&f));
    account.totp_enrolled = true;
    f.account = Some(account);
    seen.push(code(&f));

    let mut expected = DenyReason::CODES.to_vec();
    expected.push("allow");
    assert_eq!(seen, expected);
}

#[test]
fn disabled_wins_over_locked_and_locked_over_undeliverable() {
    let f = Facts {
        account: Some(AccountFacts {
            disabled: true,
            locked_until: Some(now() + TimeDelta::hours(1)),
            verified: false,
            totp_enrolled: false,
        }),
        email: EmailVerdict::Undeliverable(UndeliverableReason::Bounced),
        ..allowed()
    };
    assert_eq!(code(&f), "account_disabled");
}

// ---- reasons: codes, sentences, flags ------------------------------------------------------

fn every_reason() -> Vec<DenyReason> {
    let mut all = vec![
        DenyReason::TenantNotLicensed,
        DenyReason::SsprDisabled,
        DenyReason::UnknownAccount,
        DenyReason::AccountDisabled,
        DenyReason::AccountLocked { until: now() },
    ];
    all.extend(
        UndeliverableReason::ALL
            .iter()
            .map(|r| DenyReason::EmailUndeliverable(*r)),
    );
    all.extend([
        DenyReason::EmailUnverified,
        DenyReason::MethodsNotRegistered,
    ]);
    all
}

#[test]
fn codes_are_stable_snake_case_and_in_rule_order() {
    for r in every_reason() {
        let c = r.code();
        assert!(
            c.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
            "{c}"
        );
        assert_eq!(DenyReason::CODES[usize::from(r.rule()) - 1], c);
    }
}

#[test]
fn only_domain_level_reasons_are_browser_visible() {
    for r in every_reason() {
        assert_eq!(r.browser_visible(), r.rule() <= 2, "{}", r.code());
    }
}

#[test]
fn only_locked_unverified_and_missing_methods_get_an_explanation_email() {
    let mailable: Vec<_> = every_reason()
        .into_iter()
        .filter(DenyReason::mailable)
        .map(|r| r.code())
        .collect();
    assert_eq!(
        mailable,
        [
            "account_locked",
            "email_unverified",
            "methods_not_registered"
        ]
    );
}

#[test]
fn references_are_upper_kebab_with_the_sub_reason() {
    assert_eq!(
        DenyReason::TenantNotLicensed.reference(),
        "LK-TENANT-NOT-LICENSED"
    );
    assert_eq!(
        DenyReason::EmailUndeliverable(UndeliverableReason::NullMx).reference(),
        "LK-EMAIL-UNDELIVERABLE-NULL-MX"
    );
}

#[test]
fn every_reason_has_a_guest_message_and_an_admin_sentence() {
    for r in every_reason() {
        let (id, until) = r.guest_message();
        assert!(id.starts_with("deny-"), "{}: {id}", r.code());
        assert_eq!(until.is_some(), r.code() == "account_locked");
        let s = r.admin_sentence();
        assert!(s.len() > 20 && s.ends_with('.'), "{}: {s}", r.code());
        assert!(!s.contains("  "), "{}: {s:?}", r.code());
    }
    let locked = DenyReason::AccountLocked {
        until: now() + TimeDelta::minutes(30),
    };
    assert_eq!(
        locked.guest_message(),
        ("deny-account-locked", Some("2026-11-03 12:30".to_string()))
    );
}

#[test]
fn decision_serialises_with_decision_and_code() {
    let allow = serde_json::to_value(decide(&allowed())).expect("json");
    assert_eq!(allow["decision"], "allow");
    assert_eq!(allow["code"], "allow");
    assert_eq!(allow["methods"]["email_link"], true);

    let f = Facts {
        email: EmailVerdict::Undeliverable(UndeliverableReason::Disposable),
        ..allowed()
    };
    let deny = serde_json::to_value(decide(&f)).expect("json");
    assert_eq!(deny["decision"], "deny");
    assert_eq!(deny["code"], "email_undeliverable");
    assert_eq!(deny["reason"]["sub_reason"], "disposable");
    assert_eq!(
        deny["reason"]["reference"],
        "LK-EMAIL-UNDELIVERABLE-DISPOSABLE"
    );
    assert_eq!(deny["reason"]["browser_visible"], false);

    let facts = serde_json::to_value(&f).expect("json");
    assert_eq!(facts["email"]["verdict"], "undeliverable");
    assert_eq!(facts["email"]["reason"], "disposable");
    assert_eq!(facts["tenant"]["kind"], "managed");
    assert_eq!(facts["now"], "2026-11-03T12:00:00");
}

// ---- explain --------------------------------------------------------------------------------

#[test]
fn explain_lists_every_rule_and_all_pass_when_allowed() {
    let checks = explain(&allowed());
    assert_eq!(
        checks.iter().map(|c| c.rule).collect::<Vec<_>>(),
        (1..=8).collect::<Vec<_>>()
    );
    assert!(checks.iter().all(|c| c.passed));
}

#[test]
fn explain_marks_account_checks_not_applicable_without_an_account() {
    let f = Facts {
        account: None,
        ..allowed()
    };
    let checks = explain(&f);
    let failed: Vec<_> = checks
        .iter()
        .filter(|c| !c.passed)
        .map(|c| c.name)
        .collect();
    assert_eq!(failed, ["account_exists"]);
    assert!(checks
        .iter()
        .filter(|c| [4, 5, 7, 8].contains(&c.rule))
        .all(|c| c.detail.starts_with("not applicable")));
}

#[test]
fn explain_says_unknown_deliverability_does_not_deny() {
    let f = Facts {
        email: EmailVerdict::Unknown(UnknownReason::Timeout),
        ..allowed()
    };
    let check = explain(&f)
        .into_iter()
        .find(|c| c.name == "email_deliverable")
        .expect("check present");
    assert!(check.passed);
    assert!(check.detail.contains("timeout"));
}

// ---- properties -----------------------------------------------------------------------------

fn arb_tenant() -> impl Strategy<Value = Option<TenantFacts>> {
    proptest::option::of(
        (
            prop_oneof![Just(TenantKind::Unmanaged), Just(TenantKind::Managed)],
            prop_oneof![Just(Plan::Free), Just(Plan::Premium)],
            any::<bool>(),
            0u8..=3,
        )
            .prop_map(|(kind, plan, sspr_enabled, methods_required)| TenantFacts {
                kind,
                plan,
                sspr_enabled,
                methods_required,
            }),
    )
}

fn arb_account() -> impl Strategy<Value = Option<AccountFacts>> {
    proptest::option::of(
        (
            any::<bool>(),
            proptest::option::of(-120i64..120),
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(|(disabled, lock, verified, totp_enrolled)| AccountFacts {
                disabled,
                locked_until: lock.map(|m| now() + TimeDelta::minutes(m)),
                verified,
                totp_enrolled,
            }),
    )
}

fn arb_verdict() -> impl Strategy<Value = EmailVerdict> {
    prop_oneof![
        Just(EmailVerdict::Deliverable),
        proptest::sample::select(UndeliverableReason::ALL).prop_map(EmailVerdict::Undeliverable),
        prop_oneof![
            Just(UnknownReason::DnsOff),
            Just(UnknownReason::Timeout),
            Just(UnknownReason::ServerFailure),
            Just(UnknownReason::ResolverError),
        ]
        .prop_map(EmailVerdict::Unknown),
    ]
}

fn arb_facts() -> impl Strategy<Value = Facts> {
    (arb_tenant(), arb_account(), arb_verdict()).prop_map(|(tenant, account, email)| Facts {
        tenant,
        account,
        email,
        now: now(),
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn never_allow_when_undeliverable(f in arb_facts()) {
        if matches!(f.email, EmailVerdict::Undeliverable(_)) {
            prop_assert!(!decide(&f).is_allow());
        }
    }

    #[test]
    fn never_allow_when_unverified_or_unknown(f in arb_facts()) {
        if f.account.as_ref().is_none_or(|a| !a.verified) {
            prop_assert!(!decide(&f).is_allow());
        }
    }

    #[test]
    fn never_allow_when_managed_and_free(f in arb_facts()) {
        if f.tenant.as_ref().is_some_and(|t| t.kind == TenantKind::Managed && t.plan == Plan::Free) {
            prop_assert_eq!(decide(&f).code(), "tenant_not_licensed");
        }
    }

    #[test]
    fn never_allow_disabled_or_locked_accounts(f in arb_facts()) {
        if let Some(a) = &f.account {
            if a.disabled || a.locked_until.is_some_and(|u| u > f.now) {
                prop_assert!(!decide(&f).is_allow());
            }
        }
    }

    #[test]
    fn allow_always_includes_the_email_link_and_required_totp(f in arb_facts()) {
        if let Decision::Allow { methods } = decide(&f) {
            prop_assert!(methods.email_link);
            let required = f.tenant.as_ref().is_some_and(TenantFacts::requires_two_methods);
            let enrolled = f.account.as_ref().is_some_and(|a| a.totp_enrolled);
            prop_assert_eq!(methods.totp, required || enrolled);
            // Two methods are never granted without an enrolled TOTP.
            prop_assert!(!methods.totp || enrolled);
        }
    }

    #[test]
    fn browser_visible_only_for_domain_level_reasons(f in arb_facts()) {
        if let Decision::Deny(reason) = decide(&f) {
            prop_assert_eq!(
                reason.browser_visible(),
                matches!(reason, DenyReason::TenantNotLicensed | DenyReason::SsprDisabled)
            );
        }
    }

    #[test]
    fn the_browser_sees_the_same_thing_whatever_the_account(
        tenant in arb_tenant(),
        email in arb_verdict(),
        a in arb_account(),
        b in arb_account(),
    ) {
        // What the browser may learn (a visible reason, or nothing) depends only on the domain.
        let visible = |account| {
            let d = decide(&Facts { tenant: tenant.clone(), account, email, now: now() });
            d.deny_reason().filter(|r| r.browser_visible()).copied()
        };
        prop_assert_eq!(visible(a), visible(b));
    }

    #[test]
    fn explain_agrees_with_decide(f in arb_facts()) {
        let first_failed = explain(&f).into_iter().find(|c| !c.passed).map(|c| c.deny_code);
        prop_assert_eq!(first_failed.unwrap_or("allow"), decide(&f).code());
    }

    #[test]
    fn the_explanations_deciding_rule_is_the_decisions_rule(f in arb_facts()) {
        // The deciding rule of an explanation is its first failing check; a decision's rule is
        // its deny reason's. They agree in number and code, and an allow has no failing check.
        let checks = explain(&f);
        prop_assert_eq!(checks.len(), RULES.len());
        let deciding = checks.iter().find(|c| !c.passed);
        let decision = decide(&f);
        prop_assert_eq!(
            deciding.map(|c| (c.rule, c.deny_code)),
            decision.deny_reason().map(|r| (r.rule(), r.code()))
        );
        // Every rule that denies on these facts names the reason it denies with.
        let seen = Seen::new(&f);
        for (rule, number) in RULES.iter().zip(1u8..) {
            if let Some(reason) = (rule.deny)(&seen) {
                prop_assert_eq!(reason.code(), rule.deny_code);
                prop_assert_eq!(reason.rule(), number);
            }
        }
    }
}

#[test]
fn the_table_holds_every_deny_code_in_rule_order() {
    let codes: Vec<_> = RULES.iter().map(|r| r.deny_code).collect();
    assert_eq!(codes, DenyReason::CODES);
    let checks = explain(&allowed());
    assert_eq!(
        checks.iter().map(|c| c.name).collect::<Vec<_>>(),
        RULES.iter().map(|r| r.name).collect::<Vec<_>>()
    );
}
