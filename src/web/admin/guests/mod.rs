//! Helpdesk actions on a guest (tenant admins for their own tenant, platform admins for any):
//! why can't this guest reset (the policy explanation), issue a reset link (12 hours, shown
//! once), reset the authenticator (lost phone), clear a lockout, mark the address bounced or
//! deliverable; disable, enable or delete the guest. Every view and every action is an audit event with the admin as actor
//! (docs/security.md#36).

mod actions;
mod lifecycle;
mod list;
mod reset_link;
mod show;
mod view;

pub(crate) use lifecycle::DeleteForm;
pub(crate) use list::ListQuery;
pub(crate) use show::ShowQuery;

use actions::{act, reset_totp_form};
use actix_web::web;
use list::list;
use reset_link::reset_link;
use show::show;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/guests").get(list))
        .service(web::resource("/guests/{id}").get(show))
        .service(web::resource("/guests/{id}/reset-link").post(reset_link))
        .service(
            web::resource("/guests/{id}/reset-totp")
                .get(reset_totp_form)
                .post(act),
        )
        .service(web::resource("/guests/{id}/unlock").post(act))
        .service(web::resource("/guests/{id}/mark-bounced").post(act))
        .service(web::resource("/guests/{id}/mark-deliverable").post(act))
        .service(web::resource("/guests/{id}/disable").post(lifecycle::set_disabled::<true>))
        .service(web::resource("/guests/{id}/enable").post(lifecycle::set_disabled::<false>))
        .service(
            web::resource("/guests/{id}/delete")
                .get(lifecycle::delete_form)
                .post(lifecycle::delete),
        );
}
