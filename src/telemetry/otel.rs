//! OpenTelemetry export of the request spans (cargo feature `otel`, off by default), configured
//! by the standard variables: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (used as it is) or
//! `OTEL_EXPORTER_OTLP_ENDPOINT` (`/v1/traces` appended), `OTEL_SERVICE_NAME`,
//! `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_TRACES_SAMPLER(_ARG)`, `OTEL_BSP_*`,
//! `OTEL_EXPORTER_OTLP_(TRACES_)HEADERS` / `_TIMEOUT`, `OTEL_SDK_DISABLED`. Without an endpoint
//! nothing is built: no exporter thread, no layer, no cost.
//!
//! Only spans are exported, never events: a span carries the request id, the method, the route
//! pattern (never the raw path, which can hold a token) and the status; log lines, which may
//! carry error texts, stay in the log (docs/security.md#37). The transport is OTLP over
//! HTTP/protobuf, posted from the batch processor's own thread with reqwest's blocking client.

use opentelemetry::propagation::{Extractor, TextMapPropagator as _};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_http::{Bytes, HttpClient, HttpError, Request, Response};
use opentelemetry_otlp::{Protocol, WithExportConfig as _, WithHttpConfig as _};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracerProvider;
use opentelemetry_sdk::Resource;
use std::sync::OnceLock;
use std::time::Duration;
use tracing_opentelemetry::OpenTelemetrySpanExt as _;
use tracing_subscriber::filter::{filter_fn, Filtered};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::Layer;

/// The service name when neither `OTEL_SERVICE_NAME` nor `OTEL_RESOURCE_ATTRIBUTES` gives one.
pub const DEFAULT_SERVICE_NAME: &str = "latchkey";

/// The exporter's HTTP timeout when `OTEL_EXPORTER_OTLP_(TRACES_)TIMEOUT` is not set.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// The provider whose layer is installed; `None` when nothing is exported.
static PROVIDER: OnceLock<SdkTracerProvider> = OnceLock::new();

/// The layer exporting spans, with its provider (kept for the flush at shutdown).
pub struct Export<L> {
    pub layer: L,
    pub provider: SdkTracerProvider,
}

/// The export layer for the environment: `Ok(None)` when no OTLP endpoint is set (or
/// `OTEL_SDK_DISABLED=true`); an error when the variables are set but unusable.
#[allow(clippy::type_complexity)]
pub fn layer<S>() -> anyhow::Result<
    Option<
        Export<
            Filtered<
                tracing_opentelemetry::OpenTelemetryLayer<S, opentelemetry_sdk::trace::SdkTracer>,
                tracing_subscriber::filter::FilterFn,
                S,
            >,
        >,
    >,
>
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a>,
{
    if super::otlp_endpoint_variable().is_none()
        || std::env::var("OTEL_SDK_DISABLED").is_ok_and(|v| v.trim().eq_ignore_ascii_case("true"))
    {
        return Ok(None);
    }
    if let Some(protocol) = [
        "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
        "OTEL_EXPORTER_OTLP_PROTOCOL",
    ]
    .into_iter()
    .find_map(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
    .filter(|v| v.trim() != "http/protobuf")
    {
        anyhow::bail!(
            "OTEL_EXPORTER_OTLP_PROTOCOL {protocol:?} is not supported: Latchkey exports \
             over http/protobuf only"
        );
    }
    let client = reqwest::blocking::Client::builder()
        .timeout(timeout()?)
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(Protocol::HttpBinary)
        .with_http_client(BlockingClient(client))
        .build()?;
    let provider = SdkTracerProvider::builder()
        .with_resource(resource())
        .with_batch_exporter(exporter)
        .build();
    let tracer = provider.tracer("latchkey");
    let layer = tracing_opentelemetry::layer()
        .with_tracer(tracer)
        .with_filter(filter_fn(is_span as fn(&tracing::Metadata<'_>) -> bool));
    Ok(Some(Export { layer, provider }))
}

/// Latchkey's spans pass to the exporter; events (log lines) do not, nor the spans of libraries
/// (under `RUST_LOG=trace` the HTTP client's own spans, made while exporting, would otherwise be
/// exported in turn).
fn is_span(meta: &tracing::Metadata<'_>) -> bool {
    meta.is_span() && meta.target().starts_with("latchkey")
}

/// Keeps the provider of the installed layer for [`shutdown`] and [`active`].
pub fn installed(provider: SdkTracerProvider) {
    let _ = PROVIDER.set(provider);
}

/// Whether spans are exported (the layer is installed).
pub fn active() -> bool {
    PROVIDER.get().is_some()
}

/// Exports what the batch still holds and stops the exporter (bounded by the exporter's
/// timeout). Must not run on an async runtime's thread: the export blocks.
pub fn shutdown() {
    if let Some(provider) = PROVIDER.get() {
        if let Err(e) = provider.shutdown() {
            tracing::warn!(error = %e, "OpenTelemetry: the last spans may not have been exported");
        }
    }
}

/// Names a new request span (`GET /reset/{token}`: the route pattern, never the raw path), marks
/// it a server span and makes the caller's trace (W3C `traceparent`, `tracestate`) its parent,
/// so the exported span joins it; a missing or malformed header leaves it a new root. Runs
/// before the span is first entered (its name and kind are fixed then).
pub fn start_request(
    span: &tracing::Span,
    method: &'static str,
    req: &actix_web::dev::ServiceRequest,
) {
    let name = match req.match_pattern() {
        Some(route) => format!("{method} {route}"),
        None => method.to_string(),
    };
    span.record("otel.name", name.as_str());
    span.record("otel.kind", "server");
    let parent = TraceContextPropagator::new().extract(&HeaderExtractor(req.headers()));
    let _ = span.set_parent(parent);
    span.set_attribute("http.request.method", method);
}

/// Attributes known once the response is ready (OpenTelemetry HTTP semantic conventions;
/// `http.route` only for a request that matched a route).
pub fn record_response(span: &tracing::Span, route: &str, status: u16) {
    if route != "unmatched" {
        span.set_attribute("http.route", route.to_string());
    }
    span.set_attribute("http.response.status_code", i64::from(status));
    if status >= 500 {
        span.set_status(opentelemetry::trace::Status::error(""));
    }
}

struct HeaderExtractor<'a>(&'a actix_web::http::header::HeaderMap);

impl Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(|k| k.as_str()).collect()
    }
}

/// The resource: `OTEL_SERVICE_NAME` / `OTEL_RESOURCE_ATTRIBUTES` as the SDK reads them, with
/// `latchkey` as the service name where they give none, and the version.
fn resource() -> Resource {
    let detected = Resource::builder().build();
    let named = detected
        .get(&opentelemetry::Key::from_static_str("service.name"))
        .is_some_and(|name| !name.as_str().starts_with("unknown_service"));
    let mut builder = Resource::builder().with_attribute(opentelemetry::KeyValue::new(
        "service.version",
        env!("CARGO_PKG_VERSION"),
    ));
    if !named {
        builder = builder.with_service_name(DEFAULT_SERVICE_NAME);
    }
    builder.build()
}

/// `OTEL_EXPORTER_OTLP_TRACES_TIMEOUT` or `OTEL_EXPORTER_OTLP_TIMEOUT`, in milliseconds.
fn timeout() -> anyhow::Result<Duration> {
    for name in [
        "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
        "OTEL_EXPORTER_OTLP_TIMEOUT",
    ] {
        if let Some(value) = std::env::var(name).ok().filter(|v| !v.trim().is_empty()) {
            let ms: u64 = value
                .trim()
                .parse()
                .map_err(|_| anyhow::anyhow!("{name} must be a number of milliseconds"))?;
            return Ok(Duration::from_millis(ms));
        }
    }
    Ok(DEFAULT_TIMEOUT)
}

/// The exporter's HTTP client: reqwest's blocking client, called from the batch processor's
/// own thread (never from an async runtime).
#[derive(Debug)]
struct BlockingClient(reqwest::blocking::Client);

/// Collector answers are small; a larger one is cut off rather than read into memory.
const MAX_RESPONSE_BYTES: u64 = 64 * 1024;

#[async_trait::async_trait]
impl HttpClient for BlockingClient {
    async fn send_bytes(&self, request: Request<Bytes>) -> Result<Response<Bytes>, HttpError> {
        use std::io::Read as _;
        let (parts, body) = request.into_parts();
        let response = self
            .0
            .request(parts.method, parts.uri.to_string())
            .headers(parts.headers)
            .body(body.to_vec())
            .send()?;
        let status = response.status();
        let headers = response.headers().clone();
        let mut body = Vec::new();
        response.take(MAX_RESPONSE_BYTES).read_to_end(&mut body)?;
        let mut answer = Response::builder().status(status).body(Bytes::from(body))?;
        *answer.headers_mut() = headers;
        Ok(answer)
    }
}
