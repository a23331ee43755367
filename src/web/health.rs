//! Liveness, readiness and metrics.

use super::{AppError, AppState};
use actix_web::{web, HttpResponse};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/healthz").get(healthz))
        .service(web::resource("/readyz").get(readyz))
        .service(web::resource("/metrics").get(metrics));
}

/// The process is alive and serving.
async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body("ok\n")
}

/// The database answers; 503 otherwise, so a load balancer routes around this instance.
async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    if state.db.ping().await {
        HttpResponse::Ok()
            .content_type("text/plain; charset=utf-8")
            .body("ready\n")
    } else {
        HttpResponse::ServiceUnavailable()
            .content_type("text/plain; charset=utf-8")
            .body("database unavailable\n")
    }
}

async fn metrics(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let depth = crate::jobs::queue_depth(&state.db).await.unwrap_or(-1);
    let body = state.metrics.render(&[(
        "latchkey_jobs_queue_depth",
        "Open jobs (waiting or running); -1 when the database is unreachable.",
        depth,
    )]);
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(body))
}
