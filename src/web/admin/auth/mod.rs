//! Admin set-up, sign-in (password, then TOTP) and sign-out (docs/administrators.md; docs/security.md#34).
//!
//! - `GET /admin/setup/{token}` moves the one-time set-up token out of the URL into a sealed
//!   cookie together with a fresh TOTP secret, then `/admin/setup` sets the password and enrols
//!   the authenticator (QR code), confirmed by a code. The link works once, for 24 hours.
//! - `/admin/login` checks the password, `/admin/login/totp` the code (±1 step, never the same
//!   step twice) and issues the session with a new id.
//! - Failed attempts of either step count towards a lockout with backoff, and are audited
//!   ([`crate::console::auth`]).

mod common;
mod setup;
mod sign_in;
mod sign_out;

pub(crate) use setup::SetupForm;
pub(crate) use sign_in::{CodeForm, LoginForm, LoginQuery};

use actix_web::web;
use setup::{setup_form, setup_link, setup_submit};
use sign_in::{login_form, login_submit, totp_form, totp_submit};
use sign_out::{logout, logout_everywhere};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/setup/{token}").get(setup_link))
        .service(web::resource("/setup").get(setup_form).post(setup_submit))
        .service(web::resource("/login").get(login_form).post(login_submit))
        .service(
            web::resource("/login/totp")
                .get(totp_form)
                .post(totp_submit),
        )
        .service(web::resource("/logout").post(logout))
        .service(web::resource("/logout/everywhere").post(logout_everywhere));
}
