//! The store's settings, read from the environment once at startup.
//!
//! A bad value stops the bot before it connects to Telegram, with a message
//! that names the variable, what it holds and the rule it broke: a typo in
//! `KSILK_LOG_DAYS` should not quietly keep questions for the wrong time.

use std::path::{Path, PathBuf};
use std::time::Duration;

/// The database file when `KSILK_DB` is not set: in the working directory.
pub const DEFAULT_DB: &str = "ksilk.db";
/// How long the question log keeps a question when `KSILK_LOG_DAYS` is not set.
pub const DEFAULT_LOG_DAYS: u32 = 90;
/// The longest retention `KSILK_LOG_DAYS` accepts (ten years).
pub const MAX_LOG_DAYS: u32 = 3650;
/// How many writes may wait for the writer before new ones are dropped.
pub const DEFAULT_QUEUE: usize = 4096;
/// How often retention runs while the bot is up (besides at startup).
pub const PRUNE_EVERY: Duration = Duration::from_secs(24 * 60 * 60);

/// A setting the store cannot start with.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error(
        "KSILK_LOG_DAYS={0:?} is not valid: it must be a whole number of days from 1 to {MAX_LOG_DAYS}"
    )]
    LogDays(String),
    #[error("KSILK_DB is empty: set it to a file path, or to `off` to run without a database")]
    EmptyDb,
    #[error(
        "KSILK_DB={path}: the database cannot be created there: {why}; set KSILK_DB to a file in a writable directory, or to `off`"
    )]
    Unwritable { path: String, why: String },
    #[error(
        "KSILK_CHAT_KEY is not valid: it must be 32 hexadecimal characters (16 random bytes, e.g. from `openssl rand -hex 16`)"
    )]
    ChatKey,
    #[error(
        "KSILK_DB={db}: the chat key file {path} beside it cannot be used: {why}; it must be a writable place for a file of 32 hexadecimal characters (deleting the file makes a new key and forgets every chat's settings), or set KSILK_CHAT_KEY"
    )]
    KeyFile {
        db: String,
        path: String,
        why: String,
    },
}

/// Where the store lives and how long it keeps questions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreConfig {
    /// The database file.
    pub path: PathBuf,
    /// Questions older than this many days are deleted.
    pub log_days: u32,
    /// The write queue's capacity.
    pub queue: usize,
    /// The chat key from `KSILK_CHAT_KEY`, if set (else the key file is used).
    pub chat_key: Option<[u8; 16]>,
    /// How often retention runs while the bot is up ([`PRUNE_EVERY`]).
    pub prune_every: Duration,
}

impl StoreConfig {
    /// A store at `path` with the default retention and queue.
    pub fn at(path: impl Into<PathBuf>) -> StoreConfig {
        StoreConfig {
            path: path.into(),
            log_days: DEFAULT_LOG_DAYS,
            queue: DEFAULT_QUEUE,
            chat_key: None,
            prune_every: PRUNE_EVERY,
        }
    }

    /// Reads `KSILK_DB`, `KSILK_LOG_DAYS` and `KSILK_CHAT_KEY`. `Ok(None)`
    /// when `KSILK_DB=off`.
    pub fn from_env() -> Result<Option<StoreConfig>, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`StoreConfig::from_env`] with any variable source, for tests.
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<StoreConfig>, ConfigError> {
        // Every variable is checked even when the store is off: a typo
        // should show up today, not the day the store is turned on.
        let log_days = match lookup("KSILK_LOG_DAYS") {
            None => DEFAULT_LOG_DAYS,
            Some(raw) => parse_log_days(&raw)?,
        };
        let chat_key = match lookup("KSILK_CHAT_KEY") {
            Some(raw) if !raw.trim().is_empty() => {
                Some(parse_key_hex(raw.trim()).ok_or(ConfigError::ChatKey)?)
            }
            _ => None,
        };
        let path = match lookup("KSILK_DB") {
            None => PathBuf::from(DEFAULT_DB),
            Some(raw) if raw.trim().eq_ignore_ascii_case("off") => return Ok(None),
            Some(raw) if raw.trim().is_empty() => return Err(ConfigError::EmptyDb),
            Some(raw) => PathBuf::from(raw.trim()),
        };
        check_location(&path)?;
        Ok(Some(StoreConfig {
            path,
            log_days,
            queue: DEFAULT_QUEUE,
            chat_key,
            prune_every: PRUNE_EVERY,
        }))
    }
}

fn parse_log_days(raw: &str) -> Result<u32, ConfigError> {
    match raw.trim().parse::<u32>() {
        Ok(days) if (1..=MAX_LOG_DAYS).contains(&days) => Ok(days),
        _ => Err(ConfigError::LogDays(raw.to_owned())),
    }
}

/// 32 hexadecimal characters to 16 bytes.
pub(crate) fn parse_key_hex(hex: &str) -> Option<[u8; 16]> {
    if hex.len() != 32 || !hex.is_ascii() {
        return None;
    }
    let mut key = [0u8; 16];
    for (i, byte) in key.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(key)
}

/// The checks that tell a wrong `KSILK_DB` (fail now, naming it) from a
/// damaged database file (log it and run without the store): the path must
/// not be a directory, and its directory must exist.
pub(crate) fn check_location(path: &Path) -> Result<(), ConfigError> {
    let unwritable = |why: &str| ConfigError::Unwritable {
        path: path.display().to_string(),
        why: why.to_owned(),
    };
    if path.is_dir() {
        return Err(unwritable("it is a directory"));
    }
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        return Err(unwritable(&format!(
            "the directory {} does not exist",
            dir.display()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn defaults_are_ksilk_db_in_the_working_directory_and_90_days() {
        let config = StoreConfig::from_lookup(lookup(&[])).unwrap().unwrap();
        assert_eq!(config.path, PathBuf::from("ksilk.db"));
        assert_eq!(config.log_days, 90);
        assert_eq!(config.chat_key, None);
    }

    #[test]
    fn ksilk_db_off_turns_the_store_off() {
        for off in ["off", "OFF", " off "] {
            assert_eq!(
                StoreConfig::from_lookup(lookup(&[("KSILK_DB", off)])),
                Ok(None)
            );
        }
    }

    #[test]
    fn log_days_must_be_a_whole_number_from_1_to_3650() {
        for good in ["1", "90", " 365 ", "3650"] {
            let config = StoreConfig::from_lookup(lookup(&[("KSILK_LOG_DAYS", good)]));
            assert!(config.is_ok(), "{good}");
        }
        for bad in ["0", "-1", "3651", "7d", "ninety", "", "1.5"] {
            let err = StoreConfig::from_lookup(lookup(&[("KSILK_LOG_DAYS", bad)])).unwrap_err();
            let line = err.to_string();
            assert!(line.starts_with("KSILK_LOG_DAYS="), "{line}");
            assert!(line.contains("from 1 to 3650"), "{line}");
        }
    }

    #[test]
    fn a_db_in_a_missing_directory_or_a_directory_fails_naming_ksilk_db() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope").join("ksilk.db");
        for path in [missing.to_str().unwrap(), dir.path().to_str().unwrap()] {
            let err = StoreConfig::from_lookup(lookup(&[("KSILK_DB", path)])).unwrap_err();
            assert!(matches!(err, ConfigError::Unwritable { .. }), "{err}");
            assert!(err.to_string().starts_with("KSILK_DB="), "{err}");
        }
        let err = StoreConfig::from_lookup(lookup(&[("KSILK_DB", " ")])).unwrap_err();
        assert_eq!(err, ConfigError::EmptyDb);
    }

    #[test]
    fn the_chat_key_must_be_32_hex_characters() {
        let good = "00112233445566778899aabbccddeeff";
        let config = StoreConfig::from_lookup(lookup(&[("KSILK_CHAT_KEY", good)]))
            .unwrap()
            .unwrap();
        assert_eq!(config.chat_key.unwrap()[15], 0xff);
        for bad in ["00", "00112233445566778899aabbccddeefg", "ключ"] {
            let err = StoreConfig::from_lookup(lookup(&[("KSILK_CHAT_KEY", bad)])).unwrap_err();
            assert_eq!(err, ConfigError::ChatKey);
            assert!(err.to_string().starts_with("KSILK_CHAT_KEY"));
        }
    }
}
