//! What the Telegram front end needs from the brain, as a trait.
//!
//! Production uses [`Engine`]. The trait exists so the front end's tests can
//! wrap the engine to misbehave on purpose (panic on a given question, return a
//! 10,000-character answer) and prove that the bot survives it; nothing here
//! duplicates the engine's logic, every method forwards to it.

use crate::engine::Engine;
use crate::reply::Reply;

/// The questions the front end asks the brain. See [`Engine`] for semantics.
pub trait Brain: Send + Sync + 'static {
    /// Free text to an answer, a "did you mean", or a fallback.
    fn respond(&self, text: &str) -> Reply;
    /// The answer for an entry id (a button, a deep link); `None` if unknown.
    fn answer_for(&self, id: &str) -> Option<Reply>;
    /// `/country <name>`.
    fn country(&self, name: &str) -> Reply;
    /// Inline mode: ranked answers, best first.
    fn search(&self, text: &str, limit: usize) -> Vec<Reply>;
    /// `/start`.
    fn welcome(&self) -> Reply;
    /// `/about`.
    fn about(&self) -> Reply;
    /// The usage hint for a command that needs an argument.
    fn usage(&self, command: &str) -> Reply;
    /// One line for the "ready" log: what the knowledge base holds.
    fn stats(&self) -> String;
}

impl Brain for Engine {
    fn respond(&self, text: &str) -> Reply {
        Engine::respond(self, text)
    }

    fn answer_for(&self, id: &str) -> Option<Reply> {
        Engine::answer_for(self, id)
    }

    fn country(&self, name: &str) -> Reply {
        Engine::country(self, name)
    }

    fn search(&self, text: &str, limit: usize) -> Vec<Reply> {
        Engine::search(self, text, limit)
    }

    fn welcome(&self) -> Reply {
        Engine::welcome(self)
    }

    fn about(&self) -> Reply {
        Engine::about(self)
    }

    fn usage(&self, command: &str) -> Reply {
        Engine::usage(self, command)
    }

    fn stats(&self) -> String {
        self.kb().stats().to_string()
    }
}
