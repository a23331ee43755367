//! Liveness, readiness and metrics. The public listener serves `/healthz` only (for load
//! balancers); `/metrics` and `/readyz` live on the management listener (`management_bind`),
//! because queue depth and job outcomes move only for existing accounts (docs/security.md#37).

use super::AppState;
use actix_web::{web, HttpResponse};

/// The public listener's share: liveness only.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/healthz").get(healthz));
}

/// The management listener: liveness, readiness and metrics.
pub fn configure_management(cfg: &mut web::ServiceConfig) {
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

async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let queue = crate::jobs::queue_stats(&state.db, state.now()).await.ok();
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(state.metrics.render(queue))
}
