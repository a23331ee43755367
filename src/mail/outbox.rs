//! The development outbox: each message a `.eml` file, sharded by hour and id, written whole
//! or not at all.

use std::path::{Path, PathBuf};

/// Where the outbox puts a message: `(<root>/<YYYY-MM-DDTHH>/<xx>, <timestamp>-<id>.eml)`.
///
/// Sharded because one flat directory made every `open()` slower as it filled: at tens of
/// thousands of files, creating the next one took most of the worker's time (docs/performance.md,
/// scenario C). The hour keeps the tree browsable in time order; the id's first two hex
/// digits (random: v4 UUIDs) spread one busy hour over 256 directories.
pub(super) fn outbox_path(
    root: &Path,
    now: chrono::DateTime<chrono::Utc>,
    id: &uuid::Uuid,
) -> (PathBuf, String) {
    let id = id.to_string();
    let dir = root
        .join(now.format("%Y-%m-%dT%H").to_string())
        .join(&id[..2]);
    (dir, format!("{}-{id}.eml", now.format("%Y%m%dT%H%M%S%3fZ")))
}

/// Writes `bytes` to `dir/name` so that a reader sees the whole file or none: a hidden temporary
/// file in the same directory, flushed, then renamed. Owner-only on Unix: messages hold tokens.
pub(super) fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(".{name}.tmp"));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let written = (|| {
        let mut file = options.open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()
    })();
    if let Err(e) = written.and_then(|()| std::fs::rename(&tmp, dir.join(name))) {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    Ok(())
}
