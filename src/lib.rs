//! ksilk answers questions about Korea's "K-Silk Road" initiative for Central
//! Asia, on Telegram and in the terminal, from one curated knowledge base.
//!
//! # Layout
//!
//! The brain is pure (no I/O, no `Bot`); the front ends do the I/O and call it.
//!
//! - [`brain`]: from a question to a reply, in English, Russian or Korean.
//!   - [`brain::kb`]: the knowledge-base JSON format and its validation into a
//!     trusted [`kb::KnowledgeBase`]; the default one is compiled into the binary.
//!   - [`brain::lang`]: which language a question is in, and which one to reply in.
//!   - [`brain::normalize`], [`brain::morph`], [`brain::lexicon`],
//!     [`brain::translit`]: words,
//!     stems, Korean particles, question words and stop words.
//!   - [`brain::matcher`]: the token index and the scoring that ranks entries and
//!     decides answer / clarify / fallback, and which part of a topic a
//!     question asks (when, who said it, what he said); all thresholds live
//!     in [`brain::tuning`].
//!   - [`brain::classify`]: a character n-gram classifier, trained by
//!     `build.rs` for the built-in knowledge base, whose second opinion
//!     decides whether the matcher's best guess is answered, and its
//!     follow-up model ([`brain::classify::context`]), which reads a
//!     follow-up together with the conversation's topic.
//!   - [`brain::engine`]: the front door every front end uses: question, command
//!     or button in, [`reply::Reply`] out; [`brain::texts`] holds the fixed texts.
//!   - [`brain::reply`]: what the bot says and its plain-text and HTML renderings.
//!   - [`brain::dialogue`]: follow-up questions in the light of the conversation
//!     so far, and the bounded, expiring store of conversations.
//! - [`eval`]: runs a labelled question set and reports accuracy per category,
//!   per language, and wrong answers apart from fallbacks.
//! - [`dialogue_eval`]: runs labelled dialogues through the follow-up
//!   resolver and reports first turns and follow-ups per rule and language.
//! - [`ask_chats`]: `ask --json --chats`, many conversations in one JSON stream.
//! - [`synthetic`]: a deterministic synthetic knowledge base of any size, for
//!   benchmarks and scaling tests.
//! - [`chat`]: the offline terminal conversation (`ksilk chat`).
//! - [`store`]: persistence in one SQLite file, off the reply path: the log
//!   of questions the bot could not answer, [`store::review`] behind `ksilk
//!   review`, and per-chat settings keyed by a keyed hash of the chat id.
//! - [`cli`]: argument parsing and the subcommands (`run`, `chat`, `ask`,
//!   `check`, `eval`, `review`).
//! - [`telegram`]: the teloxide front end (long polling or a webhook,
//!   commands, groups, inline mode, buttons, per-chat language, flood limits,
//!   `/healthz` and `/metrics`, a shutdown that drains).
//!
//! The brain's modules are also re-exported at the top (`ksilk::kb`,
//! `ksilk::matcher`, ...), the paths the tests and tools use.

pub mod ask_chats;
pub mod brain;
pub mod chat;
pub mod cli;
pub mod dialogue_eval;
pub mod eval;
pub mod store;
pub mod synthetic;
pub mod telegram;

pub use brain::{
    classify, dialogue, engine, kb, lang, lexicon, matcher, morph, normalize, reply, texts,
    translit, tuning,
};
pub use engine::Engine;
pub use kb::KnowledgeBase;
