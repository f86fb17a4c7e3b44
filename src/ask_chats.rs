//! `ksilk ask --json --chats`: many conversations in one stream, for
//! evaluating follow-ups in batch.
//!
//! Each stdin line is one message, `{"chat": "<id>", "text": "…",
//! "language_code": "ru"?}` (the language code as Telegram sends it). Each
//! chat id keeps its own conversation ([`crate::dialogue`]), so lines of
//! several chats may interleave. For each line it prints, in order, the same
//! one-line JSON object as `ask --json` ([`crate::cli::AskJson`]); a line that
//! cannot be read gets `{"error": "line N: …"}` on its own line instead, and
//! the stream goes on. Chat ids are only keys of an in-memory map, never
//! printed or stored.

use std::borrow::Cow;
use std::io::{BufRead, Write};
use std::time::Instant;

use anyhow::Context;
use serde::{Deserialize, Serialize};

use crate::cli::{AskJson, rounded, suggestions};
use crate::dialogue::{self, DialogueStore};
use crate::engine::Engine;
use crate::lang::{self, Lang};

/// One input line.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ChatLine {
    chat: ChatId,
    text: String,
    #[serde(default)]
    language_code: Option<String>,
}

/// A chat id as a string or a number (Telegram's ids are numbers).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum ChatId {
    Text(String),
    Number(i64),
}

impl ChatId {
    fn key(self) -> String {
        match self {
            ChatId::Text(s) => s,
            ChatId::Number(n) => n.to_string(),
        }
    }
}

#[derive(Debug, Serialize)]
struct ErrorJson<'a> {
    error: &'a str,
}

/// Answers each line of `input` in its chat's context and writes one JSON
/// line per input line to `out`. `forced` is `--lang`.
pub fn run(
    engine: &Engine,
    input: impl BufRead,
    out: &mut dyn Write,
    forced: Option<Lang>,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut store: DialogueStore<String> = DialogueStore::default();
    for (i, line) in input.split(b'\n').enumerate() {
        let raw = line.context("reading stdin")?;
        let text = String::from_utf8_lossy(&raw);
        let text = text.strip_suffix('\r').unwrap_or(&text);
        if text.trim().is_empty() {
            continue;
        }
        let parsed: ChatLine = match serde_json::from_str(text) {
            Ok(parsed) => parsed,
            Err(err) => {
                let message = format!("line {}: invalid message: {err}", i + 1);
                serde_json::to_writer(&mut *out, &ErrorJson { error: &message })?;
                out.write_all(b"\n")?;
                continue;
            }
        };
        let key = parsed.chat.key();
        let now = started.elapsed().as_secs();
        let user = parsed
            .language_code
            .as_deref()
            .map(|c| Lang::from_telegram(Some(c)));
        let lang = forced.unwrap_or_else(|| lang::choose(&parsed.text, None, user));
        let context = store.get(&key, now);
        let turn = dialogue::respond(engine, context.as_ref(), &parsed.text, lang, now);
        store.put(key, turn.dialogue, now);
        let reply = &turn.reply;
        let suggestions = turn
            .matched
            .as_ref()
            .map(|m| suggestions(engine, m, lang))
            .unwrap_or_default();
        let json = AskJson {
            query: &parsed.text,
            outcome: reply.outcome,
            intent: (reply.outcome == crate::matcher::Outcome::Answer)
                .then_some(reply.intent.as_deref())
                .flatten(),
            score: rounded(reply.score),
            lang: reply.lang,
            reply: Cow::Owned(reply.to_plain()),
            suggestions,
        };
        serde_json::to_writer(&mut *out, &json)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &str) -> Vec<serde_json::Value> {
        let engine = Engine::embedded().unwrap();
        let mut out = Vec::new();
        run(&engine, input.as_bytes(), &mut out, None).unwrap();
        String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    #[test]
    fn each_chat_keeps_its_own_context() {
        let out = lines(concat!(
            "{\"chat\": \"a\", \"text\": \"what will korea do with kazakhstan\"}\n",
            "{\"chat\": 7, \"text\": \"when is the korea-central asia summit?\"}\n",
            "{\"chat\": \"a\", \"text\": \"and turkmenistan?\"}\n",
            "{\"chat\": 7, \"text\": \"где?\", \"language_code\": \"ru\"}\n",
        ));
        assert_eq!(out.len(), 4);
        assert_eq!(out[2]["intent"], "turkmenistan");
        assert_eq!(out[3]["intent"], "korea-central-asia-summit");
        assert_eq!(out[3]["lang"], "ru");
        assert_eq!(out[0]["query"], "what will korea do with kazakhstan");
        for key in [
            "query",
            "outcome",
            "intent",
            "score",
            "lang",
            "reply",
            "suggestions",
        ] {
            assert!(out[0].get(key).is_some(), "{key}");
        }
    }

    #[test]
    fn a_bad_line_gets_an_error_on_its_line_and_the_rest_goes_on() {
        let out = lines("{oops\n{\"chat\": \"a\"}\n\n{\"chat\": \"a\", \"text\": \"pillars\"}\n");
        assert_eq!(out.len(), 3);
        assert!(
            out[0]["error"]
                .as_str()
                .unwrap()
                .starts_with("line 1: invalid message")
        );
        assert!(out[1]["error"].as_str().unwrap().starts_with("line 2:"));
        assert_eq!(out[2]["intent"], "pillars");
    }

    #[test]
    fn the_same_line_as_ask_json_without_context() {
        let engine = Engine::embedded().unwrap();
        for q in ["what are the four pillars", "energy", "how do I bake bread"] {
            let mut out = Vec::new();
            let line = serde_json::json!({"chat": "x", "text": q}).to_string();
            run(&engine, line.as_bytes(), &mut out, None).unwrap();
            let expected = serde_json::to_string(&crate::cli::ask_json(&engine, q, None)).unwrap();
            assert_eq!(String::from_utf8(out).unwrap().trim_end(), expected, "{q}");
        }
    }
}
