//! The reading lists of a run (subscribers' and topics' `library` files), each read and
//! profiled once, and kept in the state folder so the next run only loads them.
//!
//! A kept profile is keyed by the file's path; it records the file's size, modification time
//! and SHA-256. When size and time match it is loaded without reading the file; when they
//! differ the file is hashed, and only a changed hash reads and profiles it again. This is the
//! stage between config and picking; it neither picks nor renders.

use std::io;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use anyhow::Context;
use sha2::{Digest, Sha256};

use crate::config::Config;
use crate::library;
use crate::topic::similar::{Profile, ProfileBuilder};

/// The distinct reading lists of a config, profiled, in first-named order.
#[derive(Debug, Clone, Default)]
pub struct Profiles {
    pub(crate) lists: Vec<(PathBuf, Profile)>,
    /// The libraries that could not be read, and why: their readers go on without them.
    pub(crate) failed: Vec<(PathBuf, String)>,
    /// Each voting subscriber's own list (library plus votes), by lowercased address.
    pub(crate) voters: Vec<(String, Profile)>,
}

impl Profiles {
    /// Every library the config names, from the kept profiles where they are current. A
    /// library that cannot be read is left out and recorded in `failed`.
    pub fn load(config: &Config) -> anyhow::Result<Profiles> {
        let mut paths: Vec<&Path> = Vec::new();
        let mut named_before = rustc_hash::FxHashSet::default();
        let named = config.topics.iter().filter_map(|t| t.library.as_deref());
        for path in named.chain(config.subscribers.iter().filter_map(|s| s.library.as_deref())) {
            if named_before.insert(path) {
                paths.push(path);
            }
        }
        let folder = config.delivery.state.parent().unwrap_or(Path::new("")).join("profiles");
        let mut lists = Vec::with_capacity(paths.len());
        let mut failed = Vec::new();
        // Libraries are read on every core; their warnings may then interleave.
        let read = crate::parallel::map_in_order(
            &mut paths,
            || (),
            |(), path| kept_or_built(path, &folder, config),
        );
        for (path, read) in paths.into_iter().zip(read) {
            match read {
                Ok(profile) => lists.push((path.to_owned(), profile)),
                Err(err) => failed.push((path.to_owned(), format!("{err:#}"))),
            }
        }
        let voters = crate::voted::voter_profiles(config)?;
        Ok(Profiles { lists, failed, voters })
    }
}

/// What identifies a library file's version without reading it.
#[derive(PartialEq)]
struct Stamp {
    size: u64,
    modified_nanos: u128,
}

fn stamp(path: &Path) -> io::Result<Stamp> {
    let meta = std::fs::metadata(path)?;
    let modified = meta.modified()?.duration_since(UNIX_EPOCH).unwrap_or_default();
    Ok(Stamp { size: meta.len(), modified_nanos: modified.as_nanos() })
}

/// The kept file: magic, size, modification time, SHA-256 of the library, SHA-256 of the
/// profile, then the profile. Kept files are written unsynced (one sync per library cost
/// more than the run's reading), so the profile's own digest tells a torn one.
const HEADER: usize = 8 + 8 + 16 + 32 + 32;
const MAGIC: &[u8; 8] = b"pbprof2\n";

fn kept_or_built(path: &Path, folder: &Path, config: &Config) -> anyhow::Result<Profile> {
    let Ok(stamp) = stamp(path) else {
        // The library reader says best what is wrong with a file it cannot open.
        library::load(path, &config.library)?;
        anyhow::bail!("cannot read library {}", path.display());
    };
    let key = hex(&Sha256::digest(path.to_string_lossy().as_bytes())[..12]);
    let kept_path = folder.join(format!("{key}.profile"));
    let kept = std::fs::read(&kept_path).ok().filter(|k| {
        k.len() >= HEADER
            && k.starts_with(MAGIC)
            && k[64..HEADER] == Sha256::digest(&k[HEADER..])[..]
    });
    if let Some(kept) = &kept
        && kept[8..16] == stamp.size.to_le_bytes()
        && kept[16..32] == stamp.modified_nanos.to_le_bytes()
        && let Some(profile) = Profile::from_bytes(&kept[HEADER..])
    {
        return Ok(profile);
    }
    let bytes =
        std::fs::read(path).with_context(|| format!("cannot read library {}", path.display()))?;
    let hash = Sha256::digest(&bytes);
    let same_content = kept.as_ref().filter(|k| k[32..64] == hash[..]);
    let profile = match same_content.and_then(|k| Profile::from_bytes(&k[HEADER..])) {
        Some(profile) => profile,
        None => {
            let library = library::load(path, &config.library)?;
            // Said when the file is read; a kept profile of the same file is quiet.
            library.warnings.iter().for_each(crate::messages::warning);
            let mut builder = ProfileBuilder::default();
            for entry in &library.entries {
                builder.like(&entry.title, &entry.abstract_text, entry.added);
            }
            builder.finish()
        }
    };
    let body = profile.to_bytes();
    let mut out = Vec::with_capacity(HEADER + body.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&stamp.size.to_le_bytes());
    out.extend_from_slice(&stamp.modified_nanos.to_le_bytes());
    out.extend_from_slice(&hash);
    out.extend_from_slice(&Sha256::digest(&body));
    out.extend_from_slice(&body);
    // A profile that cannot be kept is made again next run: worth a warning, not a failure.
    if let Err(err) =
        std::fs::create_dir_all(folder).and_then(|()| crate::atomic::write_cache(&kept_path, &out))
    {
        crate::messages::warning(format!(
            "cannot keep the profile of {} in {}: {err}",
            path.display(),
            folder.display()
        ));
    }
    Ok(profile)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
