//! The landing page, the stylesheet and the show-password script.

use super::{AppError, AppState};
use actix_web::{web, HttpResponse};
use serde::Serialize;

const STYLESHEET: &str = include_str!("../../static/style.css");
/// The one script: a show-password toggle (progressive enhancement; no flow needs it).
const SHOW_PASSWORD: &str = include_str!("../../static/show-password.js");

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/").get(index))
        .service(web::resource("/static/style.css").get(stylesheet))
        .service(web::resource("/static/show-password.js").get(show_password));
}

#[derive(Serialize)]
struct IndexPage {}

async fn index(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let html = state.templates.render("index.html", &IndexPage {})?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(html))
}

async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header(("cache-control", "public, max-age=3600"))
        .body(STYLESHEET)
}

async fn show_password() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header(("cache-control", "public, max-age=3600"))
        .body(SHOW_PASSWORD)
}
