//! OpenTelemetry export (cargo feature `otel`): the real binary, configured only by the standard OTEL_* variables, posts its request spans
//! as OTLP HTTP/protobuf to a local receiver, in the caller's trace when a `traceparent` came
//! with the request; the last spans are flushed on SIGTERM; a collector's refusal is logged;
//! without an endpoint nothing is built and nothing is sent. Run with `cargo test --features otel --test otel`.
//!
//! The receiver does not decode protobuf: the assertions look for the raw bytes a span must
//! hold (the 16-byte trace id, the 8-byte parent span id, the names as UTF-8).
//!
//! Without the feature only the last test runs: an endpoint set for a binary built without it
//! gets one clear warning, and the service runs.

mod support;

#[cfg(feature = "otel")]
mod exported {
    use super::support;

    use std::time::Duration;
    use support::http_stub::{Reply, StubRequest, StubServer};
    use support::process::{self, ProcessConfig, ServerProcess};

    const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
    const PARENT_SPAN_ID: &str = "00f067aa0ba902b7";
    /// In the query string of one request: the raw target is never exported, only the route.
    const SECRET_IN_QUERY: &str = "s3cr3t-t0ken-in-the-query";

    /// A receiver that accepts every export with 200 (an empty protobuf answer).
    async fn collector() -> StubServer {
        StubServer::start(|_| {
            Reply::Respond(
                200,
                vec![("content-type".into(), "application/x-protobuf".into())],
                vec![],
            )
        })
        .await
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    fn exports(stub: &StubServer) -> Vec<StubRequest> {
        stub.requests()
            .into_iter()
            .filter(|r| r.path == "/v1/traces")
            .collect()
    }

    /// The exports received so far that hold the caller's trace id.
    fn exports_of_trace(stub: &StubServer) -> Vec<StubRequest> {
        let trace = hex::decode(TRACE_ID).unwrap();
        exports(stub)
            .into_iter()
            .filter(|r| contains(&r.body, &trace))
            .collect()
    }

    /// Whether the process runs the OpenTelemetry batch exporter thread.
    fn has_exporter_thread(pid: i32) -> bool {
        std::fs::read_dir(format!("/proc/{pid}/task"))
            .unwrap()
            .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
            .any(|name| name.starts_with("OpenTelemetry"))
    }

    fn server_config(dir: &std::path::Path, env: &[(&str, String)]) -> ProcessConfig {
        // SQLite in the temporary directory: the export does not depend on the backend.
        let url = format!("sqlite://{}", dir.join("latchkey.db").display());
        let mut config = ProcessConfig::new(dir, &url);
        config.env = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        config
    }

    async fn get(
        server: &ServerProcess,
        path: &str,
        traceparent: Option<&str>,
    ) -> reqwest::Response {
        let mut request = reqwest::Client::new().get(server.url(path));
        if let Some(tp) = traceparent {
            request = request.header("traceparent", tp);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200, "GET {path}");
        response
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_request_with_a_traceparent_is_exported_in_the_callers_trace() {
        let dir = tempfile::tempdir().unwrap();
        let stub = collector().await;
        let config = server_config(
            dir.path(),
            &[
                (
                    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                    format!("{}/v1/traces", stub.url),
                ),
                // Export each batch at once rather than after the default 5 s.
                ("OTEL_BSP_SCHEDULE_DELAY", "50".into()),
            ],
        );
        let mut server = ServerProcess::start_ready("otel", &config).await;
        assert!(has_exporter_thread(server.pid()));

        let traceparent = format!("00-{TRACE_ID}-{PARENT_SPAN_ID}-01");
        let response = get(
            &server,
            &format!("/reset?probe={SECRET_IN_QUERY}"),
            Some(&traceparent),
        )
        .await;
        assert_eq!(
            response.headers()["x-request-id"],
            TRACE_ID,
            "the request id is still the caller's trace id"
        );

        process::wait_until(
            "an export holding the caller's trace id",
            Duration::from_secs(60),
            || !exports_of_trace(&stub).is_empty(),
        )
        .await;
        let export = exports_of_trace(&stub).remove(0);
        assert_eq!(export.method, "POST");
        assert_eq!(
            export.header("content-type"),
            Some("application/x-protobuf")
        );
        let body = &export.body;
        assert!(
            contains(body, &hex::decode(PARENT_SPAN_ID).unwrap()),
            "the caller's span is the parent of the request span"
        );
        for text in [
            "latchkey",   // service.name, by default
            "GET /reset", // the span name: method and route pattern
            "http.route", // attributes of the HTTP semantic conventions
            "http.response.status_code",
            TRACE_ID, // the request id attribute (here the trace id)
        ] {
            assert!(contains(body, text.as_bytes()), "{text:?} in the export");
        }
        for text in [SECRET_IN_QUERY, "probe="] {
            assert!(
                !contains(body, text.as_bytes()),
                "{text:?} must not be exported"
            );
        }
        // Log lines (events) stay in the log: an exported event would carry its level ("INFO" for
        // the access-log line); spans carry none.
        assert!(!contains(body, b"INFO"), "no events in the export");

        server.terminate();
        assert!(server
            .wait_exit(Duration::from_secs(30))
            .is_some_and(|s| s.success()));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_generic_endpoint_gets_v1_traces_and_sigterm_flushes_the_last_spans() {
        let dir = tempfile::tempdir().unwrap();
        let stub = collector().await;
        let config = server_config(
            dir.path(),
            &[
                ("OTEL_EXPORTER_OTLP_ENDPOINT", stub.url.clone()),
                ("OTEL_SERVICE_NAME", "latchkey-eu-west".into()),
                // No scheduled export within the test: only the flush at shutdown sends the span.
                ("OTEL_BSP_SCHEDULE_DELAY", "3600000".into()),
            ],
        );
        let mut server = ServerProcess::start_ready("otel", &config).await;
        let traceparent = format!("00-{TRACE_ID}-{PARENT_SPAN_ID}-01");
        get(&server, "/reset", Some(&traceparent)).await;
        assert!(
            exports_of_trace(&stub).is_empty(),
            "nothing is exported before the batch is due"
        );

        server.terminate();
        let status = server.wait_exit(Duration::from_secs(30));
        assert!(status.is_some_and(|s| s.success()), "{}", server.log_text());
        let exported = exports_of_trace(&stub);
        assert_eq!(exported.len(), 1, "the span was flushed at shutdown");
        assert!(contains(&exported[0].body, b"latchkey-eu-west"));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_collector_refusing_the_export_is_logged_and_the_service_keeps_serving() {
        let dir = tempfile::tempdir().unwrap();
        let stub = StubServer::start(|_| Reply::text(400, "no")).await;
        let config = server_config(
            dir.path(),
            &[
                ("OTEL_EXPORTER_OTLP_ENDPOINT", stub.url.clone()),
                ("OTEL_BSP_SCHEDULE_DELAY", "50".into()),
            ],
        );
        let mut server = ServerProcess::start_ready("otel", &config).await;
        get(&server, "/reset", None).await;
        process::wait_until(
            "the refused export in the log",
            Duration::from_secs(60),
            || server.log_text().contains("BatchSpanProcessor.ExportError"),
        )
        .await;
        get(&server, "/reset", None).await;
        server.terminate();
        let status = server.wait_exit(Duration::from_secs(30));
        assert!(status.is_some_and(|s| s.success()), "{}", server.log_text());
        assert!(!exports(&stub).is_empty());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn without_an_endpoint_nothing_is_built_and_nothing_is_sent() {
        let dir = tempfile::tempdir().unwrap();
        let stub = collector().await;
        let config = server_config(
            dir.path(),
            &[
                // OTEL_* variables that do not ask for trace export.
                ("OTEL_SERVICE_NAME", "latchkey".into()),
                ("OTEL_BSP_SCHEDULE_DELAY", "50".into()),
                ("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", stub.url.clone()),
            ],
        );
        let mut server = ServerProcess::start_ready("otel", &config).await;
        assert!(!has_exporter_thread(server.pid()), "no exporter thread");
        let traceparent = format!("00-{TRACE_ID}-{PARENT_SPAN_ID}-01");
        let response = get(&server, "/reset", Some(&traceparent)).await;
        assert_eq!(response.headers()["x-request-id"], TRACE_ID);

        server.terminate();
        let status = server.wait_exit(Duration::from_secs(30));
        assert!(status.is_some_and(|s| s.success()), "{}", server.log_text());
        assert!(stub.requests().is_empty(), "nothing was sent");
        let log = server.log_text();
        assert!(!log.contains("otel."), "no otel fields in the log:\n{log}");
    }
}

#[cfg(not(feature = "otel"))]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_feature_an_endpoint_gets_one_warning_and_the_service_runs() {
    use std::time::Duration;
    use support::process::{ProcessConfig, ServerProcess};
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("latchkey.db").display());
    let mut config = ProcessConfig::new(dir.path(), &url);
    config.env = vec![(
        "OTEL_EXPORTER_OTLP_ENDPOINT".into(),
        "http://127.0.0.1:9/".into(),
    )];
    let mut server = ServerProcess::start_ready("otel", &config).await;
    let response = reqwest::get(server.url("/reset")).await.unwrap();
    assert_eq!(response.status(), 200);
    server.terminate();
    let status = server.wait_exit(Duration::from_secs(30));
    assert!(status.is_some_and(|s| s.success()), "{}", server.log_text());
    let log = server.log_text();
    let warnings: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("built without the `otel` cargo feature"))
        .collect();
    assert_eq!(warnings.len(), 1, "{log}");
    assert!(warnings[0].contains("WARN") && warnings[0].contains("OTEL_EXPORTER_OTLP_ENDPOINT"));
}
