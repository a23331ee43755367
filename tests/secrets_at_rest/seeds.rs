//! TOTP seeds enrolled through the real flows are sealed and bound to their row.

use super::*;

#[tokio::test]
async fn seeds_enrolled_through_the_real_flows_are_encrypted_and_still_work() {
    // A database dump alone reveals no TOTP seed. docs/security.md#24/#25: the second
    // factor still works (reset TOTP step, admin sign-in). #37: the seed is in no log line.
    capture_logs();
    let app = app_with(&keyring(&[key_old()])).await;
    app.user(ERIN, OLD, true, false);
    let guest = enrol_guest(&app, ERIN).await;
    let admin = set_up(&app, ADMIN, None).await;

    let seeds = stored_seeds(&app);
    assert_eq!(seeds.len(), 2, "{seeds:?}");
    for (table, _, value) in &seeds {
        assert!(value.starts_with("v1.old."), "{table}: {value}");
    }
    assert_seed_nowhere(&app, &guest);
    assert_seed_nowhere(&app, &admin.secret);

    // The reset's TOTP step and the admin sign-in work with the sealed seeds.
    let p = reset_totp_step(&app, ERIN, 1, &guest).await;
    assert_totp_accepted(&p);
    admin_signs_in(&app, &admin).await;

    let logs = logs();
    for seed in [guest.expose_base32(), admin.secret.expose_base32()] {
        assert!(!logs.contains(seed), "a TOTP seed appears in the logs");
    }
}

#[tokio::test]
async fn a_sealed_seed_moved_to_another_row_does_not_verify() {
    // The ciphertext is bound to its row. The guest and the admin see the generic
    // TOTP failure: never a 500, never a skipped second factor (docs/security.md#24).
    let app = app_with(&keyring(&[key_old()])).await;
    let erin = app.user(ERIN, OLD, true, true).unwrap();
    app.user(DAVE, OLD, true, true).unwrap();
    let dave_before = app.password_hash(DAVE);
    let erins = seed_of(&app, "users", "email", ERIN);
    set_seed(&app, "users", ("email", DAVE), &erins);
    // Erin's code on Dave's reset: refused, and the flow never reaches the password form.
    let p = reset_totp_step(&app, DAVE, 1, &erin).await;
    assert_totp_refused(&p);
    assert_eq!(app.password_hash(DAVE), dave_before);
    // Erin herself is unaffected.
    assert_totp_accepted(&reset_totp_step(&app, ERIN, 1, &erin).await);

    // A tampered value fails the same way.
    let mut tampered = erins.clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    set_seed(&app, "users", ("email", ERIN), &tampered);
    assert_totp_refused(&reset_totp_step(&app, ERIN, 2, &erin).await);

    // Admins: A's sealed seed in B's row does not let B in with A's codes.
    let a = set_up(&app, ADMIN, None).await;
    let b = set_up(&app, "second@latchkey.test", None).await;
    let a_seed = seed_of(&app, "admins", "id", &a.id);
    set_seed(&app, "admins", ("id", &b.id), &a_seed);
    let mut browser = app.browser();
    let p = password_step(&mut browser, &b.email, admin_support::ADMIN_PASSWORD).await;
    assert_eq!(p.location(), Some("/admin/login/totp"), "{}", p.body);
    let p = totp_step(&mut browser, &next_code(&app, &a.secret)).await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert_ne!(p.location(), Some("/admin/audit"));
    assert!(!p.body.contains("v1.old"), "{}", p.body);
    assert!(app
        .audit_events()
        .iter()
        .any(|e| e.event == "admin_totp_failed"));
    // A is unaffected.
    admin_signs_in(&app, &a).await;
}
