//! The offline terminal conversation (`ksilk chat`).
//!
//! It uses the same [`Engine`] and the same reply texts as the Telegram bot; only
//! the rendering differs (numbered choices instead of buttons). The loop is
//! generic over its input and output so tests drive it with byte buffers.

use std::io::{self, BufRead, Write};

use crate::engine::Engine;
use crate::reply::{Choice, Reply};
use crate::telegram::commands::{self, Command, Parsed};
use crate::telegram::handlers;

/// The name commands may be addressed to in the terminal (`/pillars@ksilk_bot`
/// pasted from a group works; `@` is already stripped by [`classify`]).
const TERMINAL_BOT_NAME: &str = "ksilk_bot";

/// The commands the terminal understands, mirroring the bot's.
pub const CHAT_HELP: &str = "Ask any question in your own words, or use a command:
  /pillars      the four partnership pillars
  /countries    the five Central Asian countries
  /country <name>  one country, e.g. /country kyrgyzstan
  /summit       the Korea-Central Asia Summit
  /about        the source, its date, and what it does not say
  /help         this text
  /quit         leave (Ctrl-D works too)
When I offer numbered choices, type the number to pick one.";

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
pub fn command_reply(engine: &Engine, name: &str, arg: &str) -> Reply {
    use crate::matcher::Outcome;
    let text = format!("/{name} {arg}");
    match commands::parse(text.trim_end(), TERMINAL_BOT_NAME) {
        Parsed::Command(Command::Help) => Reply::note(Outcome::Answer, CHAT_HELP),
        Parsed::Command(command) => handlers::run_command(engine, &command),
        Parsed::OtherBot | Parsed::Unknown => Reply::note(
            Outcome::Fallback,
            format!("I don't know the command /{name}. Type /help to see what I understand."),
        ),
    }
}

/// Runs the conversation until end of input or `/quit`.
///
/// `interactive` prints a prompt before each line (a terminal); with piped input
/// only the replies are printed.
pub fn run_chat<R: BufRead, W: Write>(
    engine: &Engine,
    mut input: R,
    mut output: W,
    interactive: bool,
) -> io::Result<()> {
    writeln!(output, "{}\n", engine.welcome().to_plain())?;
    writeln!(
        output,
        "(offline mode: /help for commands, /quit to leave)\n"
    )?;
    let mut pending: Vec<Choice> = Vec::new();
    let mut raw = Vec::new();
    loop {
        if interactive {
            write!(output, "you> ")?;
            output.flush()?;
        }
        raw.clear();
        if input.read_until(b'\n', &mut raw)? == 0 {
            break;
        }
        let line = String::from_utf8_lossy(&raw);
        let reply = match classify(&line) {
            Line::Empty => continue,
            Line::Quit => break,
            Line::Pick(n) if (1..=pending.len()).contains(&n) => engine
                .answer_for(&pending[n - 1].id)
                .unwrap_or_else(|| engine.fallback()),
            Line::Pick(_) if !pending.is_empty() => {
                writeln!(
                    output,
                    "Please pick a number from 1 to {}, or ask a new question.\n",
                    pending.len()
                )?;
                continue;
            }
            Line::Pick(_) => engine.respond(&line),
            Line::Command(name, arg) => command_reply(engine, name, arg),
            Line::Question(q) => engine.respond(q),
        };
        pending = reply.choices.clone();
        writeln!(output, "{}\n", reply.to_plain())?;
    }
    writeln!(output, "Goodbye!")?;
    output.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chat(input: &str) -> String {
        let engine = Engine::embedded().unwrap();
        let mut out = Vec::new();
        run_chat(&engine, input.as_bytes(), &mut out, false).unwrap();
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
        let clarify = engine.respond("energy");
        assert!(clarify.choices.len() >= 2, "{clarify:?}");
        let first = engine.answer_for(&clarify.choices[0].id).unwrap();
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
    fn quit_stops_reading() {
        let out = chat("/quit\nwhat are the pillars\n");
        assert!(!out.contains("official development assistance"), "{out}");
    }

    #[test]
    fn invalid_utf8_is_answered_not_fatal() {
        let engine = Engine::embedded().unwrap();
        let mut out = Vec::new();
        run_chat(&engine, &b"\xff\xfe kazakhstan\n"[..], &mut out, false).unwrap();
        assert!(
            String::from_utf8(out)
                .unwrap()
                .contains("energy and infrastructure")
        );
    }
}
