//! Writing a file whole or not at all: a reader (a mail client opening the outbox, the next
//! `send` loading the config) never sees half of one, and a crash leaves the old file.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Replaces `path` with `bytes` through a temporary file in the same folder, then renames it
/// over. The new file keeps the old one's permissions (a private config stays private from
/// the first byte), a symlink keeps pointing at the file it named, and the folder is synced so
/// the rename itself survives a crash.
pub(crate) fn write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_with_mode_of(path, bytes, path)
}

/// Like [`write`], with the permissions of `like` (when it exists): a backup of a private
/// config is private too.
pub(crate) fn write_with_mode_of(path: &Path, bytes: &[u8], like: &Path) -> io::Result<()> {
    let path = fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
    let dir = path.parent().map_or_else(|| PathBuf::from("."), Path::to_owned);
    fs::create_dir_all(&dir)?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("out");
    // Unique per process and per call, so threads writing at once never share a temp file.
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let temp = dir.join(format!(
        ".{name}.{}.{}.tmp",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let written = (|| {
        let mut file = create(&temp, fs::metadata(like).ok())?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&temp, &path)
    })();
    if written.is_err() {
        let _ = fs::remove_file(&temp);
    }
    written?;
    // Best effort: some file systems cannot open a folder to sync it.
    if let Ok(folder) = File::open(&dir) {
        let _ = folder.sync_all();
    }
    Ok(())
}

#[cfg(unix)]
fn create(temp: &Path, like: Option<fs::Metadata>) -> io::Result<File> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let mode = like.map_or(0o666, |meta| meta.permissions().mode() & 0o7777);
    OpenOptions::new().write(true).create_new(true).mode(mode).open(temp)
}

#[cfg(not(unix))]
fn create(temp: &Path, like: Option<fs::Metadata>) -> io::Result<File> {
    let file = OpenOptions::new().write(true).create_new(true).open(temp)?;
    if let Some(meta) = like {
        file.set_permissions(meta.permissions())?;
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_replace_whole_files_and_leave_no_temporary_behind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b.eml");
        write(&path, b"one").unwrap();
        write(&path, b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        assert_eq!(fs::read_dir(dir.path().join("a")).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn a_private_file_and_its_backup_stay_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("paperboy.toml");
        fs::write(&config, "x").unwrap();
        fs::set_permissions(&config, fs::Permissions::from_mode(0o600)).unwrap();
        write(&config, b"y").unwrap();
        let backup = dir.path().join("paperboy.toml.bak");
        write_with_mode_of(&backup, b"x", &config).unwrap();
        for path in [&config, &backup] {
            assert_eq!(fs::metadata(path).unwrap().permissions().mode() & 0o777, 0o600);
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_symlinked_file_is_written_through_the_link() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.toml");
        let link = dir.path().join("paperboy.toml");
        fs::write(&real, "old").unwrap();
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write(&link, b"new").unwrap();
        assert!(fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert_eq!(fs::read(&real).unwrap(), b"new");
    }
}
