//! Long polling that confirms an update only once it is finished.
//!
//! Telegram forgets updates through `getUpdates`' `offset`: asking with
//! offset N confirms every update below N. teloxide's `Polling` moves the
//! offset past a batch as soon as it fetches the next one, so an update whose
//! reply is still being sent (or retried) is already confirmed; a crash, an
//! OOM kill or a shutdown that gives up at that moment loses the question.
//! This poller instead asks with offset = the lowest update still in flight
//! (see [`super::runner`]), so an update is confirmed only after its reply was
//! sent or given up on, and a restart gets the unfinished ones again.
//!
//! The cost, and how it is kept small: while an update is in flight, Telegram
//! still holds it, so a long poll would return at once with it again. So while
//! anything is in flight the poller does not long-poll; it waits for an update
//! to finish (or [`LAG_PAUSE`], so that one slow reply never hides other
//! chats' new messages for long), asks with `timeout=0`, and skips the ids it
//! already has; after a poll that brought new updates it asks again at once,
//! so a burst is fetched at full speed. A batch holds at most 100 updates from
//! the oldest unfinished one on, so at most about 100 are in flight. Under load that is a few short polls per second that return
//! some already-known updates; at rest it is the usual long poll. An update
//! that is never finished holds the offset back for everything after it, but
//! only within a run: at shutdown the runner gives up after its grace period,
//! the final `getUpdates` confirms up to the first unfinished update, and the
//! next run answers the rest (a later update already answered would then be
//! answered twice; a duplicate beats a loss, as for retries).
//!
//! Two more details:
//!
//! - `allowed_updates` is fixed to what the bot answers (messages, button
//!   presses, inline queries), so Telegram does not send polls, reactions or
//!   member updates the bot would only drop.
//! - Updates teloxide cannot parse (kinds newer than teloxide, as Telegram adds
//!   them) arrive as `UpdateKind::Error`. They are skipped with a debug line
//!   ([`keep`]); the offset still moves past them.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use teloxide::RequestError;
use teloxide::payloads::GetUpdatesSetters;
use teloxide::requests::Request;
use teloxide::types::{AllowedUpdate, Update, UpdateKind};

use super::handlers::Api;
use super::redact::describe;
use super::runner::{Done, Runner};
use super::telemetry::{self, Health};

/// The update kinds the bot asks Telegram for.
pub const ALLOWED_UPDATES: [AllowedUpdate; 3] = [
    AllowedUpdate::Message,
    AllowedUpdate::CallbackQuery,
    AllowedUpdate::InlineQuery,
];

/// Longest wait for an update in flight to finish before polling anyway.
pub const LAG_PAUSE: Duration = Duration::from_millis(250);
/// Shortest gap between two polls while updates are in flight.
const LAG_MIN_GAP: Duration = Duration::from_millis(10);

/// Update kinds teloxide parses; anything else in an `Error` update is new.
const KNOWN_KINDS: &[&str] = &[
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "business_connection",
    "business_message",
    "edited_business_message",
    "deleted_business_messages",
    "message_reaction",
    "message_reaction_count",
    "inline_query",
    "chosen_inline_result",
    "callback_query",
    "shipping_query",
    "pre_checkout_query",
    "purchased_paid_media",
    "poll",
    "poll_answer",
    "my_chat_member",
    "chat_member",
    "chat_join_request",
    "chat_boost",
    "removed_chat_boost",
];

/// Logs an update teloxide could not parse and says whether to keep it.
pub fn keep(update: &Update) -> bool {
    let UpdateKind::Error(raw) = &update.kind else {
        return true;
    };
    let kind = raw
        .as_object()
        .and_then(|o| o.keys().find(|k| *k != "update_id").cloned())
        .unwrap_or_else(|| "unknown".to_owned());
    if KNOWN_KINDS.contains(&kind.as_str()) {
        // A kind teloxide knows but failed to parse: worth a look, though
        // without the content (it is a user's message).
        log::warn!(
            "skipping update {}: teloxide could not parse its {kind}",
            update.id.0
        );
    } else {
        log::debug!(
            "skipping update {} of a kind teloxide does not know ({kind})",
            update.id.0
        );
    }
    false
}

/// The long-polling loop; see the module docs.
pub struct Poller<R> {
    bot: R,
    runner: Arc<Runner>,
    health: Arc<Health>,
    timeout: Duration,
    backoff: fn(u32) -> Duration,
    /// Ids at and above this were never fetched.
    next_new: u32,
    /// Fetched updates not finished yet, by id.
    unfinished: BTreeMap<u32, Done>,
}

impl<R: Api> Poller<R> {
    pub fn new(
        bot: R,
        runner: Arc<Runner>,
        health: Arc<Health>,
        timeout: Duration,
        backoff: fn(u32) -> Duration,
    ) -> Self {
        Poller {
            bot,
            runner,
            health,
            timeout,
            backoff,
            next_new: 0,
            unfinished: BTreeMap::new(),
        }
    }

    /// The offset that confirms exactly the finished updates.
    pub fn offset(&mut self) -> i32 {
        self.unfinished.retain(|_, done| !done.is_finished());
        let lowest = self.unfinished.keys().next().copied();
        lowest.unwrap_or(self.next_new) as i32
    }

    /// Polls and submits updates until `stop` completes. The long poll in
    /// progress is dropped then; Telegram answers the orphan with a 409 once
    /// the final [`Poller::confirm`] arrives, which is harmless.
    pub async fn run(&mut self, stop: impl Future<Output = ()>) {
        tokio::pin!(stop);
        let mut failures = 0u32;
        let mut in_flight = self.runner.in_flight();
        // Whether the last poll brought new updates: then more may be queued
        // (a burst), so ask again at once.
        let mut fetched_new = false;
        loop {
            let offset = self.offset();
            let lagging = !self.unfinished.is_empty();
            if lagging && !fetched_new {
                // Telegram would answer at once with the unfinished updates
                // only; give one of them a chance to finish first.
                let pause = async {
                    tokio::time::sleep(LAG_MIN_GAP).await;
                    let _ = tokio::time::timeout(LAG_PAUSE, in_flight.changed()).await;
                };
                tokio::select! {
                    () = pause => {}
                    () = &mut stop => return,
                }
                in_flight.borrow_and_update();
            }
            let offset = if lagging && !fetched_new {
                self.offset()
            } else {
                offset
            };
            fetched_new = false;
            let timeout = if self.unfinished.is_empty() {
                self.timeout.as_secs() as u32
            } else {
                0
            };
            let request = self
                .bot
                .get_updates()
                .offset(offset)
                .timeout(timeout)
                .allowed_updates(ALLOWED_UPDATES.to_vec());
            let result = tokio::select! {
                result = request.send() => result,
                () = &mut stop => return,
            };
            match result {
                Ok(updates) => {
                    failures = 0;
                    self.health.record_call(true);
                    fetched_new = self.take(updates, offset) > 0;
                }
                Err(error) => {
                    self.health.record_call(false);
                    telemetry::count_api_error(&error);
                    log::warn!("getUpdates failed: {}", describe(&error));
                    let wait = match &error {
                        RequestError::RetryAfter(secs) => secs.duration(),
                        _ => {
                            failures = failures.saturating_add(1);
                            (self.backoff)(failures - 1)
                        }
                    };
                    tokio::select! {
                        () = tokio::time::sleep(wait) => {}
                        () = &mut stop => return,
                    }
                }
            }
        }
    }

    /// Submits the updates not seen before; returns how many there were.
    fn take(&mut self, updates: Vec<Update>, asked: i32) -> usize {
        let mut new = 0;
        for update in updates {
            let id = update.id.0;
            if i64::from(id) < i64::from(asked) {
                // Below the offset asked for, so not a re-fetch: Telegram
                // picks a new random id sequence after a week without
                // updates. Follow it rather than skip it as known.
                log::info!("Telegram restarted its update ids at {id}");
                self.next_new = id;
            }
            if id < self.next_new {
                // Fetched before and still in flight (or finished after an
                // earlier one that is not): already handled here.
                continue;
            }
            self.next_new = id + 1;
            new += 1;
            let done = self.runner.submit(update);
            if !done.is_finished() {
                self.unfinished.insert(id, done);
            }
        }
        new
    }

    /// Confirms the finished updates with one quick `getUpdates` (call it
    /// after the runner drained). Unfinished ones stay with Telegram.
    pub async fn confirm(&mut self) {
        let unfinished = {
            self.offset();
            self.unfinished.len()
        };
        if unfinished > 0 {
            log::warn!(
                "{unfinished} update(s) were not finished and stay unconfirmed; the next start answers them"
            );
        }
        if self.next_new == 0 {
            return;
        }
        let request = self
            .bot
            .get_updates()
            .offset(self.offset())
            .timeout(0)
            .limit(1);
        match request.send().await {
            Ok(_) => self.health.record_call(true),
            Err(error) => {
                self.health.record_call(false);
                telemetry::count_api_error(&error);
                log::warn!(
                    "could not confirm the handled updates ({}); Telegram will send them again",
                    describe(&error)
                );
            }
        }
    }
}
