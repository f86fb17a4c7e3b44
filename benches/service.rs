//! CPU use of one bot at Telegram's per-bot cap of 30 messages per second.
//!
//! The real `ksilk run` binary (release build under `cargo bench`) runs as a
//! child process against the mock Bot API in this process, with production
//! settings: `Throttle<Bot>` with Telegram's limits, the default log filter
//! (one info line per question), `/metrics` enabled. The mock feeds it 30
//! questions per second from 600 chats (so no chat passes 1 message/s) for
//! 20 s, and the figure is the child's CPU time (utime + stime from
//! `/proc/<pid>/stat`) over the wall time from the first question to the last
//! reply, as a share of one core. Three runs; the median is reported. The
//! mock's own CPU is not counted: it is another process.
//!
//! `cargo bench --bench service` for the figures; without `--bench` (as
//! `cargo test --benches` runs it) it only does a 2-second smoke run.

#[path = "../tests/support/mod.rs"]
mod support;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use support::fixtures;
use support::mock::{Mock, TOKEN};

/// Telegram's overall limit for one bot, messages per second.
const RATE: u32 = 30;
const CHATS: i64 = 600;
/// Target: under 5% of one core.
const TARGET: f64 = 0.05;

const QUESTIONS: &[&str] = &[
    "What are the four pillars?",
    "Tell me about Kazakhstan",
    "kyrgystan",
    "When was the Korea-Central Asia summit?",
    "What is the K-Silk Road initiative?",
    "Какие четыре направления?",
    "카자흐스탄과는 어떤 분야에서 협력하나요?",
    "What's the weather in Paris?",
    "/pillars",
    "/country uzbekistan",
];

/// CPU seconds (user + system) a process has used so far.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("/proc/<pid>/stat");
    // Fields after the command name (which is in parentheses and may hold
    // spaces): state is field 3, utime 14, stime 15.
    let rest = &stat[stat.rfind(')').expect("stat format") + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    // USER_HZ is 100 on Linux for every architecture that matters here.
    ticks / 100.0
}

fn spawn_bot(mock: &Mock, dir: &std::path::Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_ksilk"))
        .arg("run")
        .current_dir(dir)
        .env_remove("RUST_LOG")
        .env_remove("KSILK_KB")
        .env_remove("KSILK_WEBHOOK_URL")
        .env("TELOXIDE_TOKEN", TOKEN)
        .env("TELOXIDE_API_URL", mock.url().as_str())
        .env("KSILK_METRICS_LISTEN", "127.0.0.1:0")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn ksilk")
}

/// One run: returns (CPU share of one core, replies, wall seconds).
async fn run(seconds: u32) -> (f64, usize, f64) {
    let mock = Mock::start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut child = spawn_bot(&mock, dir.path());
    mock.wait_until("the bot to poll", Duration::from_secs(30), |m| {
        m.polls_started() > 0
    })
    .await;
    // Start-up (index building, menus) is not what is measured.
    let cpu_before = cpu_seconds(child.id());
    let begun = Instant::now();
    let total = (RATE * seconds) as usize;
    let mut tick = tokio::time::interval(Duration::from_secs(1) / RATE);
    for n in 0..total {
        tick.tick().await;
        let chat = 9_000_000 + (n as i64 % CHATS);
        mock.push(fixtures::private_text(chat, QUESTIONS[n % QUESTIONS.len()]));
    }
    mock.wait_until("every reply", Duration::from_secs(120), |m| {
        m.sent().len() >= total
    })
    .await;
    let wall = begun.elapsed().as_secs_f64();
    let cpu = cpu_seconds(child.id()) - cpu_before;
    let replies = mock.sent().len();
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
    (cpu / wall, replies, wall)
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let (runs, seconds) = if full { (3, 20) } else { (1, 2) };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "service CPU at {RATE} msg/s: {runs} run(s) of {seconds} s, release binary, {cores} cores"
    );
    if !full {
        println!("  (smoke run without --bench: too short for a meaningful figure)");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut shares = runtime.block_on(async {
        let mut shares = Vec::new();
        for i in 0..runs {
            let (share, replies, wall) = run(seconds).await;
            println!(
                "  run {}: {replies} replies in {wall:.1} s, CPU {:.2}% of one core",
                i + 1,
                share * 100.0
            );
            shares.push(share);
        }
        shares
    });
    shares.sort_by(f64::total_cmp);
    let median = shares[shares.len() / 2];
    println!(
        "  median CPU: {:.2}% of one core (target < {:.0}%){}",
        median * 100.0,
        TARGET * 100.0,
        if full && median >= TARGET {
            "  ABOVE TARGET"
        } else {
            ""
        }
    );
}
