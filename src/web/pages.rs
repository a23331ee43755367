//! The landing page, the stylesheet and the show-password script.

use super::{AppError, AppState};
use crate::domain::branding::LogoFile;
use actix_web::{web, HttpResponse};
use serde::Serialize;

const STYLESHEET: &str = include_str!("../../static/style.css");
/// The one script: a show-password toggle (progressive enhancement; no flow needs it).
const SHOW_PASSWORD: &str = include_str!("../../static/show-password.js");

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/").get(index))
        .service(web::resource("/static/style.css").get(stylesheet))
        .service(web::resource("/static/show-password.js").get(show_password))
        .service(web::resource("/static/brand.css").get(brand_css))
        .service(web::resource("/static/brand/{file}").get(brand_file));
}

/// The accent colour (`branding.accent_colour`) as CSS variables, linked by every page when set.
async fn brand_css(state: web::Data<AppState>) -> HttpResponse {
    let css = match &state.settings.branding.accent_colour {
        Some(a) => format!(
            ":root {{ --accent: {}; --accent-fg: {}; }}\n",
            a.as_str(),
            a.foreground()
        ),
        None => String::new(),
    };
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header(("cache-control", "public, max-age=300"))
        .body(css)
}

/// A logo from the static directory (`<data_dir>/static/`): plain image file names only.
async fn brand_file(
    state: web::Data<AppState>,
    file: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let logo = LogoFile::parse(&file).map_err(|_| AppError::NotFound)?;
    let path = state.settings.static_dir().join(logo.as_str());
    let bytes = tokio::fs::read(&path)
        .await
        .map_err(|_| AppError::NotFound)?;
    Ok(HttpResponse::Ok()
        .content_type(logo.media_type())
        .insert_header(("cache-control", "public, max-age=3600"))
        .body(bytes))
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
