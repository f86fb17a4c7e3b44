//! Morphology: the one form under which a word is indexed and looked up.
//!
//! The knowledge base's phrases and answers, and every question, go through
//! [`Stemmers::term`], so "cooperate" meets "cooperation", "Казахстаном" meets
//! "Казахстан" and "카자흐스탄과는" meets "카자흐스탄". Three mechanisms, one
//! per script:
//!
//! - English and Russian: Snowball stemmers (rust-stemmers), on lower-cased
//!   text with `ё` already folded to `е` (see `normalize`).
//! - Korean: no stemmer builds offline here (lindera downloads its dictionary
//!   at build time; mecab needs a 100 MB dictionary and unsafe FFI), and Korean
//!   morphology the bot needs is regular: a noun followed by particles
//!   (카자흐스탄 + 과 + 는) or a 하다-verb followed by an ending (협력 + 하나요).
//!   [`korean_stem`] strips those suffixes from a closed list, never leaving
//!   fewer than two syllables, so 국가 ("country") is not read as 국 + 가.
//! - Question words in Russian and Korean (когда, 언제) become their English
//!   counterparts ([`crate::lexicon::english_question_word`]), so the English
//!   examples that teach the matcher which part of a topic a "when" or "who"
//!   asks about teach it in every language.
//! - Uzbek and Kazakh words in Latin script that users mix in ("hamkorlik",
//!   "qachon") are read as English ones ([`crate::lexicon::english_loanword`]).

use std::borrow::Cow;

use rust_stemmers::{Algorithm, Stemmer};

use crate::lexicon::{english_loanword, english_question_word};

/// Snowball stemmers for English and Russian, and the Korean suffix rules.
pub struct Stemmers {
    english: Stemmer,
    russian: Stemmer,
}

impl Stemmers {
    pub fn new() -> Stemmers {
        Stemmers {
            english: Stemmer::create(Algorithm::English),
            russian: Stemmer::create(Algorithm::Russian),
        }
    }

    /// The indexed form of a normalised token.
    pub fn term<'a>(&self, token: &'a str) -> Cow<'a, str> {
        if let Some(english) = crate::lexicon::english_shorthand(token) {
            return self.term(english);
        }
        if let Some(english) = english_question_word(token) {
            return Cow::Borrowed(english);
        }
        // English question words stay whole, so that they are the terms the
        // Russian and Korean ones translate to: Snowball stems "why" to
        // "whi", and "почему" (read as "why") would never meet it.
        if crate::lexicon::is_english_question_word(token) {
            return Cow::Borrowed(token);
        }
        if let Some(english) = english_loanword(token) {
            return self.english.stem(english);
        }
        match token.chars().next() {
            Some('a'..='z') => self.english.stem(token),
            Some('\u{0400}'..='\u{04FF}') => self.russian.stem(token),
            Some(c) if is_hangul_syllable(c) => {
                let stem = korean_stem(token);
                // A question word keeps what the stemmer may not cut from so
                // short a word: a polite 요 ("왜요", "뭐요") or a copula
                // ("누구야", "어디예요", "뭐니"), which ask the same.
                let ending = || {
                    QUESTION_WORD_ENDINGS
                        .iter()
                        .find_map(|e| english_question_word(stem.strip_suffix(e)?))
                };
                match english_question_word(stem).or_else(ending) {
                    Some(english) => Cow::Borrowed(english),
                    None => Cow::Borrowed(stem),
                }
            }
            _ => Cow::Borrowed(token),
        }
    }
}

impl Default for Stemmers {
    fn default() -> Self {
        Stemmers::new()
    }
}

impl std::fmt::Debug for Stemmers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Stemmers(english, russian, korean suffixes)")
    }
}

/// Splits tokens where Latin letters meet another script's letters: Korean
/// particles attach to Latin words ("ODA도", "Kyrgyzstan이랑은") and a
/// Latin prefix to Korean ones ("K실크로드"). Digits stay with their
/// neighbours ("4대", "5개국").
pub fn split_scripts(tokens: Vec<String>) -> Vec<String> {
    split_scripts_list(tokens)
}

/// [`split_scripts`] for one token, its parts handed to `each` in order (the
/// token itself when its scripts do not meet). [`split_scripts`] of a list
/// is this for each token in turn (tested).
pub fn split_scripts_each<'a>(token: &'a str, mut each: impl FnMut(&'a str)) {
    let latin = |c: char| c.is_ascii_alphabetic();
    let other = |c: char| c.is_alphabetic() && !c.is_ascii_alphabetic();
    // Most tokens are of one script: ASCII, or no ASCII letter at all.
    if token.is_ascii() || !token.bytes().any(|b| b.is_ascii_alphabetic()) {
        each(token);
        return;
    }
    let mut start = 0;
    let mut previous: Option<char> = None;
    for (i, c) in token.char_indices() {
        if let Some(p) = previous
            && ((latin(p) && other(c)) || (other(p) && latin(c)))
        {
            each(&token[start..i]);
            start = i;
        }
        previous = Some(c);
    }
    each(&token[start..]);
}

fn split_scripts_list(tokens: Vec<String>) -> Vec<String> {
    let latin = |c: char| c.is_ascii_alphabetic();
    let other = |c: char| c.is_alphabetic() && !c.is_ascii_alphabetic();
    if tokens
        .iter()
        .all(|t| !(t.chars().any(latin) && t.chars().any(other)))
    {
        return tokens;
    }
    let mut out = Vec::with_capacity(tokens.len() + 2);
    for token in tokens {
        let mut start = 0;
        let mut previous: Option<char> = None;
        for (i, c) in token.char_indices() {
            if let Some(p) = previous
                && ((latin(p) && other(c)) || (other(p) && latin(c)))
            {
                out.push(token[start..i].to_owned());
                start = i;
            }
            previous = Some(c);
        }
        out.push(token[start..].to_owned());
    }
    out
}

/// A precomposed Hangul syllable (가-힣).
pub fn is_hangul_syllable(c: char) -> bool {
    ('\u{AC00}'..='\u{D7A3}').contains(&c)
}

/// Endings of 하다/되다 verbs and of the copula (the longest that fits wins): "협력하나요" → "협력", "발표했어요" → "발표", "무엇인가요" → "무엇".
const ENDINGS: &[&str] = &[
    "했습니까",
    "했습니다",
    "하겠습니까",
    "하겠습니다",
    "되었습니까",
    "되었습니다",
    "되었나요",
    "하나요",
    "하는지",
    "하는데",
    "하려고",
    "하려는",
    "하니까",
    "한다고",
    "한대요",
    "합니다",
    "합니까",
    "했어요",
    "했나요",
    "했는지",
    "했다고",
    "할까요",
    "하세요",
    "했어",
    "했니",
    "했다",
    "했던",
    "한다",
    "한대",
    "하나",
    "하니",
    "하는",
    "하고",
    "하며",
    "하면",
    "하기",
    "하게",
    "해서",
    "해요",
    "하다",
    "할까",
    "됩니까",
    "됩니다",
    "되나요",
    "되는지",
    "됐나요",
    "됐어요",
    "되는",
    "됐어",
    "돼요",
    "입니까",
    "입니다",
    "인가요",
    "이에요",
    "이라고",
    "이라는",
    "인데요",
    "인지",
    "인가",
    "인데",
    "예요",
    "이야",
    "이죠",
    "이고",
    "이며",
    "라고",
    "라는",
    "해",
    "할",
    "한",
    "함",
    "된",
    "될",
    "돼",
];

/// Particles, including stacked ones (에서는, 과는).
const PARTICLES: &[&str] = &[
    "에서부터",
    "으로부터",
    "에게서",
    "한테서",
    "께서는",
    "에서는",
    "에서도",
    "에게는",
    "한테는",
    "으로는",
    "이랑은",
    "에서",
    "에게",
    "한테",
    "께서",
    "으로",
    "까지",
    "부터",
    "처럼",
    "보다",
    "이나",
    "이랑",
    "하고",
    "마다",
    "조차",
    "에는",
    "에도",
    "과는",
    "와는",
    "과도",
    "와도",
    "로는",
    "은",
    "는",
    "이",
    "가",
    "을",
    "를",
    "과",
    "와",
    "의",
    "에",
    "께",
    "로",
    "도",
    "만",
    "나",
    "랑",
    "들",
    "요",
];

/// Is this whole string one Korean particle (from the list above)?
pub fn is_particle(text: &str) -> bool {
    PARTICLES.contains(&text)
}

/// Fewer syllables than this never remain after stripping.
const MIN_KOREAN_STEM: usize = 2;

/// What follows a Korean question word without changing what it asks: the
/// polite 요 and the copula, informal or polite ("누구야", "누구예요",
/// "어디니", "뭐냐", "언제입니까").
const QUESTION_WORD_ENDINGS: &[&str] = &[
    "요",
    "야",
    "이야",
    "예요",
    "에요",
    "이에요",
    "니",
    "냐",
    "입니까",
    "인가요",
    "일까",
];

/// A Korean word without its particles and verb ending (see the module docs).
pub fn korean_stem(token: &str) -> &str {
    let syllables = |s: &str| s.chars().count();
    let strip = |word: &str, list: &[&str]| -> Option<usize> {
        // The longest suffix that leaves a long enough stem.
        list.iter()
            .filter(|suffix| word.ends_with(*suffix))
            .map(|suffix| word.len() - suffix.len())
            .filter(|&cut| syllables(&word[..cut]) >= MIN_KOREAN_STEM)
            .min()
    };
    let mut word = token;
    if let Some(cut) = strip(word, ENDINGS) {
        word = &word[..cut];
    }
    // Particles stack ("국가들에서는"): peel up to three.
    for _ in 0..3 {
        match strip(word, PARTICLES) {
            Some(cut) => word = &word[..cut],
            None => break,
        }
    }
    word
}

#[cfg(test)]
mod tests {
    #[test]
    fn english_question_words_are_the_terms_foreign_ones_translate_to() {
        let stemmers = Stemmers::new();
        for (english, foreign) in [
            ("why", "почему"),
            ("why", "왜"),
            ("why", "왜요"),
            ("what", "뭐요"),
            ("when", "언제요"),
            ("when", "когда"),
            // With the copula, informal or polite.
            ("who", "누구야"),
            ("who", "누구예요"),
            ("where", "어디니"),
            ("when", "언제야"),
        ] {
            assert_eq!(stemmers.term(english), english);
            assert_eq!(stemmers.term(foreign), english);
        }
    }

    use super::*;

    #[test]
    fn korean_particles_and_endings_are_stripped() {
        assert_eq!(korean_stem("카자흐스탄과는"), "카자흐스탄");
        assert_eq!(korean_stem("협력하나요"), "협력");
        assert_eq!(korean_stem("키르기즈스탄도"), "키르기즈스탄");
        assert_eq!(korean_stem("발표했어요"), "발표");
        assert_eq!(korean_stem("정상회의는"), korean_stem("정상회의"));
        assert_eq!(korean_stem("국가들에서는"), "국가");
        assert_eq!(korean_stem("우즈베키스탄으로"), "우즈베키스탄");
    }

    #[test]
    fn latin_words_are_split_from_attached_korean_or_cyrillic() {
        let split = |t: &[&str]| split_scripts(t.iter().map(|s| (*s).to_owned()).collect());
        assert_eq!(
            split(&["oda도", "kyrgyzstan이랑은"]),
            ["oda", "도", "kyrgyzstan", "이랑은"]
        );
        assert_eq!(split(&["k실크로드"]), ["k", "실크로드"]);
        assert_eq!(
            split(&["4대", "5개국", "kazakhstan", "казахстан"]),
            ["4대", "5개국", "kazakhstan", "казахстан"]
        );
        assert_eq!(
            split(&["kоrea"]),
            ["k", "о", "rea"],
            "a Cyrillic о inside a Latin word is a boundary on both sides"
        );
    }

    #[test]
    fn korean_stems_keep_two_syllables() {
        assert_eq!(korean_stem("국가"), "국가");
        assert_eq!(korean_stem("분야"), "분야");
        assert_eq!(korean_stem("누가"), "누가");
        assert_eq!(korean_stem("가"), "가");
        assert!(is_particle("이") && is_particle("에서는") && !is_particle("축"));
    }

    #[test]
    fn question_words_read_as_english_in_every_language() {
        let s = Stemmers::new();
        assert_eq!(s.term("когда"), "when");
        assert_eq!(s.term("언제"), "when");
        assert_eq!(s.term("언제예요"), "when");
        assert_eq!(s.term("누가"), "who");
        assert_eq!(s.term("почему"), "why");
        assert_eq!(s.term("when"), "when");
    }

    #[test]
    fn english_and_russian_are_stemmed() {
        let s = Stemmers::new();
        assert_eq!(s.term("cooperation"), s.term("cooperate"));
        assert_eq!(s.term("сотрудничество"), "сотрудничеств");
        assert_eq!(s.term("🙂"), "🙂");
    }
}
