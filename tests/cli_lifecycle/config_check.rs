//! `latchkey config check` and its exit codes.

use super::*;

fn config_check(cli: &Cli, env: &[(&str, &str)]) -> (i32, String, String) {
    let mut env = env.to_vec();
    env.insert(0, ("LATCHKEY_SMTP_TIMEOUT_SECONDS", "5"));
    cli.run_env(&["config", "check"], &env)
}

// Multi-threaded: the SMTP sink answers while this thread waits for the binary.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_check_reports_what_it_found_with_exit_codes_0_1_2() {
    let cli = Cli::new();
    // All good: the database answers, mail goes to the outbox.
    let (code, out, err) = config_check(&cli, &[]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("configuration: valid"), "{out}");
    assert!(out.contains("ok   database   reachable"), "{out}");
    assert!(out.contains("outbox directory writable"), "{out}");
    assert!(out.contains("all checks passed"), "{out}");

    // A relay that answers, reached with credentials that are never printed.
    let sink = support::smtp::SmtpSink::start().await;
    let (code, out, err) = config_check(&cli, &[("LATCHKEY_SMTP_URL", &sink.url())]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("the relay answered"), "{out}");

    // A relay that is not there: exit 1, the failure named; the password never printed.
    let port = support::process::free_port();
    let url = format!("smtp://mailer:s3cret-pw@127.0.0.1:{port}?tls=none");
    let (code, out, err) = config_check(&cli, &[("LATCHKEY_SMTP_URL", &url)]);
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(out.contains("FAIL mail"), "{out}");
    assert!(
        out.contains(&format!("smtp via smtp://127.0.0.1:{port}")),
        "{out}"
    );
    assert!(
        !out.contains("s3cret-pw") && !err.contains("s3cret-pw"),
        "{out}\n{err}"
    );

    // A database that is not there: exit 1.
    let (code, out, err) = config_check(
        &cli,
        &[(
            "LATCHKEY_DATABASE_URL",
            "postgres://latchkey:pw@127.0.0.1:1/latchkey",
        )],
    );
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(out.contains("FAIL database"), "{out}");

    // An invalid configuration: exit 2, the setting named.
    let (code, out, err) = config_check(&cli, &[("LATCHKEY_RETENTION__AUDIT_DAYS", "0")]);
    assert_eq!(code, 2, "{out}\n{err}");
    assert!(err.contains("retention.audit_days"), "{err}");
}
