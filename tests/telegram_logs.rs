//! What the bot logs: every question with its outcome and no user data, odd
//! updates without warnings, and never the token, at any level, from any
//! crate, even when requests fail with errors that carry the token-bearing URL.
//!
//! A capturing logger at TRACE level is installed for this whole test binary
//! (loggers are process-global), records silently, and the tests run one at a
//! time so each can attribute the lines it inspects.

mod support;

use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use ksilk::telegram::StartError;
use ksilk::telegram::redact::describe;
use support::mock::{Fault, Mock, TOKEN};
use support::{PATIENCE, Running, engine, fast_options, fixtures};
use teloxide::prelude::Requester;

/// The secret half of the mock token: what must never be seen.
fn secret() -> &'static str {
    TOKEN.split_once(':').unwrap().1
}

struct Capture {
    lines: Mutex<Vec<(log::Level, String, String)>>,
}

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        let line = record.args().to_string();
        self.lines.lock().unwrap_or_else(|e| e.into_inner()).push((
            record.level(),
            record.target().to_owned(),
            line,
        ));
    }

    fn flush(&self) {}
}

fn capture() -> &'static Capture {
    static CAPTURE: OnceLock<&'static Capture> = OnceLock::new();
    CAPTURE.get_or_init(|| {
        let capture: &'static Capture = Box::leak(Box::new(Capture {
            lines: Mutex::new(Vec::new()),
        }));
        log::set_logger(capture).expect("no other logger in this binary");
        log::set_max_level(log::LevelFilter::Trace);
        capture
    })
}

fn lines() -> Vec<(log::Level, String, String)> {
    capture()
        .lines
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone()
}

/// Tests here share the logger, so they take turns. (An async mutex: the
/// turn is held across awaits, and a failed test must not poison it.)
async fn serial() -> tokio::sync::MutexGuard<'static, ()> {
    static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    SERIAL.lock().await
}

fn assert_no_secret(lines: &[(log::Level, String, String)]) {
    let encoded = secret().replace('-', "%2D");
    for (level, target, line) in lines {
        assert!(
            !line.contains(secret()) && !line.contains(&encoded),
            "token in a {level} line from {target}: {line}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_never_reaches_a_log_line_or_an_error() {
    let _turn = serial().await;
    capture();
    let mark = lines().len();

    // teloxide already swaps the token in reqwest errors' URLs for
    // "token:redacted"; check that it still does, and that our own one-line
    // description adds nothing back.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_url = url::Url::parse(&format!("http://{}/", closed.local_addr().unwrap())).unwrap();
    drop(closed);
    let offline = teloxide::Bot::new(TOKEN).set_api_url(closed_url.clone());
    let raw = offline.get_me().await.unwrap_err();
    assert!(!format!("{raw} {raw:?}").contains(secret()), "{raw:?}");
    assert!(!describe(&raw).contains(secret()), "{}", describe(&raw));

    // A running bot hit by dropped connections and proxy errors everywhere.
    let mock = Mock::start().await;
    mock.inject("getUpdates", Fault::Drop, 2);
    let running = Running::start(&mock, engine(), fast_options()).await;
    mock.inject("sendMessage", Fault::Drop, 3);
    mock.inject("answerInlineQuery", Fault::Drop, 1);
    mock.inject("answerCallbackQuery", Fault::Drop, 1);
    mock.push(fixtures::private_text(4000, "What are the four pillars?"));
    mock.push(fixtures::inline_query(4000, "kazakhstan"));
    let msg = serde_json::json!({
        "message_id": 1, "date": 1_718_000_000,
        "chat": fixtures::private_chat(4000), "from": fixtures::bot_user(), "text": "x"
    });
    mock.push(fixtures::callback(4000, msg, "a1:pillars"));
    mock.wait_until("answers despite drops", PATIENCE, |m| {
        m.sent().len() == 2 && m.calls_to("answerInlineQuery").len() == 2
    })
    .await;
    running.stop().await;

    // Startup failures: a rejected token and no server at all.
    let rejecting = Mock::start().await;
    rejecting.reject_token();
    let err = Running::spawn(rejecting.bot(), engine(), fast_options())
        .outcome()
        .await
        .unwrap_err();
    assert!(matches!(err, StartError::Unauthorized));
    let err = Running::spawn(offline, engine(), fast_options())
        .outcome()
        .await
        .unwrap_err();
    assert!(!format!("{err} {err:?}").contains(secret()), "{err}");

    let seen = lines()[mark..].to_vec();
    assert_no_secret(&seen);
    // The failures were logged (so the scan above looked at them) ...
    let retries = seen
        .iter()
        .filter(|(level, _, line)| *level == log::Level::Warn && line.contains("network error"))
        .count();
    assert!(retries >= 5, "expected retry warnings, got {retries}");
    assert!(
        seen.iter()
            .any(|(_, _, l)| l.starts_with("getUpdates failed"))
    );
    // ... and TRACE output from the HTTP stack was captured too.
    assert!(seen.iter().any(|(level, _, _)| *level == log::Level::Trace));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn questions_are_logged_with_outcome_and_no_user_data() {
    let _turn = serial().await;
    capture();
    let mark = lines().len();
    let (mock, running) = support::bot_with_engine().await;
    let user = 987_654_321;
    mock.push(fixtures::private_text(user, "Tell me about Kazakhstan"));
    mock.push(fixtures::group_text(-1_001_234_567_890, user, "/pillars"));
    mock.push(fixtures::private_text(
        user,
        "What is the price of zebracorn?",
    ));
    mock.push(fixtures::inline_query(user, "kazakhstan"));
    mock.wait_until("answers", PATIENCE, |m| {
        m.sent().len() == 3 && m.calls_to("answerInlineQuery").len() == 1
    })
    .await;
    running.stop().await;
    let seen = lines()[mark..].to_vec();
    let info: Vec<&String> = seen
        .iter()
        .filter(|(level, target, _)| *level == log::Level::Info && target.starts_with("ksilk"))
        .map(|(_, _, line)| line)
        .collect();
    let expect = |prefix: &str| {
        assert!(
            info.iter()
                .any(|l| l.starts_with(prefix) && l.contains(" score=")),
            "no line starting {prefix:?} in {info:#?}"
        )
    };
    assert!(
        info.iter()
            .any(|l| l.starts_with("ready as @ksilk_test_bot ("))
    );
    expect("question in private chat: lang=en outcome=answer intent=kazakhstan");
    expect("command /pillars in supergroup chat: lang=en outcome=answer intent=pillars");
    expect("question in private chat: lang=en outcome=fallback intent=-");
    expect("inline query: results=");
    assert!(
        !info
            .iter()
            .any(|l| l.starts_with("inline query: results=0"))
    );
    // Nothing about who asked or what they typed, at any level.
    for (level, target, line) in &seen {
        for private in ["zebracorn", "987654321", "Aigerim", "Timur"] {
            assert!(
                !line.contains(private),
                "{level} {target} leaks {private:?}: {line}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn odd_updates_are_handled_without_warnings() {
    let _turn = serial().await;
    capture();
    let (mock, running) = support::bot_with_engine().await;
    let mark = lines().len();
    let group = -1_001_234_567_890;
    for update in [
        fixtures::edited_private_text(4100, 1, "edited"),
        fixtures::channel_post(-1_009_999_999_999, "news"),
        fixtures::poll(),
        fixtures::my_chat_member(group, 4100),
        fixtures::new_members(group, 4100, 4101),
        fixtures::group_text(group, 4100, "chatter"),
        fixtures::unknown_kind(),
    ] {
        mock.push(update);
    }
    mock.push(fixtures::private_text(4100, "/pillars"));
    mock.wait_sent(1, PATIENCE).await;
    mock.wait_until("all confirmed", PATIENCE, |m| m.pending_updates() == 0)
        .await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    running.stop().await;
    let seen = lines()[mark..].to_vec();
    let loud: Vec<_> = seen
        .iter()
        .filter(|(level, _, _)| *level <= log::Level::Warn)
        .collect();
    assert!(loud.is_empty(), "odd updates made noise: {loud:#?}");
    assert!(
        seen.iter()
            .any(|(level, _, l)| *level == log::Level::Debug && l.contains("does not know")),
        "the unknown kind is noted at debug level"
    );
    assert!(seen.iter().any(|(_, _, l)| l.contains("(poll)")));
}
