//! Command-line interface: argument parsing and the subcommands.
//!
//! Each subcommand is a small function over an [`Engine`] and a writer, so that
//! `main` stays thin and the integration tests can run the real binary. Errors
//! come back as `anyhow::Error` with context and are printed by `main` as one
//! line; a closed stdout (`ksilk ask | head`) is not an error.

use std::borrow::Cow;
use std::ffi::OsString;
use std::io::{self, BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use serde::Serialize;

use crate::engine::Engine;
use crate::eval;
use crate::kb::{KbError, KnowledgeBase};
use crate::lang::{self, Lang};
use crate::matcher::{Match, Outcome};

/// Answers questions about Korea's K-Silk Road initiative for Central Asia,
/// on Telegram or offline in the terminal.
#[derive(Debug, Parser)]
#[command(name = "ksilk", version)]
struct Args {
    /// Knowledge-base file to use instead of the built-in one.
    #[arg(long, global = true, env = "KSILK_KB", value_name = "PATH")]
    kb: Option<PathBuf>,

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the Telegram bot with long polling (the default; needs TELOXIDE_TOKEN).
    Run,
    /// Chat with the bot in the terminal, offline, with no token.
    Chat,
    /// Answer one question, or one question per line from stdin.
    Ask {
        /// Print one JSON object per question.
        #[arg(long)]
        json: bool,
        /// Reply in this language (en, ru, ko) whatever the question's.
        #[arg(long, value_name = "LANG")]
        lang: Option<Lang>,
        /// Read one message per stdin line as JSON, `{"chat": "<id>", "text":
        /// "…", "language_code": "ru"}`, keeping each chat's conversation.
        #[arg(long, requires = "json", conflicts_with = "question")]
        chats: bool,
        /// The question; without it, questions are read from stdin, one per line.
        question: Vec<String>,
    },
    /// Validate a knowledge-base file and print its statistics.
    Check,
    /// Run a labelled question set and print accuracy per category; a file
    /// of dialogues (lines with "turns") is run conversation by conversation.
    Eval {
        /// The JSON Lines file of labelled questions or dialogues.
        #[arg(long, value_name = "PATH", default_value = "tests/data/eval.jsonl")]
        file: PathBuf,
    },
}

/// Parses arguments and runs the chosen subcommand.
pub fn run(args: impl IntoIterator<Item = OsString>) -> anyhow::Result<ExitCode> {
    let args = match Args::try_parse_from(args) {
        Ok(args) => args,
        Err(err) => return Ok(report_usage_error(&err)),
    };
    let kb = args.kb.as_deref();
    let result = match args.command.unwrap_or(Command::Run) {
        Command::Run => {
            let engine = load_engine(kb)?;
            crate::telegram::run(engine).map(|()| ExitCode::SUCCESS)
        }
        Command::Chat => {
            let engine = load_engine(kb)?;
            let stdin = io::stdin();
            let interactive = stdin.is_terminal();
            crate::chat::run_chat(&engine, stdin.lock(), io::stdout().lock(), interactive)
                .map(|()| ExitCode::SUCCESS)
                .map_err(anyhow::Error::from)
        }
        Command::Ask {
            json,
            lang,
            chats,
            question,
        } => {
            let engine = load_engine(kb)?;
            if chats {
                let mut out = io::BufWriter::new(io::stdout().lock());
                crate::ask_chats::run(&engine, io::stdin().lock(), &mut out, lang)
                    .map(|()| ExitCode::SUCCESS)
            } else {
                ask(&engine, json, lang, &question).map(|()| ExitCode::SUCCESS)
            }
        }
        Command::Check => check(kb),
        Command::Eval { file } => {
            let engine = load_engine(kb)?;
            run_eval(&engine, &file).map(|()| ExitCode::SUCCESS)
        }
    };
    match result {
        Err(err) if is_broken_pipe(&err) => Ok(ExitCode::SUCCESS),
        other => other,
    }
}

/// The log filter when `RUST_LOG` is not set: the bot says `ready as @name`
/// and logs each question's outcome at info; the offline commands stay silent.
pub fn default_log_filter(args: &[OsString]) -> &'static str {
    const OFFLINE: &[&str] = &[
        "chat",
        "ask",
        "check",
        "eval",
        "help",
        "--help",
        "-h",
        "--version",
        "-V",
    ];
    let offline = args
        .iter()
        .skip(1)
        .filter_map(|a| a.to_str())
        .any(|a| OFFLINE.contains(&a));
    if offline { "warn" } else { "warn,ksilk=info" }
}

/// One line for an error chain: "what: why: why".
pub fn describe(err: &anyhow::Error) -> String {
    format!("{err:#}").replace('\n', " ")
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}

fn report_usage_error(err: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match err.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = write!(io::stdout(), "{err}");
            ExitCode::SUCCESS
        }
        _ => {
            let rendered = err.to_string();
            let first = rendered
                .lines()
                .next()
                .unwrap_or("invalid arguments")
                .trim_start_matches("error: ");
            eprintln!("ksilk: {first} (see `ksilk --help`)");
            ExitCode::from(2)
        }
    }
}

fn load_engine(kb: Option<&Path>) -> anyhow::Result<Engine> {
    Ok(Engine::load(kb)?)
}

/// The JSON shape of one answered question (`ask --json`). Its texts are
/// borrowed from the question and the engine: nothing is copied to print it.
#[derive(Debug, Serialize)]
pub struct AskJson<'a> {
    pub query: &'a str,
    pub outcome: Outcome,
    pub intent: Option<&'a str>,
    pub score: f64,
    /// The language of the reply.
    pub lang: Lang,
    pub reply: Cow<'a, str>,
    pub suggestions: Vec<SuggestionJson<'a>>,
}

/// One "did you mean" choice in `ask --json`.
#[derive(Debug, Serialize)]
pub struct SuggestionJson<'a> {
    pub intent: &'a str,
    pub title: &'a str,
    pub score: f64,
}

fn rounded(score: f32) -> f64 {
    (f64::from(score) * 10_000.0).round() / 10_000.0
}

/// The reply language of `ask`: the forced one, else the question's, else
/// English (there is no chat or Telegram user to ask).
fn reply_lang(forced: Option<Lang>, query: &str) -> Lang {
    forced.unwrap_or_else(|| lang::choose(query, None, None))
}

/// Builds the `ask --json` object for a question.
pub fn ask_json<'a>(engine: &'a Engine, query: &'a str, forced: Option<Lang>) -> AskJson<'a> {
    let lang = reply_lang(forced, query);
    ask_json_for(engine, query, lang, &engine.match_intent(query))
}

fn ask_json_for<'a>(engine: &'a Engine, query: &'a str, lang: Lang, m: &Match) -> AskJson<'a> {
    AskJson {
        query,
        outcome: m.outcome,
        intent: m.answer().map(|i| engine.kb().entry(i).id.as_str()),
        score: rounded(m.score()),
        lang,
        reply: engine.plain_reply(m, lang),
        suggestions: m
            .choices
            .iter()
            .map(|c| {
                let entry = engine.kb().entry(c.entry);
                SuggestionJson {
                    intent: &entry.id,
                    title: entry.title.get(lang),
                    score: rounded(c.score),
                }
            })
            .collect(),
    }
}

/// Writes [`ask_json`]'s object as one line: what `serde_json` writes for
/// it, field by field, except that the reply's JSON string comes escaped
/// from the engine's cache ([`Engine::plain_reply_json`]) instead of being
/// escaped again for every question.
fn write_ask_json(
    out: &mut dyn Write,
    engine: &Engine,
    query: &str,
    forced: Option<Lang>,
) -> anyhow::Result<()> {
    let lang = reply_lang(forced, query);
    let m = engine.match_intent(query);
    let AskJson {
        query,
        outcome,
        intent,
        score,
        lang,
        reply: _,
        suggestions,
    } = ask_json_for(engine, query, lang, &m);
    out.write_all(b"{\"query\":")?;
    serde_json::to_writer(&mut *out, query)?;
    out.write_all(b",\"outcome\":")?;
    serde_json::to_writer(&mut *out, &outcome)?;
    out.write_all(b",\"intent\":")?;
    serde_json::to_writer(&mut *out, &intent)?;
    out.write_all(b",\"score\":")?;
    serde_json::to_writer(&mut *out, &score)?;
    out.write_all(b",\"lang\":")?;
    serde_json::to_writer(&mut *out, &lang)?;
    out.write_all(b",\"reply\":")?;
    out.write_all(engine.plain_reply_json(&m, lang).as_bytes())?;
    out.write_all(b",\"suggestions\":")?;
    serde_json::to_writer(&mut *out, &suggestions)?;
    out.write_all(b"}\n")?;
    Ok(())
}

fn ask(
    engine: &Engine,
    json: bool,
    forced: Option<Lang>,
    question: &[String],
) -> anyhow::Result<()> {
    let mut out = io::BufWriter::new(io::stdout().lock());
    let answer = |out: &mut dyn Write, q: &str| -> anyhow::Result<()> {
        if json {
            write_ask_json(out, engine, q, forced)?;
        } else {
            let reply = engine.plain_reply(&engine.match_intent(q), reply_lang(forced, q));
            writeln!(out, "{reply}\n")?;
        }
        Ok(())
    };
    if !question.is_empty() {
        answer(&mut out, &question.join(" "))?;
    } else {
        let mut input = io::stdin().lock();
        let mut raw = Vec::new();
        loop {
            raw.clear();
            if input.read_until(b'\n', &mut raw).context("reading stdin")? == 0 {
                break;
            }
            let line = String::from_utf8_lossy(&raw);
            let line = line.strip_suffix('\n').unwrap_or(&line);
            let line = line.strip_suffix('\r').unwrap_or(line);
            answer(&mut out, line)?;
        }
    }
    out.flush()?;
    Ok(())
}

/// `ksilk check`. Writes through `?` so that a closed stdout (`ksilk check |
/// head -1`) ends it quietly, like the other subcommands.
fn check(path: Option<&Path>) -> anyhow::Result<ExitCode> {
    let loaded = match path {
        Some(path) => KnowledgeBase::load(path),
        None => KnowledgeBase::embedded(),
    };
    match loaded {
        Ok(kb) => {
            let stats = kb.stats();
            let engine = Engine::new(kb);
            let kinds: Vec<String> = stats
                .by_kind
                .iter()
                .filter(|(_, n)| *n > 0)
                .map(|(k, n)| format!("{k} {n}"))
                .collect();
            let scripts: Vec<String> = stats
                .by_script
                .iter()
                .map(|(s, n)| format!("{} {n}", s.label()))
                .collect();
            let mut out = io::stdout().lock();
            writeln!(out, "{}: ok", engine.kb().origin())?;
            writeln!(out, "entries: {} ({})", stats.entries, kinds.join(", "))?;
            writeln!(out, "phrases: {}", stats.phrases)?;
            writeln!(out, "languages: {}", scripts.join(", "))?;
            writeln!(
                out,
                "vocabulary: {} tokens",
                engine.index().vocabulary_size()
            )?;
            for source in engine.kb().sources() {
                writeln!(
                    out,
                    "source: {} (every evidence quote found verbatim)",
                    source.citation(Lang::En)
                )?;
            }
            out.flush()?;
            Ok(ExitCode::SUCCESS)
        }
        Err(err) => {
            for line in err.lines() {
                eprintln!("ksilk: {line}");
            }
            if let KbError::Invalid { violations, .. } = &err {
                eprintln!("ksilk: {} problem(s) found", violations.len());
            }
            Ok(ExitCode::FAILURE)
        }
    }
}

fn run_eval(engine: &Engine, file: &Path) -> anyhow::Result<()> {
    if is_dialogue_file(file) {
        let dialogues = crate::dialogue_eval::load_dialogues(file)?;
        let report = crate::dialogue_eval::run_dialogues(engine, &dialogues);
        let mut out = io::stdout().lock();
        write!(out, "{report}")?;
        out.flush()?;
        return Ok(());
    }
    let cases = eval::load_cases(file)?;
    let report = eval::run_eval(engine, &cases);
    let mut out = io::stdout().lock();
    write!(out, "{report}")?;
    out.flush()?;
    Ok(())
}

/// Is the file one of dialogues (its first line has `turns`)?
fn is_dialogue_file(file: &Path) -> bool {
    std::fs::read_to_string(file).is_ok_and(|text| {
        text.lines()
            .find(|l| !l.trim().is_empty())
            .is_some_and(crate::dialogue_eval::is_dialogue_line)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ask_json_lines_are_what_serde_writes_for_ask_json() {
        let engine = Engine::embedded().unwrap();
        let questions = [
            "what are the four pillars",
            "energy",
            "how do I bake sourdough bread",
            "do I need a visa to visit Bishkek",
            "Что такое K-Silk Road?",
            "카자흐스탄은 어떤 나라?",
            "say \"hi\"\t\\ \u{1}",
            "",
        ];
        for q in questions {
            for forced in [None, Some(Lang::Ko)] {
                let mut line = Vec::new();
                write_ask_json(&mut line, &engine, q, forced).unwrap();
                let expected = serde_json::to_string(&ask_json(&engine, q, forced)).unwrap() + "\n";
                assert_eq!(String::from_utf8(line).unwrap(), expected, "{q:?}");
            }
        }
    }
}
