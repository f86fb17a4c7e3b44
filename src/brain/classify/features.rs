//! The classifier's view of a text: hashed character n-grams of its words.
//!
//! Character n-grams (1 to 4 characters of each word, padded with a space at
//! both ends) need no language knowledge, and that is why they are here:
//! "казахстаном" and "казахстан", "카자흐스탄과는" and "카자흐스탄", "kazakstan" and
//! "kazakhstan" share most of their n-grams, so inflection, particles and
//! typos cost a little similarity instead of a whole word.
//!
//! This file is also compiled into the build script (`build.rs`), which trains
//! the model for the built-in knowledge base, so it uses nothing but `std` and
//! `unicode-normalization`: training and prediction must see the very same
//! n-grams.

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfkc_quick};

/// The longest n-gram, in characters.
pub const MAX_N: usize = 4;

/// At most this many characters of a text are read: a 10,000-character
/// message costs no more than a long question.
pub const MAX_CHARS: usize = 600;

/// Characters that join a word rather than split it: "O'zbekiston" is one word.
fn is_joiner(c: char) -> bool {
    matches!(
        c,
        '\'' | '\u{2019}' | '\u{02BB}' | '\u{02BC}' | '`' | '\u{2018}'
    )
}

/// Zero-width and direction marks, which change nothing a reader sees.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}' | '\u{00AD}')
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// One more character into an FNV-1a hash of UTF-8 bytes. FNV extends a
/// prefix's hash, so the n-grams starting at one place cost one step each.
fn fnv_step(mut h: u64, c: char) -> u64 {
    let mut buf = [0u8; 4];
    for b in c.encode_utf8(&mut buf).bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(FNV_PRIME);
    }
    h
}

/// Emits the hash of every window of 1 to [`MAX_N`] characters of `word`
/// (a padded word, as [`for_each_word`] gives it). Stable across builds and
/// platforms, so the build script's model fits the binary that embeds it.
pub fn word_ngrams(word: &[char], mut emit: impl FnMut(u64)) {
    for start in 0..word.len() {
        let mut h = FNV_OFFSET;
        for &c in &word[start..word.len().min(start + MAX_N)] {
            h = fnv_step(h, c);
            emit(h);
        }
    }
}

/// Letters that are their own lower case and fold to themselves: lowercase
/// Cyrillic other than `ё`, and Hangul syllables. Most non-ASCII letters of
/// a question are these, and they skip the Unicode case tables (a test
/// checks the claim for each).
fn folds_to_itself(c: char) -> bool {
    matches!(c, '\u{0430}'..='\u{044F}' | '\u{0452}'..='\u{045F}' | '\u{AC00}'..='\u{D7A3}')
}

/// Is `c` part of a word? Letters and digits; the Unicode table lookup is
/// skipped for ASCII and for [`folds_to_itself`]'s letters, all of which
/// are alphanumeric (tested).
fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric()
    } else {
        folds_to_itself(c) || c.is_alphanumeric()
    }
}

/// Pushes `c` folded: lower case, ё → е.
#[inline]
fn push_folded(word: &mut Vec<char>, c: char) {
    if c.is_ascii() {
        word.push(c.to_ascii_lowercase());
        return;
    }
    if folds_to_itself(c) {
        word.push(c);
        return;
    }
    for lower in c.to_lowercase() {
        word.push(if lower == 'ё' { 'е' } else { lower });
    }
}

/// Characters that NFKC leaves as they are wherever they stand (quick check
/// "yes", combining class 0): ASCII, Cyrillic letters, Hangul syllables and
/// the punctuation typed around them. A text made only of these is in NFKC,
/// as the quick check would find, without its table lookups (a test checks
/// every one of them). The matcher's tokenizer ([`crate::normalize`]) uses
/// it too; it lives here because the build script compiles this file alone.
pub fn is_plain_nfkc(c: char) -> bool {
    matches!(c,
        '\0'..='\x7f'
        | '\u{0400}'..='\u{0482}'
        | '\u{048A}'..='\u{04FF}'
        | '\u{AC00}'..='\u{D7A3}'
        | '\u{00AB}' | '\u{00BB}'
        | '\u{2013}' | '\u{2014}'
        | '\u{2018}' | '\u{2019}' | '\u{201C}' | '\u{201D}')
}

/// Calls `each` with every word of `text`, folded and padded (" word "), in
/// order, repeats included: what [`word_ngrams`] reads. A word's n-grams
/// depend on the word alone, so a caller may remember them by word (the
/// library's classifier does, [`crate::classify::Classifier`]).
///
/// Words are runs of letters and digits after NFKC, lower case and ё → е;
/// each is read as " word " so that beginnings and ends are n-grams of their
/// own.
pub fn for_each_word(text: &str, mut each: impl FnMut(&[char])) {
    let mut word: Vec<char> = Vec::with_capacity(32);
    word.push(' ');
    let mut flush = |word: &mut Vec<char>| {
        if word.len() > 1 {
            word.push(' ');
            each(word);
        }
        word.clear();
        word.push(' ');
    };
    let mut take = |c: char| {
        // Joiners first: two of them (ʻ, ʼ) are letters to Unicode.
        if is_invisible(c) || is_joiner(c) {
        } else if is_word_char(c) {
            push_folded(&mut word, c);
        } else {
            flush(&mut word);
        }
    };
    // A character takes at least one byte: a short text needs no counting.
    let head = match text.len() > MAX_CHARS {
        false => text,
        true => match text.char_indices().nth(MAX_CHARS) {
            Some((end, _)) => &text[..end],
            None => text,
        },
    };
    // Most text is already in NFKC (plain Latin, Cyrillic, Hangul
    // syllables): then the normaliser has nothing to do and is skipped.
    if head.chars().all(is_plain_nfkc) || is_nfkc_quick(head.chars()) == IsNormalized::Yes {
        head.chars().for_each(&mut take);
    } else {
        head.chars().nfkc().for_each(&mut take);
    }
    flush(&mut word);
}

/// Calls `emit` with the hash of every n-gram of every word of `text` (an
/// n-gram that occurs twice is emitted twice): [`word_ngrams`] of each of
/// [`for_each_word`]'s words, every window of 1 to [`MAX_N`] characters.
pub fn for_each_ngram(text: &str, mut emit: impl FnMut(u64)) {
    for_each_word(text, |word| word_ngrams(word, &mut emit));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grams(text: &str) -> Vec<u64> {
        let mut out = Vec::new();
        for_each_ngram(text, |h| out.push(h));
        out
    }

    #[test]
    fn case_punctuation_and_invisible_marks_do_not_change_the_ngrams() {
        assert_eq!(grams("Kazakhstan?"), grams("kazakhstan"));
        assert_eq!(grams("ka\u{200B}zakh\u{200F}stan"), grams("kazakhstan"));
        assert_eq!(grams("ёлка"), grams("елка"));
        assert_eq!(grams("O'zbekiston"), grams("ozbekiston"));
    }

    #[test]
    fn an_inflected_form_shares_most_ngrams_with_its_stem() {
        let stem: std::collections::HashSet<u64> = grams("казахстан").into_iter().collect();
        let form = grams("казахстаном");
        let shared = form.iter().filter(|h| stem.contains(h)).count();
        assert!(shared * 10 >= form.len() * 7, "{shared} of {}", form.len());
    }

    #[test]
    fn a_word_gives_its_padded_ngrams_up_to_four_characters() {
        // " ab ": 4 unigrams, 3 bigrams, 2 trigrams, 1 four-gram.
        assert_eq!(grams("ab").len(), 10);
        // " a ": 3 unigrams, 2 bigrams, then the word itself once.
        assert_eq!(grams("a").len(), 6);
        assert!(grams("  ?! ").is_empty());
    }

    #[test]
    fn the_shortcuts_agree_with_the_unicode_tables() {
        use unicode_normalization::char::canonical_combining_class;
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            assert_eq!(is_word_char(c), c.is_alphanumeric(), "{c:?}");
            if folds_to_itself(c) {
                assert!(c.to_lowercase().eq([c]) && c != 'ё', "{c:?}");
            }
            if is_plain_nfkc(c) {
                assert_eq!(is_nfkc_quick([c].into_iter()), IsNormalized::Yes, "{c:?}");
                assert_eq!(canonical_combining_class(c), 0, "{c:?}");
            }
        }
    }

    #[test]
    fn a_text_is_read_word_by_word_as_the_ngrams_are() {
        let text = "Что Корея собирается развивать с O'zbekiston? 카자흐스탄과는 ﬁne";
        let mut words = Vec::new();
        for_each_word(text, |w| words.push(w.iter().collect::<String>()));
        assert_eq!(
            words,
            [
                " что ",
                " корея ",
                " собирается ",
                " развивать ",
                " с ",
                " ozbekiston "
            ]
            .into_iter()
            .chain([" 카자흐스탄과는 ", " fine "])
            .collect::<Vec<_>>()
        );
        let mut by_word = Vec::new();
        for_each_word(text, |w| {
            word_ngrams(w, |h| by_word.push(h));
        });
        assert_eq!(by_word, grams(text));
    }

    #[test]
    fn a_huge_text_reads_only_its_beginning() {
        let huge = "казахстан ".repeat(2_000);
        assert!(grams(&huge).len() <= MAX_CHARS * MAX_N * 2);
    }
}
