//! Robustness against the real API: injected faults lose no reply, flood
//! limits are respected, a restart neither repeats nor skips updates, shutdown
//! is prompt, and the blocking production entry point (`run_with`, with
//! `Throttle<Bot>` and its own runtime) starts, answers, stops and explains
//! startup failures.

mod support;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use ksilk::lang::Lang;
use ksilk::telegram::{Options, Settings, StartError, run_with};
use support::mock::{Fault, FloodLimits, Mock, Outcome as CallOutcome, TOKEN};
use support::{PATIENCE, Running, engine, fast_options, fixtures, shown};

/// How many successful sends each chat received.
fn answers_per_chat(mock: &Mock) -> HashMap<i64, usize> {
    let mut counts = HashMap::new();
    for sent in mock.sent() {
        *counts.entry(sent.chat_id).or_default() += 1;
    }
    counts
}

fn faulted(mock: &Mock) -> usize {
    mock.calls()
        .iter()
        .filter(|c| matches!(c.outcome, CallOutcome::Faulted(_)))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transient_faults_lose_no_reply() {
    let mock = Mock::start().await;
    // Polling itself fails twice before the bot's first successful poll.
    // (No 5xx here: teloxide sleeps 10 s before reading any 5xx body.)
    mock.inject("getUpdates", Fault::Drop, 1);
    mock.inject("getUpdates", Fault::RetryAfter(1), 1);
    let running = Running::start(&mock, engine(), fast_options()).await;
    mock.inject("sendMessage", Fault::RetryAfter(1), 1);
    mock.inject("sendMessage", Fault::Drop, 2);
    mock.inject("sendMessage", Fault::BadGateway, 1);
    // teloxide pauses 10 s before reading any 5xx body, so one of each is
    // enough; they run concurrently with everything else.
    mock.inject("sendMessage", Fault::ServerError, 1);
    mock.inject("answerCallbackQuery", Fault::Drop, 1);
    mock.inject("answerInlineQuery", Fault::BadGateway, 1);
    let injected = 2 + 5 + 1 + 1;

    let chats: Vec<i64> = (3000..3010).collect();
    for &chat in &chats {
        mock.push(fixtures::private_text(chat, "What are the four pillars?"));
    }
    let msg = serde_json::json!({
        "message_id": 1, "date": 1_718_000_000,
        "chat": fixtures::private_chat(3100), "from": fixtures::bot_user(), "text": "Pick one"
    });
    mock.push(fixtures::private_text(3100, "hello"));
    mock.push(fixtures::callback(3100, msg, "a1:kazakhstan"));
    mock.push(fixtures::inline_query(3100, "kazakhstan"));

    mock.wait_until(
        "every reply despite the faults",
        Duration::from_secs(30),
        |m| {
            let counts = answers_per_chat(m);
            chats.iter().all(|c| counts.get(c) == Some(&1))
                && counts.get(&3100) == Some(&2)
                && m.calls_to("answerInlineQuery")
                    .iter()
                    .any(|c| c.outcome == CallOutcome::Ok)
                && m.calls_to("answerCallbackQuery")
                    .iter()
                    .any(|c| c.outcome == CallOutcome::Ok)
        },
    )
    .await;
    assert_eq!(faulted(&mock), injected, "every injected fault was hit");
    let expected = shown(&engine().respond("What are the four pillars?", Lang::En));
    for &chat in &chats {
        assert_eq!(mock.sent_to(chat)[0].text, expected);
    }
    assert_eq!(
        mock.sent_to(3100)
            .iter()
            .filter(|s| s.text == shown(&engine().answer_for("kazakhstan", Lang::En).unwrap()))
            .count(),
        1,
        "the button answer arrived once"
    );
    assert!(mock.rejected().is_empty(), "{:#?}", mock.rejected());
    running.stop().await;
    // No duplicates appeared late either.
    assert_eq!(mock.sent().len(), chats.len() + 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttle_waits_out_retry_after() {
    let mock = Mock::start().await;
    let _running = Running::start_throttled(&mock, engine(), fast_options()).await;
    mock.inject("sendMessage", Fault::RetryAfter(2), 1);
    mock.push(fixtures::private_text(3200, "/pillars"));
    mock.wait_sent(1, PATIENCE).await;
    let sends = mock.calls_to("sendMessage");
    assert_eq!(sends.len(), 2, "one 429, then one successful send");
    assert_eq!(sends[0].outcome, CallOutcome::Faulted(Fault::RetryAfter(2)));
    assert_eq!(sends[1].outcome, CallOutcome::Ok);
    let waited = sends[1].at - sends[0].at;
    assert!(
        waited >= Duration::from_millis(1900),
        "waited only {waited:?}"
    );
    assert_eq!(
        mock.sent()[0].text,
        shown(&engine().answer_for("pillars", Lang::En).unwrap())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttle_keeps_within_flood_limits() {
    // Unthrottled, the same kind of burst does get 429s from the mock, so the
    // zero below is earned.
    let unthrottled = Mock::start().await;
    unthrottled.set_flood_limits(FloodLimits::default());
    let plain = Running::start(&unthrottled, engine(), fast_options()).await;
    for chat in 3300..3340 {
        unthrottled.push(fixtures::private_text(chat, "Kazakhstan"));
    }
    unthrottled
        .wait_until("all answered", PATIENCE, |m| m.sent().len() == 40)
        .await;
    assert!(unthrottled.flood_rejections() > 0, "the mock enforces 30/s");
    plain.stop().await;

    let mock = Mock::start().await;
    mock.set_flood_limits(FloodLimits::default());
    let _running = Running::start_throttled(&mock, engine(), fast_options()).await;
    // A burst over the overall limit (40 chats at once), one chat asking three
    // times in a row, and a group asking twice.
    for chat in 3300..3340 {
        mock.push(fixtures::private_text(chat, "Kazakhstan"));
    }
    for _ in 0..3 {
        mock.push(fixtures::private_text(3400, "Kyrgyzstan"));
    }
    for _ in 0..2 {
        mock.push(fixtures::group_text(-1_001_000_000_001, 7, "/summit"));
    }
    let total = 45;
    let begun = Instant::now();
    mock.wait_until("all answered", Duration::from_secs(20), |m| {
        m.sent().len() == total
    })
    .await;
    assert_eq!(
        mock.flood_rejections(),
        0,
        "Telegram would have answered 429"
    );
    // The burst cannot go faster than 30/s, and one chat gets 1/s.
    assert!(
        begun.elapsed() >= Duration::from_millis(1500),
        "{:?}",
        begun.elapsed()
    );
    let same_chat: Vec<Instant> = mock.sent_to(3400).iter().map(|s| s.at).collect();
    for pair in same_chat.windows(2) {
        assert!(
            pair[1] - pair[0] >= Duration::from_millis(900),
            "{:?}",
            pair[1] - pair[0]
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_neither_repeats_nor_skips() {
    let mock = Mock::start().await;
    let first = Running::start(&mock, engine(), fast_options()).await;
    let mut last = 0;
    for chat in 3500..3503 {
        last = mock
            .push(fixtures::private_text(chat, "What are the four pillars?"))
            .update_id;
    }
    mock.wait_sent(3, PATIENCE).await;
    first.stop().await;
    assert!(
        mock.confirmed_below() > last,
        "shutdown confirmed the handled updates ({} <= {last})",
        mock.confirmed_below()
    );
    // Questions that arrive while the bot is down.
    for chat in 3503..3505 {
        mock.push(fixtures::private_text(chat, "Tell me about Kazakhstan"));
    }
    let second = Running::start(&mock, engine(), fast_options()).await;
    mock.wait_sent(5, PATIENCE).await;
    // Let a duplicate, if any, arrive before counting.
    tokio::time::sleep(Duration::from_millis(200)).await;
    second.stop().await;
    let counts = answers_per_chat(&mock);
    for chat in 3500..3505 {
        assert_eq!(counts.get(&chat), Some(&1), "chat {chat}: {counts:?}");
    }
    assert_eq!(mock.sent().len(), 5);
    assert_eq!(mock.pending_updates(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_is_prompt_even_mid_poll_or_mid_retry() {
    // Mid long poll, with the production 10 s polling timeout.
    let mock = Mock::start().await;
    let options = Options {
        polling_timeout: Duration::from_secs(10),
        ..fast_options()
    };
    let running = Running::start(&mock, engine(), options.clone()).await;
    let took = running.stop().await;
    // Far below the 10 s poll: the long poll is dropped, not waited out.
    assert!(took < Duration::from_secs(3), "idle shutdown took {took:?}");

    // Mid retry: the handler is waiting out a 30 s retry_after.
    let mock = Mock::start().await;
    let running = Running::start(&mock, engine(), options).await;
    mock.inject("sendMessage", Fault::RetryAfter(30), 1);
    mock.push(fixtures::private_text(3600, "/pillars"));
    mock.wait_until("the 429", PATIENCE, |m| {
        !m.calls_to("sendMessage").is_empty()
    })
    .await;
    let took = running.stop().await;
    assert!(took < Duration::from_secs(5), "shutdown took {took:?}");
    assert!(
        took >= Duration::from_secs(3),
        "it waited for the handler first: {took:?}"
    );
}

/// Runs the blocking production entry point on a thread.
fn spawn_run_with(
    settings: Settings,
    options: Options,
) -> (
    tokio::sync::oneshot::Sender<()>,
    std::thread::JoinHandle<Result<(), StartError>>,
) {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::spawn(move || {
        run_with(settings, engine(), options, async {
            let _ = stopped.await;
        })
    });
    (stop, thread)
}

fn settings_for(url: &str) -> Settings {
    let url = url.to_owned();
    Settings::from_lookup(move |name| match name {
        "TELOXIDE_TOKEN" => Some(TOKEN.to_owned()),
        "TELOXIDE_API_URL" => Some(url.clone()),
        _ => None,
    })
    .expect("valid settings")
}

async fn join(thread: std::thread::JoinHandle<Result<(), StartError>>) -> Result<(), StartError> {
    tokio::task::spawn_blocking(move || thread.join().expect("run_with does not panic"))
        .await
        .expect("join")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn production_entry_point_answers_and_stops() {
    let mock = Mock::start().await;
    let (stop, thread) = spawn_run_with(settings_for(mock.url().as_str()), fast_options());
    mock.push(fixtures::private_text(3700, "/countries"));
    mock.wait_sent(1, PATIENCE).await;
    assert_eq!(
        mock.sent()[0].text,
        shown(&engine().answer_for("countries", Lang::En).unwrap())
    );
    let begun = Instant::now();
    stop.send(()).expect("the bot is running");
    join(thread).await.expect("clean exit");
    assert!(
        begun.elapsed() < Duration::from_secs(5),
        "{:?}",
        begun.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn startup_failures_are_one_clear_line() {
    // A token Telegram rejects.
    let mock = Mock::start().await;
    mock.reject_token();
    let (_stop, thread) = spawn_run_with(settings_for(mock.url().as_str()), fast_options());
    let err = join(thread).await.unwrap_err();
    assert!(matches!(err, StartError::Unauthorized), "{err:?}");
    let line = err.to_string();
    assert!(line.contains("401") && line.contains("@BotFather") && line.contains("ksilk chat"));
    assert!(!line.contains(TOKEN.split(':').nth(1).unwrap()));
    assert_eq!(mock.calls_to("getMe").len(), 1, "a 401 is not retried");

    // No server at all: retried, then reported without the token.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", closed.local_addr().unwrap());
    drop(closed);
    let (_stop, thread) = spawn_run_with(settings_for(&url), fast_options());
    let err = join(thread).await.unwrap_err();
    assert!(matches!(err, StartError::Unreachable(_)), "{err:?}");
    let line = err.to_string();
    assert!(line.contains("could not connect"), "{line}");
    assert!(!line.contains(TOKEN.split(':').nth(1).unwrap()), "{line}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_instance_causes_conflicts_not_crashes() {
    let mock = Mock::start().await;
    let first = Running::start(&mock, engine(), fast_options()).await;
    let second = Running::start(&mock, engine(), fast_options()).await;
    mock.wait_until("a 409 conflict", PATIENCE, |m| m.conflicts() > 0)
        .await;
    second.stop().await;
    // The first instance carries on and answers once the other is gone.
    mock.push(fixtures::private_text(3800, "/pillars"));
    mock.wait_sent(1, PATIENCE).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(mock.sent().len(), 1);
    first.stop().await;
}
