//! ksilk answers questions about Korea's "K-Silk Road" initiative for Central
//! Asia, on Telegram and in the terminal, from one curated knowledge base.
//!
//! # Layout
//!
//! The brain is pure (no I/O, no `Bot`); the front ends do the I/O and call it.
//!
//! - [`normalize`]: text normalisation and tokenisation shared by the knowledge
//!   base and user messages (NFKC, case, diacritics, zero-width, mentions).
//! - [`kb`]: the knowledge-base JSON format and its validation into a trusted
//!   [`kb::KnowledgeBase`]; the default one is compiled into the binary.
//! - [`lexicon`]: stop words and everyday words in English, Russian and Korean,
//!   which tell the matcher how much a word can mean.
//! - [`matcher`]: the token index and the scoring that ranks entries and decides
//!   answer / clarify / fallback; all thresholds live in [`matcher::Tuning`].
//! - [`reply`]: what the bot says ([`reply::Reply`]) and its plain-text and
//!   Telegram-HTML renderings.
//! - [`engine`]: the front door every front end uses: question, command or button
//!   in, [`reply::Reply`] out.
//! - [`eval`]: runs a labelled question set and reports accuracy per category.
//! - [`synthetic`]: a deterministic synthetic knowledge base of any size, for
//!   benchmarks and scaling tests.
//! - [`chat`]: the offline terminal conversation (`ksilk chat`).
//! - [`cli`]: argument parsing and the subcommands (`run`, `chat`, `ask`,
//!   `check`, `eval`).
//! - [`telegram`]: the teloxide front end (long polling, commands, groups,
//!   inline mode, buttons, flood limits).

pub mod chat;
pub mod cli;
pub mod engine;
pub mod eval;
pub mod kb;
pub mod lexicon;
pub mod matcher;
pub mod normalize;
pub mod reply;
pub mod synthetic;
pub mod telegram;

pub use engine::Engine;
pub use kb::KnowledgeBase;
