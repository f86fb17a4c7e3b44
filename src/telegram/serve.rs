//! Starting, running and stopping the bot.
//!
//! [`run`] is the production entry point; it reads the environment, builds a
//! `Throttle<Bot>` (Telegram's flood limits) and calls [`run_with`], which owns
//! the runtime. [`serve`] is the async core that tests drive directly with a
//! plain `Bot` pointed at a mock server and a shutdown future of their own.
//!
//! The sequence is: `getMe` (which proves the token and gives the username that
//! group parsing needs), remove a webhook if one is set (long polling and a
//! webhook cannot coexist), register the command menus, log `ready`, then
//! dispatch until the shutdown future completes. Shutdown asks the dispatcher
//! to stop: the listener drops its long poll, makes one last `getUpdates` to
//! confirm everything it handed out, and the dispatcher waits for handlers in
//! progress. That wait is bounded by [`Options::shutdown_grace`], so Ctrl-C or
//! SIGTERM always ends the process within five seconds even if Telegram is
//! slow, at the cost of the rare reply still in flight. Then the store, if
//! there is one ([`run_with_store`]), writes what is queued and closes, for
//! up to [`STORE_CLOSE_GRACE`].

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use teloxide::adaptors::Throttle;
use teloxide::adaptors::throttle::{Limits, Settings as ThrottleSettings};
use teloxide::dispatching::Dispatcher;
use teloxide::dptree;
use teloxide::error_handlers::ErrorHandler;
use teloxide::payloads::SetMyCommandsSetters;
use teloxide::prelude::*;
use teloxide::types::{Me, UpdateKind};
use teloxide::update_listeners::Polling;
use teloxide::{ApiError, RequestError};

use super::brain::Brain;
use super::commands;
use super::config::{Settings, StartError};
use super::delivery::{Failure, RetryPolicy, deliver};
use super::handlers::{Api, Ctx, schema};
use super::listener::{ALLOWED_UPDATES, QuietPolling};
use super::prefs::{DEFAULT_CAP, PinStore};
use super::redact::describe;
use crate::engine::Engine;
use crate::store::{self, StoreConfig, StoreHandle};

/// Tunables of [`serve`]. `Default` is what production uses; tests shorten
/// the waits.
#[derive(Debug, Clone)]
pub struct Options {
    /// Long-poll timeout. Must stay below the HTTP client's 17 s timeout.
    pub polling_timeout: Duration,
    /// Delay after the n-th consecutive `getUpdates` failure.
    pub polling_backoff: fn(u32) -> Duration,
    /// Retries for the requests handlers make.
    pub retry: RetryPolicy,
    /// How long shutdown waits for handlers in progress.
    pub shutdown_grace: Duration,
}

/// 1 s, 2 s, 4 s … capped at 32 s: quick to recover from a blip, gentle on a
/// long outage.
fn polling_backoff(failures: u32) -> Duration {
    Duration::from_secs(1 << failures.min(5))
}

impl Default for Options {
    fn default() -> Self {
        Options {
            polling_timeout: Duration::from_secs(10),
            polling_backoff,
            retry: RetryPolicy::default(),
            shutdown_grace: Duration::from_secs(4),
        }
    }
}

/// Telegram's documented limits: about 1 message per second in a chat, 20 per
/// minute in a group, 30 per second overall. teloxide's default for groups
/// (10 per minute) is stricter than Telegram's; 20 is what Telegram allows.
pub fn flood_limits() -> Limits {
    Limits {
        messages_per_sec_chat: 1,
        messages_per_min_chat: 20,
        messages_per_min_channel_or_supergroup: 20,
        messages_per_sec_overall: 30,
    }
}

/// Wraps `bot` in `Throttle` with [`flood_limits`] (or `limits`), retrying
/// after `429`. Must be called inside a Tokio runtime (it spawns the worker).
pub fn throttled<B>(bot: B, limits: Limits) -> Throttle<B>
where
    B: Requester + Clone + Send + Sync + 'static,
    B::Err: teloxide::errors::AsResponseParameters,
    B::GetChat: Send,
{
    // A full queue is normal under load (the throttle is doing its job), so
    // it is not worth teloxide's default WARN every four seconds.
    let settings = ThrottleSettings::default()
        .limits(limits)
        .on_queue_full(|pending| async move {
            log::debug!("throttle queue full ({pending} pending sends)");
        });
    Throttle::spawn_with_settings(bot, settings)
}

/// How long shutdown lets the store write what is queued.
pub const STORE_CLOSE_GRACE: Duration = Duration::from_secs(2);

/// Runs the bot from the environment until Ctrl-C or SIGTERM. Blocking.
pub fn run(engine: Engine) -> anyhow::Result<()> {
    let settings = Settings::from_env()?;
    let store = match StoreConfig::from_env()? {
        Some(config) => store::open(&config)?,
        None => {
            log::info!("KSILK_DB=off: no question log, chat settings last until restart");
            None
        }
    };
    run_with_store(
        settings,
        Arc::new(engine),
        Options::default(),
        store,
        shutdown_signal(),
    )?;
    Ok(())
}

/// Runs the bot with explicit settings until `shutdown` completes. Blocking:
/// it builds its own runtime, so the caller needs none.
pub fn run_with<S>(
    settings: Settings,
    brain: Arc<dyn Brain>,
    options: Options,
    shutdown: S,
) -> Result<(), StartError>
where
    S: Future<Output = ()> + Send + 'static,
{
    run_with_store(settings, brain, options, None, shutdown)
}

/// [`run_with`] with a store (the question log and saved chat settings),
/// which it closes on the way out, draining its queue for up to
/// [`STORE_CLOSE_GRACE`].
pub fn run_with_store<S>(
    settings: Settings,
    brain: Arc<dyn Brain>,
    options: Options,
    store: Option<StoreHandle>,
    shutdown: S,
) -> Result<(), StartError>
where
    S: Future<Output = ()> + Send + 'static,
{
    let store_for_bot = store.clone();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| StartError::Runtime(e.to_string()))?;
    let result = runtime.block_on(async move {
        let mut bot = Bot::new(settings.token.expose());
        if let Some(url) = settings.api_url {
            bot = bot.set_api_url(url);
        }
        let bot = throttled(bot, flood_limits());
        serve_with_store(bot, brain, options, store_for_bot, shutdown).await
    });
    // Tasks still running (a throttle worker, an abandoned handler) must not
    // hold the process open past the shutdown deadline.
    runtime.shutdown_timeout(Duration::from_millis(200));
    if let Some(store) = store {
        store.close(STORE_CLOSE_GRACE);
    }
    result
}

/// Completes on Ctrl-C (SIGINT) or SIGTERM (systemd, Docker, Kubernetes).
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => log::info!("Ctrl-C received, shutting down"),
                    _ = term.recv() => log::info!("SIGTERM received, shutting down"),
                }
                return;
            }
            Err(e) => log::warn!("cannot listen for SIGTERM ({e}); only Ctrl-C stops the bot"),
        }
    }
    if tokio::signal::ctrl_c().await.is_ok() {
        log::info!("Ctrl-C received, shutting down");
    }
}

/// Startup checks and registration; returns who we are.
pub async fn start<R: Api>(
    bot: &R,
    brain: &dyn Brain,
    options: &Options,
) -> Result<Me, StartError> {
    // A few quick retries only: at startup a persistent failure is usually a
    // wrong URL or no network, and the user should hear about it in seconds.
    let startup = RetryPolicy {
        attempts: options.retry.attempts.min(4),
        max: options.retry.max.min(Duration::from_secs(4)),
        ..options.retry
    };
    let me = deliver(&startup, "getMe", bot.get_me())
        .await
        .map_err(|failure| match failure.error {
            RequestError::Api(ApiError::InvalidToken) => StartError::Unauthorized,
            error => StartError::Unreachable(describe(&error)),
        })?;
    if me.user.username.is_none() {
        return Err(StartError::Unreachable(
            "getMe returned a bot without a username".to_owned(),
        ));
    }
    match deliver(&options.retry, "getWebhookInfo", bot.get_webhook_info()).await {
        Ok(info) if info.url.is_some() => {
            log::warn!("a webhook is set for this bot; removing it so that long polling works");
            if let Err(failure) =
                deliver(&options.retry, "deleteWebhook", bot.delete_webhook()).await
            {
                log::warn!("{failure}");
            }
        }
        Ok(_) => {}
        Err(failure) => log::warn!("{failure}"),
    }
    for menu in commands::menus() {
        let mut request = bot.set_my_commands(menu.commands).scope(menu.scope);
        if let Some(code) = menu.language_code {
            request = request.language_code(code);
        }
        let what = format!(
            "setMyCommands ({})",
            menu.language_code.unwrap_or("default")
        );
        if let Err(failure) = deliver(&options.retry, what, request).await {
            // The bot works without a menu; say so and carry on.
            log::warn!("{failure}");
        }
    }
    log::info!("ready as @{} ({})", me.username(), brain.stats());
    Ok(me)
}

/// Logs handler failures: expected ones (blocked by a user) at info, the
/// rest at warn. Never an error level: the bot carries on either way.
struct LogFailures;

impl ErrorHandler<Failure> for LogFailures {
    fn handle_error(self: Arc<Self>, failure: Failure) -> BoxFuture<'static, ()> {
        if failure.is_expected() {
            log::info!("{failure}");
        } else {
            log::warn!("{failure}");
        }
        Box::pin(async {})
    }
}

/// Logs `getUpdates` failures (the listener retries by itself), redacted:
/// teloxide's default handler prints the error's URL, token included.
struct LogPollingErrors;

impl ErrorHandler<RequestError> for LogPollingErrors {
    fn handle_error(self: Arc<Self>, error: RequestError) -> BoxFuture<'static, ()> {
        log::warn!("getUpdates failed: {}", describe(&error));
        Box::pin(async {})
    }
}

fn kind_name(kind: &UpdateKind) -> &'static str {
    match kind {
        UpdateKind::Message(_) => "message",
        UpdateKind::EditedMessage(_) => "edited message",
        UpdateKind::ChannelPost(_) => "channel post",
        UpdateKind::EditedChannelPost(_) => "edited channel post",
        UpdateKind::InlineQuery(_) => "inline query",
        UpdateKind::ChosenInlineResult(_) => "chosen inline result",
        UpdateKind::CallbackQuery(_) => "callback query",
        UpdateKind::Poll(_) => "poll",
        UpdateKind::PollAnswer(_) => "poll answer",
        UpdateKind::MyChatMember(_) => "my chat member",
        UpdateKind::ChatMember(_) => "chat member",
        UpdateKind::ChatJoinRequest(_) => "chat join request",
        UpdateKind::Error(_) => "unparsed",
        _ => "other",
    }
}

/// Runs the bot on `bot` until `shutdown` completes. Returns an error only if
/// it could not start.
pub async fn serve<R, S>(
    bot: R,
    brain: Arc<dyn Brain>,
    options: Options,
    shutdown: S,
) -> Result<(), StartError>
where
    R: Api,
    S: Future<Output = ()> + Send,
{
    serve_with_store(bot, brain, options, None, shutdown).await
}

/// [`serve`] with a store: unanswered questions are logged to it and pinned
/// languages are loaded from it and saved to it. The caller closes it.
pub async fn serve_with_store<R, S>(
    bot: R,
    brain: Arc<dyn Brain>,
    options: Options,
    store: Option<StoreHandle>,
    shutdown: S,
) -> Result<(), StartError>
where
    R: Api,
    S: Future<Output = ()> + Send,
{
    tokio::pin!(shutdown);
    let me = tokio::select! {
        me = start(&bot, brain.as_ref(), &options) => me?,
        () = &mut shutdown => {
            log::info!("stopped before startup finished");
            return Ok(());
        }
    };
    if let Some(store) = &store {
        log::info!(
            "logging unanswered questions and chat settings to {}",
            store.path().display()
        );
    }
    let ctx = Arc::new(Ctx {
        brain,
        retry: options.retry,
        pins: match &store {
            Some(store) => PinStore::persistent(DEFAULT_CAP, store.clone()),
            None => PinStore::default(),
        },
        store,
        conversations: Default::default(),
    });
    let mut dispatcher = Dispatcher::builder(bot.clone(), schema::<R>())
        .dependencies(dptree::deps![ctx])
        .default_handler(|update| async move {
            log::debug!(
                "ignoring update {} ({})",
                update.id.0,
                kind_name(&update.kind)
            );
        })
        .error_handler(Arc::new(LogFailures))
        .build();
    let token = dispatcher.shutdown_token();
    let polling = Polling::builder(bot)
        .timeout(options.polling_timeout)
        .allowed_updates(ALLOWED_UPDATES.to_vec())
        .backoff_strategy(options.polling_backoff)
        .build();
    let dispatch = dispatcher
        .try_dispatch_with_listener(QuietPolling::new(polling), Arc::new(LogPollingErrors));
    tokio::pin!(dispatch);
    tokio::select! {
        result = &mut dispatch => {
            // The listener never ends by itself; if dispatching returns, its
            // own getMe failed.
            return result.map_err(|e| StartError::Unreachable(describe(&e)));
        }
        () = &mut shutdown => {}
    }
    let begun = Instant::now();
    if token.shutdown().is_err() {
        // Still inside the dispatcher's own getMe: nothing was fetched yet.
        log::info!("stopped before polling began");
        return Ok(());
    }
    match tokio::time::timeout(options.shutdown_grace, &mut dispatch).await {
        Ok(_) => log::info!(
            "stopped @{} cleanly in {} ms",
            me.username(),
            begun.elapsed().as_millis()
        ),
        Err(_) => log::warn!(
            "gave up waiting for handlers after {} s; a reply in progress may not have been sent",
            options.shutdown_grace.as_secs()
        ),
    }
    Ok(())
}
