//! Starting, running and stopping the bot.
//!
//! [`run`] is the production entry point; it reads the environment, builds a
//! `Throttle<Bot>` (Telegram's flood limits) and calls [`run_with`], which owns
//! the runtime and binds the HTTP listener if the settings ask for one.
//! [`serve_with`] is the async core that tests drive directly with a plain
//! `Bot` pointed at a mock server, a listener of their own and a shutdown
//! future; [`serve`] is the same without any HTTP listener.
//!
//! The sequence is: start the HTTP listener if any (`/healthz` answers 503
//! "starting" until the bot is up), `getMe` (which proves the token and gives
//! the username that group parsing needs), then in polling mode remove a
//! webhook if one is set (long polling and a webhook cannot coexist), register
//! the command menus, in webhook mode call `setWebhook`, log `ready`, and take
//! updates until the shutdown future completes.
//!
//! Shutdown drains: the bot stops taking updates (the long poll is dropped; the
//! webhook route answers 503, which Telegram retries later), waits for the
//! replies in flight for at most [`Options::shutdown_grace`], then confirms to
//! Telegram exactly the updates that were finished (see [`super::listener`])
//! and stops the HTTP listener. So Ctrl-C or SIGTERM ends the process within
//! about five seconds even if Telegram is slow, and an update whose reply was
//! still in flight at the deadline is left unconfirmed for the next start.
//! Then the store, if there is one ([`run_with_store`]), writes what is
//! queued and closes, for up to [`STORE_CLOSE_GRACE`].

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use std::net::SocketAddr;

use teloxide::adaptors::Throttle;
use teloxide::adaptors::throttle::{Limits, Settings as ThrottleSettings};
use teloxide::payloads::SetMyCommandsSetters;
use teloxide::prelude::*;
use teloxide::types::Me;
use teloxide::{ApiError, RequestError};
use tokio::net::TcpListener;

use super::brain::Brain;
use super::commands;
use super::config::{Mode, Settings, StartError, WebhookSecret};
use super::conversations::{self, ConversationKey, Conversations};
use super::delivery::{RetryPolicy, deliver};
use super::handlers::{Api, Ctx};
use super::http::{self, Server};
use super::listener::Poller;
use super::prefs::{DEFAULT_CAP, PinStore};
use super::redact::describe;
use super::runner::Runner;
use super::telemetry::{self, Health, Scope};
use super::webhook;
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
        let http = Http::bind(&settings.mode).await?;
        let bot = throttled(bot, flood_limits());
        serve_full(bot, brain, options, http, store_for_bot, shutdown).await
    });
    // Tasks still running (a throttle worker, an abandoned handler) must not
    // hold the process open past the shutdown deadline.
    runtime.shutdown_timeout(Duration::from_millis(200));
    // The bot has stopped answering: what it queued for the store is written.
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
    polling: bool,
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
    let webhook_info = if polling {
        Some(deliver(&options.retry, "getWebhookInfo", bot.get_webhook_info()).await)
    } else {
        // setWebhook, after the menus, replaces whatever is set.
        None
    };
    match webhook_info {
        None => {}
        Some(Ok(info)) if info.url.is_some() => {
            log::warn!("a webhook is set for this bot; removing it so that long polling works");
            if let Err(failure) =
                deliver(&options.retry, "deleteWebhook", bot.delete_webhook()).await
            {
                log::warn!("{failure}");
            }
        }
        Some(Ok(_)) => {}
        Some(Err(failure)) => log::warn!("{failure}"),
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

/// The conversations the store kept from the last run, keyed under its
/// secret key: those still live are restored, and the rows of those gone
/// idle are deleted (a conversation that ended costs no row). A store that
/// cannot be read costs only the contexts.
fn restored_conversations(store: &StoreHandle, brain: &dyn Brain) -> Conversations {
    let restored = Conversations::keyed(crate::dialogue::DEFAULT_CAP, store.keyer().clone());
    let saved = match store.load_contexts() {
        Ok(saved) => saved,
        Err(e) => {
            log::warn!("cannot read saved conversations: {e}; starting without them");
            return restored;
        }
    };
    let now = conversations::now();
    let (mut live, mut ended) = (0usize, 0usize);
    for (key, json, _saved_at) in saved {
        match brain.load_conversation(&json) {
            Some(dialogue) if !dialogue.is_expired(now) => {
                let touched = dialogue.touched();
                restored.put(ConversationKey::from_value(key), dialogue, touched);
                live += 1;
            }
            _ => {
                store.save_context(key, None);
                ended += 1;
            }
        }
    }
    log::debug!("restored {live} conversation(s), forgot {ended} ended one(s)");
    restored
}

/// The HTTP listener [`serve_with`] runs: bound, with the webhook to register
/// if in webhook mode.
pub struct Http {
    listener: TcpListener,
    webhook: Option<(url::Url, WebhookSecret)>,
}

impl Http {
    /// `/healthz` and `/metrics` only (polling mode).
    pub fn metrics_only(listener: TcpListener) -> Http {
        Http {
            listener,
            webhook: None,
        }
    }

    /// `/healthz`, `/metrics` and the webhook at `url`'s path.
    pub fn webhook(listener: TcpListener, url: url::Url, secret: WebhookSecret) -> Http {
        Http {
            listener,
            webhook: Some((url, secret)),
        }
    }

    /// Binds what `mode` asks for: nothing, the metrics listener, or the
    /// webhook listener.
    pub async fn bind(mode: &Mode) -> Result<Option<Http>, StartError> {
        Ok(match mode {
            Mode::Polling {
                metrics_listen: None,
            } => None,
            Mode::Polling {
                metrics_listen: Some(addr),
            } => Some(Http::metrics_only(
                listen("KSILK_METRICS_LISTEN", *addr).await?,
            )),
            Mode::Webhook {
                url,
                secret,
                listen: addr,
            } => Some(Http::webhook(
                listen("KSILK_LISTEN", *addr).await?,
                url.clone(),
                secret.clone(),
            )),
        })
    }

    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.listener.local_addr().ok()
    }
}

async fn listen(var: &'static str, addr: SocketAddr) -> Result<TcpListener, StartError> {
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|e| StartError::Listen {
            var,
            addr,
            why: e.to_string(),
        })?;
    log::info!(
        "listening on {} ({var})",
        listener.local_addr().unwrap_or(addr)
    );
    Ok(listener)
}

/// Runs the bot on `bot` with long polling and no HTTP listener until
/// `shutdown` completes. Returns an error only if it could not start.
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
    serve_full(bot, brain, options, None, None, shutdown).await
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
    serve_full(bot, brain, options, None, store, shutdown).await
}

/// Runs the bot on `bot` until `shutdown` completes: by webhook if `http`
/// has one, else by long polling (with `/healthz` and `/metrics` on `http` if
/// given). Returns an error only if it could not start.
pub async fn serve_with<R, S>(
    bot: R,
    brain: Arc<dyn Brain>,
    options: Options,
    http: Option<Http>,
    shutdown: S,
) -> Result<(), StartError>
where
    R: Api,
    S: Future<Output = ()> + Send,
{
    serve_full(bot, brain, options, http, None, shutdown).await
}

/// The async core behind [`serve`], [`serve_with`] and [`serve_with_store`]:
/// the HTTP listener if any, and the store if any.
async fn serve_full<R, S>(
    bot: R,
    brain: Arc<dyn Brain>,
    options: Options,
    http: Option<Http>,
    store: Option<StoreHandle>,
    shutdown: S,
) -> Result<(), StartError>
where
    R: Api,
    S: Future<Output = ()> + Send,
{
    tokio::pin!(shutdown);
    telemetry::prometheus();
    let health = Arc::new(Health::default());
    let (listener, webhook) = match http {
        Some(Http { listener, webhook }) => (Some(listener), webhook),
        None => (None, None),
    };
    let route = webhook.as_ref().map(|(url, secret)| {
        (
            url,
            webhook::Route::new(secret.clone(), Arc::clone(&health)),
        )
    });
    let server = listener.map(|listener| {
        let extra = route.as_ref().map(|(url, route)| route.router(url.path()));
        Server::spawn(listener, http::router(Arc::clone(&health), extra))
    });
    let started = Scope::new(Arc::clone(&health)).run(async {
        let me = start(&bot, brain.as_ref(), &options, webhook.is_none()).await?;
        if let Some((url, secret)) = &webhook {
            webhook::register(&bot, &options.retry, url, secret)
                .await
                .map_err(|failure| StartError::Webhook(describe(&failure.error)))?;
            log::info!("webhook set; taking updates at {}", url.path());
        }
        Ok::<Me, StartError>(me)
    });
    let started = tokio::select! {
        (result, _) = started => Some(result),
        () = &mut shutdown => None,
    };
    let me = match started {
        Some(Ok(me)) => me,
        stopped_or_failed => {
            if let Some(server) = server {
                server.stop(Duration::from_millis(200)).await;
            }
            return match stopped_or_failed {
                Some(Err(e)) => Err(e),
                _ => {
                    log::info!("stopped before startup finished");
                    Ok(())
                }
            };
        }
    };
    if let Some(store) = &store {
        log::info!(
            "logging unanswered questions and chat settings to {}",
            store.path().display()
        );
    }
    let ctx_brain = Arc::clone(&brain);
    let ctx = Arc::new(Ctx {
        brain,
        retry: options.retry,
        pins: match &store {
            Some(store) => PinStore::persistent(DEFAULT_CAP, store.clone()),
            None => PinStore::default(),
        },
        conversations: match &store {
            Some(store) => restored_conversations(store, ctx_brain.as_ref()),
            None => Conversations::default(),
        },
        store,
    });
    let runner = Runner::new(bot.clone(), me.clone(), ctx, Arc::clone(&health));
    health.set_running();
    let mut poller = None;
    match &route {
        Some((_, route)) => {
            route.open(Arc::clone(&runner));
            (&mut shutdown).await;
        }
        None => {
            let mut polling = Poller::new(
                bot,
                Arc::clone(&runner),
                Arc::clone(&health),
                options.polling_timeout,
                options.polling_backoff,
            );
            polling.run(&mut shutdown).await;
            poller = Some(polling);
        }
    }
    // Stop taking updates, finish the replies in flight, then confirm.
    health.set_stopping();
    let begun = Instant::now();
    let drained = runner.drain(options.shutdown_grace).await;
    if let Some(mut poller) = poller {
        poller.confirm().await;
    }
    if let Some(server) = server {
        server.stop(Duration::from_millis(500)).await;
    }
    if drained {
        log::info!(
            "stopped @{} cleanly in {} ms",
            me.username(),
            begun.elapsed().as_millis()
        );
    } else {
        log::warn!(
            "gave up waiting for replies in flight after {} s; their updates stay unconfirmed",
            options.shutdown_grace.as_secs()
        );
    }
    Ok(())
}
