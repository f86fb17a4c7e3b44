//! Command-line interface: argument parsing and the subcommands.
//!
//! Each subcommand is a small function over an [`Engine`] and a writer, so that
//! `main` stays thin and the integration tests can run the real binary. Errors
//! come back as `anyhow::Error` with context and are printed by `main` as one
//! line; a closed stdout (`ksilk ask | head`) is not an error.

use std::borrow::Cow;
use std::ffi::OsString;
use std::io::{self, BufRead, IsTerminal, Write};

use crate::chat::LineSource as _;
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
        /// The JSON Lines file of labelled questions or dialogues [default: tests/data/eval.jsonl
        /// in the working directory, else in the source tree ksilk was built from].
        #[arg(long, value_name = "PATH")]
        file: Option<PathBuf>,
    },
    /// List the questions the bot could not answer (from KSILK_DB), grouped, most asked first.
    Review {
        /// How far back to look: 30m, 12h, 7d, 2w.
        #[arg(long, default_value = "7d", value_name = "AGE")]
        since: String,
        /// Show at most this many groups.
        #[arg(long, default_value_t = 50, value_name = "N")]
        limit: usize,
        /// Print one JSON object per group.
        #[arg(long)]
        json: bool,
        /// Also write the groups' examples as evaluation cases (JSON Lines) to FILE.
        #[arg(long, value_name = "FILE")]
        export: Option<PathBuf>,
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
            chat(&engine).map(|()| ExitCode::SUCCESS)
        }
        Command::Ask {
            json,
            lang,
            chats,
            question,
        } => {
            let engine = load_engine(kb)?;
            let done = if chats {
                let mut out = io::BufWriter::new(io::stdout().lock());
                crate::ask_chats::run(&engine, io::stdin().lock(), &mut out, lang)
                    .map(|()| ExitCode::SUCCESS)
            } else {
                ask(&engine, json, lang, &question).map(|()| ExitCode::SUCCESS)
            };
            // The process ends here: freeing the index piece by piece
            // (tens of thousands of allocations) would only delay the exit.
            std::mem::forget(engine);
            done
        }
        Command::Check => check(kb),
        Command::Eval { file } => {
            let file = match file {
                Some(file) => file,
                None => default_eval_file()?,
            };
            let engine = load_engine(kb)?;
            run_eval(&engine, &file).map(|()| ExitCode::SUCCESS)
        }
        Command::Review {
            since,
            limit,
            json,
            export,
        } => review(kb, &since, limit, json, export.as_deref()).map(|()| ExitCode::SUCCESS),
    };
    match result {
        Err(err) if is_broken_pipe(&err) => Ok(ExitCode::SUCCESS),
        other => other,
    }
}

/// `ksilk chat`: with line editing on a terminal, plain lines from a pipe.
fn chat(engine: &Engine) -> anyhow::Result<()> {
    use crate::chat::{Editor, Piped, run_chat};
    let stdin = io::stdin();
    if stdin.is_terminal() && io::stdout().is_terminal() {
        let mut editor = Editor::new()?;
        run_chat(engine, &mut editor, io::stdout())?;
    } else {
        run_chat(engine, &mut Piped(stdin.lock()), io::stdout())?;
    }
    Ok(())
}

/// The log filter when `RUST_LOG` is not set: the bot says `ready as @name`
/// and logs each question's outcome at info; the offline commands stay silent.
pub fn default_log_filter(args: &[OsString]) -> &'static str {
    const OFFLINE: &[&str] = &[
        "chat",
        "ask",
        "check",
        "eval",
        "review",
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
            eprint!("{}", usage_error_text(&err.to_string()));
            ExitCode::from(2)
        }
    }
}

/// Clap's error, shortened to what helps: the first line with where to read
/// more, then clap's tips ("a similar argument exists: '--json'"). The usage
/// block and clap's own "For more information" line are left out.
fn usage_error_text(rendered: &str) -> String {
    let mut lines = rendered.lines().map(str::trim);
    let first = lines
        .next()
        .unwrap_or("invalid arguments")
        .trim_start_matches("error: ");
    let mut out = format!("ksilk: {first} (see `ksilk --help`)\n");
    for tip in lines.filter(|l| l.starts_with("tip:")) {
        out.push_str(&format!("  {tip}\n"));
    }
    out
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

/// A score as `ask --json` prints it: four decimals.
pub fn rounded(score: f32) -> f64 {
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
        suggestions: suggestions(engine, m, lang),
    }
}

/// The "did you mean" choices of a match, as `ask --json` prints them.
pub fn suggestions<'a>(engine: &'a Engine, m: &Match, lang: Lang) -> Vec<SuggestionJson<'a>> {
    m.choices
        .iter()
        .map(|c| {
            let entry = engine.kb().entry(c.entry);
            SuggestionJson {
                intent: &entry.id,
                title: entry.title.get(lang),
                score: rounded(c.score),
            }
        })
        .collect()
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

/// What `ksilk ask` with no question says on a terminal.
const ASK_ON_A_TERMINAL: &str = "ksilk ask: type a question and press Enter (Ctrl-D to finish).
  one question: ksilk ask \"what are the four pillars?\"
  many: one per line on stdin, e.g. ksilk ask --json < questions.txt";

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
    } else if io::stdin().is_terminal() {
        // Nobody is piping questions in: say what to do rather than wait
        // silently, then take questions as they are typed.
        eprintln!("{ASK_ON_A_TERMINAL}");
        let mut editor = crate::chat::Editor::new()?;
        while let Some(line) = editor.read_line("ask> ")? {
            answer(&mut out, &line)?;
            out.flush()?;
        }
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

/// The evaluation file's path inside a checkout.
const EVAL_FILE: &str = "tests/data/eval.jsonl";

/// Where `ksilk eval` looks without `--file`: the working directory (a
/// checkout), then the source tree the binary was built from, so that
/// `ksilk eval` works from any directory on the machine that built it.
fn eval_file_candidates() -> [PathBuf; 2] {
    [
        PathBuf::from(EVAL_FILE),
        Path::new(env!("CARGO_MANIFEST_DIR")).join(EVAL_FILE),
    ]
}

fn default_eval_file() -> anyhow::Result<PathBuf> {
    let candidates = eval_file_candidates();
    if let Some(found) = candidates.iter().find(|p| p.is_file()) {
        return Ok(found.clone());
    }
    let looked: Vec<String> = candidates.iter().map(|p| p.display().to_string()).collect();
    anyhow::bail!(
        "no evaluation file: looked for {}; pass one with --file PATH",
        looked.join(" and ")
    )
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

/// `ksilk review`: reads the question log of `KSILK_DB`, groups it with the
/// knowledge base's own normalisation ([`crate::store::review`]).
fn review(
    kb: Option<&Path>,
    since: &str,
    limit: usize,
    json: bool,
    export: Option<&Path>,
) -> anyhow::Result<()> {
    use crate::store::{StoreConfig, review};
    let since_secs = review::parse_since(since)?;
    let Some(config) = StoreConfig::from_env()? else {
        anyhow::bail!("KSILK_DB is off: there is no question log to review");
    };
    if !config.path.is_file() {
        anyhow::bail!(
            "KSILK_DB={}: no database there yet (the bot creates it when it starts)",
            config.path.display()
        );
    }
    let engine = load_engine(kb)?;
    let questions = review::load(&config.path, since_secs)?;
    let mut groups = review::group(&questions, |text| engine.index().terms(text));
    groups.truncate(limit);
    let mut out = io::BufWriter::new(io::stdout().lock());
    if json {
        review::write_json(&mut out, &groups)?;
    } else {
        review::write_text(&mut out, &groups, questions.len(), since.trim())?;
    }
    if let Some(path) = export {
        let file = std::fs::File::create(path)
            .with_context(|| format!("{}: cannot create the export file", path.display()))?;
        let mut file = io::BufWriter::new(file);
        let lines = review::write_export(&mut file, &groups)
            .and_then(|n| file.flush().map(|()| n))
            .with_context(|| format!("{}: cannot write the export file", path.display()))?;
        if !json {
            writeln!(
                out,
                "\nwrote {lines} question(s) to {} for labelling (fill in each \"intent\")",
                path.display()
            )?;
        }
    }
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
    fn env_example_states_the_real_log_defaults() {
        let example = include_str!("../.env.example");
        let bot = default_log_filter(&["ksilk".into(), "run".into()]);
        let offline = default_log_filter(&["ksilk".into(), "chat".into()]);
        assert!(example.contains(&format!("bot (`ksilk` / `ksilk run`): {bot},")));
        assert!(example.contains(&format!("(chat, ask, check, eval): {offline}.")));
    }

    #[test]
    fn eval_looks_in_the_working_directory_then_the_source_tree() {
        let [here, built_from] = eval_file_candidates();
        assert_eq!(here, Path::new(EVAL_FILE));
        assert!(built_from.is_absolute() && built_from.ends_with(EVAL_FILE));
    }

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
