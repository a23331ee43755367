//! What a console page's handler answers with: the request, the app state and the signed-in
//! admin, extracted together ([`AdminPage`]), or only for platform admins ([`PlatformPage`]).

use super::AdminCtx;
use crate::console::audit::NewAuditEvent;
use crate::domain::audit::{Event, Outcome};
use crate::web::page::Page;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;

/// A console page requested by a signed-in admin ([`AdminCtx`] says who, and refuses everyone
/// else).
pub(crate) type AdminPage = Page<AdminCtx>;

impl AdminPage {
    /// The signed-in admin.
    pub fn admin(&self) -> &AdminCtx {
        &self.who
    }

    /// An audit event by this admin, now ([`AdminCtx::event`]).
    pub fn event(&self, name: Event, outcome: Outcome) -> NewAuditEvent {
        self.who.event(self.state.now(), name, outcome)
    }
}

/// An [`AdminPage`] of the platform-only pages (admins, API keys, invitations, webhooks): they
/// do not exist for a tenant admin, who gets 404 ([`AdminCtx::require_platform`]).
pub(crate) struct PlatformPage(pub AdminPage);

impl FromRequest for PlatformPage {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let page = AdminPage::from_request(req, payload);
        Box::pin(async move {
            let page = page.await?;
            page.admin().require_platform()?;
            Ok(PlatformPage(page))
        })
    }
}
