//! What a console page's handler answers with: the request, the app state and the signed-in
//! admin, extracted together ([`AdminPage`]), or only for platform admins ([`PlatformPage`]).

use super::AdminCtx;
use crate::console::audit::NewAuditEvent;
use crate::domain::audit::{Event, Outcome};
use crate::web::{page, state_of, AppError, AppState};
use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use futures_util::future::LocalBoxFuture;
use serde::Serialize;

/// A request of a console page by a signed-in admin ([`AdminCtx`] says who, and refuses
/// everyone else), with the app state that answers it.
pub(crate) struct AdminPage {
    pub req: HttpRequest,
    pub state: web::Data<AppState>,
    pub admin: AdminCtx,
}

impl AdminPage {
    /// The page `template` with `ctx`, as [`page::render`] makes it.
    pub fn render<C: Serialize>(
        &self,
        status: StatusCode,
        template: &str,
        ctx: &C,
    ) -> Result<HttpResponse, AppError> {
        page::render(&self.req, &self.state, status, template, ctx)
    }

    /// The page `template` with `ctx`, 200.
    pub fn ok<C: Serialize>(&self, template: &str, ctx: &C) -> Result<HttpResponse, AppError> {
        self.render(StatusCode::OK, template, ctx)
    }

    /// An audit event by this admin, now ([`AdminCtx::event`]).
    pub fn event(&self, name: Event, outcome: Outcome) -> NewAuditEvent {
        self.admin.event(self.state.now(), name, outcome)
    }
}

impl FromRequest for AdminPage {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let admin = AdminCtx::from_request(req, payload);
        let (req, state) = (req.clone(), state_of(req).cloned());
        Box::pin(async move {
            let admin = admin.await?;
            Ok(AdminPage {
                req,
                state: state?,
                admin,
            })
        })
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
            page.admin.require_platform()?;
            Ok(PlatformPage(page))
        })
    }
}
