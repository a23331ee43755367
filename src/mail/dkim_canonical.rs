//! DKIM's relaxed canonicalisation (RFC 6376 §3.4.2, §3.4.4) of a formatted message, for
//! [`super::dkim::DkimSigner::sign`].

/// The header block (without the blank line) and the body of a message.
pub(super) fn split_message(message: &[u8]) -> (&[u8], &[u8]) {
    match message.windows(4).position(|w| w == b"\r\n\r\n") {
        Some(at) => (&message[..at + 2], &message[at + 4..]),
        None => (message, &[]),
    }
}

/// The header fields of a header block: name and raw value (folds kept), in order.
pub(super) fn header_fields(head: &[u8]) -> Vec<(String, &[u8])> {
    let mut fields: Vec<(String, std::ops::Range<usize>)> = Vec::new();
    let mut start = 0;
    while start < head.len() {
        let end = head[start..]
            .windows(2)
            .position(|w| w == b"\r\n")
            .map_or(head.len(), |p| start + p);
        let line = &head[start..end];
        if line.first().is_some_and(|b| *b == b' ' || *b == b'\t') {
            if let Some((_, range)) = fields.last_mut() {
                range.end = end;
            }
        } else if let Some(colon) = line.iter().position(|b| *b == b':') {
            let name = String::from_utf8_lossy(&line[..colon]).trim().to_string();
            fields.push((name, start + colon + 1..end));
        }
        start = end + 2;
    }
    fields
        .into_iter()
        .map(|(name, range)| (name, &head[range]))
        .collect()
}

/// Relaxed header canonicalisation (RFC 6376 §3.4.2): the name in lower case, the value
/// unfolded, runs of white space as one space, none at either end. No CRLF.
pub(super) fn canonical_header(name: &str, value: &[u8]) -> Vec<u8> {
    let mut out = name.trim().to_ascii_lowercase().into_bytes();
    out.push(b':');
    let (mut space, mut started) = (false, false);
    for &b in value {
        match b {
            b'\r' | b'\n' => {}
            b' ' | b'\t' => space = true,
            _ => {
                if space && started {
                    out.push(b' ');
                }
                space = false;
                started = true;
                out.push(b);
            }
        }
    }
    out
}

/// Relaxed body canonicalisation (RFC 6376 §3.4.4): white space at line ends removed, runs of
/// it as one space, empty lines at the end removed, a non-empty body ends with one CRLF.
pub(super) fn canonical_body(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let mut pending_blank = 0;
    let text = body.strip_suffix(b"\r\n").unwrap_or(body);
    for line in text.split(|b| *b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let mut canon = Vec::with_capacity(line.len());
        let mut space = false;
        for &b in line {
            if b == b' ' || b == b'\t' {
                space = true;
            } else {
                if space {
                    canon.push(b' ');
                }
                space = false;
                canon.push(b);
            }
        }
        if canon.is_empty() {
            pending_blank += 1;
            continue;
        }
        for _ in 0..pending_blank {
            out.extend_from_slice(b"\r\n");
        }
        pending_blank = 0;
        out.extend_from_slice(&canon);
        out.extend_from_slice(b"\r\n");
    }
    out
}
