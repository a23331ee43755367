//! Rotating the secret-box key, keyrings missing a key, and seeds stored before encryption.

use super::*;

/// Runs the real binary with a config file naming this app's database and data directory.
fn latchkey_cli(app: &TestApp, keys: &[String], args: &[&str]) -> (i32, String, String) {
    let config = app
        .dir
        .path()
        .join(format!("cli-{}.toml", uuid::Uuid::new_v4().simple()));
    std::fs::write(
        &config,
        format!(
            "database_url = \"{}\"\ndata_dir = \"{}\"\ndemo = false\ndns = \"off\"\nbind = \"127.0.0.1:0\"\nlog_level = \"warn\"\n{}",
            app.db.url,
            app.dir.path().display(),
            keyring(keys)
        ),
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_latchkey"))
        .arg("--config")
        .arg(&config)
        .args(args)
        .current_dir(app.dir.path())
        .env_remove("LATCHKEY_CONFIG")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn rotate_key_reencrypts_every_row_and_the_old_key_can_then_go() {
    // `latchkey rotate-key` (the real binary) re-encrypts every users/admins seed
    // under the new key; afterwards only the new key is needed.
    let app = app_with(&keyring(&[key_old()])).await;
    let erin = app.user(ERIN, OLD, true, true).unwrap();
    app.user(DAVE, OLD, true, false);
    let admin = set_up(&app, ADMIN, None).await;
    // Dave's seed is a plain one from before encryption at rest: rotation seals it too.
    let dave = TotpSecret::generate();
    set_seed(&app, "users", ("email", DAVE), dave.expose_base32());

    // A small batch size, so several batches (transactions) run.
    let (code, out, err) = latchkey_cli(
        &app,
        &[key_new(), key_old()],
        &["rotate-key", "--batch-size", "1"],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        out.contains("Re-encrypted 2 guest and 1 admin TOTP secret(s) under key \"new\""),
        "{out}"
    );
    assert!(
        out.contains("users: 1/2") && out.contains("users: 2/2"),
        "{out}"
    );
    assert!(out.contains("remove \"old\""), "{out}");
    for (table, _, value) in stored_seeds(&app) {
        assert!(value.starts_with("v1.new."), "{table}: {value}");
    }
    assert_seed_nowhere(&app, &erin);
    assert_seed_nowhere(&app, &dave);
    assert_seed_nowhere(&app, &admin.secret);
    let (out_text, err_text) = (out.clone(), err.clone());
    for seed in [erin.expose_base32(), dave.expose_base32()] {
        assert!(!out_text.contains(seed) && !err_text.contains(seed));
    }

    // Safe to re-run: nothing left to do.
    let (code, out, err) = latchkey_cli(&app, &[key_new(), key_old()], &["rotate-key"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("users: 0 to re-encrypt"), "{out}");
    assert!(out.contains("Re-encrypted 0 guest and 0 admin"), "{out}");

    // Only the new key configured: the TOTP step and the admin sign-in still work.
    let app = restart(app, &keyring(&[key_new()])).await;
    assert_totp_accepted(&reset_totp_step(&app, ERIN, 1, &erin).await);
    assert_totp_accepted(&reset_totp_step(&app, DAVE, 1, &dave).await);
    admin_signs_in(&app, &admin).await;
}

#[tokio::test]
async fn rotate_key_new_key_generates_a_key_in_the_keyring_file() {
    // Zero configuration: the keyring is the generated <data_dir>/totp.keys (mode 0600);
    // `rotate-key --new-key` adds a key as current there and re-encrypts.
    let app = app_with("").await;
    let path = app.dir.path().join("totp.keys");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let erin = app.user(ERIN, OLD, true, true).unwrap();
    let before = seed_of(&app, "users", "email", ERIN);
    let old_id = before.split('.').nth(1).unwrap().to_string();

    let config = app.dir.path().join("plain.toml");
    std::fs::write(
        &config,
        format!(
            "database_url = \"{}\"\ndata_dir = \"{}\"\ndemo = false\ndns = \"off\"\nlog_level = \"warn\"\n",
            app.db.url,
            app.dir.path().display()
        ),
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_latchkey"))
        .arg("--config")
        .arg(&config)
        .args(["rotate-key", "--new-key"])
        .current_dir(app.dir.path())
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("Restart every running instance"),
        "{stdout}"
    );
    let after = seed_of(&app, "users", "email", ERIN);
    let new_id = after.split('.').nth(1).unwrap().to_string();
    assert_ne!(new_id, old_id);
    let file = std::fs::read_to_string(&path).unwrap();
    let ids: Vec<&str> = file
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.split(':').next().unwrap())
        .collect();
    assert_eq!(ids, vec![new_id.as_str(), old_id.as_str()]);
    assert!(!stdout.contains(&file.lines().last().unwrap()[old_id.len() + 1..]));

    let app = restart(app, "").await;
    assert_totp_accepted(&reset_totp_step(&app, ERIN, 1, &erin).await);
}

#[tokio::test]
async fn a_keyring_missing_a_key_in_use_is_refused_at_start() {
    // Removing a key that still encrypts seeds would silently break every TOTP it
    // protects; the server refuses to start and names the setting, the key id and the fix.
    let app = app_with(&keyring(&[key_old()])).await;
    app.user(ERIN, OLD, true, true).unwrap();

    let e = build_error(&app, &keyring(&[key_new()])).await;
    assert!(e.contains("secrets.totp_keys"), "{e}");
    assert!(
        e.contains("\"old\"") && e.contains("Add the missing key"),
        "{e}"
    );
    assert!(!e.contains(&"11".repeat(32)), "{e}");

    // The real binary: exit 2 with the same message, for serve and rotate-key.
    for args in [&["serve"][..], &["rotate-key"][..]] {
        let (code, out, err) = latchkey_cli(&app, &[key_new()], args);
        assert_eq!(code, 2, "{args:?}: {out}\n{err}");
        assert!(
            err.contains("secrets.totp_keys") && err.contains("\"old\""),
            "{args:?}: {err}"
        );
    }
    // A malformed keyring is refused before anything else.
    let (code, _, err) = latchkey_cli(&app, &["old:abcd".to_string()], &["serve"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("secrets.totp_keys") && err.contains("64 hex"),
        "{err}"
    );

    // With the old key back (as a non-current key), it starts, and the seed still works.
    let app = restart(app, &keyring(&[key_new(), key_old()])).await;
    let erin_seed = seed_of(&app, "users", "email", ERIN);
    assert!(erin_seed.starts_with("v1.old."));
}

#[tokio::test]
async fn plain_seeds_from_before_the_change_are_encrypted_at_start_and_keep_working() {
    // A database from before encryption at rest keeps working: plain seeds are read
    // as they are, then sealed by the next start (one idempotent pass, counts logged).
    capture_logs();
    let app = app_with("").await;
    app.user(ERIN, OLD, true, false);
    let admin = set_up(&app, ADMIN, None).await;
    let guest = TotpSecret::generate();
    set_seed(&app, "users", ("email", ERIN), guest.expose_base32());
    set_seed(
        &app,
        "admins",
        ("id", &admin.id),
        admin.secret.expose_base32(),
    );

    // Read as they are.
    assert_totp_accepted(&reset_totp_step(&app, ERIN, 1, &guest).await);
    admin_signs_in(&app, &admin).await;

    // The next start seals them.
    let app = restart(app, "").await;
    let seeds = stored_seeds(&app);
    assert_eq!(seeds.len(), 2);
    for (table, _, value) in &seeds {
        assert!(value.starts_with("v1."), "{table}: {value}");
    }
    assert_seed_nowhere(&app, &guest);
    assert_seed_nowhere(&app, &admin.secret);
    let logs = logs();
    assert!(
        logs.contains("encrypted plain TOTP secrets") && logs.contains("encrypted=1"),
        "{logs}"
    );
    assert!(!logs.contains(guest.expose_base32()));

    // Idempotent: a further start changes nothing.
    let app = restart(app, "").await;
    assert_eq!(stored_seeds(&app), seeds);
    assert_totp_accepted(&reset_totp_step(&app, ERIN, 2, &guest).await);
    admin_signs_in(&app, &admin).await;
}
