//! Shared test support for the Telegram front end: the mock Bot API server,
//! update fixtures, and a harness that runs the production bot against them.
//!
//! Each `tests/telegram*.rs` binary (and `benches/bot.rs`) includes this module
//! and uses a different part of it, hence the crate-wide `dead_code` allowance.

#![allow(dead_code)]

pub mod client;
pub mod fixtures;
pub mod html;
pub mod mock;

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use ksilk::engine::Engine;
use ksilk::lang::Lang;
use ksilk::reply::{Choice, Outcome, Reply};
use ksilk::store::StoreHandle;
use ksilk::telegram::delivery::RetryPolicy;
use ksilk::telegram::handlers::Api;
use ksilk::telegram::{Brain, Http, Options, StartError};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use mock::Mock;

/// Generous bound for "the bot should have answered by now". Typical waits
/// are a few milliseconds; the bound only matters when something is broken.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// The embedded engine, built once per test binary.
pub fn engine() -> Arc<Engine> {
    static ENGINE: OnceLock<Arc<Engine>> = OnceLock::new();
    Arc::clone(
        ENGINE.get_or_init(|| Arc::new(Engine::embedded().expect("embedded knowledge base"))),
    )
}

/// What a client shows for a reply rendered by the production code path (the
/// parsed HTML), for comparing with what the mock received.
pub fn shown(reply: &Reply) -> String {
    html::parse(&reply.to_html()).expect("the brain's HTML is valid")
}

/// Production options with short waits, so fault tests finish quickly.
pub fn fast_options() -> Options {
    Options {
        polling_timeout: Duration::from_secs(5),
        polling_backoff: |_| Duration::from_millis(50),
        retry: RetryPolicy {
            attempts: 8,
            base: Duration::from_millis(20),
            max: Duration::from_millis(200),
            flood_waits: 5,
        },
        shutdown_grace: Duration::from_secs(4),
    }
}

/// Wraps the engine and misbehaves on cue, to test what the front end does
/// when the brain panics or says something unusually long. Every other call
/// goes to the real engine.
pub struct Scripted {
    pub engine: Arc<Engine>,
}

/// Text that makes [`Scripted`] panic.
pub const PANIC: &str = "PANIC";
/// Text that makes [`Scripted`] answer with about 10,000 characters.
pub const HUGE: &str = "HUGE";
/// Text that makes [`Scripted`] ask "did you mean".
pub const CLARIFY: &str = "CLARIFY";
/// An entry id whose button makes [`Scripted`] panic.
pub const PANIC_TOPIC: &str = "panic-topic";

fn choice(id: &str, title: &str) -> Choice {
    Choice {
        id: id.to_owned(),
        title: title.to_owned(),
    }
}

impl Scripted {
    pub fn new() -> Arc<Scripted> {
        Arc::new(Scripted { engine: engine() })
    }

    pub fn huge_reply() -> Reply {
        let paragraph =
            "Korea & Central Asia <trade> \"energy\" ties — 한국 🇰🇿 and more. ".repeat(12);
        Reply {
            outcome: Outcome::Answer,
            lang: Lang::En,
            intent: Some("k-silk-road".to_owned()),
            score: 1.0,
            nearest: Some("k-silk-road".to_owned()),
            title: Some("A very long answer".to_owned()),
            body: vec![paragraph.trim(); 14].join("\n\n"),
            source: Some("The Korea Times, “Long” (June 2024)".to_owned()),
            choices: Vec::new(),
            related: vec![
                choice("pillars", "Pillars"),
                choice("countries", "Countries"),
            ],
        }
    }

    pub fn clarify_reply() -> Reply {
        let mut reply = Reply::note(Outcome::Clarify, Lang::En, "Did you mean one of these?");
        reply.score = 0.4;
        reply.choices = vec![
            choice("pillars", "The pillars"),
            choice("kazakhstan", "Kazakhstan"),
            choice("kyrgyzstan", "Kyrgyzstan"),
        ];
        reply
    }
}

impl Brain for Scripted {
    fn respond(&self, text: &str, lang: Lang) -> Reply {
        if text.contains(PANIC) {
            panic!("scripted panic while answering");
        }
        if text.contains(HUGE) {
            return Self::huge_reply();
        }
        if text.contains(CLARIFY) {
            return Self::clarify_reply();
        }
        self.engine.respond(text, lang)
    }

    fn answer_for(&self, id: &str, lang: Lang) -> Option<Reply> {
        if id == PANIC_TOPIC {
            panic!("scripted panic on a button");
        }
        self.engine.answer_for(id, lang)
    }

    fn country(&self, name: &str, lang: Lang) -> Reply {
        self.engine.country(name, lang)
    }

    fn search(&self, text: &str, limit: usize, lang: Lang) -> Vec<Reply> {
        if text.contains(PANIC) {
            panic!("scripted panic in inline mode");
        }
        self.engine.search(text, limit, lang)
    }

    fn welcome(&self, lang: Lang) -> Reply {
        self.engine.welcome(lang)
    }

    fn about(&self, lang: Lang) -> Reply {
        self.engine.about(lang)
    }

    fn usage(&self, command: &str, lang: Lang) -> Reply {
        self.engine.usage(command, lang)
    }

    fn stats(&self) -> String {
        Brain::stats(self.engine.as_ref())
    }
}

/// The production bot (`serve` on a plain `Bot`) running against a mock.
pub struct Running {
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<Result<(), StartError>>,
}

impl Running {
    /// Starts the bot on `mock` and waits until it polls for updates.
    pub async fn start(mock: &Mock, brain: Arc<dyn Brain>, options: Options) -> Running {
        Self::start_on(mock, mock.bot(), brain, options).await
    }

    /// Like [`Running::start`] with production's `Throttle<Bot>`.
    pub async fn start_throttled(mock: &Mock, brain: Arc<dyn Brain>, options: Options) -> Running {
        let bot = ksilk::telegram::throttled(mock.bot(), ksilk::telegram::flood_limits());
        Self::start_on(mock, bot, brain, options).await
    }

    /// Starts the bot on any requester pointed at `mock`, and waits until it
    /// polls for updates.
    pub async fn start_on<R: Api>(
        mock: &Mock,
        bot: R,
        brain: Arc<dyn Brain>,
        options: Options,
    ) -> Running {
        let polls_before = mock.polls_started();
        let running = Self::spawn(bot, brain, options);
        mock.wait_until("the bot to start polling", PATIENCE, |m| {
            m.polls_started() > polls_before
        })
        .await;
        running
    }

    /// Starts the bot with a store (`serve_with_store`) and waits until it
    /// polls for updates. The caller closes the store after stopping.
    pub async fn start_with_store(
        mock: &Mock,
        brain: Arc<dyn Brain>,
        options: Options,
        store: Option<StoreHandle>,
    ) -> Running {
        let polls_before = mock.polls_started();
        let running = Self::spawn_with_store(mock.bot(), brain, options, store);
        mock.wait_until("the bot to start polling", PATIENCE, |m| {
            m.polls_started() > polls_before
        })
        .await;
        running
    }

    /// Starts the bot without waiting (for startup-failure tests).
    pub fn spawn<R: Api>(bot: R, brain: Arc<dyn Brain>, options: Options) -> Running {
        Self::spawn_with(bot, brain, options, None)
    }

    /// [`Running::spawn`] with a store.
    pub fn spawn_with_store<R: Api>(
        bot: R,
        brain: Arc<dyn Brain>,
        options: Options,
        store: Option<StoreHandle>,
    ) -> Running {
        Self::spawn_serving(move |stopped| {
            ksilk::telegram::serve_with_store(bot, brain, options, store, async {
                let _ = stopped.await;
            })
        })
    }

    /// Starts the bot with an HTTP listener (webhook or metrics), without
    /// waiting.
    pub fn spawn_with<R: Api>(
        bot: R,
        brain: Arc<dyn Brain>,
        options: Options,
        http: Option<Http>,
    ) -> Running {
        Self::spawn_serving(move |stopped| {
            ksilk::telegram::serve_with(bot, brain, options, http, async {
                let _ = stopped.await;
            })
        })
    }

    /// Spawns the future `serve` makes from the stop signal.
    fn spawn_serving<F>(serve: impl FnOnce(oneshot::Receiver<()>) -> F) -> Running
    where
        F: std::future::Future<Output = Result<(), StartError>> + Send + 'static,
    {
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(serve(stopped));
        Running {
            stop: Some(stop),
            task,
        }
    }

    /// Asks the bot to stop and returns how long it took.
    pub async fn stop(mut self) -> Duration {
        let begun = Instant::now();
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let result = tokio::time::timeout(Duration::from_secs(30), &mut self.task)
            .await
            .expect("the bot stops")
            .expect("the bot task does not panic");
        result.expect("the bot ran");
        begun.elapsed()
    }

    /// Waits for the bot to exit by itself (a startup failure).
    pub async fn outcome(mut self) -> Result<(), StartError> {
        tokio::time::timeout(PATIENCE, &mut self.task)
            .await
            .expect("the bot exits")
            .expect("the bot task does not panic")
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Pushes `update` and returns the bot's first new message in `chat`.
pub async fn push_and_wait(mock: &Mock, chat: i64, update: serde_json::Value) -> mock::Sent {
    let before = mock.sent_to(chat).len();
    mock.push(update);
    mock.wait_until("a reply", PATIENCE, |m| m.sent_to(chat).len() > before)
        .await;
    mock.sent_to(chat)[before].clone()
}

/// Starts a mock and the bot on the embedded engine.
pub async fn bot_with_engine() -> (Mock, Running) {
    let mock = Mock::start().await;
    let running = Running::start(&mock, engine(), fast_options()).await;
    (mock, running)
}

/// Starts a mock and the bot on the [`Scripted`] brain.
pub async fn bot_with_script() -> (Mock, Running) {
    let mock = Mock::start().await;
    let running = Running::start(&mock, Scripted::new(), fast_options()).await;
    (mock, running)
}
