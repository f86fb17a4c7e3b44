//! Throughput of the whole bot against the mock Bot API.
//!
//! 1,000 questions from 500 chats (two each) go through the production
//! dispatcher, handlers and engine, and the mock counts the replies:
//!
//! - flood limits relaxed: a plain `Bot`, and `Throttle<Bot>` with limits far
//!   above Telegram's, so the figure is the bot's own speed (replies/second);
//! - store on versus off: the plain `Bot` with and without the SQLite store
//!   (question log and pins) in a temporary directory, alternated three times;
//!   the figure is the ratio of the median rates (target: within noise of 1);
//! - flood limits enforced: production's `Throttle<Bot>` with Telegram's
//!   limits, and the mock answering `429` whenever a limit is exceeded. The
//!   figure is the share of Telegram's 30 messages/second that is reached
//!   (target at least 90%) and the number of 429s (target zero).
//!
//! The enforced run takes about 34 s (1,000 messages at 30/s). It is a bench
//! binary (`cargo bench --bench bot`), not a test: run without `--bench` (as
//! `cargo test --benches` does) it only does a small smoke run.

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use ksilk::store::StoreConfig;
use ksilk::telegram::Options;
use ksilk::telegram::delivery::RetryPolicy;
use support::mock::{FloodLimits, Mock};
use support::{Running, engine, fixtures};
use teloxide::adaptors::throttle::Limits;

/// Telegram's overall limit, messages per second.
const TELEGRAM_RATE: f64 = 30.0;

const QUESTIONS: &[&str] = &[
    "What are the four pillars?",
    "Tell me about Kazakhstan",
    "kyrgystan",
    "When was the Korea-Central Asia summit?",
    "What is the K-Silk Road initiative?",
    "Which countries are part of it?",
    "What about energy and critical minerals?",
    "How much ODA will Korea give?",
    "What's the weather in Paris?",
    "/pillars",
    "/country uzbekistan",
    "/start",
];

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Plain,
    PlainStore,
    ThrottleRelaxed,
    ThrottleEnforced,
}

struct Figures {
    replies: usize,
    /// From the first push to the last reply.
    total: Duration,
    /// From the first reply to the last: the sustained rate's window.
    sustained: Duration,
    peak_per_second: usize,
    rejections: usize,
    /// Store entries dropped (queue full or a failed write).
    store_dropped: u64,
}

impl Figures {
    fn end_to_end_rate(&self) -> f64 {
        self.replies as f64 / self.total.as_secs_f64()
    }

    fn sustained_rate(&self) -> f64 {
        (self.replies - 1) as f64 / self.sustained.as_secs_f64()
    }
}

async fn run(mode: Mode, questions: usize, chats: usize) -> Figures {
    let mock = Mock::start().await;
    let options = Options {
        retry: RetryPolicy::default(),
        ..support::fast_options()
    };
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut store = None;
    let running = match mode {
        Mode::Plain => Running::start(&mock, engine(), options).await,
        Mode::PlainStore => {
            let config = StoreConfig::at(dir.path().join("ksilk.db"));
            store = ksilk::store::open(&config).expect("store settings");
            assert!(store.is_some(), "the store opens");
            Running::start_with_store(&mock, engine(), options, store.clone()).await
        }
        Mode::ThrottleRelaxed => {
            let relaxed = Limits {
                messages_per_sec_chat: 10_000,
                messages_per_min_chat: 100_000,
                messages_per_min_channel_or_supergroup: 100_000,
                messages_per_sec_overall: 10_000,
            };
            let bot = ksilk::telegram::throttled(mock.bot(), relaxed);
            Running::start_on(&mock, bot, engine(), options).await
        }
        Mode::ThrottleEnforced => {
            mock.set_flood_limits(FloodLimits::default());
            Running::start_throttled(&mock, engine(), options).await
        }
    };
    let begun = Instant::now();
    for i in 0..questions {
        let chat = 100_000 + (i % chats) as i64;
        mock.push(fixtures::private_text(chat, QUESTIONS[i % QUESTIONS.len()]));
    }
    mock.wait_until("every reply", Duration::from_secs(300), |m| {
        m.sent().len() >= questions
    })
    .await;
    let total = begun.elapsed();
    let sent = mock.sent();
    let first = sent.iter().map(|s| s.at).min().unwrap();
    let last = sent.iter().map(|s| s.at).max().unwrap();
    let mut per_second = vec![0usize; (last - first).as_secs() as usize + 1];
    for s in &sent {
        per_second[(s.at - first).as_secs() as usize] += 1;
    }
    running.stop().await;
    let store_dropped = store.as_ref().map_or(0, |s| s.dropped());
    if let Some(store) = store {
        store.close(Duration::from_secs(10));
    }
    let refused: Vec<_> = mock
        .rejected()
        .into_iter()
        .filter(|c| !matches!(c.outcome, support::mock::Outcome::Rejected(429, _)))
        .take(3)
        .collect();
    assert!(
        refused.is_empty(),
        "Telegram would have refused: {refused:#?}"
    );
    Figures {
        replies: sent.len(),
        total,
        sustained: last - first,
        peak_per_second: per_second.into_iter().max().unwrap_or(0),
        rejections: mock.flood_rejections(),
        store_dropped,
    }
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let (questions, chats) = if full { (1000, 500) } else { (60, 30) };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("bot throughput: {questions} questions from {chats} chats, {cores} cores");
    if !full {
        println!("  (smoke run without --bench: too small for meaningful figures)");
    }
    runtime.block_on(async {
        for (mode, name) in [
            (Mode::Plain, "flood limits relaxed, plain Bot"),
            (Mode::ThrottleRelaxed, "flood limits relaxed, Throttle<Bot> with high limits"),
        ] {
            let f = run(mode, questions, chats).await;
            println!(
                "  {name}: {} replies in {:.2} s = {:.0} replies/s",
                f.replies,
                f.total.as_secs_f64(),
                f.end_to_end_rate()
            );
        }
        let (mut off, mut on) = (Vec::new(), Vec::new());
        let mut dropped = 0;
        for _ in 0..3 {
            off.push(run(Mode::Plain, questions, chats).await.end_to_end_rate());
            let f = run(Mode::PlainStore, questions, chats).await;
            dropped += f.store_dropped;
            on.push(f.end_to_end_rate());
        }
        let median = |v: &mut Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        let (off, on) = (median(&mut off), median(&mut on));
        println!(
            "  store off vs on (plain Bot, median of 3 alternated runs): {off:.0} vs {on:.0} replies/s, \
             ratio on/off {:.2}; {dropped} store entries dropped",
            on / off
        );
        let f = run(Mode::ThrottleEnforced, questions, chats).await;
        println!(
            "  flood limits enforced, Throttle<Bot> with Telegram's limits: {} replies in {:.2} s; \
             sustained {:.1} msg/s = {:.1}% of Telegram's 30 msg/s; peak {} in one second; {} x 429",
            f.replies,
            f.total.as_secs_f64(),
            f.sustained_rate(),
            100.0 * f.sustained_rate() / TELEGRAM_RATE,
            f.peak_per_second,
            f.rejections
        );
        if full {
            let share = f.sustained_rate() / TELEGRAM_RATE;
            if share < 0.9 || f.rejections > 0 {
                println!("  BELOW TARGET (>= 90% of 30 msg/s with zero 429s)");
            }
        }
    });
}
