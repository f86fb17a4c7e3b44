//! The Telegram front end: long polling or a webhook, commands, groups,
//! inline mode and buttons, health and metrics, robust under Telegram's limits.
//!
//! The brain ([`crate::engine::Engine`]) decides *what* to say; this module
//! decides *when* to say it and *how* Telegram accepts it. It is split by
//! concern so each rule has one home:
//!
//! - [`mod@serve`]: startup checks, polling or webhook, draining shutdown;
//!   [`run`] is the entry point the CLI calls.
//! - [`handlers`]: which updates get answers (group rules live in
//!   [`handlers::route`]), panic containment, sending.
//! - [`commands`]: the command enum behind parsing, `/help` and the menus.
//! - [`render`] and [`split`]: replies as HTML messages, keyboards and inline
//!   results within Telegram's limits.
//! - [`callback`]: the versioned callback_data format of buttons.
//! - [`delivery`]: retries with backoff so no reply is lost to a transient error.
//! - [`runner`]: runs the handler tree per update, in order within a chat,
//!   and knows when each update is finished (what confirming waits for).
//! - [`listener`]: long polling that confirms only finished updates, with a
//!   fixed update list, skipping updates teloxide cannot parse.
//! - [`webhook`] and [`http`]: webhook mode (answered only after the reply),
//!   `/healthz` and `/metrics` on one HTTP listener.
//! - [`telemetry`]: the Prometheus metrics and the bot's health.
//! - [`config`] and [`redact`]: the token, startup errors, and keeping the
//!   token out of every log line.
//! - [`brain`]: the trait the handlers call, implemented by the engine.
//! - [`prefs`]: the per-chat pinned reply language (`/lang`), bounded and
//!   keyed by a keyed hash, never by a chat id; saved through
//!   [`crate::store`] when there is one. The handlers also log unanswered
//!   questions there ([`handlers::Ctx::log_question`]); inline queries and
//!   button presses are not logged.
//! - [`conversations`]: each conversation's follow-up context (per private
//!   chat, per user in a group), bounded, expiring, keyed the same way.
//!
//! Everything that talks to Telegram is generic over the requester, so the
//! tests run the production handlers on a plain `Bot` pointed at a mock Bot
//! API server, and production runs them on `Throttle<Bot>`.

pub mod brain;
pub mod callback;
pub mod commands;
pub mod config;
pub mod conversations;
pub mod delivery;
pub mod handlers;
pub mod http;
pub mod listener;
pub mod prefs;
pub mod redact;
pub mod render;
pub mod runner;
pub mod serve;
pub mod split;
pub mod telemetry;
pub mod webhook;

pub use brain::Brain;
pub use config::{Mode, Settings, StartError, Token, WebhookSecret};
pub use serve::{
    Http, Options, flood_limits, run, run_with, run_with_store, serve, serve_with,
    serve_with_store, shutdown_signal, throttled,
};
