//! Tracing: human-readable logs by default, JSON lines when `log_format = "json"`; with the
//! cargo feature `otel` and an OTLP endpoint in the environment, the request spans are also
//! exported over OpenTelemetry ([`otel`]).
//! Log lines carry ids, never addresses or secrets (docs/security.md#37).

pub mod metrics;
#[cfg(feature = "otel")]
pub mod otel;
pub mod request_id;

use crate::config::LogFormat;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::{EnvFilter, Layer as _};

/// The standard OpenTelemetry variables that ask for trace export (signal-specific first).
pub const OTLP_ENDPOINT_VARIABLES: [&str; 2] = [
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
];

/// The OTLP endpoint variable that is set (non-empty) in this environment, if any.
pub fn otlp_endpoint_variable() -> Option<&'static str> {
    OTLP_ENDPOINT_VARIABLES
        .into_iter()
        .find(|name| std::env::var_os(name).is_some_and(|v| !v.is_empty()))
}

/// Installs the global subscriber once; later calls (tests start many servers) are no-ops.
pub fn init(format: LogFormat, level: &str) {
    let filter = EnvFilter::try_from_env("RUST_LOG")
        .or_else(|_| EnvFilter::try_new(level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let fmt = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    let fmt = match format {
        LogFormat::Json => fmt.json().flatten_event(true).boxed(),
        LogFormat::Human => fmt.boxed(),
    };
    #[cfg(feature = "otel")]
    let (export, provider, export_error) = match otel::layer() {
        Ok(Some(otel::Export { layer, provider })) => (Some(layer), Some(provider), None),
        Ok(None) => (None, None, None),
        Err(e) => (None, None, Some(e)),
    };
    #[cfg(not(feature = "otel"))]
    let export: Option<tracing_subscriber::layer::Identity> = None;
    let installed = tracing_subscriber::registry()
        .with(filter)
        .with(fmt)
        .with(export)
        .try_init()
        .is_ok();
    if !installed {
        return;
    }
    #[cfg(feature = "otel")]
    if let Some(provider) = provider {
        otel::installed(provider);
    }
    #[cfg(feature = "otel")]
    if let Some(e) = export_error {
        tracing::warn!(
            error = %format!("{e:#}"),
            "OpenTelemetry: the trace exporter cannot be set up from the OTEL_* variables; \
             traces are not exported"
        );
    }
    #[cfg(not(feature = "otel"))]
    if let Some(variable) = otlp_endpoint_variable() {
        tracing::warn!(
            variable,
            "{variable} is set but this binary was built without the `otel` cargo feature: \
             traces are not exported (build with `cargo build --release --features otel`)"
        );
    }
}

/// Sends the spans still waiting in the exporter's batch and stops it (a no-op without the
/// `otel` feature or without an endpoint). Called once the server has stopped.
pub fn shutdown() {
    #[cfg(feature = "otel")]
    otel::shutdown();
}
