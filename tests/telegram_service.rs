//! Running as a service, in polling mode against the mock Bot API: `/healthz`
//! follows Telegram's answers, `/metrics` counts what happened, shutdown
//! finishes the replies in flight, and an update whose reply was never sent
//! is not confirmed, so the next run answers it. The binary tests drive the
//! real `ksilk run` with SIGTERM, in polling and in webhook mode (at TRACE, to
//! check that the webhook secret never reaches a log line).
//!
//! The metrics are process-wide (one Prometheus recorder), so the tests in
//! this binary run one at a time and compare before/after values.

mod support;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ksilk::lang::Lang;
use ksilk::telegram::{Http, Options};
use support::client::{self, metric};
use support::mock::{Fault, Mock, TOKEN};
use support::{PATIENCE, Running, engine, fast_options, fixtures};

async fn serial() -> tokio::sync::MutexGuard<'static, ()> {
    static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    TURN.lock().await
}

/// The bot polling `mock`, with `/healthz` and `/metrics` on a free port.
async fn polling_bot(mock: &Mock, options: Options) -> (Running, SocketAddr) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let polls = mock.polls_started();
    let running = Running::spawn_with(
        mock.bot(),
        engine(),
        options,
        Some(Http::metrics_only(listener)),
    );
    mock.wait_until("polling", PATIENCE, |m| m.polls_started() > polls)
        .await;
    (running, addr)
}

/// Waits until `/healthz` answers `status`.
async fn wait_health(addr: SocketAddr, status: u16) -> String {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let response = client::get(addr, "/healthz").await;
        if response.status == status {
            return response.body;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "/healthz stayed {} ({})",
            response.status,
            response.body
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_is_503_until_telegram_answers_and_while_its_calls_fail() {
    let _turn = serial().await;
    // getMe held up by a long flood wait: still starting.
    let mock = Mock::start().await;
    mock.inject("getMe", Fault::RetryAfter(30), 1);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let running = Running::spawn_with(
        mock.bot(),
        engine(),
        fast_options(),
        Some(Http::metrics_only(listener)),
    );
    mock.wait_until("the failed getMe", PATIENCE, |m| {
        !m.calls_to("getMe").is_empty()
    })
    .await;
    let response = client::get(addr, "/healthz").await;
    assert_eq!(
        (response.status, response.body.as_str()),
        (503, "starting\n")
    );
    running.stop().await;

    // Up and answered: 200. Then getUpdates fails: 503 until it recovers.
    let mock = Mock::start().await;
    let (running, addr) = polling_bot(&mock, fast_options()).await;
    wait_health(addr, 200).await;
    // (A dropped connection: teloxide waits 10 s before reading a 5xx.)
    mock.inject("getUpdates", Fault::Drop, 1_000_000);
    mock.push(fixtures::private_text(7000, "/pillars"));
    let why = wait_health(addr, 503).await;
    assert!(why.contains("Bot API call failed"), "{why}");
    mock.clear_faults();
    wait_health(addr, 200).await;
    mock.wait_sent(1, PATIENCE).await;
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_updates_replies_latency_errors_and_retries() {
    let _turn = serial().await;
    let mock = Mock::start().await;
    let (running, addr) = polling_bot(&mock, fast_options()).await;
    let before = client::get(addr, "/metrics").await.body;

    let questions = [
        (7100, "What are the four pillars?"),
        (7101, "Tell me about Kazakhstan"),
        (7102, "Какие четыре направления?"),
        (7103, "What's the weather in Paris?"),
    ];
    // One send is refused once with a 429 and sent again after the wait.
    mock.inject("sendMessage", Fault::RetryAfter(1), 1);
    for (chat, text) in questions {
        mock.push(fixtures::private_text(chat, text));
    }
    mock.push(fixtures::inline_query(7104, "pillars"));
    mock.wait_until("every answer", PATIENCE, |m| {
        m.sent().len() >= questions.len() && !m.calls_to("answerInlineQuery").is_empty()
    })
    .await;
    mock.wait_until("all confirmed", PATIENCE, |m| m.pending_updates() == 0)
        .await;
    let response = client::get(addr, "/metrics").await;
    assert!(
        response
            .header("content-type")
            .is_some_and(|t| t.starts_with("text/plain; version=0.0.4")),
        "{response:?}"
    );
    let after = response.body;
    let delta = |series: &str| metric(&after, series) - metric(&before, series);

    assert_eq!(delta(r#"ksilk_updates_total{kind="message"}"#), 4.0);
    assert_eq!(delta(r#"ksilk_updates_total{kind="inline_query"}"#), 1.0);
    // Replies by outcome and language, as the engine decides them.
    let mut expected = std::collections::HashMap::<String, f64>::new();
    for (_, text) in questions {
        let lang = ksilk::lang::choose(text, None, Some(Lang::En));
        let reply = engine().respond(text, lang);
        let outcome = format!("{:?}", reply.outcome).to_lowercase();
        *expected
            .entry(format!(
                r#"ksilk_replies_total{{outcome="{outcome}",lang="{}"}}"#,
                reply.lang.code()
            ))
            .or_default() += 1.0;
    }
    assert!(expected.len() >= 2, "the questions differ: {expected:?}");
    for (series, count) in &expected {
        assert_eq!(delta(series), *count, "{series}\n{after}");
    }
    // Four answers and one inline answer, each timed once.
    assert_eq!(delta("ksilk_reply_seconds_count"), 5.0, "{after}");
    assert!(
        after.contains("# TYPE ksilk_reply_seconds histogram"),
        "{after}"
    );
    assert!(after.contains(r#"ksilk_reply_seconds_bucket{le="+Inf"}"#));
    assert_eq!(
        delta(r#"ksilk_bot_api_errors_total{code="429"}"#),
        1.0,
        "{after}"
    );
    assert_eq!(delta("ksilk_retries_total"), 1.0);
    assert!(
        after.contains("# HELP ksilk_store_dropped_total"),
        "{after}"
    );
    assert!(
        after
            .lines()
            .any(|l| l.starts_with("ksilk_store_dropped_total ")),
        "described and shown even at 0: {after}"
    );
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_finishes_the_replies_in_flight() {
    let _turn = serial().await;
    let mock = Mock::start().await;
    let (running, _) = polling_bot(&mock, fast_options()).await;
    // Telegram is slow: each send takes a second.
    mock.delay("sendMessage", Duration::from_secs(1));
    for chat in 7200..7203 {
        mock.push(fixtures::private_text(chat, "/pillars"));
    }
    mock.wait_until("three sends in flight", PATIENCE, |m| {
        m.arrived("sendMessage") == 3
    })
    .await;
    assert!(mock.sent().is_empty(), "still in flight when stopping");
    running.stop().await;
    // All three arrived, and were confirmed only then.
    let sent = mock.sent();
    assert_eq!(sent.len(), 3, "{sent:#?}");
    assert_eq!(mock.pending_updates(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_update_whose_reply_was_never_sent_is_not_confirmed() {
    let _turn = serial().await;
    let mock = Mock::start().await;
    let options = Options {
        shutdown_grace: Duration::from_millis(500),
        ..fast_options()
    };
    let (first, _) = polling_bot(&mock, options).await;
    // Answered and confirmed.
    let answered = mock.push(fixtures::private_text(7300, "/pillars"));
    mock.wait_sent(1, PATIENCE).await;
    // This one's send hangs past the shutdown grace.
    mock.delay("sendMessage", Duration::from_secs(120));
    let stuck = mock.push(fixtures::private_text(7301, "/countries"));
    // Meanwhile another chat's update is handled (it has no send to make).
    mock.push(fixtures::poll());
    mock.wait_until("the hanging send", PATIENCE, |m| {
        m.arrived("sendMessage") == 2
    })
    .await;
    first.stop().await;
    assert!(mock.confirmed_below() > answered.update_id);
    assert_eq!(
        mock.confirmed_below(),
        stuck.update_id,
        "confirmed up to the unfinished update, not past it"
    );
    // The next run gets it again and answers it.
    mock.delay("sendMessage", Duration::ZERO);
    let (second, _) = polling_bot(&mock, fast_options()).await;
    mock.wait_until("the redelivered answer", PATIENCE, |m| {
        m.sent().iter().any(|s| s.chat_id == 7301)
    })
    .await;
    mock.wait_until("all confirmed", PATIENCE, |m| m.pending_updates() == 0)
        .await;
    second.stop().await;
    assert_eq!(
        mock.sent_to(7300).len(),
        1,
        "the answered one is not repeated"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_drains_replies_in_flight_on_sigterm_and_exits_0() {
    let _turn = serial().await;
    let mock = Mock::start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ksilk"))
        .arg("run")
        .current_dir(dir.path())
        .env_remove("KSILK_KB")
        .env_remove("KSILK_WEBHOOK_URL")
        .env("TELOXIDE_TOKEN", TOKEN)
        .env("TELOXIDE_API_URL", mock.url().as_str())
        .env("KSILK_METRICS_LISTEN", "127.0.0.1:0")
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = Arc::new(Mutex::new(Vec::<String>::new()));
    let pipe = child.stderr.take().unwrap();
    let sink = Arc::clone(&stderr);
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            sink.lock().unwrap().push(line);
        }
    });
    mock.wait_until("the binary to poll", PATIENCE, |m| m.polls_started() > 0)
        .await;
    mock.delay("sendMessage", Duration::from_millis(1500));
    for chat in 7400..7404 {
        mock.push(fixtures::private_text(chat, "Tell me about Kazakhstan"));
    }
    mock.wait_until("four sends in flight", PATIENCE, |m| {
        m.arrived("sendMessage") == 4
    })
    .await;
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = tokio::task::spawn_blocking(move || child.wait().unwrap())
        .await
        .unwrap();
    let lines = stderr.lock().unwrap().clone();
    assert!(status.success(), "exit {status:?}: {lines:#?}");
    assert_eq!(mock.sent().len(), 4, "no reply lost");
    assert_eq!(
        mock.pending_updates(),
        0,
        "all confirmed after the replies: {lines:#?}"
    );
    let has = |needle: &str| lines.iter().any(|l| l.contains(needle));
    assert!(has("listening on 127.0.0.1:"), "{lines:#?}");
    assert!(has("SIGTERM received"), "{lines:#?}");
    assert!(has("stopped @ksilk_test_bot cleanly"), "{lines:#?}");
}

#[test]
fn the_binary_refuses_webhook_mode_without_a_valid_secret() {
    let dir = tempfile::tempdir().unwrap();
    for secret in [None, Some("has spaces in it")] {
        let mut command = Command::new(env!("CARGO_BIN_EXE_ksilk"));
        command
            .arg("run")
            .current_dir(dir.path())
            .env_remove("KSILK_KB")
            .env_remove("KSILK_WEBHOOK_SECRET")
            .env("TELOXIDE_TOKEN", TOKEN)
            .env("KSILK_WEBHOOK_URL", "https://bot.example.org/tg")
            .stdin(Stdio::null());
        if let Some(secret) = secret {
            command.env("KSILK_WEBHOOK_SECRET", secret);
        }
        let output = command.output().unwrap();
        assert!(!output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(lines.len(), 1, "{lines:#?}");
        assert!(lines[0].contains("KSILK_WEBHOOK_SECRET"), "{}", lines[0]);
        assert!(lines[0].contains("1-256"), "{}", lines[0]);
        if let Some(secret) = secret {
            assert!(!lines[0].contains(secret), "{}", lines[0]);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chats_updates_are_answered_in_order_while_other_chats_run_alongside() {
    let _turn = serial().await;
    let mock = Mock::start().await;
    let (running, _) = polling_bot(&mock, fast_options()).await;
    // Every send takes a while, so concurrent handling would finish in any order.
    mock.delay("sendMessage", Duration::from_millis(300));
    let commands = ["/pillars", "/countries", "/about", "/summit"];
    for command in commands {
        mock.push(fixtures::private_text(7500, command));
    }
    // Another chat is not queued behind the first one.
    mock.push(fixtures::private_text(7501, "/pillars"));
    mock.wait_until("every answer", PATIENCE, |m| m.sent().len() >= 5)
        .await;
    let sent = mock.sent();
    let first_chat: Vec<usize> = sent
        .iter()
        .enumerate()
        .filter(|(_, s)| s.chat_id == 7500)
        .map(|(i, _)| i)
        .collect();
    let other = sent.iter().position(|s| s.chat_id == 7501).unwrap();
    assert!(other < first_chat[3], "chat 7501 waited for chat 7500");
    let expected: Vec<String> = ["pillars", "countries"]
        .iter()
        .map(|id| support::shown(&engine().answer_for(id, Lang::En).unwrap()))
        .collect();
    let texts: Vec<&str> = first_chat.iter().map(|&i| sent[i].text.as_str()).collect();
    assert_eq!(texts[..2], [expected[0].as_str(), expected[1].as_str()]);
    assert_eq!(
        texts[2],
        support::shown(&engine().about(Lang::En)),
        "in the order asked"
    );
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_serves_a_webhook_and_stops_on_sigterm() {
    let _turn = serial().await;
    let mock = Mock::start().await;
    let dir = tempfile::tempdir().unwrap();
    let secret = "binary-webhook-secret";
    let mut child = Command::new(env!("CARGO_BIN_EXE_ksilk"))
        .arg("run")
        .current_dir(dir.path())
        .env_remove("KSILK_KB")
        .env_remove("KSILK_METRICS_LISTEN")
        .env("TELOXIDE_TOKEN", TOKEN)
        .env("TELOXIDE_API_URL", mock.url().as_str())
        .env("KSILK_WEBHOOK_URL", "https://bot.example.org/tg")
        .env("KSILK_WEBHOOK_SECRET", secret)
        .env("KSILK_LISTEN", "127.0.0.1:0")
        .env("RUST_LOG", "trace")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = Arc::new(Mutex::new(Vec::<String>::new()));
    let pipe = child.stderr.take().unwrap();
    let sink = Arc::clone(&stderr);
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            sink.lock().unwrap().push(line);
        }
    });
    mock.wait_until("setWebhook", PATIENCE, |m| !m.webhook_url().is_empty())
        .await;
    let addr: SocketAddr = {
        let lines = stderr.lock().unwrap().clone();
        let line = lines
            .iter()
            .find(|l| l.contains("listening on"))
            .unwrap_or_else(|| panic!("{lines:#?}"));
        let after = line.split("listening on ").nth(1).unwrap();
        after.split_whitespace().next().unwrap().parse().unwrap()
    };
    wait_health(addr, 200).await;
    let (update, _) = mock.prepare(fixtures::private_text(7600, "/pillars"));
    let response = client::request(
        addr,
        "POST",
        "/tg",
        &[("X-Telegram-Bot-Api-Secret-Token", secret)],
        &update.to_string(),
    )
    .await
    .unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(mock.sent_to(7600).len(), 1, "answered before the 200");
    assert_eq!(mock.polls_started(), 0, "no polling in webhook mode");
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = tokio::task::spawn_blocking(move || child.wait().unwrap())
        .await
        .unwrap();
    let lines = stderr.lock().unwrap().clone();
    assert!(status.success(), "exit {status:?}: {lines:#?}");
    for line in &lines {
        assert!(!line.contains(secret), "secret printed: {line}");
    }
}
