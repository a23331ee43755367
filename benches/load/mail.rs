//! Finding the reset links the server mailed: in the SMTP sink, or in the `.eml` outbox.

use crate::server::Server;
use std::collections::{BTreeMap, HashSet};

/// RFC 2045 quoted-printable, enough to find a link in a message.
pub fn unquote(text: &str) -> String {
    let joined = text.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The token of the first reset link in a (decoded) message.
pub fn link_token(text: &str) -> Option<String> {
    let at = text.find("/reset/link/")?;
    let token: String = text[at + 12..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    (!token.is_empty()).then_some(token)
}

/// Every `.eml` under the (sharded) outbox.
fn outbox_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.filter_map(Result::ok) {
        let p = e.path();
        if p.is_dir() {
            outbox_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "eml") {
            out.push(p);
        }
    }
}

/// What was mailed before D's requests (so only new links are used).
pub enum MailMark {
    Outbox(HashSet<std::path::PathBuf>),
    Sink,
}

pub fn mail_mark(server: &Server) -> MailMark {
    match &server.sink {
        Some(sink) => {
            sink.received.tokens.lock().expect("sink tokens").clear();
            MailMark::Sink
        }
        None => {
            let mut files = Vec::new();
            outbox_files(&server.outbox(), &mut files);
            MailMark::Outbox(files.into_iter().collect())
        }
    }
}

/// The newest reset token mailed to each guest since `before`.
pub fn harvest_tokens(server: &Server, before: &MailMark) -> Vec<String> {
    let MailMark::Outbox(before) = before else {
        let sink = server.sink.as_ref().expect("a sink when marked so");
        let mut tokens = sink.received.tokens.lock().expect("sink tokens");
        return std::mem::take(&mut *tokens).into_values().collect();
    };
    let mut paths = Vec::new();
    outbox_files(&server.outbox(), &mut paths);
    paths.retain(|p| !before.contains(p));
    paths.sort_by_key(|p| p.file_name().map(|n| n.to_owned()));
    // The newest mail per address wins (a newer request supersedes older tokens).
    let mut by_user: BTreeMap<String, String> = BTreeMap::new();
    for path in paths {
        let Ok(raw) = std::fs::read_to_string(&path) else {
            continue;
        };
        let text = unquote(&raw);
        let to = text
            .lines()
            .find_map(|l| l.strip_prefix("To: "))
            .map(str::trim)
            .unwrap_or_default()
            .to_string();
        if let Some(token) = link_token(&text) {
            by_user.insert(to, token);
        }
    }
    by_user.into_values().collect()
}
