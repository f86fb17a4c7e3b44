//! Webhook mode against the mock Bot API: setWebhook with the URL, the update
//! kinds and the secret; the route takes updates only with the right secret
//! and answers 200 only after the reply was sent; health and metrics share its
//! listener.

mod support;

use std::net::SocketAddr;
use std::time::Duration;

use ksilk::lang::Lang;
use ksilk::telegram::{Http, Settings, StartError, WebhookSecret};
use serde_json::{Value, json};
use support::client::{self, Response};
use support::mock::{Mock, TOKEN};
use support::{PATIENCE, Running, engine, fast_options, fixtures, shown};

const SECRET: &str = "webhook-Secret_0123456789";
const URL: &str = "https://bot.example.org/tg/hook";

/// The bot in webhook mode on a free local port; returns it and the port.
async fn webhook_bot(mock: &Mock) -> (Running, SocketAddr) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let http = Http::webhook(
        listener,
        url::Url::parse(URL).unwrap(),
        WebhookSecret::parse(Some(SECRET)).unwrap(),
    );
    let running = Running::spawn_with(mock.bot(), engine(), fast_options(), Some(http));
    mock.wait_until("setWebhook", PATIENCE, |m| !m.webhook_url().is_empty())
        .await;
    // The route opens right after setWebhook succeeded.
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while client::get(addr, "/healthz").await.status != 200 {
        assert!(tokio::time::Instant::now() < deadline, "never healthy");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    (running, addr)
}

async fn post_update(addr: SocketAddr, update: &Value, secret: Option<&str>) -> Response {
    let headers: Vec<(&str, &str)> = secret
        .map(|s| vec![("X-Telegram-Bot-Api-Secret-Token", s)])
        .unwrap_or_default();
    client::request(addr, "POST", "/tg/hook", &headers, &update.to_string())
        .await
        .expect("the webhook answers")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn set_webhook_sends_the_url_the_update_kinds_and_the_secret() {
    let mock = Mock::start().await;
    let (running, _) = webhook_bot(&mock).await;
    let calls = mock.calls_to("setWebhook");
    assert_eq!(calls.len(), 1);
    let body = &calls[0].body;
    assert_eq!(body["url"], URL);
    assert_eq!(body["secret_token"], SECRET);
    assert_eq!(
        body["allowed_updates"],
        json!(["message", "callback_query", "inline_query"])
    );
    // Webhook mode neither polls nor deletes the webhook it relies on.
    assert_eq!(mock.polls_started(), 0);
    assert!(mock.calls_to("deleteWebhook").is_empty());
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_right_secret_gets_the_update_answered_before_the_200() {
    let mock = Mock::start().await;
    let (running, addr) = webhook_bot(&mock).await;
    let (update, _) = mock.prepare(fixtures::private_text(6100, "/pillars"));
    let response = post_update(addr, &update, Some(SECRET)).await;
    assert_eq!(response.status, 200, "{response:?}");
    // The 200 came after the reply: it is already at the mock, no waiting.
    let sent = mock.sent();
    assert_eq!(sent.len(), 1, "answered before the 200");
    assert_eq!(sent[0].chat_id, 6100);
    assert_eq!(
        sent[0].text,
        shown(&engine().answer_for("pillars", Lang::En).unwrap())
    );
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_or_missing_secret_gets_401_and_no_reply() {
    let mock = Mock::start().await;
    let (running, addr) = webhook_bot(&mock).await;
    let (update, _) = mock.prepare(fixtures::private_text(6200, "/pillars"));
    for secret in [
        None,
        Some("wrong"),
        Some(&SECRET[..SECRET.len() - 1]),
        Some("webhook-Secret_012345678X"),
        Some(""),
    ] {
        let response = post_update(addr, &update, secret).await;
        assert_eq!(response.status, 401, "{secret:?}: {response:?}");
    }
    // Give a wrongly accepted update every chance to be answered, then check.
    let (sentinel, _) = mock.prepare(fixtures::private_text(6201, "/about"));
    assert_eq!(post_update(addr, &sentinel, Some(SECRET)).await.status, 200);
    let sent = mock.sent();
    assert_eq!(sent.len(), 1, "{sent:#?}");
    assert_eq!(sent[0].chat_id, 6201);
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_and_metrics_share_the_webhook_listener() {
    let mock = Mock::start().await;
    let (running, addr) = webhook_bot(&mock).await;
    let health = client::get(addr, "/healthz").await;
    assert_eq!((health.status, health.body.as_str()), (200, "ok\n"));
    let metrics = client::get(addr, "/metrics").await;
    assert_eq!(metrics.status, 200);
    assert!(
        metrics
            .header("content-type")
            .is_some_and(|t| t.starts_with("text/plain")),
        "{metrics:?}"
    );
    assert!(
        metrics
            .body
            .contains("# TYPE ksilk_store_dropped_total counter"),
        "{}",
        metrics.body
    );
    // Only POST takes updates.
    assert_eq!(client::get(addr, "/tg/hook").await.status, 405);
    assert_eq!(client::get(addr, "/elsewhere").await.status, 404);
    running.stop().await;
    // After shutdown nothing listens.
    assert!(
        client::request(addr, "GET", "/healthz", &[], "")
            .await
            .is_err()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_or_bad_secret_fails_at_startup_naming_the_variable() {
    let lookup = |secret: Option<&'static str>| {
        move |name: &str| match name {
            "TELOXIDE_TOKEN" => Some(TOKEN.to_owned()),
            "KSILK_WEBHOOK_URL" => Some(URL.to_owned()),
            "KSILK_WEBHOOK_SECRET" => secret.map(str::to_owned),
            _ => None,
        }
    };
    for secret in [None, Some("not allowed!"), Some("")] {
        let err = Settings::from_lookup(lookup(secret)).unwrap_err();
        assert!(matches!(err, StartError::BadWebhookSecret(_)), "{err:?}");
        assert!(err.to_string().contains("KSILK_WEBHOOK_SECRET"), "{err}");
    }
    assert!(Settings::from_lookup(lookup(Some(SECRET))).is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_set_webhook_is_a_startup_error() {
    let mock = Mock::start().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    // The mock, like Telegram, refuses a webhook that is not https; the
    // bot's own check would stop this earlier, so build the Http directly.
    let http = Http::webhook(
        listener,
        url::Url::parse("http://bot.example.org/tg").unwrap(),
        WebhookSecret::parse(Some(SECRET)).unwrap(),
    );
    let running = Running::spawn_with(mock.bot(), engine(), fast_options(), Some(http));
    let err = running.outcome().await.unwrap_err();
    assert!(matches!(err, StartError::Webhook(_)), "{err:?}");
    assert!(err.to_string().contains("setWebhook"), "{err}");
    assert!(!err.to_string().contains(SECRET));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starting_in_polling_mode_deletes_the_webhook() {
    let mock = Mock::start().await;
    let (webhook, _) = webhook_bot(&mock).await;
    webhook.stop().await;
    assert_eq!(mock.webhook_url(), URL, "the webhook outlives a restart");
    let polling = Running::start(&mock, engine(), fast_options()).await;
    assert_eq!(mock.calls_to("deleteWebhook").len(), 1);
    assert_eq!(mock.webhook_url(), "");
    mock.push(fixtures::private_text(6300, "/pillars"));
    mock.wait_sent(1, PATIENCE).await;
    polling.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_finishes_webhook_replies_in_flight_and_refuses_new_ones() {
    let mock = Mock::start().await;
    let (running, addr) = webhook_bot(&mock).await;
    mock.delay("sendMessage", Duration::from_secs(1));
    let mut posts = Vec::new();
    for chat in 6400..6403 {
        let (update, _) = mock.prepare(fixtures::private_text(chat, "/pillars"));
        posts.push(tokio::spawn(async move {
            post_update(addr, &update, Some(SECRET)).await.status
        }));
    }
    mock.wait_until("three sends in flight", PATIENCE, |m| {
        m.arrived("sendMessage") == 3
    })
    .await;
    let stopping = tokio::spawn(running.stop());
    // Once stopping (the sends are still held), a new update is refused with
    // 503, which Telegram sends again later.
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while client::get(addr, "/healthz").await.body != "stopping\n" {
        assert!(tokio::time::Instant::now() < deadline, "never stopping");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let (late, _) = mock.prepare(fixtures::private_text(6404, "/pillars"));
    assert_eq!(post_update(addr, &late, Some(SECRET)).await.status, 503);
    for post in posts {
        assert_eq!(post.await.unwrap(), 200, "answered after its reply");
    }
    stopping.await.unwrap();
    let replied: Vec<i64> = mock.sent().iter().map(|s| s.chat_id).collect();
    for chat in 6400..6403 {
        assert!(replied.contains(&chat), "{replied:?}");
    }
    assert!(!replied.contains(&6404), "the refused one was not handled");
}
