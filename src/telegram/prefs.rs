//! The per-chat pinned reply language (`/lang`): small, bounded, and holding
//! no user identifier.
//!
//! Why it is shaped this way:
//!
//! - **In memory first.** Replies read pins from here and nowhere else, so a
//!   reply never waits for a disk. With a store ([`crate::store`]) each
//!   change is also queued for the database (never blocking), and the pins
//!   are loaded back at startup ([`PinStore::persistent`]), so they survive a
//!   restart. Without one (`KSILK_DB=off`) a chat falls back after a restart
//!   to the question's language and the user's Telegram `language_code`.
//! - **Bounded.** Every chat that sends `/lang` adds an entry, and anyone can
//!   create chats, so the store has a cap ([`DEFAULT_CAP`]); when it is full
//!   the least recently used pin is forgotten, in memory and in the database.
//!   Memory and the table stay flat under abuse.
//! - **Keyed by a keyed hash, never by the chat id.** A private chat's id *is*
//!   the user's Telegram id. The key is SipHash-1-3 of the chat id
//!   ([`ChatKeyer`]): with a store, under the store's secret key (stable across
//!   restarts, kept outside the database); without one, under a random key
//!   drawn for the process. A memory dump, a debug print or the database holds
//!   no id. The 64-bit hash can collide; with 100,000 chats the chance of any
//!   collision is about 3 in 10 billion, and the cost of one would be a reply
//!   in another pinned language, not a leak.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};

use teloxide::types::ChatId;

use crate::lang::Lang;
use crate::store::{ChatKeyer, StoreHandle};

/// How many chats keep a pin by default (a few megabytes at most).
pub const DEFAULT_CAP: usize = 100_000;

/// An opaque key for a chat: a keyed hash of its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ChatKey(u64);

#[derive(Debug, Default)]
struct Inner {
    /// Key to (language, last use).
    pins: HashMap<ChatKey, (Lang, u64)>,
    /// Last use to key, oldest first: the eviction order.
    by_use: BTreeMap<u64, ChatKey>,
    /// A logical clock, bumped on every use.
    clock: u64,
}

impl Inner {
    /// Pins `lang` under `key`; returns the key forgotten to make room.
    fn insert(&mut self, key: ChatKey, lang: Lang, cap: usize) -> Option<ChatKey> {
        let mut evicted = None;
        if !self.pins.contains_key(&key)
            && self.pins.len() >= cap
            && let Some((_, oldest)) = self.by_use.pop_first()
        {
            self.pins.remove(&oldest);
            evicted = Some(oldest);
        }
        self.touch(key, lang);
        evicted
    }

    fn touch(&mut self, key: ChatKey, lang: Lang) {
        self.clock += 1;
        if let Some((_, used)) = self.pins.insert(key, (lang, self.clock)) {
            self.by_use.remove(&used);
        }
        self.by_use.insert(self.clock, key);
    }
}

/// Pinned reply languages by chat. Cheap to share behind the handler context;
/// every method takes `&self`.
#[derive(Debug)]
pub struct PinStore {
    keyer: ChatKeyer,
    cap: usize,
    inner: Mutex<Inner>,
    /// Where changes are saved, when there is a store.
    sink: Option<StoreHandle>,
}

impl Default for PinStore {
    fn default() -> Self {
        PinStore::with_cap(DEFAULT_CAP)
    }
}

impl PinStore {
    /// A store that keeps at most `cap` chats (at least one).
    pub fn with_cap(cap: usize) -> PinStore {
        PinStore {
            keyer: ChatKeyer::ephemeral(),
            cap: cap.max(1),
            inner: Mutex::new(Inner::default()),
            sink: None,
        }
    }

    /// A store keyed like `store`'s rows, holding the pins saved there (up to
    /// `cap`, the most recently saved), and saving every change back. Reads
    /// the database once: call it at startup. A failed read is logged and
    /// the bot starts with no pins.
    pub fn persistent(cap: usize, store: StoreHandle) -> PinStore {
        let mut pins = PinStore::with_cap(cap);
        pins.keyer = store.keyer().clone();
        match store.load_pins() {
            Ok(saved) => {
                let mut inner = pins.lock();
                // Oldest first, so the most recent survive the cap.
                for (key, lang) in saved {
                    inner.insert(ChatKey(key), lang, pins.cap);
                }
                let loaded = inner.pins.len();
                drop(inner);
                if loaded > 0 {
                    log::info!("loaded {loaded} pinned chat language(s)");
                }
            }
            Err(e) => log::warn!("cannot load the pinned chat languages: {e}"),
        }
        pins.sink = Some(store);
        pins
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic elsewhere while holding the lock leaves consistent data
        // (each update is a few map operations), so carry on with it.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The key a chat is stored under.
    pub fn key(&self, chat: ChatId) -> ChatKey {
        ChatKey(self.keyer.hash(chat.0))
    }

    /// The chat's pinned language, if any; counts as a use.
    pub fn get(&self, chat: ChatId) -> Option<Lang> {
        let key = self.key(chat);
        let mut inner = self.lock();
        let lang = inner.pins.get(&key).map(|&(lang, _)| lang)?;
        inner.touch(key, lang);
        Some(lang)
    }

    /// Pins `lang` for the chat, forgetting the least recently used chat if
    /// the store is full.
    /// The database, when there is one, is told too (without waiting).
    pub fn pin(&self, chat: ChatId, lang: Lang) {
        let key = self.key(chat);
        let evicted = self.lock().insert(key, lang, self.cap);
        if let Some(store) = &self.sink {
            store.save_pin(key.0, lang);
            if let Some(old) = evicted {
                store.delete_pin(old.0);
            }
        }
    }

    /// How many chats have a pin.
    pub fn len(&self) -> usize {
        self.lock().pins.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The stored keys, for tests that check what the store holds.
    pub fn keys(&self) -> Vec<ChatKey> {
        self.lock().pins.keys().copied().collect()
    }
}

impl ChatKey {
    /// The raw hash (for tests and debugging; it identifies no one).
    pub fn value(self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_are_per_chat() {
        let store = PinStore::default();
        assert_eq!(store.get(ChatId(1)), None);
        store.pin(ChatId(1), Lang::Ru);
        store.pin(ChatId(-1_001_234_567_890), Lang::Ko);
        assert_eq!(store.get(ChatId(1)), Some(Lang::Ru));
        assert_eq!(store.get(ChatId(-1_001_234_567_890)), Some(Lang::Ko));
        assert_eq!(store.get(ChatId(2)), None);
        store.pin(ChatId(1), Lang::En);
        assert_eq!(store.get(ChatId(1)), Some(Lang::En));
        assert_eq!(store.len(), 2);
    }

    #[test]
    fn a_full_store_forgets_the_least_recently_used_chat() {
        let store = PinStore::with_cap(3);
        for id in 1..=3 {
            store.pin(ChatId(id), Lang::Ru);
        }
        // Chat 1 is used again, so chat 2 is now the least recently used.
        assert_eq!(store.get(ChatId(1)), Some(Lang::Ru));
        store.pin(ChatId(4), Lang::Ko);
        assert_eq!(store.len(), 3);
        assert_eq!(store.get(ChatId(2)), None);
        for id in [1, 3, 4] {
            assert!(store.get(ChatId(id)).is_some(), "chat {id}");
        }
        // Re-pinning a chat already stored evicts nobody.
        store.pin(ChatId(3), Lang::En);
        assert_eq!(store.len(), 3);
    }

    #[test]
    fn the_cap_holds_under_many_chats() {
        let store = PinStore::with_cap(100);
        for id in 0..10_000 {
            store.pin(ChatId(id), Lang::Ko);
        }
        assert_eq!(store.len(), 100);
        assert_eq!(store.get(ChatId(9_999)), Some(Lang::Ko));
        assert_eq!(store.get(ChatId(0)), None);
        assert_eq!(PinStore::with_cap(0).cap, 1);
    }

    #[test]
    fn the_key_is_not_the_chat_id() {
        let store = PinStore::default();
        let ids = [1_i64, 42, 123_456_789, -1_001_234_567_890];
        for id in ids {
            store.pin(ChatId(id), Lang::Ru);
        }
        for key in store.keys() {
            for id in ids {
                assert_ne!(key.value(), id as u64);
                assert_ne!(key.value(), id.unsigned_abs());
            }
        }
        // The hash is keyed: another store (another process) hashes the
        // same chat differently, so keys cannot be matched across them.
        let other = PinStore::default();
        assert_ne!(store.key(ChatId(42)), other.key(ChatId(42)));
        assert_eq!(store.key(ChatId(42)), store.key(ChatId(42)));
        let debug = format!("{store:?}");
        assert!(!debug.contains("123456789"), "{debug}");
    }
}
