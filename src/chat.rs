//! The offline terminal conversation (`ksilk chat`).
//!
//! It uses the same [`Engine`] and the same reply texts as the Telegram bot; only
//! the rendering differs: the "did you mean" choices and the related topics
//! are numbered ([`Reply::to_numbered`]) where Telegram shows buttons, and a
//! number picks one. It picks the reply language by the same rules: the
//! question's language, else the one pinned with `/lang`, else English. It
//! keeps the conversation, so follow-ups ("and Kyrgyzstan?", "when?", "tell
//! me more") read as on Telegram ([`crate::dialogue`]).
//!
//! Lines come from a [`LineSource`]: on a terminal, [`Editor`] (rustyline:
//! arrow keys, and Up for the previous question); from a pipe or in tests,
//! [`Piped`], which prints no prompt. The history lives only as long as the
//! session and is never written to disk: questions can carry personal
//! context, and the bot stores none.

use std::io::{self, BufRead, Write};

use rustyline::DefaultEditor;
use rustyline::error::ReadlineError;

use crate::dialogue::Dialogue;
use crate::engine::Engine;
use crate::lang::{Lang, LangPrefs, parse_lang_arg};
use crate::reply::Reply;
use crate::telegram::commands::{self, Command, Parsed};
use crate::telegram::handlers;
use crate::texts::{fill, texts};

/// The name commands may be addressed to in the terminal (`/pillars@ksilk_bot`
/// pasted from a group works; `@` is already stripped by [`classify`]).
const TERMINAL_BOT_NAME: &str = "ksilk_bot";

/// What one line of input asks for.
#[derive(Debug, PartialEq)]
enum Line<'a> {
    Empty,
    Quit,
    Pick(usize),
    Command(&'a str, &'a str),
    Question(&'a str),
}

fn classify(line: &str) -> Line<'_> {
    let line = line.trim();
    if line.is_empty() {
        return Line::Empty;
    }
    if let Ok(n) = line.parse::<usize>() {
        return Line::Pick(n);
    }
    if let Some(rest) = line.strip_prefix('/') {
        let (name, arg) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        let name = name.split('@').next().unwrap_or(name);
        if matches!(name, "quit" | "exit") {
            return Line::Quit;
        }
        // `/ask <question>` is a question like any other, as on Telegram.
        if name == "ask" && !arg.trim().is_empty() {
            return Line::Question(arg.trim());
        }
        return Line::Command(name, arg.trim());
    }
    if matches!(line.to_lowercase().as_str(), "quit" | "exit") {
        return Line::Quit;
    }
    Line::Question(line)
}

/// Answers a command through the bot's own command table
/// ([`commands::parse`] and [`handlers::run_command`]), so the terminal and
/// Telegram agree; only `/help` differs (the terminal's mentions numbers and
/// `/quit`), and an unknown command gets a hint.
pub fn command_reply(engine: &Engine, name: &str, arg: &str, prefs: LangPrefs) -> Reply {
    use crate::matcher::Outcome;
    let lang = prefs.without_text();
    let text = format!("/{name} {arg}");
    match commands::parse(text.trim_end(), TERMINAL_BOT_NAME) {
        Parsed::Command(Command::Help) => Reply::note(Outcome::Answer, lang, texts(lang).chat_help),
        Parsed::Command(command) => handlers::run_command(engine, &command, prefs),
        Parsed::OtherBot | Parsed::Unknown => Reply::note(
            Outcome::Fallback,
            lang,
            fill(texts(lang).unknown_command_named, &[("command", name)]),
        ),
    }
}

/// `/lang` in the terminal: pins a language, and says what the bot says to
/// `/lang` ([`handlers::run_command`]).
fn pin_language(engine: &Engine, arg: &str, prefs: &mut LangPrefs) -> Reply {
    if let Ok(Some(lang)) = parse_lang_arg(arg) {
        prefs.pinned = Some(lang);
    }
    handlers::run_command(engine, &Command::Lang(arg.to_owned()), *prefs)
}

/// The prompt before each line on a terminal.
pub const PROMPT: &str = "you> ";

/// Where the conversation's lines come from.
pub trait LineSource {
    /// The next line without its line break, or `None` at the end of input
    /// (Ctrl-D, or Ctrl-C on a terminal).
    fn read_line(&mut self, prompt: &str) -> io::Result<Option<String>>;
}

/// Lines from a pipe, a file or a buffer: no prompt, no editing. Bytes that
/// are not UTF-8 are replaced, not fatal.
pub struct Piped<R>(pub R);

impl<R: BufRead> LineSource for Piped<R> {
    fn read_line(&mut self, _prompt: &str) -> io::Result<Option<String>> {
        let mut raw = Vec::new();
        if self.0.read_until(b'\n', &mut raw)? == 0 {
            return Ok(None);
        }
        let line = String::from_utf8_lossy(&raw);
        let line = line.strip_suffix('\n').unwrap_or(&line);
        Ok(Some(line.strip_suffix('\r').unwrap_or(line).to_owned()))
    }
}

/// A terminal with line editing and an in-memory history (rustyline).
pub struct Editor(DefaultEditor);

impl Editor {
    pub fn new() -> io::Result<Editor> {
        DefaultEditor::new()
            .map(Editor)
            .map_err(|e| io::Error::other(format!("cannot set up line editing: {e}")))
    }
}

impl LineSource for Editor {
    fn read_line(&mut self, prompt: &str) -> io::Result<Option<String>> {
        match self.0.readline(prompt) {
            Ok(line) => {
                if !line.trim().is_empty() {
                    // Only a full history is an error, and losing one entry
                    // of it is no reason to stop the conversation.
                    let _ = self.0.add_history_entry(line.as_str());
                }
                Ok(Some(line))
            }
            Err(ReadlineError::Eof | ReadlineError::Interrupted) => Ok(None),
            Err(ReadlineError::Io(e)) => Err(e),
            Err(e) => Err(io::Error::other(e.to_string())),
        }
    }
}

/// Runs the conversation until the end of input or `/quit`.
pub fn run_chat<W: Write>(
    engine: &Engine,
    input: &mut dyn LineSource,
    mut output: W,
) -> io::Result<()> {
    let mut prefs = LangPrefs::default();
    let lang = prefs.without_text();
    let (welcome, mut pending) = engine.welcome(lang).to_numbered();
    writeln!(output, "{welcome}\n")?;
    writeln!(output, "{}\n", texts(lang).chat_banner)?;
    // The conversation so far, for follow-ups ("and Kyrgyzstan?", "when?").
    let mut dialogue: Option<Dialogue> = None;
    let started = std::time::Instant::now();
    let mut last_lang: Lang = lang;
    loop {
        // The prompt is written by the line source, after our last words.
        output.flush()?;
        let Some(line) = input.read_line(PROMPT)? else {
            break;
        };
        // Picks and commands carry no language of their own: they answer in
        // the language of the choices offered, or the pinned one.
        let quiet = prefs.without_text();
        let reply = match classify(&line) {
            Line::Empty => continue,
            Line::Quit => break,
            Line::Pick(n) if (1..=pending.len()).contains(&n) => {
                let picked = &pending[n - 1].id;
                // A picked topic becomes the conversation's topic.
                if let Some(entry) = engine.kb().find(picked) {
                    let now = started.elapsed().as_secs();
                    dialogue = Some(Dialogue::about(engine, entry, now));
                }
                engine
                    .answer_for(picked, last_lang)
                    .unwrap_or_else(|| engine.fallback(last_lang))
            }
            Line::Pick(_) if !pending.is_empty() => {
                let count = pending.len().to_string();
                writeln!(
                    output,
                    "{}\n",
                    fill(texts(last_lang).pick_range, &[("count", &count)])
                )?;
                continue;
            }
            Line::Pick(_) => engine.respond(&line, quiet),
            Line::Command("lang", arg) => pin_language(engine, arg, &mut prefs),
            Line::Command(name, arg) => command_reply(engine, name, arg, prefs),
            Line::Question(q) => {
                let now = started.elapsed().as_secs();
                let turn =
                    crate::dialogue::respond(engine, dialogue.as_ref(), q, prefs.for_text(q), now);
                dialogue = Some(turn.dialogue);
                turn.reply
            }
        };
        last_lang = reply.lang;
        let (text, picks) = reply.to_numbered();
        pending = picks;
        writeln!(output, "{text}\n")?;
    }
    writeln!(output, "{}", texts(prefs.without_text()).goodbye)?;
    output.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chat(input: &str) -> String {
        let engine = Engine::embedded().unwrap();
        let mut out = Vec::new();
        run_chat(&engine, &mut Piped(input.as_bytes()), &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn lines_are_classified() {
        assert_eq!(classify("  "), Line::Empty);
        assert_eq!(classify("/quit"), Line::Quit);
        assert_eq!(classify("EXIT"), Line::Quit);
        assert_eq!(classify(" 2 "), Line::Pick(2));
        assert_eq!(
            classify("/country@ksilk_bot kyrgyz"),
            Line::Command("country", "kyrgyz")
        );
        assert_eq!(classify("what?"), Line::Question("what?"));
        assert_eq!(classify("/ask  when? "), Line::Question("when?"));
        assert_eq!(classify("/ask"), Line::Command("ask", ""));
    }

    #[test]
    fn a_question_gets_its_answer_with_a_source() {
        let out = chat("what are the four pillars\n");
        assert!(out.contains("official development assistance"), "{out}");
        assert!(out.contains("Source: The Korea Times"), "{out}");
        assert!(out.trim_end().ends_with("Goodbye!"));
    }

    #[test]
    fn a_number_picks_a_did_you_mean_choice() {
        let engine = Engine::embedded().unwrap();
        let clarify = engine.respond("energy", Lang::En);
        assert!(clarify.choices.len() >= 2, "{clarify:?}");
        let first = engine.answer_for(&clarify.choices[0].id, Lang::En).unwrap();
        let out = chat("energy\n1\n");
        assert!(out.contains("  1. "), "{out}");
        assert!(out.contains(&first.body), "{out}");
    }

    #[test]
    fn an_out_of_range_number_asks_again() {
        let out = chat("energy\n9\n");
        assert!(out.contains("Please pick a number from 1 to"), "{out}");
    }

    #[test]
    fn commands_work_offline() {
        let out = chat("/countries\n/country kyrgystan\n/nope\n");
        assert!(
            out.contains("Tajikistan, Turkmenistan and Uzbekistan"),
            "{out}"
        );
        assert!(out.contains("water resources and tourism"), "{out}");
        assert!(out.contains("I don't know the command /nope"), "{out}");
    }

    #[test]
    fn replies_follow_the_question_language() {
        let out = chat(
            "какие четыре направления у инициативы?\n카자흐스탄과는 어떤 분야에서 협력하나요?\n",
        );
        assert!(out.contains("Источник: The Korea Times"), "{out}");
        assert!(out.contains("출처: The Korea Times"), "{out}");
    }

    #[test]
    fn lang_pins_the_language_for_text_that_shows_none() {
        let out = chat("/lang ru\nKazakhstan\n/lang\n/lang xx\n");
        assert!(out.contains("Готово"), "{out}");
        assert!(out.contains("Казахстан\n"), "{out}");
        assert!(out.contains(texts(Lang::Ru).lang_prompt), "{out}");
        assert!(out.contains(texts(Lang::Ru).lang_usage), "{out}");
        assert!(out.trim_end().ends_with(texts(Lang::Ru).goodbye), "{out}");
        let english = chat("/lang ru\nwhat are the pillars\n");
        assert!(english.contains("Source: The Korea Times"), "{english}");
    }

    #[test]
    fn the_chat_keeps_the_conversation_for_follow_ups() {
        let out = chat("what will korea do with kazakhstan\nand turkmenistan?\ntell me more\n");
        assert!(out.contains("energy plant partnerships"), "{out}");
        assert!(out.contains("In the source's own words"), "{out}");
        let ko = chat("한-중앙아시아 정상회의 언제 열려요?\n어디서?\n");
        assert!(ko.contains("한-중앙아시아 정상회의\n"), "{ko}");
    }

    #[test]
    fn quit_stops_reading() {
        let out = chat("/quit\nwhat are the pillars\n");
        assert!(!out.contains("official development assistance"), "{out}");
    }

    #[test]
    fn invalid_utf8_is_answered_not_fatal() {
        let engine = Engine::embedded().unwrap();
        let mut out = Vec::new();
        run_chat(&engine, &mut Piped(&b"\xff\xfe kazakhstan\n"[..]), &mut out).unwrap();
        assert!(
            String::from_utf8(out)
                .unwrap()
                .contains("energy and infrastructure")
        );
    }
}
