//! The `ksilk` binary as a user and a script see it: `ask`, `ask --json`,
//! `ask --json --chats`, `check`, `eval` (of questions and of dialogues) and
//! `chat`, and one clear error line for bad input.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/kb")
        .join(name)
}

fn ksilk(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ksilk"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("TELOXIDE_TOKEN")
        .env_remove("KSILK_KB")
        .env_remove("RUST_LOG")
        .env("RUST_BACKTRACE", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the ksilk binary runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).unwrap()
}

fn assert_one_clean_error_line(out: &Output) -> String {
    assert!(!out.status.success(), "expected failure: {out:?}");
    let err = stderr(out);
    assert_eq!(
        err.trim_end().lines().count(),
        1,
        "one line expected: {err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    assert!(!err.contains("backtrace"), "{err}");
    err
}

#[test]
fn ask_prints_the_answer_with_its_source() {
    let out = ksilk(&["ask", "who", "announced", "it?"], "");
    assert!(out.status.success());
    let text = stdout(&out);
    assert!(text.contains("Kim Tae-hyo"), "{text}");
    assert!(text.contains("June 7, 2024"), "{text}");
    assert!(text.contains("Source: The Korea Times"), "{text}");
}

#[test]
fn ask_json_prints_exactly_one_object_with_the_documented_fields() {
    let out = ksilk(&["ask", "--json", "Бишкек"], "");
    assert!(out.status.success());
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 1, "{text}");
    let v: Value = serde_json::from_str(&text).unwrap();
    let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "intent",
            "lang",
            "outcome",
            "query",
            "reply",
            "score",
            "suggestions"
        ]
    );
    assert!(
        text.starts_with("{\"query\":"),
        "fields keep the documented order: {text}"
    );
    assert_eq!(v["query"], "Бишкек");
    assert_eq!(v["outcome"], "answer");
    assert_eq!(v["intent"], "kyrgyzstan");
    let score = v["score"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&score));
    assert_eq!(v["lang"], "ru", "a Cyrillic question gets a Russian reply");
    let reply = v["reply"].as_str().unwrap();
    assert!(reply.contains("водных ресурсов и туризма"), "{reply}");
    assert!(reply.contains("Источник: The Korea Times"), "{reply}");
    assert_eq!(v["suggestions"], Value::Array(vec![]));
}

#[test]
fn ask_lang_forces_the_reply_language() {
    let out = ksilk(
        &[
            "ask",
            "--json",
            "--lang",
            "ko",
            "What are the four pillars?",
        ],
        "",
    );
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["lang"], "ko");
    assert_eq!(v["intent"], "pillars");
    assert!(v["reply"].as_str().unwrap().contains("출처:"), "{v}");
    let out = ksilk(&["ask", "--lang", "de", "pillars"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("unknown language"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn ask_json_reply_language_follows_the_question() {
    let input = "카자흐스탄과는 어떤 분야에서 협력하나요?\nKazakhstan\nкорея и казахстн в каких сферах будут сотрудничать\n";
    let out = ksilk(&["ask", "--json"], input);
    let langs: Vec<String> = stdout(&out)
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["lang"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(langs, ["ko", "en", "ru"]);
}

#[test]
fn ask_json_intent_is_null_unless_answered() {
    let out = ksilk(&["ask", "--json", "how do I bake sourdough bread"], "");
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["outcome"], "fallback");
    assert_eq!(v["intent"], Value::Null);
}

#[test]
fn ask_json_clarify_lists_two_or_three_suggestions() {
    let out = ksilk(&["ask", "--json", "energy"], "");
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["outcome"], "clarify", "{v}");
    assert_eq!(v["intent"], Value::Null);
    let suggestions = v["suggestions"].as_array().unwrap();
    assert!((2..=3).contains(&suggestions.len()), "{v}");
    for s in suggestions {
        assert!(s["intent"].is_string() && s["title"].is_string() && s["score"].is_f64());
    }
}

#[test]
fn ask_json_from_stdin_answers_every_line_in_order() {
    let input = "pillars\n\nКазахстан\n🙂\n\u{200B}\r\nwho is the president of the united states\n";
    let out = ksilk(&["ask", "--json"], input);
    assert!(out.status.success());
    let lines: Vec<Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 6, "one output line per input line");
    let queries: Vec<&str> = lines.iter().map(|v| v["query"].as_str().unwrap()).collect();
    assert_eq!(
        queries,
        [
            "pillars",
            "",
            "Казахстан",
            "🙂",
            "\u{200B}",
            "who is the president of the united states"
        ]
    );
    assert_eq!(lines[0]["intent"], "pillars");
    assert_eq!(lines[1]["outcome"], "fallback");
    assert_eq!(lines[2]["intent"], "kazakhstan");
    assert_eq!(lines[3]["outcome"], "fallback");
    assert_eq!(lines[5]["outcome"], "fallback");
}

#[test]
fn a_ten_thousand_character_question_is_answered() {
    let long = format!("{} kyrgyzstan", "please ".repeat(1_500));
    assert!(long.len() > 10_000);
    let out = ksilk(&["ask", "--json"], &format!("{long}\n"));
    assert!(out.status.success());
    let v: Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(v["query"].as_str().unwrap().len(), long.len());
}

#[test]
fn check_prints_stats_for_the_built_in_knowledge_base() {
    let out = ksilk(&["check"], "");
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("data/knowledge.json: ok"), "{text}");
    assert!(text.contains("entries: "), "{text}");
    assert!(
        text.contains("cyrillic (ru)") && text.contains("hangul (ko)"),
        "{text}"
    );
}

#[test]
fn check_accepts_a_valid_file() {
    let out = ksilk(
        &["check", "--kb", fixture("valid.json").to_str().unwrap()],
        "",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("entries: 2"));
}

#[test]
fn check_names_the_file_the_entry_path_and_the_rule() {
    let path = fixture("duplicate_alias.json");
    let out = ksilk(&["check", "--kb", path.to_str().unwrap()], "");
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "{}: topics[1].aliases[2]: duplicate alias",
            path.display()
        )),
        "{err}"
    );
}

#[test]
fn bad_json_fails_at_startup_with_line_and_column() {
    let path = fixture("bad_syntax.json");
    let out = ksilk(&["ask", "--kb", path.to_str().unwrap(), "pillars"], "");
    let err = assert_one_clean_error_line(&out);
    assert!(err.contains(&format!("{}:4:", path.display())), "{err}");
}

#[test]
fn evidence_missing_from_the_source_fails_at_startup() {
    let path = fixture("evidence_not_in_source.json");
    let out = ksilk(&["chat", "--kb", path.to_str().unwrap()], "");
    let err = assert_one_clean_error_line(&out);
    assert!(
        err.contains("topics[0].evidence[0]: evidence not in source"),
        "{err}"
    );
}

#[test]
fn unknown_link_fails_at_startup() {
    let path = fixture("unknown_link.json");
    let out = ksilk(&["ask", "--kb", path.to_str().unwrap(), "x"], "");
    let err = assert_one_clean_error_line(&out);
    assert!(err.contains("topics[1].related[0]: unknown link"), "{err}");
}

#[test]
fn a_missing_knowledge_base_file_is_one_clear_line() {
    let out = ksilk(&["ask", "--kb", "/nonexistent/kb.json", "x"], "");
    let err = assert_one_clean_error_line(&out);
    assert!(err.contains("/nonexistent/kb.json: cannot read"), "{err}");
}

#[test]
fn another_knowledge_base_answers_from_its_own_facts() {
    let out = ksilk(
        &[
            "ask",
            "--kb",
            fixture("valid.json").to_str().unwrap(),
            "pillars?",
        ],
        "",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("two pillars: water and roads"));
    assert!(stdout(&out).contains("Source: Example Daily"));
}

#[test]
fn unknown_subcommand_is_one_clear_line() {
    let out = ksilk(&["frobnicate"], "");
    let err = assert_one_clean_error_line(&out);
    assert!(err.contains("ksilk --help"), "{err}");
}

#[test]
fn eval_prints_accuracy_per_category() {
    let out = ksilk(&["eval"], "");
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for category in ["canonical", "typo", "multilingual", "offtopic", "smalltalk"] {
        assert!(text.contains(category), "{text}");
    }
    assert!(text.contains("in scope:"));
    assert!(text.contains("off-topic:"));
}

#[test]
fn eval_with_a_bad_file_names_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("e.jsonl");
    std::fs::write(
        &path,
        "{\"q\":\"x\",\"intent\":null,\"category\":\"c\"}\nnot json\n",
    )
    .unwrap();
    let out = ksilk(&["eval", "--file", path.to_str().unwrap()], "");
    let err = assert_one_clean_error_line(&out);
    assert!(err.contains("e.jsonl:2: invalid evaluation case"), "{err}");
}

#[test]
fn chat_answers_piped_questions_and_numbered_choices() {
    let out = ksilk(&["chat"], "energy\n1\nKyrgyz\n/quit\n");
    assert!(out.status.success());
    let text = stdout(&out);
    assert!(text.contains("Did you mean"), "{text}");
    assert!(text.contains("  1. Kazakhstan"), "{text}");
    // "1" picks the first choice: Kazakhstan's own focus.
    assert!(
        text.contains("energy and infrastructure cooperation"),
        "{text}"
    );
    assert!(text.contains("water resources and tourism"), "{text}");
    assert!(text.trim_end().ends_with("Goodbye!"), "{text}");
}

#[test]
fn closed_stdout_is_not_an_error() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ksilk"))
        .args(["ask", "--json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let mut stdin = child.stdin.take().unwrap();
    let _ = stdin.write_all("pillars\n".repeat(20_000).as_bytes());
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
}

#[test]
fn check_with_a_closed_stdout_ends_quietly() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ksilk"))
        .arg("check")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Close the reading end before `check` writes anything.
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    assert!(out.status.success(), "{:?}", out.status);
}

#[test]
fn a_mistyped_flag_keeps_clap_s_suggestion() {
    let out = ksilk(&["ask", "--jsn", "x"], "");
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.starts_with("ksilk: unexpected argument '--jsn'"),
        "{err}"
    );
    assert!(
        err.contains("tip: a similar argument exists: '--json'"),
        "{err}"
    );
    assert!(!err.contains("Usage:"), "{err}");
}

#[test]
fn one_shot_ask_does_not_ask_for_a_number() {
    let out = ksilk(&["ask", "energy"], "");
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("Did you mean"), "{text}");
    assert!(text.contains("  • "), "{text}");
    assert!(!text.to_lowercase().contains("number"), "{text}");
}

#[test]
fn eval_finds_its_default_file_from_any_directory() {
    let elsewhere = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_ksilk"))
        .arg("eval")
        .current_dir(elsewhere.path())
        .env_remove("KSILK_KB")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("in scope:"), "{}", stdout(&out));
}

#[test]
fn a_broken_kb_file_names_the_check_command_with_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut kb: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("valid.json")).unwrap()).unwrap();
    kb["menu"] = serde_json::json!(["nowhere", "nothing"]);
    let path = dir.path().join("broken.json");
    std::fs::write(&path, kb.to_string()).unwrap();
    for source in std::fs::read_dir(fixture("")).unwrap() {
        let source = source.unwrap().path();
        if source.extension().is_some_and(|e| e == "txt") {
            std::fs::copy(&source, dir.path().join(source.file_name().unwrap())).unwrap();
        }
    }
    let out = ksilk(&["--kb", path.to_str().unwrap(), "ask", "x"], "");
    let err = assert_one_clean_error_line(&out);
    let expected = format!("run `ksilk --kb {} check`", path.display());
    assert!(err.contains(&expected), "{err}");
}

#[test]
fn a_missing_file_error_states_its_cause_once() {
    let out = ksilk(&["ask", "--kb", "/nonexistent/kb.json", "x"], "");
    let err = assert_one_clean_error_line(&out);
    assert_eq!(err.matches("No such file").count(), 1, "{err}");
}

/// Runs `ksilk chat` on a pseudo-terminal (util-linux `script`), typing each
/// input once the prompt for it is on screen, and returns the screen text.
fn chat_on_a_terminal(inputs: &[&str]) -> String {
    use std::io::Read;
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};
    let command = format!("{} chat", env!("CARGO_BIN_EXE_ksilk"));
    let mut child = Command::new("script")
        .args(["-qfec", &command, "/dev/null"])
        .env("TERM", "xterm")
        .env_remove("KSILK_KB")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("util-linux `script` runs (Debian's bsdutils, an essential package)");
    let screen = Arc::new(Mutex::new(Vec::new()));
    let mut stdout = child.stdout.take().unwrap();
    let reader = {
        let screen = Arc::clone(&screen);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stdout.read(&mut buf) {
                if n == 0 {
                    break;
                }
                screen.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        })
    };
    let prompts = |screen: &Mutex<Vec<u8>>| {
        String::from_utf8_lossy(&screen.lock().unwrap())
            .matches("you> ")
            .count()
    };
    let mut stdin = child.stdin.take().unwrap();
    for (i, input) in inputs.iter().enumerate() {
        // A generous guard against a hang, not a speed requirement.
        let deadline = Instant::now() + Duration::from_secs(60);
        while prompts(&screen) <= i {
            assert!(Instant::now() < deadline, "no prompt {}", i + 1);
            std::thread::sleep(Duration::from_millis(20));
        }
        stdin.write_all(input.as_bytes()).unwrap();
        stdin.flush().unwrap();
    }
    let status = child.wait().unwrap();
    reader.join().unwrap();
    assert!(status.success());
    let screen = screen.lock().unwrap();
    String::from_utf8_lossy(&screen).replace('\r', "")
}

#[test]
fn chat_on_a_terminal_recalls_the_previous_question_with_up() {
    let screen = chat_on_a_terminal(&["what are the four pillars\r", "\x1b[A\r", "\x04"]);
    assert_eq!(
        screen
            .matches("The initiative has four main partnership pillars")
            .count(),
        2,
        "{screen}"
    );
    assert!(screen.contains("Goodbye!"), "{screen}");
}

#[test]
fn chat_numbers_the_greeting_topics_and_a_number_picks_one() {
    let out = ksilk(&["chat"], "3\n");
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("1. The K-Silk Road initiative"), "{text}");
    assert!(text.contains("3. The four pillars"), "{text}");
    assert!(text.contains("official development assistance"), "{text}");
}

// Conversations: `ask --json --chats` and `eval` on a file of dialogues.

#[test]
fn ask_json_chats_keeps_a_context_per_chat_and_one_line_per_input_line() {
    let input = concat!(
        "{\"chat\": \"a\", \"text\": \"what will korea do with kazakhstan\"}\n",
        "{\"chat\": \"b\", \"text\": \"когда саммит?\", \"language_code\": \"ru\"}\n",
        "not json\n",
        "{\"chat\": \"a\", \"text\": \"and turkmenistan?\"}\n",
        "{\"chat\": \"b\", \"text\": \"а где?\"}\n",
    );
    let out = ksilk(&["ask", "--json", "--chats"], input);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 5);
    assert_eq!(lines[0]["intent"], "kazakhstan");
    assert!(lines[2]["error"].as_str().unwrap().starts_with("line 3:"));
    assert_eq!(lines[3]["intent"], "turkmenistan");
    assert_eq!(lines[4]["intent"], "korea-central-asia-summit");
    assert_eq!(lines[4]["lang"], "ru");
}

#[test]
fn chats_needs_json() {
    let out = ksilk(&["ask", "--chats"], "");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn eval_runs_a_file_of_dialogues_and_reports_follow_ups_apart() {
    let out = ksilk(&["eval", "--file", "tests/data/dialogues-dev.jsonl"], "");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("follow-up turns: "), "{text}");
    for rule in [
        "entity",
        "question-word",
        "pronoun",
        "more",
        "own-topic",
        "off-topic",
    ] {
        assert!(text.contains(rule), "{rule}");
    }
}
