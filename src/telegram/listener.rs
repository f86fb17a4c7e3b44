//! Long polling with an explicit update list and quiet handling of updates
//! teloxide cannot parse.
//!
//! teloxide's `Polling` already does the important things: it confirms updates
//! through `offset`, backs off on errors, and on shutdown makes one last
//! `getUpdates` call so that everything it fetched is confirmed. This wrapper
//! changes two details:
//!
//! - `allowed_updates` is fixed to what the bot answers (messages, button
//!   presses, inline queries) instead of the list the dispatcher derives from
//!   the handler tree, so Telegram does not send polls, reactions or member
//!   updates the bot would only drop.
//! - Updates teloxide cannot parse (kinds newer than teloxide, as Telegram adds
//!   them) arrive as `UpdateKind::Error`, which the dispatcher logs at ERROR as
//!   "a bug in teloxide". They are dropped here with a debug line instead; the
//!   offset still moves past them, so they are not fetched again.

use futures::StreamExt as _;
use futures::stream::BoxStream;
use teloxide::requests::Requester;
use teloxide::stop::StopToken;
use teloxide::types::{AllowedUpdate, Update, UpdateKind};
use teloxide::update_listeners::{AsUpdateStream, Polling, UpdateListener};

/// The update kinds the bot asks Telegram for.
pub const ALLOWED_UPDATES: [AllowedUpdate; 3] = [
    AllowedUpdate::Message,
    AllowedUpdate::CallbackQuery,
    AllowedUpdate::InlineQuery,
];

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

/// A `Polling` listener that skips unparseable updates (see module docs).
pub struct QuietPolling<R: Requester> {
    inner: Polling<R>,
}

impl<R> QuietPolling<R>
where
    R: Requester + Send + 'static,
    R::GetUpdates: Send,
{
    pub fn new(polling: Polling<R>) -> Self {
        QuietPolling { inner: polling }
    }
}

/// Logs an update teloxide could not parse and says whether to keep it.
fn keep(update: &Update) -> bool {
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

impl<R> UpdateListener for QuietPolling<R>
where
    R: Requester + Send + 'static,
    R::GetUpdates: Send,
    R::Err: Send,
{
    type Err = R::Err;

    fn stop_token(&mut self) -> StopToken {
        self.inner.stop_token()
    }

    fn hint_allowed_updates(&mut self, _hint: &mut dyn Iterator<Item = AllowedUpdate>) {
        // Keep ALLOWED_UPDATES, set when the polling was built.
    }
}

impl<'a, R> AsUpdateStream<'a> for QuietPolling<R>
where
    R: Requester + Send + 'a,
    R::Err: Send,
{
    type StreamErr = R::Err;
    type Stream = BoxStream<'a, Result<Update, R::Err>>;

    fn as_stream(&'a mut self) -> Self::Stream {
        self.inner
            .as_stream()
            .filter(|item| futures::future::ready(item.as_ref().map_or(true, keep)))
            .boxed()
    }
}
