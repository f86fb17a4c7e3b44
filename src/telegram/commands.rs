//! The bot's commands: parsing, `/help` text and the menu Telegram shows.
//!
//! One enum drives all three, so the menu registered with setMyCommands, the
//! `/help` text and what the parser accepts can never disagree. The doc
//! comments are the descriptions (teloxide's derive reads them), so they are
//! written for users and stay under Telegram's 256-character limit. They are
//! the fallback: the menus and `/help` take each language's descriptions from
//! [`crate::texts`], and a menu is registered per language ([`menus`]).
//!
//! Parsing is teloxide's (`/cmd`, `/cmd@this_bot`, `/cmd@other_bot` rejected)
//! with one forgiving addition: `/Pillars` or `/ASK` from a phone keyboard that
//! capitalised the first letter is read as the lower-case command.

use teloxide::types::{BotCommand, BotCommandScope};
use teloxide::utils::command::{BotCommands, ParseError};

use crate::lang::Lang;
use crate::texts::texts;

/// I answer questions about Korea's K-Silk Road initiative for Central Asia.
/// Ask in your own words, or use a command:
#[derive(BotCommands, Clone, Debug, PartialEq, Eq)]
#[command(rename_rule = "lowercase")]
pub enum Command {
    /// greeting and the main topics
    Start(String),
    /// what I can do
    Help,
    /// ask a question, e.g. /ask What are the four pillars?
    Ask(String),
    /// the five Central Asian countries
    Countries,
    /// one country, e.g. /country Kyrgyzstan
    Country(String),
    /// the pillars of the initiative
    Pillars,
    /// the Korea–Central Asia summit
    Summit,
    /// where my knowledge comes from, and its limits
    About,
    /// reply language: /lang en, ru or ko
    Lang(String),
}

/// How a text that starts with `/` was read.
#[derive(Debug, PartialEq, Eq)]
pub enum Parsed {
    /// One of our commands (plain, or addressed to this bot).
    Command(Command),
    /// A command addressed to another bot (`/cmd@other_bot`): not ours to answer.
    OtherBot,
    /// Not a command we know.
    Unknown,
}

/// Parses a message text that starts with `/`.
pub fn parse(text: &str, bot_username: &str) -> Parsed {
    match Command::parse(text, bot_username) {
        Ok(command) => Parsed::Command(command),
        Err(ParseError::WrongBotName(_)) => Parsed::OtherBot,
        Err(_) => {
            // Retry with the command word lower-cased (`/Pillars@Bot args`).
            let (word, rest) = text.split_at(text.find(char::is_whitespace).unwrap_or(text.len()));
            let lowered = format!("{}{rest}", word.to_lowercase());
            match Command::parse(&lowered, bot_username) {
                Ok(command) if lowered != text => Parsed::Command(command),
                _ => Parsed::Unknown,
            }
        }
    }
}

/// True if the command word names another bot (`/cmd@other_bot`).
pub fn addressed_to_other(text: &str, bot_username: &str) -> bool {
    let word = text.split_whitespace().next().unwrap_or("");
    match word.split_once('@') {
        Some((_, name)) => !name.eq_ignore_ascii_case(bot_username),
        None => false,
    }
}

/// The `/help` text in a language (plain; the caller escapes it). The
/// command list is the one the parser accepts; the descriptions are the
/// language's ([`crate::texts`]).
pub fn help_text(lang: Lang) -> String {
    let t = texts(lang);
    let mut out = t.help_intro.to_owned();
    for c in Command::bot_commands() {
        let name = c.command.trim_start_matches('/');
        let description = t.command(name).unwrap_or(&c.description);
        out.push_str(&format!("\n/{name} — {description}"));
    }
    out
}

/// One command menu to register with setMyCommands.
#[derive(Debug, Clone)]
pub struct Menu {
    /// The users' `language_code` it is for; `None` is the default menu,
    /// which Telegram shows to everyone without a more specific one.
    pub language_code: Option<&'static str>,
    /// The language its descriptions are in.
    pub lang: Lang,
    pub scope: BotCommandScope,
    pub commands: Vec<BotCommand>,
}

/// The commands of a menu in a language. The derive writes names with their
/// `/`; the Bot API wants them bare, so it is removed.
fn menu_commands(lang: Lang, with_start: bool) -> Vec<BotCommand> {
    let t = texts(lang);
    Command::bot_commands()
        .into_iter()
        .map(|c| {
            let name = c.command.trim_start_matches('/').to_owned();
            let description = t.command(&name).map_or(c.description, str::to_owned);
            BotCommand::new(name, description)
        })
        .filter(|c| with_start || c.command != "start")
        .collect()
}

/// The menus to register: for each language (the default menu in English,
/// then one for `language_code` "ru" and one for "ko"), the full list for
/// private chats and one without `/start` for groups, where it only clutters
/// everyone's menu.
pub fn menus() -> Vec<Menu> {
    let languages = [
        (None, Lang::En),
        (Some("ru"), Lang::Ru),
        (Some("ko"), Lang::Ko),
    ];
    let mut out = Vec::new();
    for (language_code, lang) in languages {
        for (scope, with_start) in [
            (BotCommandScope::AllPrivateChats, true),
            (BotCommandScope::AllGroupChats, false),
        ] {
            out.push(Menu {
                language_code,
                lang,
                scope,
                commands: menu_commands(lang, with_start),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const ME: &str = "ksilk_bot";

    #[test]
    fn parses_plain_and_addressed_commands() {
        assert_eq!(parse("/pillars", ME), Parsed::Command(Command::Pillars));
        assert_eq!(
            parse("/pillars@ksilk_bot", ME),
            Parsed::Command(Command::Pillars)
        );
        assert_eq!(
            parse("/pillars@KSilk_Bot", ME),
            Parsed::Command(Command::Pillars)
        );
        assert_eq!(parse("/pillars@other_bot", ME), Parsed::OtherBot);
        assert_eq!(
            parse("/ask what is it", ME),
            Parsed::Command(Command::Ask("what is it".into()))
        );
        assert_eq!(
            parse("/ask", ME),
            Parsed::Command(Command::Ask(String::new()))
        );
        assert_eq!(
            parse("/start pillars", ME),
            Parsed::Command(Command::Start("pillars".into()))
        );
        assert_eq!(
            parse("/country kyrgystan", ME),
            Parsed::Command(Command::Country("kyrgystan".into()))
        );
        assert_eq!(
            parse("/lang@ksilk_bot ru", ME),
            Parsed::Command(Command::Lang("ru".into()))
        );
        assert_eq!(
            parse("/lang", ME),
            Parsed::Command(Command::Lang(String::new()))
        );
    }

    #[test]
    fn forgives_capitals_but_not_unknown_commands() {
        assert_eq!(parse("/Pillars", ME), Parsed::Command(Command::Pillars));
        assert_eq!(
            parse("/ASK Why", ME),
            Parsed::Command(Command::Ask("Why".into()))
        );
        assert_eq!(parse("/weather", ME), Parsed::Unknown);
        assert_eq!(parse("/", ME), Parsed::Unknown);
    }

    #[test]
    fn menus_fit_telegram_rules() {
        let all = menus();
        assert_eq!(all.len(), 6);
        for menu in all {
            let commands = menu.commands;
            assert!(!commands.is_empty());
            let lang_line = commands.iter().find(|c| c.command == "lang");
            assert_eq!(
                lang_line.map(|c| c.description.as_str()),
                texts(menu.lang).command("lang"),
                "{:?}",
                menu.language_code
            );
            for c in commands {
                let name = &c.command;
                assert!(
                    !name.is_empty()
                        && name
                            .chars()
                            .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_')
                );
                assert!((1..=256).contains(&c.description.chars().count()), "{c:?}");
            }
        }
        for lang in Lang::ALL {
            let help = help_text(lang);
            assert!(help.contains("/country"), "{help}");
            assert!(help.starts_with(texts(lang).help_intro), "{help}");
        }
        assert!(help_text(Lang::Ru).contains("пять стран"));
    }
}
