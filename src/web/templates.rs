//! The template engine lives at the crate root ([`crate::templates`]) so that `mail/` can render
//! emails without importing anything from `web/`; this re-export keeps `web::templates::Templates`
//! working for handlers.

pub use crate::templates::Templates;
