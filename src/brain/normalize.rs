//! Text normalisation and tokenisation: the one place that decides what a "word" is.
//!
//! The knowledge base's phrases and every user message go through the same
//! [`tokenize`] so that both sides of a comparison look alike. It is shaped as a
//! single pass over characters (after NFKC) because user text is hostile: 10,000
//! characters of emoji, zero-width joiners, RTL marks and HTML must all come out as
//! a short, clean list of tokens, and that must be cheap. It also runs for
//! every question, so the common cases take shortcuts with the same result:
//! ASCII text skips NFKC (it is its own normal form), text the quick check
//! finds already in NFKC (most Cyrillic and Hangul) skips the normaliser, and
//! Hangul syllables and lowercase Cyrillic skip the Unicode table lookups.
//!
//! What it does, in order:
//! 1. drops a leading `/command` (with or without `@bot`) and every `@mention`;
//! 2. NFKC, then lower case, then strips Latin diacritics (`Türkmenistan` →
//!    `turkmenistan`) and folds `ё` to `е`; Cyrillic and Hangul letters are kept;
//! 3. deletes invisible format characters (zero-width, bidi controls, soft hyphen)
//!    so that `Kaz\u{200B}akhstan` stays one word;
//! 4. deletes apostrophes inside words (`O'zbekiston` → `ozbekiston`) and a
//!    possessive `'s` (`Korea's` → `korea`);
//! 5. splits on everything that is not a letter or digit (punctuation, emoji,
//!    symbols, spaces);
//! 6. reads "us" after "the" as `america`, the knowledge base's word for the
//!    United States: "and the US?" asks about it, and the pronoun "us" never
//!    follows "the".

use unicode_normalization::char::{decompose_canonical, is_combining_mark};
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfkc_quick};

// ASCII, Cyrillic, Hangul syllables and their punctuation are NFKC as they
// stand; the classifier's n-grams skip the normaliser for the same set.
use crate::classify::features::is_plain_nfkc;

/// At most this many tokens of a message are looked at. A real question is far
/// shorter; the cap bounds the cost of a 10,000-character message.
pub const MAX_TOKENS: usize = 48;

/// Characters of input read at most; beyond this a message is not a question.
pub const MAX_INPUT_CHARS: usize = 2_000;

/// Removes a leading `/command` or `/command@bot` and returns the rest.
pub fn strip_command(text: &str) -> &str {
    let trimmed = text.trim_start();
    if let Some(rest) = trimmed.strip_prefix('/') {
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let word = &rest[..end];
        // Only a word made of command characters is a command: "/ 5" or "/?" is text.
        if !word.is_empty()
            && word
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '@')
        {
            return &rest[end..];
        }
    }
    text
}

/// Is `c` an invisible formatting character that should vanish without splitting?
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}'
        | '\u{034F}'
        | '\u{061C}'
        | '\u{115F}' | '\u{1160}'
        | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}'
        | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}'
        | '\u{3164}'
        | '\u{FE00}'..='\u{FE0F}'
        | '\u{FEFF}'
        | '\u{FFA0}'
        | '\u{E0000}'..='\u{E007F}')
}

fn is_apostrophe(c: char) -> bool {
    matches!(
        c,
        '\'' | '\u{2019}' | '\u{2018}' | '\u{02BC}' | '\u{02BB}' | '`' | '\u{00B4}'
    )
}

/// Folds one already-lowercased character into zero or more output characters.
fn fold_char(c: char, out: &mut String) {
    if c == 'ё' {
        out.push('е');
    } else if (c as u32) < 0x0250 || ('\u{1E00}'..='\u{1EFF}').contains(&c) {
        // Latin: drop diacritics. Cyrillic (й) and Hangul must not be decomposed.
        decompose_canonical(c, |d| {
            if !is_combining_mark(d) {
                out.push(d);
            }
        });
    } else if !is_combining_mark(c) {
        out.push(c);
    }
}

/// Step 2 and 3 for one character after NFKC: invisible characters vanish,
/// the rest is lowercased and folded ([`fold_char`]).
fn fold_into(c: char, out: &mut String) {
    match c {
        // Shortcuts for the characters questions are made of, which the
        // general rule below leaves as they are (or just lowercases): ASCII
        // has no diacritics, Hangul syllables have no case, and lowercase
        // Cyrillic other than `ё` is not decomposed. A test checks that they
        // agree with the general rule for every character.
        '\0'..='\x7f' => out.push(c.to_ascii_lowercase()),
        '\u{0430}'..='\u{044F}' | '\u{AC00}'..='\u{D7A3}' => out.push(c),
        c if is_invisible(c) => {}
        c => {
            for lower in c.to_lowercase() {
                fold_char(lower, out);
            }
        }
    }
}

/// Is `c` part of a word (a letter or digit)? The same as
/// [`char::is_alphanumeric`], with the Unicode table lookup skipped for
/// Hangul syllables and lowercase Cyrillic, which are all letters.
fn is_word_char(c: char) -> bool {
    matches!(c, '\u{0430}'..='\u{045F}' | '\u{AC00}'..='\u{D7A3}') || c.is_alphanumeric()
}

/// Normalises text into a flat string of space-separated tokens.
///
/// This is the canonical form used for alias uniqueness and for comparing an
/// evaluation question with the knowledge base's examples.
pub fn normalize(text: &str) -> String {
    tokenize(text).join(" ")
}

/// The first `max` characters of `text`, without copying them.
fn first_chars(text: &str, max: usize) -> &str {
    // A character takes at least one byte: a short text needs no counting.
    if text.len() <= max {
        return text;
    }
    match text.char_indices().nth(max) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}

/// Steps 2 and 3 of the module docs: NFKC, lower case, folding, invisible
/// characters deleted.
fn fold(text: &str) -> String {
    // ASCII is its own NFKC form and has nothing to fold but case.
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    let mut folded = String::with_capacity(text.len());
    // Most non-ASCII questions (Cyrillic, Hangul syllables) are NFKC
    // already; the quick check says so without running the normaliser, and
    // for text made only of the characters questions are written with the
    // answer is known without the quick check's table lookups.
    if text.chars().all(is_plain_nfkc) || is_nfkc_quick(text.chars()) == IsNormalized::Yes {
        for c in text.chars() {
            // `fold_into`'s own shortcuts, here in the loop.
            match c {
                '\0'..='\x7f' => folded.push(c.to_ascii_lowercase()),
                '\u{0430}'..='\u{044F}' | '\u{AC00}'..='\u{D7A3}' => folded.push(c),
                c => fold_into(c, &mut folded),
            }
        }
    } else {
        text.nfkc().for_each(|c| fold_into(c, &mut folded));
    }
    folded
}

/// Splits text into normalised tokens (see the module docs for the rules).
pub fn tokenize(text: &str) -> Vec<String> {
    // Room for a question's words: growing it step by step cost more than
    // the words themselves.
    let mut tokens: Vec<String> = Vec::with_capacity(16);
    tokenize_each(text, |token| tokens.push(token.to_owned()));
    tokens
}

/// [`tokenize`]'s tokens handed to `each` one by one, in order, without a
/// string allocated for each: the matcher reads a question's words this way.
pub fn tokenize_each(text: &str, mut each: impl FnMut(&str)) {
    let folded = fold(first_chars(strip_command(text), MAX_INPUT_CHARS));

    // The word being read, handed out and reused for the next.
    let mut current = String::with_capacity(32);
    let mut count = 0usize;
    let mut in_mention = false;
    let mut after_the = false;
    let mut flush = |current: &mut String, in_mention: &mut bool| {
        if !current.is_empty() && !*in_mention {
            if after_the && current == "us" {
                current.clear();
                current.push_str("america");
            }
            after_the = current == "the";
            each(current);
            count += 1;
        }
        current.clear();
        *in_mention = false;
        count
    };
    let mut emitted = 0usize;
    let mut chars = folded.chars();
    while emitted < MAX_TOKENS
        && let Some(c) = chars.next()
    {
        // The letters questions are made of, first: none is an apostrophe,
        // all are word characters.
        if c.is_ascii_alphanumeric()
            || matches!(c, '\u{0430}'..='\u{045F}' | '\u{AC00}'..='\u{D7A3}')
        {
            current.push(c);
        } else if is_apostrophe(c) {
            // Checked before letters: 'ʻ' (U+02BB) counts as a letter in Unicode.
            let mut ahead = chars.clone();
            let next = ahead.next();
            let after = ahead.next();
            let next_is_letter = next.is_some_and(is_word_char);
            if current.is_empty() {
                // a leading quote mark: nothing to join
            } else if next == Some('s') && !after.is_some_and(is_word_char) {
                // possessive: "korea's" -> "korea"
                chars.next();
            } else if !next_is_letter {
                emitted = flush(&mut current, &mut in_mention);
            }
            // otherwise the apostrophe sits inside a word and simply vanishes
        } else if is_word_char(c) || (in_mention && c == '_') {
            current.push(c);
        } else if c == '@' && current.is_empty() {
            in_mention = true;
        } else {
            emitted = flush(&mut current, &mut in_mention);
        }
    }
    if emitted < MAX_TOKENS {
        flush(&mut current, &mut in_mention);
    }
}

/// Which writing system a phrase is in, for knowledge-base statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Script {
    Latin,
    Cyrillic,
    Hangul,
    Other,
}

impl Script {
    /// The script of the first letter in `text`, or `Other` if it has none.
    pub fn of(text: &str) -> Script {
        match text.chars().find(|c| c.is_alphabetic()) {
            Some('a'..='z' | 'A'..='Z' | '\u{00C0}'..='\u{024F}' | '\u{1E00}'..='\u{1EFF}') => {
                Script::Latin
            }
            Some('\u{0400}'..='\u{04FF}') => Script::Cyrillic,
            Some('\u{AC00}'..='\u{D7AF}' | '\u{1100}'..='\u{11FF}' | '\u{3130}'..='\u{318F}') => {
                Script::Hangul
            }
            _ => Script::Other,
        }
    }

    /// The language label shown in statistics.
    pub fn label(self) -> &'static str {
        match self {
            Script::Latin => "latin (en and local spellings)",
            Script::Cyrillic => "cyrillic (ru)",
            Script::Hangul => "hangul (ko)",
            Script::Other => "other",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<String> {
        tokenize(s)
    }

    #[test]
    fn lowercases_and_strips_punctuation() {
        assert_eq!(
            toks("What are the PILLARS?!"),
            ["what", "are", "the", "pillars"]
        );
    }

    #[test]
    fn hyphenated_names_split_into_words() {
        assert_eq!(toks("K-Silk Road"), ["k", "silk", "road"]);
    }

    #[test]
    fn apostrophe_inside_a_word_is_deleted() {
        assert_eq!(toks("O'zbekiston"), ["ozbekiston"]);
        assert_eq!(toks("Oʻzbekiston"), ["ozbekiston"]);
    }

    #[test]
    fn possessive_s_is_dropped() {
        assert_eq!(toks("Korea’s goal"), ["korea", "goal"]);
    }

    #[test]
    fn latin_diacritics_are_removed_but_cyrillic_letters_kept() {
        assert_eq!(toks("Türkmenistan"), ["turkmenistan"]);
        assert_eq!(toks("Qırğızstan"), ["qırgızstan"]);
        assert_eq!(toks("Киргизия, Ёлка, й"), ["киргизия", "елка", "й"]);
    }

    #[test]
    fn zero_width_characters_do_not_split_words() {
        assert_eq!(toks("Kaz\u{200B}akh\u{200D}stan\u{FEFF}"), ["kazakhstan"]);
        assert_eq!(toks("\u{202E}pillars\u{202C}"), ["pillars"]);
    }

    #[test]
    fn emoji_and_symbols_are_separators() {
        assert_eq!(toks("🇰🇿kazakhstan🔥?"), ["kazakhstan"]);
        assert!(toks("🙂🙂🙂").is_empty());
    }

    #[test]
    fn mentions_and_leading_commands_are_removed() {
        assert_eq!(toks("/ask@ksilk_bot what is it"), ["what", "is", "it"]);
        assert_eq!(toks("@ksilk_bot pillars please"), ["pillars", "please"]);
        assert_eq!(toks("hey @some_bot, pillars"), ["hey", "pillars"]);
    }

    #[test]
    fn slash_that_is_not_a_command_is_kept_as_text() {
        assert_eq!(toks("/ pillars"), ["pillars"]);
    }

    #[test]
    fn cyrillic_and_hangul_tokenize_on_spaces_and_punctuation() {
        assert_eq!(
            toks("Что такое K-Silk Road?"),
            ["что", "такое", "k", "silk", "road"]
        );
        assert_eq!(
            toks("카자흐스탄은, 어떤 나라?"),
            ["카자흐스탄은", "어떤", "나라"]
        );
    }

    #[test]
    fn fullwidth_forms_are_folded_by_nfkc() {
        assert_eq!(toks("ＰＩＬＬＡＲＳ"), ["pillars"]);
    }

    #[test]
    fn huge_input_is_capped() {
        let long = "kazakhstan ".repeat(5_000);
        assert_eq!(toks(&long).len(), MAX_TOKENS);
        assert!(toks(&"x".repeat(10_000))[0].chars().count() <= MAX_INPUT_CHARS);
    }

    #[test]
    fn empty_and_whitespace_give_no_tokens() {
        assert!(toks("").is_empty());
        assert!(toks("   \n\t ").is_empty());
        assert!(toks("/start").is_empty());
    }

    #[test]
    fn compatibility_forms_inside_other_text_are_folded() {
        assert_eq!(
            toks("Ｋ-Silk ﬁnance ① Ёлка"),
            ["k", "silk", "finance", "1", "елка"]
        );
        assert_eq!(toks("KOREA'S Ｋａｚａｋｈ"), ["korea", "kazakh"]);
    }

    #[test]
    fn apostrophes_at_the_edges_and_before_s() {
        assert_eq!(toks("'korea' o's"), ["korea", "o"]);
        assert_eq!(toks("it's ok's'"), ["it", "ok"]);
    }

    #[test]
    fn us_after_the_is_the_united_states_and_otherwise_the_pronoun() {
        assert_eq!(toks("and the US?"), ["and", "the", "america"]);
        assert_eq!(
            toks("what about the us"),
            ["what", "about", "the", "america"]
        );
        assert_eq!(toks("tell us more"), ["tell", "us", "more"]);
        assert_eq!(toks("the @us"), ["the"]);
        assert_eq!(toks("rock'n'roll '"), ["rocknroll"]);
    }

    /// The general folding rule, as written before the shortcuts in [`fold_into`].
    fn fold_general(c: char, out: &mut String) {
        if is_invisible(c) {
            return;
        }
        for lower in c.to_lowercase() {
            fold_char(lower, out);
        }
    }

    #[test]
    fn shortcuts_agree_with_the_general_rules_for_every_character() {
        let (mut fast, mut general) = (String::new(), String::new());
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            fast.clear();
            general.clear();
            fold_into(c, &mut fast);
            fold_general(c, &mut general);
            assert_eq!(fast, general, "{c:?}");
            assert_eq!(is_word_char(c), c.is_alphanumeric(), "{c:?}");
        }
    }

    #[test]
    fn plain_characters_are_nfkc_wherever_they_stand() {
        use unicode_normalization::char::canonical_combining_class;
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            if is_plain_nfkc(c) {
                assert_eq!(
                    is_nfkc_quick(std::iter::once(c)),
                    IsNormalized::Yes,
                    "{c:?}"
                );
                assert_eq!(canonical_combining_class(c), 0, "{c:?}");
            }
        }
    }

    #[test]
    fn long_input_is_cut_at_a_character_boundary() {
        let long = "й".repeat(MAX_INPUT_CHARS + 10);
        assert_eq!(
            first_chars(&long, MAX_INPUT_CHARS).chars().count(),
            MAX_INPUT_CHARS
        );
        assert_eq!(first_chars("abc", 2), "ab");
        assert_eq!(first_chars("ab", 2), "ab");
    }

    #[test]
    fn script_detection() {
        assert_eq!(Script::of("Казахстан"), Script::Cyrillic);
        assert_eq!(Script::of("카자흐스탄"), Script::Hangul);
        assert_eq!(Script::of("K-실크로드"), Script::Latin);
        assert_eq!(Script::of("123"), Script::Other);
    }
}
