//! A tiny MIME reader, enough for what lettre writes, and the links and codes in a mail.

use base64::Engine as _;

/// Splits a message (or part) into its header block and body at the first empty line.
pub fn split_head(raw: &str) -> (&str, &str) {
    match raw.find("\r\n\r\n") {
        Some(i) => (&raw[..i], &raw[i + 4..]),
        None => match raw.find("\n\n") {
            Some(i) => (&raw[..i], &raw[i + 2..]),
            None => (raw, ""),
        },
    }
}

/// Unfolded headers as (name, value).
pub fn headers(head: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in head.lines() {
        let line = line.trim_end_matches('\r');
        if line.starts_with([' ', '\t']) {
            if let Some(last) = out.last_mut() {
                last.1.push(' ');
                last.1.push_str(line.trim());
            }
        } else if let Some((name, value)) = line.split_once(':') {
            out.push((name.trim().to_string(), value.trim().to_string()));
        }
    }
    out
}

pub(super) fn header_of(hs: &[(String, String)], name: &str) -> Option<String> {
    hs.iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.clone())
}

/// A parameter of a structured header value, e.g. `boundary` of a Content-Type.
pub fn header_param(value: &str, param: &str) -> Option<String> {
    value.split(';').skip(1).find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case(param)
            .then(|| v.trim().trim_matches('"').to_string())
    })
}

/// The decoded body of the first part with this content type (searched through nested
/// multiparts), or of the message itself when it is a single part of that type.
pub fn mime_part(raw: &str, content_type: &str) -> Option<String> {
    let (head, body) = split_head(raw);
    let hs = headers(head);
    let ct = header_of(&hs, "Content-Type").unwrap_or_else(|| "text/plain".into());
    let mime = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if mime.starts_with("multipart/") {
        let boundary = header_param(&ct, "boundary")?;
        return multipart_parts(body, &boundary)
            .into_iter()
            .find_map(|part| mime_part(part, content_type));
    }
    if mime != content_type {
        return None;
    }
    let cte = header_of(&hs, "Content-Transfer-Encoding")
        .unwrap_or_default()
        .to_ascii_lowercase();
    Some(
        match cte.as_str() {
            "quoted-printable" => decode_quoted_printable(body),
            "base64" => {
                let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(compact)
                    .expect("valid base64 part");
                String::from_utf8(bytes).expect("UTF-8 part")
            }
            _ => body.to_string(),
        }
        .replace("\r\n", "\n"),
    )
}

/// The parts of a multipart body (each with its own headers).
pub fn multipart_parts<'a>(body: &'a str, boundary: &str) -> Vec<&'a str> {
    let delimiter = format!("--{boundary}");
    body.split(delimiter.as_str())
        .skip(1)
        .take_while(|p| !p.starts_with("--"))
        // The CRLF before a delimiter belongs to the delimiter (RFC 2046 §5.1.1): drop one.
        .map(|p| {
            let p = p.strip_prefix("\r\n").unwrap_or(p);
            p.strip_suffix("\r\n").unwrap_or(p)
        })
        .collect()
}

/// RFC 2045 §6.7 quoted-printable.
pub fn decode_quoted_printable(body: &str) -> String {
    let mut bytes = Vec::with_capacity(body.len());
    let lines: Vec<&str> = body.split("\r\n").collect();
    for (i, line) in lines.iter().enumerate() {
        let line = line.trim_end_matches([' ', '\t']);
        let (line, soft) = match line.strip_suffix('=') {
            Some(l) => (l, true),
            None => (line, false),
        };
        let raw = line.as_bytes();
        let mut j = 0;
        while j < raw.len() {
            if raw[j] == b'=' && j + 2 < raw.len() {
                let hex = std::str::from_utf8(&raw[j + 1..j + 3]).unwrap_or("");
                if let Ok(b) = u8::from_str_radix(hex, 16) {
                    bytes.push(b);
                    j += 3;
                    continue;
                }
            }
            bytes.push(raw[j]);
            j += 1;
        }
        if !soft && i + 1 < lines.len() {
            bytes.extend_from_slice(b"\r\n");
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Every `http(s)://…` link in a text, up to the first space, `<`, `>` or `"`.
pub fn links_in(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("http") {
        let candidate = &rest[i..];
        if candidate.starts_with("https://") || candidate.starts_with("http://") {
            let end = candidate
                .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"'))
                .unwrap_or(candidate.len());
            out.push(candidate[..end].to_string());
            rest = &candidate[end..];
        } else {
            rest = &candidate[4..];
        }
    }
    out
}

/// The first link containing `path` (e.g. `/reset/link/`).
pub fn link_with(text: &str, path: &str) -> Option<String> {
    links_in(text).into_iter().find(|l| l.contains(path))
}

/// The one-time code in a reset mail's text part: the first `XXXX-XXXX` word of code-alphabet
/// characters (uppercase letters and digits).
pub fn code_in(text: &str) -> Option<String> {
    text.split_whitespace().find_map(|w| {
        let w = w.trim_matches(|c: char| !c.is_ascii_alphanumeric() && c != '-');
        let (a, b) = w.split_once('-')?;
        let ok = |s: &str| {
            s.len() == 4
                && s.chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        };
        (ok(a) && ok(b)).then(|| w.to_string())
    })
}
