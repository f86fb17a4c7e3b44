//! Running the handler tree on updates, one chat at a time, and knowing when
//! each update is finished.
//!
//! teloxide's `Dispatcher` hands an update to a per-chat worker and forgets
//! it, so whoever fetched the update cannot tell when its reply was sent. That
//! matters twice: the poller must not confirm an update (move `offset` past
//! it) before its reply was sent or given up on, and a webhook request must not
//! be answered 200 before then either, or a crash or a shutdown in between
//! loses the question for good. So this small runner replaces the dispatcher:
//!
//! - [`Runner::submit`] starts an update and returns a [`Done`] that completes
//!   when its handler finished (sent, gave up after retries, or panicked and
//!   apologised). The poller keeps the `Done`s of unfinished updates; the
//!   webhook route awaits its one.
//! - Updates of one chat run in arrival order: each waits for the previous
//!   update of its chat (keyed by chat, else by user for inline queries); other
//!   chats run concurrently. This is the ordering teloxide's dispatcher gives.
//! - [`Runner::drain`] waits, bounded, for everything in flight at shutdown,
//!   then drops what is left: those updates stay unfinished, so they are not
//!   confirmed and Telegram delivers them again to the next run.
//!
//! The handler tree, its dependencies (`Me`, the requester, [`Ctx`]) and the
//! handling of its results (errors logged, unhandled kinds noted at debug
//! level) are the same as under the dispatcher. Each update runs inside a
//! telemetry [`Scope`], which is how Bot API calls made by the handlers reach
//! the bot's health and how the latency of replies is measured.

use std::collections::HashMap;
use std::ops::ControlFlow;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::FutureExt as _;
use teloxide::dispatching::UpdateHandler;
use teloxide::dptree::di::DependencyMap;
use teloxide::types::{Me, Update};
use tokio::sync::watch;

use super::delivery::Failure;
use super::handlers::{Api, Ctx, schema};
use super::listener::keep;
use super::telemetry::{self, Health, Scope};

/// Says whether an update's handling finished, and waits for it.
#[derive(Clone, Debug)]
pub struct Done(watch::Receiver<bool>);

impl Done {
    fn new() -> (watch::Sender<bool>, Done) {
        let (finished, done) = watch::channel(false);
        (finished, Done(done))
    }

    /// True once the handler finished. An update whose task was dropped (the
    /// runtime shut down under it) never counts as finished.
    pub fn is_finished(&self) -> bool {
        *self.0.borrow()
    }

    /// Waits until the handler finished or was given up on; true if it
    /// finished.
    pub async fn wait(mut self) -> bool {
        self.0.wait_for(|finished| *finished).await.is_ok()
    }
}

/// Chats whose last update finished are forgotten once this many are known.
const PRUNE_AT: usize = 4096;

/// Runs updates through the handler tree; see the module docs.
pub struct Runner {
    handler: Arc<UpdateHandler<Failure>>,
    deps: DependencyMap,
    health: Arc<Health>,
    /// The last submitted update of each chat, for ordering.
    tails: Mutex<HashMap<i64, Done>>,
    /// How many updates are submitted and not finished.
    in_flight: watch::Sender<usize>,
    /// Set when shutdown stops waiting: handlers still running are dropped.
    abandoned: watch::Sender<bool>,
}

impl Runner {
    pub fn new<R: Api>(bot: R, me: Me, ctx: Arc<Ctx>, health: Arc<Health>) -> Arc<Runner> {
        let mut deps = DependencyMap::new();
        deps.insert(bot);
        deps.insert(me);
        deps.insert(ctx);
        Arc::new(Runner {
            handler: Arc::new(schema::<R>()),
            deps,
            health,
            tails: Mutex::new(HashMap::new()),
            in_flight: watch::channel(0).0,
            abandoned: watch::channel(false).0,
        })
    }

    /// Starts handling `update` after the earlier updates of its chat. The
    /// update is counted; an update teloxide could not parse is skipped (see
    /// [`keep`]) and its `Done` is complete at once.
    pub fn submit(self: &Arc<Self>, update: Update) -> Done {
        telemetry::count_update(&update.kind);
        let (finished, done) = Done::new();
        if !keep(&update) {
            finished.send_replace(true);
            return done;
        }
        let previous = ordering_key(&update).and_then(|key| {
            let mut tails = self.tails.lock().unwrap_or_else(|e| e.into_inner());
            if tails.len() >= PRUNE_AT {
                tails.retain(|_, tail| !tail.is_finished());
            }
            tails.insert(key, done.clone())
        });
        self.in_flight.send_modify(|n| *n += 1);
        let runner = Arc::clone(self);
        let arrived = Instant::now();
        let mut abandoned = self.abandoned.subscribe();
        tokio::spawn(async move {
            let work = async {
                if let Some(previous) = previous {
                    previous.wait().await;
                }
                let scope = Scope::new(Arc::clone(&runner.health));
                scope.run(runner.handle(update)).await
            };
            tokio::select! {
                ((), sent) = work => {
                    if sent {
                        telemetry::observe_reply(arrived.elapsed());
                    }
                    // Before the count drops, so that a drained runner has
                    // every finished update marked.
                    finished.send_replace(true);
                }
                // Given up at shutdown: `finished` is dropped unset, so the
                // update is not confirmed and Telegram sends it again.
                _ = abandoned.wait_for(|gone| *gone) => {}
            }
            runner.in_flight.send_modify(|n| *n -= 1);
        });
        done
    }

    /// How many updates are in flight, and a way to wait for changes.
    pub fn in_flight(&self) -> watch::Receiver<usize> {
        self.in_flight.subscribe()
    }

    /// Waits until nothing is in flight, at most `grace`; then drops the
    /// handlers still running (their updates stay unfinished). True if
    /// everything finished.
    pub async fn drain(&self, grace: Duration) -> bool {
        let mut in_flight = self.in_flight();
        let drained = tokio::time::timeout(grace, in_flight.wait_for(|n| *n == 0))
            .await
            .is_ok();
        if !drained {
            self.abandoned.send_replace(true);
        }
        drained
    }

    async fn handle(&self, update: Update) {
        let id = update.id.0;
        let mut deps = self.deps.clone();
        deps.insert(update);
        // The endpoints contain their own panics (handlers::guarded); this is
        // the last line, so that a panic elsewhere still finishes the update.
        let result = AssertUnwindSafe(self.handler.dispatch(deps))
            .catch_unwind()
            .await;
        match result {
            Ok(ControlFlow::Break(Ok(()))) => {}
            Ok(ControlFlow::Break(Err(failure))) if failure.is_expected() => {
                log::info!("{failure}")
            }
            Ok(ControlFlow::Break(Err(failure))) => log::warn!("{failure}"),
            Ok(ControlFlow::Continue(deps)) => {
                let update: Arc<Update> = deps.get();
                log::debug!(
                    "ignoring update {id} ({})",
                    telemetry::kind_label(&update.kind)
                );
            }
            Err(_) => log::error!("handling update {id} panicked; the bot carries on"),
        }
    }
}

/// What orders an update: its chat, else its sender (inline queries).
fn ordering_key(update: &Update) -> Option<i64> {
    update
        .chat()
        .map(|chat| chat.id.0)
        .or_else(|| update.from().map(|user| user.id.0 as i64))
}
