//! The run lock: one `send` at a time per journal.

use std::path::{Path, PathBuf};

use super::JournalError;

/// Held for a whole `send`: an exclusive file lock (`File::try_lock`) on `paperboy.db.lock`,
/// which the OS releases when the process ends, however it ends, so a killed run never blocks
/// the next one. (A lock of its own rather than the journal's: the journal must stay writable
/// by the run's workers and readable by `history` meanwhile.)
pub(crate) struct RunLock {
    _holder: std::fs::File,
}

impl std::fmt::Debug for RunLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RunLock")
    }
}

impl RunLock {
    /// Takes the run lock beside the journal (`paperboy.db.lock`) without waiting: a second
    /// run gets [`JournalError::Busy`] at once.
    pub(crate) fn acquire(journal: &Path) -> Result<RunLock, JournalError> {
        let mut name = journal.as_os_str().to_owned();
        name.push(".lock");
        let path = PathBuf::from(name);
        if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|source| JournalError::Io { path: dir.to_owned(), source })?;
        }
        let holder = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|source| JournalError::Io { path: path.clone(), source })?;
        // No waiting: held means another run holds it.
        match holder.try_lock() {
            Ok(()) => Ok(RunLock { _holder: holder }),
            Err(std::fs::TryLockError::WouldBlock) => {
                Err(JournalError::Busy { path: journal.to_owned() })
            }
            Err(std::fs::TryLockError::Error(source)) => Err(JournalError::Io { path, source }),
        }
    }
}
