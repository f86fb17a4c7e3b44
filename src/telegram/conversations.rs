//! Each Telegram conversation's follow-up context ([`crate::dialogue`]):
//! one per private chat, and one per user in a group (two people asking in
//! the same group each keep their own "and Kyrgyzstan?").
//!
//! Shaped like [`super::prefs`], for the same reasons: in memory (a context
//! lives 15 minutes anyway), bounded (the pure [`DialogueStore`] drops the
//! least recently used beyond [`crate::dialogue::DEFAULT_CAP`] and forgets
//! idle ones), and keyed by a keyed hash of the chat id and, in groups, the
//! user id: never by an id itself. The key is SipHash-1-3 under the store's
//! secret key ([`ChatKeyer`]) when there is a store, so that a context saved
//! there ([`super::handlers::Ctx::remember`]) is found again after a
//! restart; without a store, under a random key drawn once per process.

use std::sync::{Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use teloxide::types::{ChatId, UserId};

use crate::dialogue::{Dialogue, DialogueStore};
use crate::store::ChatKeyer;

/// An opaque key for one conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ConversationKey(u64);

impl ConversationKey {
    /// The raw hash: the store's row key (it identifies no one).
    pub fn value(self) -> u64 {
        self.0
    }

    /// The key of a row the store saved.
    pub fn from_value(value: u64) -> ConversationKey {
        ConversationKey(value)
    }
}

/// The follow-up contexts of every chat. Every method takes `&self`.
#[derive(Debug)]
pub struct Conversations {
    keyer: ChatKeyer,
    store: Mutex<DialogueStore<ConversationKey>>,
}

impl Default for Conversations {
    fn default() -> Self {
        Conversations::with_cap(crate::dialogue::DEFAULT_CAP)
    }
}

impl Conversations {
    /// At most `cap` conversations, keyed under a key of this process.
    pub fn with_cap(cap: usize) -> Conversations {
        Conversations::keyed(cap, ChatKeyer::ephemeral())
    }

    /// At most `cap` conversations, keyed under `keyer` (the store's, so
    /// that saved contexts are found again after a restart).
    pub fn keyed(cap: usize, keyer: ChatKeyer) -> Conversations {
        Conversations {
            keyer,
            store: Mutex::new(DialogueStore::with_cap(cap)),
        }
    }

    fn lock(&self) -> MutexGuard<'_, DialogueStore<ConversationKey>> {
        // Each update is a few map operations: the data stays consistent
        // even if a panic elsewhere poisoned the lock.
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The key of a private chat, or of one user in a group (`user` is
    /// `None` in a private chat, where the chat is the user).
    pub fn key(&self, chat: ChatId, user: Option<UserId>) -> ConversationKey {
        ConversationKey(self.keyer.hash_conversation(chat.0, user.map(|u| u.0)))
    }

    /// The live context of a conversation, if any.
    pub fn get(&self, key: ConversationKey, now: u64) -> Option<Dialogue> {
        self.lock().get(&key, now)
    }

    /// Stores a conversation's context after a reply.
    pub fn put(&self, key: ConversationKey, dialogue: Dialogue, now: u64) {
        self.lock().put(key, dialogue, now);
    }

    /// How many conversations are kept.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The wall clock in seconds, for expiry.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_user_in_a_group_has_a_conversation_of_their_own() {
        let c = Conversations::default();
        let group = ChatId(-1_001_234_567_890);
        assert_ne!(c.key(group, Some(UserId(1))), c.key(group, Some(UserId(2))));
        assert_ne!(c.key(ChatId(1), None), c.key(ChatId(2), None));
        assert_eq!(c.key(ChatId(1), None), c.key(ChatId(1), None));
    }

    #[test]
    fn the_key_is_not_an_id_and_differs_between_processes() {
        let c = Conversations::default();
        let key = c.key(ChatId(123_456_789), None);
        assert_ne!(key.value(), 123_456_789);
        assert_ne!(Conversations::default().key(ChatId(123_456_789), None), key);
        c.put(key, Dialogue::default(), 0);
        assert!(!format!("{c:?}").contains("123456789"));
    }

    #[test]
    fn the_cap_holds() {
        let c = Conversations::with_cap(10);
        for id in 0..1000 {
            c.put(c.key(ChatId(id), None), Dialogue::default(), 0);
        }
        assert_eq!(c.len(), 10);
    }
}
