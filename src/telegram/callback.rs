//! The callback_data format of inline-keyboard buttons.
//!
//! Telegram stores at most 64 bytes per button and hands them back verbatim,
//! possibly months later, to whatever version of the bot is then running. So
//! the format is tiny, explicit and versioned: `<action><version>:<argument>`.
//!
//! - `a2:<lang>:<entry id>`: answer this entry in this language, so the
//!   "related" and "did you mean" buttons under a Russian answer answer in
//!   Russian whatever the chat's or the user's settings.
//! - `a1:<entry id>`: the older answer button, still read so buttons under
//!   old messages keep working; it carries no language, so the handler picks
//!   the chat's pinned one or the user's.
//! - `l1:<lang>`: pin this reply language for the chat (the `/lang` buttons).
//! - `c1:<lang>:<entry id>`: a "did you mean" choice: answer this entry in
//!   this language *in place of* the question (the message is edited), so
//!   choosing does not pile up messages.
//!
//! Entry ids are slugs of at most 40 bytes, so the data stays well under the
//! limit. Data that does not parse (an older format, a foreign bot, a forged
//! payload) is [`Action::Unknown`], and the handler answers it with a polite
//! toast instead of an error.

use crate::lang::Lang;

/// Telegram's limit on callback_data, in bytes.
pub const MAX_CALLBACK_DATA: usize = 64;

const ANSWER_V1: &str = "a1";
const ANSWER_V2: &str = "a2";
const LANG_V1: &str = "l1";
const CHOICE_V1: &str = "c1";

/// What a button asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Show the answer for this entry id, in `lang` when the button says
    /// (`a2`), else in the chat's or the user's language (`a1`).
    Answer { id: String, lang: Option<Lang> },
    /// A "did you mean" choice: answer this entry in `lang` in place of the
    /// message that asked.
    Choose { id: String, lang: Lang },
    /// Pin this reply language for the chat.
    PinLang(Lang),
    /// Anything this version cannot read.
    Unknown,
}

/// True for the slugs the knowledge base uses as ids (`a-z`, `0-9`, `-`).
fn is_slug(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// A language code exactly as [`Lang::code`] writes it (no `RU`, no `ko-KR`:
/// only what this module encodes is read back).
fn exact_lang(code: &str) -> Option<Lang> {
    Lang::ALL.into_iter().find(|l| l.code() == code)
}

/// The callback_data for "answer entry `id` in `lang`", or `None` if the id
/// cannot be encoded within Telegram's limit (the caller then leaves the
/// button out rather than send something Telegram rejects).
pub fn encode_answer(id: &str, lang: Lang) -> Option<String> {
    let data = format!("{ANSWER_V2}:{}:{id}", lang.code());
    (is_slug(id) && data.len() <= MAX_CALLBACK_DATA).then_some(data)
}

/// The callback_data for the "did you mean" choice of entry `id` in
/// `lang`, or `None` if it cannot be encoded within Telegram's limit.
pub fn encode_choice(id: &str, lang: Lang) -> Option<String> {
    let data = format!("{CHOICE_V1}:{}:{id}", lang.code());
    (is_slug(id) && data.len() <= MAX_CALLBACK_DATA).then_some(data)
}

/// The callback_data for "pin `lang` in this chat".
pub fn encode_lang(lang: Lang) -> String {
    format!("{LANG_V1}:{}", lang.code())
}

/// Reads callback_data written by [`encode_answer`], [`encode_lang`] or an
/// older version of the bot.
pub fn decode(data: &str) -> Action {
    let Some((action, rest)) = data.split_once(':') else {
        return Action::Unknown;
    };
    match action {
        ANSWER_V1 if is_slug(rest) => Action::Answer {
            id: rest.to_owned(),
            lang: None,
        },
        ANSWER_V2 => match rest.split_once(':') {
            Some((code, id)) if is_slug(id) => match exact_lang(code) {
                Some(lang) => Action::Answer {
                    id: id.to_owned(),
                    lang: Some(lang),
                },
                None => Action::Unknown,
            },
            _ => Action::Unknown,
        },
        CHOICE_V1 => match rest.split_once(':') {
            Some((code, id)) if is_slug(id) => match exact_lang(code) {
                Some(lang) => Action::Choose {
                    id: id.to_owned(),
                    lang,
                },
                None => Action::Unknown,
            },
            _ => Action::Unknown,
        },
        LANG_V1 => exact_lang(rest).map_or(Action::Unknown, Action::PinLang),
        _ => Action::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_entry_ids_in_every_language() {
        for id in ["pillars", "korea-central-asia-summit", "k-silk-road"] {
            for lang in Lang::ALL {
                let data = encode_answer(id, lang).unwrap();
                assert!(data.len() <= MAX_CALLBACK_DATA);
                assert_eq!(
                    decode(&data),
                    Action::Answer {
                        id: id.to_owned(),
                        lang: Some(lang)
                    }
                );
            }
        }
        assert_eq!(encode_answer("pillars", Lang::Ru).unwrap(), "a2:ru:pillars");
    }

    #[test]
    fn old_answer_buttons_still_decode_without_a_language() {
        assert_eq!(
            decode("a1:pillars"),
            Action::Answer {
                id: "pillars".to_owned(),
                lang: None
            }
        );
    }

    #[test]
    fn choice_buttons_round_trip_and_refuse_what_does_not_fit() {
        for lang in Lang::ALL {
            let data = encode_choice("korea-central-asia-summit", lang).unwrap();
            assert_eq!(
                decode(&data),
                Action::Choose {
                    id: "korea-central-asia-summit".to_owned(),
                    lang
                }
            );
        }
        assert_eq!(encode_choice("pillars", Lang::Ru).unwrap(), "c1:ru:pillars");
        assert_eq!(encode_choice(&"x".repeat(59), Lang::En), None);
        for data in [
            "c1:pillars",
            "c1:de:pillars",
            "c1:ru:",
            "c1:ru:Pillars",
            "c2:ru:pillars",
        ] {
            assert_eq!(decode(data), Action::Unknown, "{data}");
        }
    }

    #[test]
    fn language_buttons_round_trip() {
        for lang in Lang::ALL {
            let data = encode_lang(lang);
            assert!(data.len() <= MAX_CALLBACK_DATA);
            assert_eq!(decode(&data), Action::PinLang(lang));
        }
        assert_eq!(encode_lang(Lang::Ko), "l1:ko");
    }

    #[test]
    fn refuses_what_does_not_fit_or_is_not_a_slug() {
        assert_eq!(encode_answer(&"x".repeat(59), Lang::En), None);
        assert_eq!(encode_answer("Kazakhstan", Lang::En), None);
        assert_eq!(encode_answer("", Lang::En), None);
        assert!(encode_answer(&"x".repeat(58), Lang::Ko).is_some());
    }

    #[test]
    fn unknown_or_forged_data_is_unknown() {
        for data in [
            "",
            "a1:",
            "a1:Pillars",
            "a2:pillars",
            "a2:de:pillars",
            "a2:RU:pillars",
            "a2:ru:",
            "a2:ru:Pillars",
            "a3:ru:pillars",
            "l1:",
            "l1:de",
            "l1:ru-RU",
            "l2:ru",
            "topic_pillars",
            "a1:<b>",
            "a1:x:y",
        ] {
            assert_eq!(decode(data), Action::Unknown, "{data:?}");
        }
    }
}
