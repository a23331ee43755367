//! Wires the application: config → db → services → http. `Application::build` binds its own
//! listener (port 0 in tests) and reports the real port, so tests run the production path.

use crate::config::Settings;
use crate::db::Db;
use crate::services::clock::{SharedClock, SystemClock};
use crate::services::Services;
use crate::telemetry::metrics::Metrics;
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
    management_port: u16,
    server: Server,
    /// The operations listener (`management_bind`): `/metrics`, `/healthz`, `/readyz`.
    management: Server,
    worker: tokio::task::JoinHandle<()>,
    stop_worker: tokio::sync::watch::Sender<bool>,
    grace: Duration,
    pub state: AppState,
}

impl Application {
    /// Builds with the system clock.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        Self::build_with_clock(settings, Arc::new(SystemClock)).await
    }

    /// Builds with an injected clock (tests move time with it).
    pub async fn build_with_clock(settings: Settings, clock: SharedClock) -> anyhow::Result<Self> {
        // Templates first: a broken override in `templates_dir` refuses the start (exit 2),
        // naming the file and line, before anything else is touched.
        let templates = Arc::new(
            Templates::load_with(settings.templates_dir.as_deref(), &settings.branding).map_err(
                |e| crate::config::ConfigError {
                    setting: "templates_dir".into(),
                    message: e.to_string(),
                },
            )?,
        );
        let db = Db::connect_lazy_with_timeout(
            &settings.database_url,
            settings.database_pool_size,
            std::time::Duration::from_secs(settings.database_timeout_seconds),
        )?;
        let applied = db.migrate().context("applying database migrations")?;
        if !applied.is_empty() {
            tracing::info!(count = applied.len(), backend = %db.backend(), "applied migrations");
        }
        // TOTP seeds at rest: refuse to start on seeds under an unknown key id; encrypt plain
        // seeds left from before encryption at rest.
        crate::security::seeds::prepare_at_start(&db, &settings.totp_keys).await?;
        if db.backend() == crate::db::Backend::Postgres
            && settings.totp_keys_file.as_deref() == Some(&settings.data_dir.join("totp.keys"))
        {
            tracing::warn!(
                "the TOTP keyring is the file generated in data_dir; with several instances \
                 sharing this PostgreSQL database, configure the same `secrets.totp_keys` \
                 (or `secrets.totp_keys_file`) on every instance"
            );
        }
        let deliverability = Arc::new(
            crate::deliverability::Deliverability::new(
                settings.dns.clone(),
                &settings.deliverability,
            )
            .context("configuration error in `deliverability`")?,
        );
        let mailer = crate::mail::Mailer::from_settings(&settings)
            .context("configuration error in the mail transport")?;
        let rate_limits = crate::ratelimit::RateLimits::new(&settings, db.clone(), clock.clone());
        crate::ratelimit::spawn_housekeeping(
            rate_limits.clone(),
            Duration::from_secs(settings.rate_limits.prune_interval_seconds),
        );
        let directory = crate::directory::Directory::from_settings(&settings.directory)
            .context("configuration error in `directory`")?;
        let settings = Arc::new(settings);
        let hasher = crate::security::PasswordHasher::new(&settings.hashing)?;
        let passwords = Arc::new(crate::passwords::Passwords::new(
            settings.clone(),
            db.clone(),
            hasher.clone(),
        )?);
        let services = Services {
            reset_requests: crate::reset::request_checks(&db),
            reset_audits: crate::reset::AuditWrites::new(&db),
            directory,
            settings: settings.clone(),
            db,
            clock,
            templates,
            deliverability,
            mailer,
            hasher,
            passwords,
            metrics: Metrics::install(),
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
        let (stop_worker, stop) = tokio::sync::watch::channel(false);
        // Webhooks: the audit trail is read from the newest event at the first start.
        if !settings.webhooks.is_empty() {
            crate::webhooks::dispatch::prepare(&state.services)
                .await
                .context("preparing webhook deliveries")?;
            tokio::spawn(crate::webhooks::dispatch::run(
                state.services.clone(),
                stop.clone(),
            ));
        }
        crate::jobs::retention::spawn(
            state.services.db.clone(),
            state.services.clock.clone(),
            settings.retention.clone(),
            stop.clone(),
        );
        let worker = tokio::spawn(job_worker(&state.services).run(stop));

        let listener = TcpListener::bind(settings.bind)
            .with_context(|| format!("cannot listen on {} (setting `bind`)", settings.bind))?;
        let port = listener.local_addr()?.port();
        let data = actix_web::web::Data::new(state.clone());
        let public_data = data.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(public_data.clone())
                .wrap(from_fn(web::middleware::known_methods))
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
        // SIGTERM/SIGINT are ours (`run_until_stopped`): the job worker stops with the server.
        .disable_signals()
        .run();
        let management = management_server(&settings, data)?;
        Ok(Self {
            port,
            management_port: management.0,
            server,
            management: management.1,
            worker,
            stop_worker,
            grace: Duration::from_secs(settings.shutdown_grace_seconds),
            state,
        })
    }

    /// The public listener's port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The management listener's port (`/metrics`, `/healthz`, `/readyz`).
    pub fn management_port(&self) -> u16 {
        self.management_port
    }

    /// Serves until SIGTERM/SIGINT, then shuts down in order, all within
    /// `shutdown_grace_seconds`: the listener closes at once (new connections are refused),
    /// in-flight requests finish, the job worker claims nothing more, finishes the jobs it is
    /// running (a mail being sent) and hands back the claimed jobs it has not started. A job
    /// still running when the grace period ends (a hung SMTP server) keeps its lease and is
    /// taken by another instance, or by this one after a restart, once the lease expires.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let Self {
            server,
            management,
            worker,
            stop_worker,
            grace,
            ..
        } = self;
        let handle = server.handle();
        let management_handle = management.handle();
        let management = tokio::spawn(management);
        let mut server = tokio::spawn(server);
        let signal = tokio::select! {
            // The server ended on its own: only an error does that.
            ended = &mut server => {
                let _ = stop_worker.send(true);
                management_handle.stop(false).await;
                return ended.context("the HTTP server task failed")?.context("the HTTP server failed");
            }
            name = shutdown_signal() => name,
        };
        let started = tokio::time::Instant::now();
        tracing::info!(
            signal,
            grace_seconds = grace.as_secs(),
            "shutting down: no new connections; finishing in-flight requests and jobs"
        );
        let _ = stop_worker.send(true);
        let http = async {
            // Readiness stays answerable while in-flight requests finish.
            handle.stop(true).await;
            let _ = server.await;
            management_handle.stop(true).await;
            let _ = management.await;
        };
        let worker_done = async {
            let _ = worker.await;
        };
        let finished = tokio::time::timeout(grace, async {
            tokio::join!(http, worker_done);
        })
        .await;
        match finished {
            Ok(()) => tracing::info!(
                elapsed_ms = started.elapsed().as_millis() as u64,
                "stopped cleanly"
            ),
            Err(_) => tracing::warn!(
                grace_seconds = grace.as_secs(),
                "grace period over: stopping with work unfinished; running jobs keep their lease and are taken again when it expires"
            ),
        }
        Ok(())
    }
}

/// The job worker with every kind of job the services queue.
fn job_worker(services: &Services) -> crate::jobs::Worker<Services> {
    let mut registry = crate::jobs::Registry::new();
    crate::reset::register_jobs(&mut registry);
    crate::onboarding::register_jobs(&mut registry);
    crate::webhooks::register_jobs(&mut registry);
    crate::jobs::Worker {
        db: services.db.clone(),
        clock: services.clock.clone(),
        metrics: services.metrics.clone(),
        wakeup: services.jobs_wakeup.clone(),
        settings: services.settings.jobs.clone(),
        registry,
        context: services.clone(),
    }
}

/// The operations listener: its own small server on `management_bind`, sharing the state.
fn management_server(
    settings: &Settings,
    data: actix_web::web::Data<AppState>,
) -> anyhow::Result<(u16, Server)> {
    let listener = TcpListener::bind(settings.management_bind).with_context(|| {
        format!(
            "cannot listen on {} (setting `management_bind`)",
            settings.management_bind
        )
    })?;
    let port = listener.local_addr()?.port();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .configure(web::configure_management)
    })
    .listen(listener)?
    .workers(1)
    .shutdown_timeout(settings.shutdown_grace_seconds)
    .client_request_timeout(Duration::from_secs(10))
    .disable_signals()
    .run();
    Ok((port, server))
}

/// Waits for SIGTERM or SIGINT (Ctrl-C); returns its name.
async fn shutdown_signal() -> &'static str {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) {
            (Ok(mut term), Ok(mut int)) => tokio::select! {
                _ = term.recv() => "SIGTERM",
                _ = int.recv() => "SIGINT",
            },
            _ => {
                tracing::warn!(
                    "cannot install signal handlers; SIGTERM will not shut down gracefully"
                );
                std::future::pending().await
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        "Ctrl-C"
    }
}
