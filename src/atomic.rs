//! Writing a file whole or not at all: a reader (a mail client opening the outbox, the next
//! `send` loading the config) never sees half of one, and a crash leaves the old file. Caches
//! written with [`write_cache`] skip the syncs, so after a crash theirs may be torn.

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
    replace(path, bytes, like, Durability::Synced)
}

/// Like [`write`] but never synced: for a cache that is made again when it is missing, old
/// or torn (its reader must check it), where a sync per file would cost more than remaking
/// the file after a crash. Readers still never see a file half written by a running writer.
pub(crate) fn write_cache(path: &Path, bytes: &[u8]) -> io::Result<()> {
    replace(path, bytes, path, Durability::Unsynced)
}

#[derive(PartialEq)]
enum Durability {
    Synced,
    Unsynced,
}

fn replace(path: &Path, bytes: &[u8], like: &Path, durability: Durability) -> io::Result<()> {
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
        if durability == Durability::Synced {
            file.sync_all()?;
        }
        fs::rename(&temp, &path)
    })();
    if written.is_err() {
        let _ = fs::remove_file(&temp);
    }
    written?;
    // Best effort: some file systems cannot open a folder to sync it.
    if durability == Durability::Synced
        && let Ok(folder) = File::open(&dir)
    {
        let _ = folder.sync_all();
    }
    Ok(())
}

/// The file a temporary file of [`write`] (`.NAME.PID.N.tmp`) was for, when it is one and
/// the process that made it is gone: what a writer killed between creating and renaming it
/// leaves behind, and nobody else would remove. Whether the process is gone is asked of
/// `/proc` on Linux; elsewhere any other process counts as gone, so the caller must know
/// that no other writer can be at work (for the outbox: it holds the run lock).
pub(crate) fn abandoned_temp(name: &str) -> Option<&str> {
    let rest = name.strip_prefix('.')?.strip_suffix(".tmp")?;
    let (rest, counter) = rest.rsplit_once('.')?;
    let (target, pid) = rest.rsplit_once('.')?;
    let digits = |text: &str| !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    if target.is_empty() || !digits(counter) || !digits(pid) {
        return None;
    }
    let pid: u32 = pid.parse().ok()?;
    (pid != std::process::id() && !running(pid)).then_some(target)
}

#[cfg(target_os = "linux")]
fn running(pid: u32) -> bool {
    Path::new("/proc").join(pid.to_string()).exists()
}

#[cfg(not(target_os = "linux"))]
fn running(_pid: u32) -> bool {
    false
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

    #[test]
    fn only_the_temporary_files_of_writers_that_are_gone_are_abandoned() {
        // A process that has ended (and been waited for) is gone.
        let mut child = std::process::Command::new("true").spawn().unwrap();
        child.wait().unwrap();
        let gone = child.id();
        let name = |pid: u32| format!(".a@x.org.eml.{pid}.3.tmp");
        assert_eq!(abandoned_temp(&name(gone)), Some("a@x.org.eml"));
        assert_eq!(abandoned_temp(&name(std::process::id())), None, "this process writes it");
        for other in [".a@x.org.eml.tmp", "a@x.org.eml.1.2.tmp", ".a.eml.x1.2.tmp", "..1.2.tmp"] {
            assert_eq!(abandoned_temp(other), None, "{other}");
        }
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
