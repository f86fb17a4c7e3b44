//! The bot's HTTP listener: `GET /healthz`, `GET /metrics` and, in webhook
//! mode, the webhook route ([`super::webhook`]).
//!
//! One listener serves all three, so a webhook deployment needs one port and
//! one reverse-proxy rule; in polling mode the listener exists only when
//! `KSILK_METRICS_LISTEN` asks for it. The socket is bound before startup (a
//! port in use is a startup error naming the variable), and the server starts
//! before `getMe`, so `/healthz` says 503 "starting" while Telegram is not yet
//! reachable instead of refusing connections. Both routes are cheap and
//! unauthenticated: put them on loopback or behind the proxy's access rules.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::telemetry::{self, Health};

/// Prometheus' text exposition format.
const METRICS_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// `/healthz` and `/metrics`, merged with `extra` (the webhook route).
pub fn router(health: Arc<Health>, extra: Option<Router>) -> Router {
    let base = Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .with_state(health);
    match extra {
        Some(extra) => base.merge(extra),
        None => base,
    }
}

async fn healthz(State(health): State<Arc<Health>>) -> (StatusCode, String) {
    match health.check() {
        Ok(()) => (StatusCode::OK, "ok\n".to_owned()),
        Err(why) => (StatusCode::SERVICE_UNAVAILABLE, format!("{why}\n")),
    }
}

async fn metrics() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, METRICS_CONTENT_TYPE)],
        telemetry::prometheus().render(),
    )
}

/// A running HTTP server.
pub struct Server {
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
    upkeep: JoinHandle<()>,
}

impl Server {
    /// Serves `router` on `listener` until [`Server::stop`].
    pub fn spawn(listener: TcpListener, router: Router) -> Server {
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let shutdown = async {
                let _ = stopped.await;
            };
            if let Err(e) = axum::serve(listener, router)
                .with_graceful_shutdown(shutdown)
                .await
            {
                log::warn!("the HTTP listener failed: {e}");
            }
        });
        // The exporter needs periodic upkeep (histogram buckets roll over).
        let upkeep = tokio::spawn(async {
            let mut tick = tokio::time::interval(Duration::from_secs(5));
            loop {
                tick.tick().await;
                telemetry::prometheus().run_upkeep();
            }
        });
        Server { stop, task, upkeep }
    }

    /// Stops taking connections and gives open requests `grace` to finish.
    pub async fn stop(self, grace: Duration) {
        let _ = self.stop.send(());
        self.upkeep.abort();
        let mut task = self.task;
        if tokio::time::timeout(grace, &mut task).await.is_err() {
            task.abort();
        }
    }
}
