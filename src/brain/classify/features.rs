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

use unicode_normalization::UnicodeNormalization;

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

/// FNV-1a over the UTF-8 bytes of an n-gram: stable across builds and
/// platforms, so the build script's model fits the binary that embeds it.
fn hash_chars(chars: &[char]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut buf = [0u8; 4];
    for c in chars {
        for b in c.encode_utf8(&mut buf).bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

/// Calls `emit` with the hash of every n-gram of every word of `text`, in
/// order (an n-gram that occurs twice is emitted twice).
///
/// Words are runs of letters and digits after NFKC, lower case and ё → е;
/// each is read as " word " so that beginnings and ends are n-grams of their
/// own. A word shorter than `n` gives one n-gram, itself.
pub fn for_each_ngram(text: &str, mut emit: impl FnMut(u64)) {
    let mut word: Vec<char> = Vec::with_capacity(32);
    word.push(' ');
    let flush = |word: &mut Vec<char>, emit: &mut dyn FnMut(u64)| {
        if word.len() > 1 {
            word.push(' ');
            for n in 1..=MAX_N {
                if word.len() <= n {
                    emit(hash_chars(word));
                    break;
                }
                for window in word.windows(n) {
                    emit(hash_chars(window));
                }
            }
        }
        word.clear();
        word.push(' ');
    };
    for c in text.chars().take(MAX_CHARS).nfkc() {
        if is_invisible(c) || is_joiner(c) {
            continue;
        }
        if c.is_alphanumeric() {
            for lower in c.to_lowercase() {
                word.push(if lower == 'ё' { 'е' } else { lower });
            }
        } else {
            flush(&mut word, &mut emit);
        }
    }
    flush(&mut word, &mut emit);
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
    fn a_huge_text_reads_only_its_beginning() {
        let huge = "казахстан ".repeat(2_000);
        assert!(grams(&huge).len() <= MAX_CHARS * MAX_N * 2);
    }
}
