//! The brain: everything that turns a question into a reply, with no I/O.
//!
//! Every module here is plain functions over plain data, so the terminal, the
//! JSON CLI, the evaluation and the Telegram bot share one behaviour and the
//! tests need no network. Data flows through it in this order:
//!
//! - [`kb`] parses and validates the knowledge base once, at load (titles and
//!   answers in three languages, evidence quoted from the source);
//! - [`lang`] tells which language a question is written in and which
//!   language the reply should use;
//! - [`normalize`], [`morph`] and [`lexicon`] turn text into comparable words
//!   (case, script quirks, Snowball stems, Korean particles, question words,
//!   stop words); [`translit`] reads Russian typed in Latin letters back
//!   into Cyrillic;
//! - [`matcher`] ranks entries and decides answer / clarify / fallback, by
//!   the numbers in [`tuning`];
//! - [`classify`] gives a second opinion from character n-grams, which
//!   lets the matcher answer when both agree and decline what it has learned
//!   is off-topic;
//! - [`engine`] builds the [`reply::Reply`] in the chosen language, with
//!   the fixed texts of [`texts`];
//! - [`reply`] renders it as plain text or Telegram HTML;
//! - [`dialogue`] reads a follow-up in the light of the conversation so far
//!   ("and Turkmenistan?", "when?", "tell me more") and bounds what is kept.

pub mod classify;
pub mod dialogue;
pub mod engine;
pub mod kb;
pub mod lang;
pub mod lexicon;
pub mod matcher;
pub mod morph;
pub mod normalize;
pub mod reply;
pub mod texts;
pub mod translit;
pub mod tuning;
