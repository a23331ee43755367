//! The landing page, the stylesheet and the two small scripts (show-password, copy button).

use super::page::Page;
use super::{AppError, AppState};
use crate::domain::branding::LogoFile;
use actix_web::{web, HttpResponse};

const STYLESHEET: &str = include_str!("../../static/style.css");
/// A show-password toggle (progressive enhancement; no flow needs it).
const SHOW_PASSWORD: &str = include_str!("../../static/show-password.js");
/// A copy button next to a read-only field (progressive enhancement: the field stays
/// selectable without it).
const COPY: &str = include_str!("../../static/copy.js");

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/").get(index))
        .service(web::resource("/static/style.css").get(stylesheet))
        .service(web::resource("/static/show-password.js").get(show_password))
        .service(web::resource("/static/copy.js").get(copy))
        .service(web::resource("/static/brand.css").get(brand_css))
        .service(web::resource("/static/brand/{file}").get(brand_file));
}

/// `?accent=RRGGBB`: a tenant's own accent colour (pages of a signed-in guest of that tenant).
#[derive(serde::Deserialize)]
struct BrandCss {
    accent: Option<String>,
}

/// The accent colour (`branding.accent_colour`, or a tenant's from `?accent=`) as CSS
/// variables, linked by every page when set. Anything but six hex digits is 400.
async fn brand_css(state: web::Data<AppState>, query: web::Query<BrandCss>) -> HttpResponse {
    let accent = match &query.accent {
        Some(hex) => match crate::domain::branding::AccentColour::parse(&format!("#{hex}")) {
            Ok(a) => Some(a),
            Err(_) => return HttpResponse::BadRequest().finish(),
        },
        None => state.settings.branding.accent_colour.clone(),
    };
    let css = match &accent {
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

/// `GET /`: the landing page. It has no form, so unlike [`Page::ok`] it carries no CSRF token
/// and sets no cookie: only the language and its switch.
async fn index(page: Page) -> Result<HttpResponse, AppError> {
    let mut ctx = serde_json::Map::new();
    super::lang::add_to_context(&page.req, &page.state, &mut ctx);
    let html = page.state.templates.render("index.html", &ctx)?;
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

fn script(body: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header(("cache-control", "public, max-age=3600"))
        .body(body)
}

async fn show_password() -> HttpResponse {
    script(SHOW_PASSWORD)
}

async fn copy() -> HttpResponse {
    script(COPY)
}
