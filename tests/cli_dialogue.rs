//! The real binary with conversations: `ask --json --chats` and `eval` on a
//! file of dialogues.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn ksilk(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ksilk"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("TELOXIDE_TOKEN")
        .env_remove("KSILK_KB")
        .env_remove("RUST_LOG")
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
