//! Languages: which one a question is written in, and which one to reply in.
//!
//! The bot speaks English, Russian and Korean. The reply language is the
//! question's own language; a text that shows none (a bare Latin name such as
//! "Kazakhstan", a number, an emoji) takes the chat's pinned language, then the
//! Telegram user's `language_code`, then English ([`choose`]).
//!
//! Detection is by words, not by a statistical model: the three languages have
//! three scripts, so every Hangul word is Korean and every Cyrillic word is
//! Russian (Kazakh, Kyrgyz and Uzbek Cyrillic are read as Russian, the closest
//! language the bot speaks). Latin letters are the hard part: users write
//! English, but also Uzbek Latin ("kazakhstan bilan korea nima qiladi") and
//! bare names, and a name says nothing about the language its writer reads.
//! So a Latin word counts for English only when it is an English function,
//! question or everyday word ("what", "the", "is", "tell"), and for Russian
//! when it is a Russian function word typed in Latin letters ("chto",
//! "kogda", "kakie": people on a Latin keyboard); names and foreign words
//! are neutral. The language with the most such words wins; a tie goes
//! to the non-Latin script, which is the one the writer switched keyboards for.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::lexicon;

/// A language the bot answers in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    En,
    Ru,
    Ko,
}

impl Lang {
    /// Every language, in the order texts are listed in the knowledge base.
    pub const ALL: [Lang; 3] = [Lang::En, Lang::Ru, Lang::Ko];

    /// The ISO 639-1 code: `en`, `ru`, `ko`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ru => "ru",
            Lang::Ko => "ko",
        }
    }

    /// The language's name in itself, for buttons: "English", "Русский", "한국어".
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Ru => "Русский",
            Lang::Ko => "한국어",
        }
    }

    /// A position in [`Lang::ALL`], for per-language arrays.
    pub fn index(self) -> usize {
        self as usize
    }

    /// Reads a code such as `ru`, `RU` or `ko-KR`; `None` for other languages.
    pub fn from_code(code: &str) -> Option<Lang> {
        let primary = code.trim().split(['-', '_']).next().unwrap_or("");
        Lang::ALL
            .into_iter()
            .find(|l| primary.eq_ignore_ascii_case(l.code()))
    }

    /// The language a Telegram `language_code` asks for: Russian or Korean
    /// when it says so, English for anything else (including none).
    pub fn from_telegram(code: Option<&str>) -> Lang {
        match code.and_then(Lang::from_code) {
            Some(Lang::Ru) => Lang::Ru,
            Some(Lang::Ko) => Lang::Ko,
            _ => Lang::En,
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Why a language code was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown language \"{0}\": use en, ru or ko")]
pub struct UnknownLang(pub String);

impl FromStr for Lang {
    type Err = UnknownLang;

    fn from_str(s: &str) -> Result<Lang, UnknownLang> {
        Lang::from_code(s).ok_or_else(|| UnknownLang(s.to_owned()))
    }
}

fn is_hangul(c: char) -> bool {
    matches!(c, '\u{AC00}'..='\u{D7A3}' | '\u{1100}'..='\u{11FF}' | '\u{3130}'..='\u{318F}')
}

fn is_cyrillic(c: char) -> bool {
    matches!(c, '\u{0400}'..='\u{04FF}' | '\u{0500}'..='\u{052F}')
}

/// The language a text is written in, or `None` when it shows none (see the
/// module docs). `/commands`, `@mentions` and links are not words of it.
pub fn detect(text: &str) -> Option<Lang> {
    let mut votes = [0usize; 3];
    let mut first_non_latin: Option<Lang> = None;
    // One buffer for every Latin word's letters, lowercased.
    let mut lower = String::with_capacity(32);
    for word in text.split_whitespace() {
        // (A link's "://" found bytewise, and looked for only in a word
        // with a colon, which a slice search finds fast: `str::contains`
        // would set up a substring searcher for every word.)
        let bytes = word.as_bytes();
        if word.starts_with(['/', '@'])
            || (bytes.contains(&b':') && bytes.windows(3).any(|w| w == b"://"))
        {
            continue;
        }
        // One vote per word, by the first script found in it; Latin words
        // vote only when they are English words (after apostrophes go).
        let script = word.chars().find_map(|c| {
            if is_hangul(c) {
                Some(Lang::Ko)
            } else if is_cyrillic(c) {
                Some(Lang::Ru)
            } else if c.is_ascii_alphabetic() {
                Some(Lang::En)
            } else {
                None
            }
        });
        match script {
            Some(Lang::En) => {
                lower.clear();
                // Byte by byte: a word's ASCII letters are its ASCII bytes.
                lower.extend(
                    bytes
                        .iter()
                        .filter(|b| b.is_ascii_alphabetic())
                        .map(|b| char::from(b.to_ascii_lowercase())),
                );
                if lexicon::is_english_marker(&lower) {
                    votes[Lang::En.index()] += 1;
                } else if lexicon::is_russian_translit_marker(&lower) {
                    votes[Lang::Ru.index()] += 1;
                    first_non_latin.get_or_insert(Lang::Ru);
                }
            }
            Some(lang) => {
                votes[lang.index()] += 1;
                first_non_latin.get_or_insert(lang);
            }
            None => {}
        }
    }
    let [en, ru, ko] = votes;
    let non_latin = ru.max(ko);
    if non_latin == 0 {
        return (en > 0).then_some(Lang::En);
    }
    if en > non_latin {
        return Some(Lang::En);
    }
    if ru == ko {
        return first_non_latin;
    }
    Some(if ru > ko { Lang::Ru } else { Lang::Ko })
}

/// The reply language: the question's, else the chat's pinned one, else the
/// user's (from Telegram's `language_code`), else English.
pub fn choose(text: &str, pinned: Option<Lang>, user: Option<Lang>) -> Lang {
    detect(text).or(pinned).or(user).unwrap_or(Lang::En)
}

/// What decides the reply language besides the text itself: the chat's
/// pinned language (`/lang`) and the user's own (Telegram's `language_code`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LangPrefs {
    pub pinned: Option<Lang>,
    pub user: Option<Lang>,
}

impl LangPrefs {
    /// The language for a reply to `text` (see [`choose`]).
    pub fn for_text(self, text: &str) -> Lang {
        choose(text, self.pinned, self.user)
    }

    /// The language for a reply to something with no text (`/pillars`, a
    /// button, a sticker).
    pub fn without_text(self) -> Lang {
        self.pinned.or(self.user).unwrap_or(Lang::En)
    }
}

/// Reads the argument of `/lang`: `Ok(None)` when there is none (offer the
/// choice), `Ok(Some(lang))` for a code or a language's own name, an error
/// for anything else.
pub fn parse_lang_arg(arg: &str) -> Result<Option<Lang>, UnknownLang> {
    let arg = arg.trim();
    if arg.is_empty() {
        return Ok(None);
    }
    let lower = arg.to_lowercase();
    let by_name = Lang::ALL.into_iter().find(|l| {
        let names: &[&str] = match l {
            Lang::En => &["english", "английский", "영어"],
            Lang::Ru => &["russian", "русский", "러시아어"],
            Lang::Ko => &["korean", "корейский", "한국어"],
        };
        names.contains(&lower.as_str())
    });
    match by_name.or_else(|| Lang::from_code(&lower)) {
        Some(lang) => Ok(Some(lang)),
        None => Err(UnknownLang(arg.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_sentences_are_detected_by_script_and_words() {
        assert_eq!(detect("What are the four pillars?"), Some(Lang::En));
        assert_eq!(
            detect("корея и казахстн в каких сферах будут сотрудничать"),
            Some(Lang::Ru)
        );
        assert_eq!(
            detect("카자흐스탄과는 어떤 분야에서 협력하나요?"),
            Some(Lang::Ko)
        );
        assert_eq!(detect("대통령 이번에 키르기즈스탄도 가?"), Some(Lang::Ko));
    }

    #[test]
    fn bare_names_numbers_and_emoji_show_no_language() {
        for text in [
            "Kazakhstan",
            "Bishkek",
            "42",
            "🇰🇿🙂",
            "",
            "   ",
            "K-Silk Road",
        ] {
            assert_eq!(detect(text), None, "{text:?}");
        }
    }

    #[test]
    fn uzbek_latin_and_bare_keywords_show_no_language() {
        assert_eq!(detect("kazakhstan bilan korea nima qiladi"), None);
        assert_eq!(detect("Korea Kazakhstan energetika?"), None);
    }

    #[test]
    fn code_switched_text_takes_the_language_of_its_grammar() {
        assert_eq!(detect("что такое K-Silk Road?"), Some(Lang::Ru));
        assert_eq!(detect("K-Silk Road 이니셔티브가 뭐야"), Some(Lang::Ko));
        assert_eq!(detect("Korea и Kazakhstan energy?"), Some(Lang::Ru));
        assert_eq!(detect("what do they say about Казахстан"), Some(Lang::En));
    }

    #[test]
    fn russian_typed_in_latin_letters_reads_as_russian() {
        assert_eq!(detect("chto takoe K-Silk Road?"), Some(Lang::Ru));
        assert_eq!(
            detect("kogda pervyi sammit korea central asia budet"),
            Some(Lang::Ru)
        );
        assert_eq!(detect("what is chto in russian"), Some(Lang::En));
        assert_eq!(detect("K-Silk Road degen ne?"), None);
    }

    #[test]
    fn kazakh_cyrillic_reads_as_russian() {
        assert_eq!(detect("Қазақстан туралы айтыңызшы"), Some(Lang::Ru));
    }

    #[test]
    fn mentions_commands_and_links_are_not_words() {
        assert_eq!(detect("@ksilk_bot Казахстан"), Some(Lang::Ru));
        assert_eq!(detect("/ask 카자흐스탄"), Some(Lang::Ko));
        assert_eq!(detect("https://example.org/what/is/the"), None);
    }

    #[test]
    fn zero_width_and_rtl_characters_do_not_confuse_detection() {
        assert_eq!(detect("Каз\u{200B}ахстан\u{200F}"), Some(Lang::Ru));
        assert_eq!(detect("مرحبا كازاخستان"), None);
    }

    #[test]
    fn reply_language_falls_back_from_text_to_pin_to_user_to_english() {
        assert_eq!(
            choose("Kazakhstan", Some(Lang::Ko), Some(Lang::Ru)),
            Lang::Ko
        );
        assert_eq!(choose("Kazakhstan", None, Some(Lang::Ru)), Lang::Ru);
        assert_eq!(choose("Kazakhstan", None, None), Lang::En);
        assert_eq!(choose("Казахстан?", Some(Lang::Ko), None), Lang::Ru);
        assert_eq!(choose("what is it", Some(Lang::Ru), None), Lang::En);
    }

    #[test]
    fn telegram_language_codes_map_to_ru_ko_or_english() {
        assert_eq!(Lang::from_telegram(Some("ru")), Lang::Ru);
        assert_eq!(Lang::from_telegram(Some("ko-KR")), Lang::Ko);
        assert_eq!(Lang::from_telegram(Some("uz")), Lang::En);
        assert_eq!(Lang::from_telegram(Some("en-GB")), Lang::En);
        assert_eq!(Lang::from_telegram(None), Lang::En);
    }

    #[test]
    fn lang_argument_takes_codes_and_native_names() {
        assert_eq!(parse_lang_arg(""), Ok(None));
        assert_eq!(parse_lang_arg(" ru "), Ok(Some(Lang::Ru)));
        assert_eq!(parse_lang_arg("한국어"), Ok(Some(Lang::Ko)));
        assert_eq!(parse_lang_arg("English"), Ok(Some(Lang::En)));
        assert!(parse_lang_arg("klingon").is_err());
    }

    #[test]
    fn preferences_apply_only_when_the_text_shows_no_language() {
        let prefs = LangPrefs {
            pinned: None,
            user: Some(Lang::Ko),
        };
        assert_eq!(prefs.for_text("/pillars"), Lang::Ko);
        assert_eq!(prefs.for_text("что это?"), Lang::Ru);
        assert_eq!(prefs.without_text(), Lang::Ko);
        assert_eq!(LangPrefs::default().without_text(), Lang::En);
    }

    #[test]
    fn codes_parse_and_unknown_ones_are_refused() {
        assert_eq!("RU".parse::<Lang>(), Ok(Lang::Ru));
        assert_eq!("ko".parse::<Lang>(), Ok(Lang::Ko));
        assert_eq!(
            "de".parse::<Lang>().unwrap_err().to_string(),
            "unknown language \"de\": use en, ru or ko"
        );
        assert_eq!(Lang::ALL.map(Lang::index), [0, 1, 2]);
    }
}
