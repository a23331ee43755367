//! QR codes as SVG, for the authenticator enrolment pages.
//!
//! One path of unit squares on a white background, with the four-module quiet zone the QR
//! specification asks for. The markup holds only numbers we generate, so it is safe to embed as
//! a `data:image/svg+xml` image (no third-party resource, docs/security.md#38; an SVG shown
//! through `<img>` never runs scripts).

use anyhow::anyhow;
use qrcodegen::{QrCode, QrCodeEcc};
use std::fmt::Write as _;

/// Modules of white around the code (ISO/IEC 18004: at least four).
const QUIET_ZONE: i32 = 4;

/// `text` as a QR code in SVG, one user unit per module; CSS gives it its display size.
pub fn svg(text: &str) -> anyhow::Result<String> {
    let qr = QrCode::encode_text(text, QrCodeEcc::Medium)
        .map_err(|_| anyhow!("the text is too long for a QR code"))?;
    let side = qr.size() + 2 * QUIET_ZONE;
    let mut path = String::new();
    for y in 0..qr.size() {
        for x in 0..qr.size() {
            if qr.get_module(x, y) {
                let _ = write!(path, "M{},{}h1v1h-1z", x + QUIET_ZONE, y + QUIET_ZONE);
            }
        }
    }
    Ok(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" viewBox=\"0 0 {side} {side}\" \
         width=\"{px}\" height=\"{px}\" shape-rendering=\"crispEdges\">\
         <rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\
         <path d=\"{path}\" fill=\"#000000\"/></svg>",
        px = side * 4,
    ))
}

/// [`svg`] base64-encoded, for `<img src="data:image/svg+xml;base64,…">`.
pub fn svg_base64(text: &str) -> anyhow::Result<String> {
    use base64::Engine as _;
    Ok(base64::engine::general_purpose::STANDARD.encode(svg(text)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_svg_qr_code_has_a_quiet_zone_and_dark_modules() {
        let s = svg("otpauth://totp/Latchkey:ann%40contoso.com?secret=GEZDGNBV").unwrap();
        assert!(
            s.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""),
            "{s}"
        );
        assert!(s.ends_with("</svg>"));
        // Version 3 or 4 for this length: 29 or 33 modules plus 2 × 4 of quiet zone.
        assert!(
            s.contains("viewBox=\"0 0 37 37\"") || s.contains("viewBox=\"0 0 41 41\""),
            "{s}"
        );
        // The top-left finder pattern starts just inside the quiet zone.
        assert!(s.contains("M4,4h1v1h-1z"), "{s}");
        assert!(!s.contains("M0,0h1"), "{s}");
    }

    #[test]
    fn text_too_long_for_any_qr_code_is_an_error_not_a_panic() {
        assert!(svg(&"x".repeat(8000)).is_err());
    }
}
