//! Webhook mode: Telegram POSTs each update to our URL.
//!
//! The route is written here with axum rather than taken from teloxide's
//! `webhooks-axum` listener, for two reasons. teloxide's route answers 200 as
//! soon as the update is queued, before it is handled; Telegram takes 200 as
//! "delivered" and never sends it again, so a crash or a shutdown in between
//! would lose the question. This route runs the update through the
//! [`Runner`] and answers 200 only once its handler finished (sent, or gave up
//! after retries); anything else (a crash, a shutdown that gave up, a timeout
//! on Telegram's side) leaves the update with Telegram, which sends it again.
//! And teloxide compares the secret token with `!=`; this route compares it in
//! constant time. The trade-off: Telegram waits for the reply to be sent
//! before it gets its 200, and if that takes longer than Telegram waits (a
//! long flood wait), Telegram sends the update again and the user may get the
//! answer twice; a duplicate beats a loss.
//!
//! Requests without the right `X-Telegram-Bot-Api-Secret-Token` get 401 and are
//! not read further. While the bot is starting or stopping the route answers
//! 503, which Telegram retries later (by then, to the next instance).

use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use teloxide::payloads::SetWebhookSetters;
use teloxide::types::Update;

use super::config::WebhookSecret;
use super::delivery::{Failure, RetryPolicy, deliver};
use super::handlers::Api;
use super::listener::ALLOWED_UPDATES;
use super::runner::Runner;
use super::telemetry::Health;

/// The header Telegram puts the secret token in.
pub const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";

/// What the webhook route needs; the runner is set once startup finished.
pub struct Route {
    secret: WebhookSecret,
    health: Arc<Health>,
    runner: OnceLock<Arc<Runner>>,
}

impl Route {
    pub fn new(secret: WebhookSecret, health: Arc<Health>) -> Arc<Route> {
        Arc::new(Route {
            secret,
            health,
            runner: OnceLock::new(),
        })
    }

    /// Starts taking updates (before this, the route answers 503).
    pub fn open(&self, runner: Arc<Runner>) {
        let _ = self.runner.set(runner);
    }

    /// The router with the one POST route at `path`.
    pub fn router(self: &Arc<Self>, path: &str) -> Router {
        Router::new()
            .route(path, post(take_update))
            .with_state(Arc::clone(self))
    }
}

async fn take_update(
    State(route): State<Arc<Route>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let given = headers.get(SECRET_HEADER).map(|v| v.as_bytes());
    if !given.is_some_and(|given| route.secret.matches(given)) {
        log::info!("webhook request without the right secret token: 401");
        return StatusCode::UNAUTHORIZED;
    }
    let Some(runner) = route.runner.get() else {
        return StatusCode::SERVICE_UNAVAILABLE;
    };
    if route.health.is_stopping() {
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    let update: Update = match serde_json::from_slice(&body) {
        Ok(update) => update,
        Err(e) => {
            log::warn!("webhook request body is not an update: {e}");
            return StatusCode::BAD_REQUEST;
        }
    };
    // Answered only when the handler finished: see the module docs. One
    // given up on at shutdown gets 503, so Telegram sends it again.
    if runner.submit(update).wait().await {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    }
}

/// Registers the webhook with Telegram: the URL, the update kinds, the secret.
pub async fn register<R: Api>(
    bot: &R,
    retry: &RetryPolicy,
    url: &url::Url,
    secret: &WebhookSecret,
) -> Result<(), Failure> {
    let request = bot
        .set_webhook(url.clone())
        .allowed_updates(ALLOWED_UPDATES.to_vec())
        .secret_token(secret.expose().to_owned());
    deliver(retry, "setWebhook", request).await?;
    Ok(())
}
