//! Sending one request until it succeeds, or until retrying cannot help.
//!
//! teloxide's `Throttle` keeps the bot under Telegram's flood limits and waits
//! out a `429 retry_after`, but it passes every other failure straight back.
//! A reply must not be lost to a `502` from Telegram's front proxies or to a
//! dropped connection, so every request the handlers make goes through
//! [`deliver`]: transient failures (network errors, 5xx, a body that is not
//! JSON) are retried with capped exponential backoff and jitter, a 429 that
//! reaches here (a plain `Bot` without `Throttle`, as in tests) is waited out,
//! and everything else (400s, "bot was blocked by the user") fails at once,
//! because sending the same request again would fail the same way.
//!
//! Each attempt's outcome goes to [`telemetry`]: errors by code, retries, and
//! the health of the bot whose update is being handled.
//!
//! A retried request can in principle be delivered twice (when the connection
//! drops after Telegram acted on it). For a Q&A bot a rare duplicate answer is
//! far better than a lost one, so that is the trade made here.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use teloxide::requests::{Output, Request};
use teloxide::{ApiError, RequestError};

use super::redact::describe;
use super::telemetry;

/// How hard [`deliver`] tries.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts for transient errors, the first one included.
    pub attempts: u32,
    /// Delay before the first retry; it doubles each time.
    pub base: Duration,
    /// Cap on one delay.
    pub max: Duration,
    /// How many `429`s to wait out before giving up.
    pub flood_waits: u32,
}

impl Default for RetryPolicy {
    /// About two minutes of retrying in total: long enough to ride out a
    /// Telegram hiccup, short enough that a chat's queue does not stall forever.
    fn default() -> Self {
        RetryPolicy {
            attempts: 8,
            base: Duration::from_millis(500),
            max: Duration::from_secs(30),
            flood_waits: 10,
        }
    }
}

impl RetryPolicy {
    /// The delay before retry number `retry` (0-based), with ±25% jitter so
    /// that many chats hit by the same outage do not retry in lockstep.
    pub fn backoff(&self, retry: u32) -> Duration {
        let exp = self.base.saturating_mul(1u32 << retry.min(16));
        let capped = exp.min(self.max);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let jitter = 0.75 + f64::from(nanos % 1000) / 2000.0;
        capped.mul_f64(jitter)
    }
}

/// What retrying can do about an error.
#[derive(Debug, PartialEq)]
pub enum Retry {
    /// Wait this long (Telegram said so), then send again.
    After(Duration),
    /// Transient: back off and send again.
    Backoff,
    /// Permanent: sending again would fail the same way.
    Never,
}

/// Sorts an error into what retrying can do about it.
pub fn classify(err: &RequestError) -> Retry {
    match err {
        RequestError::RetryAfter(secs) => Retry::After(secs.duration()),
        RequestError::Network(e) if e.is_builder() => Retry::Never,
        RequestError::Network(_) => Retry::Backoff,
        // A proxy's HTML error page instead of Telegram's JSON.
        RequestError::InvalidJson { .. } => Retry::Backoff,
        RequestError::Api(ApiError::Unknown(text)) if is_server_error(text) => Retry::Backoff,
        _ => Retry::Never,
    }
}

/// Telegram's 5xx answers carry these descriptions; teloxide does not expose
/// the status code, so the text is what there is to go on.
fn is_server_error(description: &str) -> bool {
    const SERVER_ERRORS: &[&str] = &[
        "Internal Server Error",
        "Bad Gateway",
        "Service Unavailable",
        "Gateway Timeout",
        "Internal error",
    ];
    SERVER_ERRORS.iter().any(|s| description.contains(s))
}

/// A request that failed for good, with what it was for.
#[derive(Debug)]
pub struct Failure {
    /// What the request was, e.g. "sendMessage (answer) in a private chat".
    pub what: String,
    pub error: RequestError,
    pub attempts: u32,
}

impl Failure {
    /// True for failures that are part of normal life (a user blocked the
    /// bot, left a group) rather than a problem to look into.
    pub fn is_expected(&self) -> bool {
        matches!(
            self.error,
            RequestError::Api(
                ApiError::BotBlocked
                    | ApiError::BotKicked
                    | ApiError::BotKickedFromSupergroup
                    | ApiError::BotKickedFromChannel
                    | ApiError::UserDeactivated
                    | ApiError::CantInitiateConversation
                    | ApiError::ChatNotFound
            )
        )
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} failed", self.what)?;
        if self.attempts > 1 {
            write!(f, " after {} attempts", self.attempts)?;
        }
        write!(f, ": {}", describe(&self.error))
    }
}

impl std::error::Error for Failure {}

/// Sends `request`, retrying as [`classify`] and `policy` allow.
pub async fn deliver<Q>(
    policy: &RetryPolicy,
    what: impl Into<String>,
    request: Q,
) -> Result<Output<Q>, Failure>
where
    Q: Request<Err = RequestError> + Send + Sync,
{
    let what = what.into();
    let mut attempts = 0;
    let mut flood_waits = 0;
    let mut retries = 0;
    loop {
        attempts += 1;
        let error = match request.send_ref().await {
            Ok(output) => {
                telemetry::record_call(Ok(()));
                return Ok(output);
            }
            Err(error) => error,
        };
        telemetry::record_call(Err(&error));
        let wait = match classify(&error) {
            Retry::After(wait) if flood_waits < policy.flood_waits => {
                flood_waits += 1;
                wait
            }
            Retry::Backoff if retries + 1 < policy.attempts => {
                let wait = policy.backoff(retries);
                retries += 1;
                wait
            }
            _ => {
                return Err(Failure {
                    what,
                    error,
                    attempts,
                });
            }
        };
        telemetry::count_retry();
        log::warn!(
            "{what} failed ({}); retrying in {} ms",
            describe(&error),
            wait.as_millis()
        );
        tokio::time::sleep(wait).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use teloxide::types::Seconds;

    #[test]
    fn sorts_errors_by_what_retrying_can_do() {
        assert_eq!(
            classify(&RequestError::RetryAfter(Seconds::from_seconds(3))),
            Retry::After(Duration::from_secs(3))
        );
        assert_eq!(
            classify(&RequestError::Api(ApiError::Unknown(
                "Internal Server Error".into()
            ))),
            Retry::Backoff
        );
        assert_eq!(
            classify(&RequestError::Api(ApiError::BotBlocked)),
            Retry::Never
        );
        assert_eq!(
            classify(&RequestError::Api(ApiError::Unknown(
                "Bad Request: can't parse entities".into()
            ))),
            Retry::Never
        );
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let policy = RetryPolicy::default();
        assert!(policy.backoff(0) <= Duration::from_millis(625));
        assert!(policy.backoff(3) >= Duration::from_secs(3));
        assert!(policy.backoff(30) <= Duration::from_millis(37_500));
    }
}
