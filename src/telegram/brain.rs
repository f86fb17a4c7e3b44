//! What the Telegram front end needs from the brain, as a trait.
//!
//! Production uses [`Engine`]. The trait exists so the front end's tests can
//! wrap the engine to misbehave on purpose (panic on a given question, return a
//! 10,000-character answer) and prove that the bot survives it; nothing here
//! duplicates the engine's logic, every method forwards to it. Every method
//! takes the reply language; the front end chooses it ([`crate::lang`]).

use crate::dialogue::{self, Dialogue, Reading, Turn};
use crate::engine::Engine;
use crate::lang::Lang;
use crate::reply::Reply;

/// The questions the front end asks the brain. See [`Engine`] for semantics.
pub trait Brain: Send + Sync + 'static {
    /// Free text to an answer, a "did you mean", or a fallback.
    fn respond(&self, text: &str, lang: Lang) -> Reply;
    /// The answer for an entry id (a button, a deep link); `None` if unknown.
    fn answer_for(&self, id: &str, lang: Lang) -> Option<Reply>;
    /// `/country <name>`.
    fn country(&self, name: &str, lang: Lang) -> Reply;
    /// Inline mode: ranked answers, best first.
    fn search(&self, text: &str, limit: usize, lang: Lang) -> Vec<Reply>;
    /// `/start`.
    fn welcome(&self, lang: Lang) -> Reply;
    /// `/about`.
    fn about(&self, lang: Lang) -> Reply;
    /// The usage hint for a command that needs an argument.
    fn usage(&self, command: &str, lang: Lang) -> Reply;
    /// One line for the "ready" log: what the knowledge base holds.
    fn stats(&self) -> String;
    /// Free text in the light of the conversation so far
    /// ([`dialogue::respond`]). A brain without conversations answers the
    /// text alone.
    fn converse(&self, context: Option<&Dialogue>, text: &str, lang: Lang, now: u64) -> Turn {
        let _ = now;
        Turn {
            reply: self.respond(text, lang),
            dialogue: context.cloned().unwrap_or_default(),
            reading: Reading::Alone,
            matched: None,
        }
    }
    /// A conversation whose topic is the entry with this id, or with this
    /// title in any language (the first line of one of the bot's answers).
    fn conversation_about(&self, id_or_title: &str, now: u64) -> Option<Dialogue> {
        let _ = (id_or_title, now);
        None
    }
    /// A conversation as the store keeps it ([`Dialogue::to_json`]); `None`
    /// when this brain keeps none.
    fn save_conversation(&self, dialogue: &Dialogue) -> Option<String> {
        let _ = dialogue;
        None
    }
    /// A conversation the store kept, if it still means something.
    fn load_conversation(&self, json: &str) -> Option<Dialogue> {
        let _ = json;
        None
    }
}

impl Brain for Engine {
    fn respond(&self, text: &str, lang: Lang) -> Reply {
        Engine::respond(self, text, lang)
    }

    fn answer_for(&self, id: &str, lang: Lang) -> Option<Reply> {
        Engine::answer_for(self, id, lang)
    }

    fn country(&self, name: &str, lang: Lang) -> Reply {
        Engine::country(self, name, lang)
    }

    fn search(&self, text: &str, limit: usize, lang: Lang) -> Vec<Reply> {
        Engine::search(self, text, limit, lang)
    }

    fn welcome(&self, lang: Lang) -> Reply {
        Engine::welcome(self, lang)
    }

    fn about(&self, lang: Lang) -> Reply {
        Engine::about(self, lang)
    }

    fn usage(&self, command: &str, lang: Lang) -> Reply {
        Engine::usage(self, command, lang)
    }

    fn stats(&self) -> String {
        self.kb().stats().to_string()
    }

    fn converse(&self, context: Option<&Dialogue>, text: &str, lang: Lang, now: u64) -> Turn {
        dialogue::respond(self, context, text, lang, now)
    }

    fn conversation_about(&self, id_or_title: &str, now: u64) -> Option<Dialogue> {
        let entry = self
            .kb()
            .find(id_or_title)
            .or_else(|| dialogue::topic_titled(self, id_or_title))?;
        Some(Dialogue::about(self, entry, now))
    }

    fn save_conversation(&self, dialogue: &Dialogue) -> Option<String> {
        Some(dialogue.to_json(self))
    }

    fn load_conversation(&self, json: &str) -> Option<Dialogue> {
        Dialogue::from_json(self, json)
    }
}
