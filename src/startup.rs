//! Wires the application: config → db → services → http. `Application::build` binds its own
//! listener (port 0 in tests) and reports the real port, so tests run the production path.

use crate::clock::{SharedClock, SystemClock};
use crate::config::Settings;
use crate::db::Db;
use crate::metrics::Metrics;
use crate::services::Services;
use crate::web::{self, AppState, Templates};
use actix_web::dev::Server;
use actix_web::middleware::{from_fn, Compress};
use actix_web::{App, HttpServer};
use anyhow::Context as _;
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

/// A built, bound, not yet running server.
pub struct Application {
    port: u16,
    server: Server,
    pub state: AppState,
}

impl Application {
    /// Builds with the system clock.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        Self::build_with_clock(settings, Arc::new(SystemClock)).await
    }

    /// Builds with an injected clock (tests move time with it).
    pub async fn build_with_clock(settings: Settings, clock: SharedClock) -> anyhow::Result<Self> {
        let db = Db::connect_lazy_with_timeout(
            &settings.database_url,
            settings.database_pool_size,
            std::time::Duration::from_secs(settings.database_timeout_seconds),
        )?;
        let applied = db.migrate().context("applying database migrations")?;
        if !applied.is_empty() {
            tracing::info!(count = applied.len(), backend = %db.backend(), "applied migrations");
        }
        let templates = Arc::new(Templates::load()?);
        let deliverability = Arc::new(
            crate::deliverability::Deliverability::new(
                settings.dns.clone(),
                &settings.deliverability,
            )
            .context("configuration error in `deliverability`")?,
        );
        let mailer = crate::mail::Mailer::from_settings(&settings)
            .context("configuration error in `smtp_url`")?;
        let rate_limits = crate::ratelimit::RateLimits::new(&settings, db.clone(), clock.clone());
        crate::ratelimit::spawn_housekeeping(
            rate_limits.clone(),
            Duration::from_secs(settings.rate_limits.prune_interval_seconds),
        );
        let settings = Arc::new(settings);
        let services = Services {
            settings: settings.clone(),
            db,
            clock,
            templates,
            deliverability,
            mailer,
            hasher: crate::security::PasswordHasher::new(&settings.hashing)?,
            metrics: Arc::new(Metrics::default()),
            jobs_wakeup: Arc::new(tokio::sync::Notify::new()),
            code_key: settings.master_key.derive("latchkey/reset-code"),
            rate_limits,
        };
        let state = AppState {
            services,
            cookie_key: web::cookies::CookieKey(actix_web::cookie::Key::from(
                &settings.master_key.cookie_key_material(),
            )),
            csrf: crate::security::CsrfKey::new(settings.master_key.derive("latchkey/csrf")),
        };

        // The job worker runs beside the server on the same runtime; its database work goes to
        // the blocking pool.
        tokio::spawn(crate::jobs::worker::run(state.services.clone()));

        let listener = TcpListener::bind(settings.bind)
            .with_context(|| format!("cannot listen on {} (setting `bind`)", settings.bind))?;
        let port = listener.local_addr()?.port();
        let data = actix_web::web::Data::new(state.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .wrap(from_fn(web::middleware::body_limit))
                .wrap(from_fn(web::ratelimit::limit))
                .wrap(from_fn(web::errors::render_error_pages))
                .wrap(from_fn(web::middleware::security_headers))
                .wrap(Compress::default())
                .wrap(from_fn(web::middleware::observe))
                .configure(web::configure)
                .default_service(actix_web::web::to(|| async {
                    Err::<actix_web::HttpResponse, _>(web::AppError::NotFound)
                }))
        })
        .listen(listener)?
        .shutdown_timeout(settings.shutdown_grace_seconds)
        .client_request_timeout(Duration::from_secs(10))
        .run();
        Ok(Self {
            port,
            server,
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until SIGTERM/SIGINT (actix stops accepting, then finishes in-flight requests
    /// within `shutdown_grace_seconds`).
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        self.server.await.context("the HTTP server failed")
    }
}
