//! Health and metrics: what `/healthz` and `/metrics` report.
//!
//! **Metrics** go through the `metrics` facade into one Prometheus recorder per
//! process ([`prometheus`] installs it on first use and returns its handle).
//! The facade is global on purpose: the store and any other part of the bot
//! count with a plain `metrics::counter!` and need no handle passed down. A
//! second install cannot happen (a `OnceLock` guards it); if some other code
//! installed a recorder first, `/metrics` still answers, with the series
//! described here at zero, and a warning says why. Tests that read numbers
//! compare before/after values in a test binary that runs one bot at a time.
//!
//! **Health** is per bot ([`Health`]): running (startup finished, shutdown not
//! begun) and "Telegram answered the last call". Every Bot API call the bot
//! makes reports its outcome here: `getUpdates` from the poller directly, and
//! the handlers' calls through [`super::delivery::deliver`], which finds the
//! bot's `Health` in a task-local [`Scope`] the runner sets around each update
//! (so `deliver` keeps its signature and needs no handle). The scope also
//! notes whether handling an update sent anything, so the reply-latency
//! histogram counts answers, not ignored group chatter.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::time::Duration;

use metrics::Unit;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use teloxide::types::UpdateKind;
use teloxide::{ApiError, RequestError};

use crate::matcher::Outcome;
use crate::reply::Reply;

/// Updates received from Telegram, by `kind` (Telegram's field name).
pub const UPDATES: &str = "ksilk_updates_total";
/// Brain replies, by `outcome` (answer/clarify/fallback) and `lang`.
pub const REPLIES: &str = "ksilk_replies_total";
/// Seconds from an update's arrival to the end of its handling, for updates
/// that sent something.
pub const REPLY_SECONDS: &str = "ksilk_reply_seconds";
/// Failed Bot API calls, by `code` (HTTP status, or `network`/`invalid_json`).
pub const API_ERRORS: &str = "ksilk_bot_api_errors_total";
/// Bot API calls sent again after a transient failure or a flood wait.
pub const RETRIES: &str = "ksilk_retries_total";
/// Question-log entries the store dropped because its queue was full. The
/// store counts it; it is described here so that it shows at 0.
pub const STORE_DROPPED: &str = "ksilk_store_dropped_total";

/// Reply-latency buckets, seconds: Telegram's round trip is 0.05-0.3 s, a
/// flood wait adds whole seconds, a retried outage tens of seconds.
const REPLY_BUCKETS: &[f64] = &[0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 120.0];

/// The process's Prometheus handle; installs the recorder on first call.
pub fn prometheus() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(REPLY_SECONDS.to_owned()), REPLY_BUCKETS)
            .expect("the bucket list is not empty")
            .build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            log::warn!(
                "another metrics recorder is installed; /metrics will not show the bot's counts"
            );
        }
        describe();
        handle
    })
}

fn describe() {
    metrics::describe_counter!(
        UPDATES,
        Unit::Count,
        "Updates received from Telegram, by kind."
    );
    metrics::describe_counter!(
        REPLIES,
        Unit::Count,
        "Replies from the knowledge base, by outcome and language."
    );
    metrics::describe_histogram!(
        REPLY_SECONDS,
        Unit::Seconds,
        "Time from an update's arrival until its reply was sent."
    );
    metrics::describe_counter!(
        API_ERRORS,
        Unit::Count,
        "Failed Bot API calls, by HTTP status or network/invalid_json."
    );
    metrics::describe_counter!(
        RETRIES,
        Unit::Count,
        "Bot API calls retried after a transient error or a flood wait."
    );
    metrics::describe_counter!(
        STORE_DROPPED,
        Unit::Count,
        "Question-log entries dropped because the store's queue was full."
    );
    // Counters appear once touched; these two should read 0, not be absent.
    metrics::counter!(RETRIES).increment(0);
    metrics::counter!(STORE_DROPPED).increment(0);
}

/// Telegram's name for an update's kind (`message`, `callback_query`, ...).
pub fn kind_label(kind: &UpdateKind) -> &'static str {
    match kind {
        UpdateKind::Message(_) => "message",
        UpdateKind::EditedMessage(_) => "edited_message",
        UpdateKind::ChannelPost(_) => "channel_post",
        UpdateKind::EditedChannelPost(_) => "edited_channel_post",
        UpdateKind::InlineQuery(_) => "inline_query",
        UpdateKind::ChosenInlineResult(_) => "chosen_inline_result",
        UpdateKind::CallbackQuery(_) => "callback_query",
        UpdateKind::Poll(_) => "poll",
        UpdateKind::PollAnswer(_) => "poll_answer",
        UpdateKind::MyChatMember(_) => "my_chat_member",
        UpdateKind::ChatMember(_) => "chat_member",
        UpdateKind::ChatJoinRequest(_) => "chat_join_request",
        UpdateKind::Error(_) => "unparsed",
        _ => "other",
    }
}

pub fn count_update(kind: &UpdateKind) {
    metrics::counter!(UPDATES, "kind" => kind_label(kind)).increment(1);
}

/// Counts a brain reply about to be sent.
pub fn count_reply(reply: &Reply) {
    let outcome = match reply.outcome {
        Outcome::Answer => "answer",
        Outcome::Clarify => "clarify",
        Outcome::Fallback => "fallback",
    };
    metrics::counter!(REPLIES, "outcome" => outcome, "lang" => reply.lang.code()).increment(1);
}

pub fn observe_reply(elapsed: Duration) {
    metrics::histogram!(REPLY_SECONDS).record(elapsed.as_secs_f64());
}

pub fn count_retry() {
    metrics::counter!(RETRIES).increment(1);
}

pub fn count_api_error(error: &RequestError) {
    metrics::counter!(API_ERRORS, "code" => error_code(error)).increment(1);
}

/// The HTTP status Telegram answered with (teloxide keeps only the
/// description, whose prefix names it), or what went wrong instead.
pub fn error_code(error: &RequestError) -> &'static str {
    let description = match error {
        RequestError::RetryAfter(_) => return "429",
        RequestError::MigrateToChatId(_) => return "400",
        RequestError::Network(_) => return "network",
        RequestError::InvalidJson { .. } => return "invalid_json",
        RequestError::Io(_) => return "io",
        RequestError::Api(ApiError::InvalidToken) => return "401",
        // Its Display wraps the description as `Unknown error: "..."`.
        RequestError::Api(ApiError::Unknown(description)) => description.clone(),
        RequestError::Api(api) => api.to_string(),
    };
    const PREFIXES: &[(&str, &str)] = &[
        ("Bad Request", "400"),
        ("Unauthorized", "401"),
        ("Forbidden", "403"),
        ("Not Found", "404"),
        ("Conflict", "409"),
        ("Too Many Requests", "429"),
        ("Internal Server Error", "500"),
        ("Internal error", "500"),
        ("Bad Gateway", "502"),
        ("Service Unavailable", "503"),
        ("Gateway Timeout", "504"),
    ];
    PREFIXES
        .iter()
        .find(|(prefix, _)| description.starts_with(prefix))
        .map_or("other", |(_, code)| code)
}

/// Whether the bot is up and Telegram answers it.
#[derive(Debug, Default)]
pub struct Health {
    state: AtomicU8,
    telegram_ok: AtomicBool,
}

const STARTING: u8 = 0;
const RUNNING: u8 = 1;
const STOPPING: u8 = 2;

impl Health {
    pub fn set_running(&self) {
        self.state.store(RUNNING, Ordering::Relaxed);
    }

    pub fn set_stopping(&self) {
        self.state.store(STOPPING, Ordering::Relaxed);
    }

    pub fn is_stopping(&self) -> bool {
        self.state.load(Ordering::Relaxed) == STOPPING
    }

    /// Notes the outcome of a Bot API call.
    pub fn record_call(&self, ok: bool) {
        self.telegram_ok.store(ok, Ordering::Relaxed);
    }

    /// `Ok` when healthy, else why not (for the `/healthz` body).
    pub fn check(&self) -> Result<(), &'static str> {
        match self.state.load(Ordering::Relaxed) {
            STARTING => Err("starting"),
            STOPPING => Err("stopping"),
            _ if !self.telegram_ok.load(Ordering::Relaxed) => Err("the last Bot API call failed"),
            _ => Ok(()),
        }
    }
}

/// What [`super::delivery::deliver`] reports to, around one update.
pub struct Scope {
    pub health: std::sync::Arc<Health>,
    /// Set when a call made while handling the update succeeded.
    pub sent: AtomicBool,
}

tokio::task_local! {
    static SCOPE: Scope;
}

impl Scope {
    pub fn new(health: std::sync::Arc<Health>) -> Scope {
        Scope {
            health,
            sent: AtomicBool::new(false),
        }
    }

    /// Runs `fut` with this scope; returns its output and whether it sent
    /// anything.
    pub async fn run<F: Future>(self, fut: F) -> (F::Output, bool) {
        SCOPE
            .scope(self, async move {
                let output = fut.await;
                let sent = SCOPE.with(|s| s.sent.load(Ordering::Relaxed));
                (output, sent)
            })
            .await
    }
}

/// Reports a Bot API call's outcome to the current scope, if any.
pub fn record_call(result: Result<(), &RequestError>) {
    if let Err(error) = result {
        count_api_error(error);
    }
    let _ = SCOPE.try_with(|scope| {
        scope.health.record_call(result.is_ok());
        if result.is_ok() {
            scope.sent.store(true, Ordering::Relaxed);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_name_the_http_status() {
        assert_eq!(error_code(&RequestError::Api(ApiError::BotBlocked)), "403");
        assert_eq!(
            error_code(&RequestError::Api(ApiError::InvalidToken)),
            "401"
        );
        assert_eq!(
            error_code(&RequestError::Api(ApiError::Unknown(
                "Internal Server Error".into()
            ))),
            "500"
        );
        assert_eq!(
            error_code(&RequestError::Api(ApiError::MessageNotModified)),
            "400"
        );
    }

    #[test]
    fn health_needs_running_and_a_good_last_call() {
        let health = Health::default();
        assert_eq!(health.check(), Err("starting"));
        health.set_running();
        health.record_call(true);
        assert_eq!(health.check(), Ok(()));
        health.record_call(false);
        assert!(health.check().is_err());
        health.record_call(true);
        health.set_stopping();
        assert_eq!(health.check(), Err("stopping"));
    }
}
