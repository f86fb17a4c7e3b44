//! Keys for per-chat rows: a keyed hash of the chat id, never the id.
//!
//! A private chat's id *is* the user's Telegram id, so the database must not
//! hold it in any form that can be turned back into it. Rows are keyed by
//! SipHash-1-3 of the id under a 128-bit secret key:
//!
//! - **Keyed**, so that someone with the database alone cannot hash every
//!   plausible id (ids are small numbers) and find which chats are in it.
//! - **Stable across restarts and Rust releases**, so a setting saved today is
//!   found after an upgrade. `std`'s `DefaultHasher` promises neither a fixed
//!   algorithm nor fixed output across Rust versions; the `siphasher` crate
//!   implements the published SipHash-1-3, whose output is fixed by its
//!   specification for a given key.
//! - **Not stored in the database.** The key comes from `KSILK_CHAT_KEY` (32
//!   hex characters) or else from a key file beside the database,
//!   `<db>.key`, created with mode 0600 from the OS's random source on first
//!   start. A copy of the database without the key file (a backup sent
//!   somewhere, a bug report) holds no way to test an id. Losing the key file
//!   forgets every chat's settings, nothing worse.
//!
//! A 64-bit hash can collide: with 100,000 chats the chance of any collision
//! is about 3 in 10 billion, and its cost would be one chat seeing another's
//! pinned language, not a leak.

use std::hash::Hasher;
use std::io::Write;
use std::path::{Path, PathBuf};

use siphasher::sip::SipHasher13;

use super::config::{ConfigError, parse_key_hex};

/// Hashes chat ids under one secret key.
#[derive(Clone)]
pub struct ChatKeyer {
    key: [u8; 16],
}

impl std::fmt::Debug for ChatKeyer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChatKeyer(<secret>)")
    }
}

impl ChatKeyer {
    pub fn new(key: [u8; 16]) -> ChatKeyer {
        ChatKeyer { key }
    }

    /// A keyer with a fresh random key, for a process without a store (the
    /// hashes then mean nothing after it exits). Falls back to the process's
    /// own randomness if the OS source cannot be read.
    pub fn ephemeral() -> ChatKeyer {
        let key = random_key().unwrap_or_else(|_| {
            use std::hash::BuildHasher;
            let state = std::collections::hash_map::RandomState::new();
            let a = state.hash_one(0u8).to_le_bytes();
            let b = state.hash_one(1u8).to_le_bytes();
            let mut key = [0u8; 16];
            key[..8].copy_from_slice(&a);
            key[8..].copy_from_slice(&b);
            key
        });
        ChatKeyer { key }
    }

    /// The row key of a chat: SipHash-1-3 of its id's little-endian bytes.
    pub fn hash(&self, chat_id: i64) -> u64 {
        let mut hasher = SipHasher13::new_with_key(&self.key);
        hasher.write(&chat_id.to_le_bytes());
        hasher.finish()
    }

    /// The row key of a conversation: a private chat's is the chat's
    /// ([`ChatKeyer::hash`]); one user's in a group hashes both ids, so that
    /// two people in one group keep two conversations.
    pub fn hash_conversation(&self, chat_id: i64, user_id: Option<u64>) -> u64 {
        let Some(user_id) = user_id else {
            return self.hash(chat_id);
        };
        let mut hasher = SipHasher13::new_with_key(&self.key);
        hasher.write(&chat_id.to_le_bytes());
        hasher.write(&user_id.to_le_bytes());
        hasher.finish()
    }
}

/// Where the key file of a database lives: `<db>.key`.
pub fn key_file_of(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".key");
    PathBuf::from(name)
}

/// The keyer for a database: `configured` if `KSILK_CHAT_KEY` set one, else
/// the key file's key, making the file on first start.
pub fn load_or_create(db: &Path, configured: Option<[u8; 16]>) -> Result<ChatKeyer, ConfigError> {
    if let Some(key) = configured {
        return Ok(ChatKeyer::new(key));
    }
    let path = key_file_of(db);
    let err = |why: String| ConfigError::KeyFile {
        db: db.display().to_string(),
        path: path.display().to_string(),
        why,
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => parse_key_hex(text.trim())
            .map(ChatKeyer::new)
            .ok_or_else(|| err("it does not hold 32 hexadecimal characters".to_owned())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = random_key().map_err(|e| err(format!("no random source: {e}")))?;
            write_new_key_file(&path, &key).map_err(|e| err(e.to_string()))?;
            log::debug!("created the chat key file {}", path.display());
            Ok(ChatKeyer::new(key))
        }
        Err(e) => Err(err(e.to_string())),
    }
}

fn write_new_key_file(path: &Path, key: &[u8; 16]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
    writeln!(file, "{hex}")?;
    file.sync_all()
}

/// 16 bytes from the OS's random source.
fn random_key() -> std::io::Result<[u8; 16]> {
    use std::io::Read;
    let mut key = [0u8; 16];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut key)?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_is_stable_for_a_key_and_differs_between_keys() {
        let a = ChatKeyer::new([7; 16]);
        // SipHash-1-3 is fixed by its specification: this value must never
        // change, or every saved setting would be lost on upgrade.
        assert_eq!(a.hash(42), ChatKeyer::new([7; 16]).hash(42));
        assert_eq!(a.hash(42), 0x0d5b_ae73_96f7_f5b1, "{:#x}", a.hash(42));
        assert_ne!(a.hash(42), ChatKeyer::new([8; 16]).hash(42));
        assert_ne!(a.hash(42), a.hash(43));
        assert!(!format!("{a:?}").contains('7'));
    }

    #[test]
    fn the_key_file_is_made_once_with_mode_0600_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("ksilk.db");
        let first = load_or_create(&db, None).unwrap();
        let again = load_or_create(&db, None).unwrap();
        assert_eq!(
            first.hash(-1_001_234_567_890),
            again.hash(-1_001_234_567_890)
        );
        let file = dir.path().join("ksilk.db.key");
        assert_eq!(std::fs::read_to_string(&file).unwrap().trim().len(), 32);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&file).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let configured = load_or_create(&db, Some([1; 16])).unwrap();
        assert_eq!(configured.hash(5), ChatKeyer::new([1; 16]).hash(5));
    }

    #[test]
    fn a_damaged_key_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("ksilk.db");
        std::fs::write(key_file_of(&db), "not a key").unwrap();
        let err = load_or_create(&db, None).unwrap_err();
        assert!(err.to_string().starts_with("KSILK_DB="), "{err}");
        assert!(err.to_string().contains("ksilk.db.key"), "{err}");
        assert!(err.to_string().contains("KSILK_CHAT_KEY"), "{err}");
    }
}
