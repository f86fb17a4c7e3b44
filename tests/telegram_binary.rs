//! The real `ksilk` binary against the mock Bot API: the token checks a user
//! meets first, answering through the production stack (`Throttle<Bot>`,
//! env_logger at TRACE), and a graceful stop on SIGTERM and Ctrl-C (SIGINT)
//! within five seconds, with the token absent from everything it printed.

mod support;

use ksilk::lang::Lang;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use support::mock::{Fault, Mock, TOKEN};
use support::{PATIENCE, engine, fixtures, shown};

const BIN: &str = env!("CARGO_BIN_EXE_ksilk");

fn secret() -> &'static str {
    TOKEN.split_once(':').unwrap().1
}

/// `ksilk` in an empty directory (no stray `.env`) with a clean environment.
fn ksilk(dir: &Path) -> Command {
    let mut command = Command::new(BIN);
    command
        .current_dir(dir)
        .env_remove("TELOXIDE_TOKEN")
        .env_remove("TELOXIDE_API_URL")
        .env_remove("KSILK_KB")
        .env_remove("RUST_LOG")
        .stdin(Stdio::null());
    command
}

fn stderr_lines(output: &Output) -> Vec<String> {
    String::from_utf8_lossy(&output.stderr)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .collect()
}

fn assert_one_clear_line(output: &Output, expect: &str) {
    assert!(!output.status.success(), "must fail: {output:?}");
    let lines = stderr_lines(output);
    assert_eq!(lines.len(), 1, "one line, got {lines:#?}");
    let line = &lines[0];
    for needle in [expect, "@BotFather", "ksilk chat"] {
        assert!(line.contains(needle), "{line:?} lacks {needle:?}");
    }
    assert!(!line.contains(secret()));
}

#[test]
fn a_missing_or_malformed_token_is_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let output = ksilk(dir.path()).arg("run").output().unwrap();
    assert_one_clear_line(&output, "TELOXIDE_TOKEN is not set");
    // Plain `ksilk` runs the bot too.
    let output = ksilk(dir.path()).output().unwrap();
    assert_one_clear_line(&output, "TELOXIDE_TOKEN is not set");
    for bad in [
        "123456789:replace-with-your-token",
        "hello",
        &format!("bot{TOKEN}"),
    ] {
        let output = ksilk(dir.path())
            .arg("run")
            .env("TELOXIDE_TOKEN", bad)
            .output()
            .unwrap();
        assert_one_clear_line(&output, "does not look like a bot token");
    }
    // From .env in the working directory, as the README tells users.
    std::fs::write(
        dir.path().join(".env"),
        "TELOXIDE_TOKEN=123456789:replace-with-your-token\n",
    )
    .unwrap();
    let output = ksilk(dir.path()).arg("run").output().unwrap();
    assert_one_clear_line(&output, "does not look like a bot token");
}

/// A running `ksilk run` whose stderr is collected line by line.
struct Bot {
    child: Child,
    stderr: Arc<Mutex<Vec<String>>>,
}

impl Bot {
    fn spawn(dir: &Path, mock: &Mock) -> Bot {
        let mut child = ksilk(dir)
            .arg("run")
            .env("TELOXIDE_TOKEN", TOKEN)
            .env("TELOXIDE_API_URL", mock.url().as_str())
            .env("RUST_LOG", "trace")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let pipe = child.stderr.take().unwrap();
        let sink = Arc::clone(&stderr);
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        Bot { child, stderr }
    }

    fn stderr(&self) -> Vec<String> {
        self.stderr.lock().unwrap().clone()
    }

    /// Sends `signal` and waits for the exit; returns how long it took.
    async fn stop(&mut self, signal: &str) -> Duration {
        let begun = Instant::now();
        let sent = Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "exit status {status:?}");
                return begun.elapsed();
            }
            assert!(
                begun.elapsed() < Duration::from_secs(15),
                "the bot did not stop"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Bot {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_answers_and_stops_gracefully_on_sigterm_and_ctrl_c() {
    let dir = tempfile::tempdir().unwrap();
    for (signal, said) in [("-TERM", "SIGTERM received"), ("-INT", "Ctrl-C received")] {
        let mock = Mock::start().await;
        let mut bot = Bot::spawn(dir.path(), &mock);
        mock.wait_until("the binary to poll", PATIENCE, |m| m.polls_started() > 0)
            .await;
        mock.push(fixtures::private_text(5000, "/pillars"));
        mock.wait_sent(1, PATIENCE).await;
        // A dropped connection on the way is retried.
        mock.inject("sendMessage", Fault::Drop, 1);
        mock.push(fixtures::private_text(5000, "Tell me about Kazakhstan"));
        mock.wait_sent(2, PATIENCE).await;
        let sent = mock.sent();
        assert_eq!(
            sent[0].text,
            shown(&engine().answer_for("pillars", Lang::En).unwrap())
        );
        assert_eq!(
            sent[1].text,
            shown(&engine().respond("Tell me about Kazakhstan", Lang::En))
        );

        let took = bot.stop(signal).await;
        assert!(took < Duration::from_secs(5), "{signal} stop took {took:?}");
        // The last getUpdates confirmed both questions before exiting.
        assert_eq!(mock.pending_updates(), 0);
        let stderr = bot.stderr();
        let has = |needle: &str| stderr.iter().any(|l| l.contains(needle));
        assert!(has("ready as @ksilk_test_bot"), "{stderr:#?}");
        assert!(has(said), "{stderr:#?}");
        assert!(has("network error"), "the retry was logged");
        assert!(stderr.len() > 20, "TRACE output was produced");
        for line in &stderr {
            assert!(!line.contains(secret()), "token printed: {line}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_explains_a_rejected_token() {
    let dir = tempfile::tempdir().unwrap();
    let mock = Mock::start().await;
    mock.reject_token();
    let url = mock.url().to_string();
    let dir_path = dir.path().to_owned();
    let output = tokio::task::spawn_blocking(move || {
        ksilk(&dir_path)
            .arg("run")
            .env("TELOXIDE_TOKEN", TOKEN)
            .env("TELOXIDE_API_URL", url)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert_one_clear_line(&output, "401 Unauthorized");
}
