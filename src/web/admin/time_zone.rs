//! The admin's local time: every time in the console is stored and shown in UTC; an
//! admin may add their own time zone, kept in a cookie of that browser, and then every time is
//! shown in UTC followed by the local time. A display preference only: nothing is converted on
//! input (filters stay UTC dates) and nothing is audited.

use super::{see_other, AdminPage, Frame};
use crate::web::cookies;
use crate::web::csrf::CsrfForm;
use crate::web::{AppError, AppState};
use actix_web::cookie::{time::Duration as CookieDuration, SameSite};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// The cookie that holds the zone's IANA name (not a secret; HttpOnly like every cookie).
pub const COOKIE: &str = "lk_admin_tz";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/time-zone").get(show).post(save));
}

/// The zone a request asked for, if its cookie names a known zone (anything else is ignored).
pub fn from_request(req: &HttpRequest, state: &AppState) -> Option<Tz> {
    cookies::read(req, state, COOKIE).and_then(|name| parse(&name))
}

/// A known IANA zone name; `UTC` and the empty string mean "UTC only" (`None`).
fn parse(name: &str) -> Option<Tz> {
    let name = name.trim();
    if name.is_empty() || name.eq_ignore_ascii_case("utc") {
        return None;
    }
    name.parse::<Tz>().ok()
}

/// A stored (naive UTC) time: UTC to the second, then the local time when a zone is chosen,
/// with its abbreviation and offset (`2026-11-26 19:50:02 UTC · 2026-11-27 01:20:02 IST
/// (UTC+05:30)`).
pub fn format(t: chrono::NaiveDateTime, tz: Option<Tz>) -> String {
    let utc = t.format("%Y-%m-%d %H:%M:%S UTC").to_string();
    match tz {
        None => utc,
        Some(tz) => {
            let local = t.and_utc().with_timezone(&tz);
            format!("{utc} · {}", local.format("%Y-%m-%d %H:%M:%S %Z (UTC%:z)"))
        }
    }
}

#[derive(Serialize)]
struct ZonePage {
    #[serde(flatten)]
    frame: Frame,
    zones: Vec<&'static str>,
    current: Option<&'static str>,
    saved: bool,
    error: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct ShowQuery {
    saved: Option<String>,
}

fn render(
    page: &AdminPage,
    status: StatusCode,
    saved: bool,
    error: Option<String>,
) -> Result<HttpResponse, AppError> {
    let ctx = ZonePage {
        frame: page.admin().frame(),
        zones: chrono_tz::TZ_VARIANTS.iter().map(|z| z.name()).collect(),
        current: page.admin().tz.map(|z| z.name()),
        saved,
        error,
    };
    page.render(status, "admin/time_zone.html", &ctx)
}

/// `GET /admin/time-zone`.
async fn show(page: AdminPage, q: web::Query<ShowQuery>) -> Result<HttpResponse, AppError> {
    render(&page, StatusCode::OK, q.saved.is_some(), None)
}

#[derive(Deserialize)]
pub(crate) struct ZoneForm {
    #[serde(default)]
    time_zone: String,
}

/// `POST /admin/time-zone`: a known zone sets the cookie (a year); UTC removes it.
async fn save(page: AdminPage, form: CsrfForm<ZoneForm>) -> Result<HttpResponse, AppError> {
    let state = &page.state;
    let name = form.0.time_zone.trim().to_string();
    let mut res = see_other("/admin/time-zone?saved=1");
    match parse(&name) {
        Some(tz) => {
            let cookie = cookies::build(
                state,
                COOKIE,
                tz.name().to_string(),
                SameSite::Strict,
                Some(CookieDuration::days(365)),
            );
            res.add_cookie(&cookie).map_err(anyhow::Error::from)?;
        }
        None if name.is_empty() || name.eq_ignore_ascii_case("utc") => {
            res.add_cookie(&cookies::removal(state, COOKIE))
                .map_err(anyhow::Error::from)?;
        }
        None => {
            let shown: String = name.chars().take(64).collect();
            let error = format!(
                "\u{201c}{shown}\u{201d} is not a time zone this server knows. Choose one from the list (IANA names such as Europe/Berlin), or UTC."
            );
            return render(&page, StatusCode::BAD_REQUEST, false, Some(error));
        }
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_only_without_a_zone() {
        let t = chrono::NaiveDate::from_ymd_opt(2026, 11, 26)
            .unwrap()
            .and_hms_opt(19, 50, 2)
            .unwrap();
        assert_eq!(format(t, None), "2026-11-26 19:50:02 UTC");
        assert_eq!(
            format(t, parse("Asia/Kolkata")),
            "2026-11-26 19:50:02 UTC · 2026-11-27 01:20:02 IST (UTC+05:30)"
        );
    }

    #[test]
    fn unknown_names_and_utc_mean_no_zone() {
        assert_eq!(parse("Mars/Olympus"), None);
        assert_eq!(parse(" utc "), None);
        assert_eq!(parse(""), None);
        assert_eq!(
            parse("Europe/Berlin").map(|z| z.name()),
            Some("Europe/Berlin")
        );
    }
}
