//! How a message is cut into the pieces the index reads: its words, its
//! sentences, and the question part of a long message with personal context.
//!
//! Matching a 40-word message as one query lets the context words outweigh
//! the question; these functions find the parts worth matching on their own.
//! They only split text and never consult the knowledge base.

use crate::lexicon::is_russian_translit_marker;
use crate::morph::{split_scripts, split_scripts_each};
use crate::normalize::{tokenize, tokenize_each};

/// The questions of a long message with context around them ("I'm a tour
/// guide in Samarkand and ... Does the strategy include exchange?"): its
/// sentences that end in a question mark, joined, when the message has at
/// least [`LONG_MESSAGE_WORDS`] words and a sentence that asks nothing.
/// `None` for a short message, one with no question mark, or one that is all
/// questions.
pub fn question_part(text: &str) -> Option<String> {
    if word_count(text) < LONG_MESSAGE_WORDS {
        return None;
    }
    let pieces: Vec<&str> = text
        .split_inclusive(['.', '!', '?', '？', ';', '\n', '\u{3002}'])
        .filter(|s| word_count(s) > 0)
        .collect();
    let asks = |s: &&str| s.trim_end().ends_with(['?', '？']);
    let questions: Vec<&str> = pieces.iter().copied().filter(asks).collect();
    if questions.is_empty() || questions.len() == pieces.len() {
        return None;
    }
    Some(questions.concat().trim().to_owned())
}

/// How many words make a message long enough to carry context besides its
/// question (the blind sets' long messages run 20-45 words).
pub const LONG_MESSAGE_WORDS: usize = 15;

/// The parts of a long message worth matching on their own: its sentences
/// (split at sentence ends, semicolons, dashes and line breaks, with at least
/// `MIN_SENTENCE_TOKENS` words), each also joined with the sentence before
/// it, which often names the topic the question then asks about ("My
/// supervisor mentioned the K-Silk Road. What does it aim to do?").
///
/// When some sentences end with a question mark, only the parts that end
/// with one are kept: in "My grandfather was Koryo-saram… What does 'K-Silk
/// Road' refer to?" the context sentence alone must not answer for the
/// question.
pub(super) fn sentences(text: &str) -> Vec<&str> {
    let bounds: Vec<(usize, usize)> = text
        .split_inclusive([
            '.', '!', '?', '？', ';', '\n', '\u{2014}', '\u{2013}', '\u{3002}',
        ])
        .scan(0, |at, s| {
            let start = *at;
            *at += s.len();
            Some((start, *at))
        })
        .filter(|&(a, b)| word_count(&text[a..b]) >= MIN_SENTENCE_TOKENS)
        .collect();
    let is_question = |end: usize| text[..end].trim_end().ends_with(['?', '？']);
    let any_question = bounds.iter().any(|&(_, end)| is_question(end));
    let mut parts = Vec::with_capacity(bounds.len() * 2);
    for (i, &(start, end)) in bounds.iter().enumerate() {
        if any_question && !is_question(end) {
            continue;
        }
        parts.push(&text[start..end]);
        if i > 0 {
            parts.push(&text[bounds[i - 1].0..end]);
        }
    }
    parts
}

/// A sentence shorter than this is not tried on its own.
pub(super) const MIN_SENTENCE_TOKENS: usize = 3;

/// The words of a text as the index sees them: normalised tokens, split
/// where Latin letters meet Hangul or Cyrillic ("ODA도" → "oda", "도").
pub(super) fn words(text: &str) -> Vec<String> {
    split_scripts(tokenize(text))
}

/// Has the text a Latin word that is a Russian function word typed in Latin
/// letters ([`crate::lexicon::is_russian_translit_marker`])? No allocation.
pub(super) fn has_russian_translit_marker(text: &str) -> bool {
    const LONGEST: usize = 16;
    let mut lower = [0u8; LONGEST];
    text.as_bytes()
        .split(|b| !b.is_ascii_alphabetic())
        .filter(|w| (2..=LONGEST).contains(&w.len()))
        .any(|w| {
            let lower = &mut lower[..w.len()];
            lower.copy_from_slice(w);
            lower.make_ascii_lowercase();
            // ASCII letters only, so always UTF-8.
            std::str::from_utf8(lower).is_ok_and(is_russian_translit_marker)
        })
}

/// [`words`] handed to `each` one by one, with no string allocated for
/// each: how a question is read (`Index::read`) and its sentences counted.
pub(super) fn for_each_word(text: &str, mut each: impl FnMut(&str)) {
    tokenize_each(text, |token| split_scripts_each(token, &mut each));
}

/// The words of a script reading joined back into one text, with a question
/// mark when `text` had one (tokenising dropped it).
pub(super) fn rejoined(words: &[String], text: &str) -> String {
    let mut out = words.join(" ");
    if text.contains('?') {
        out.push('?');
    }
    out
}

/// How many [`words`] a text has.
pub(super) fn word_count(text: &str) -> usize {
    let mut count = 0;
    for_each_word(text, |_| count += 1);
    count
}

/// Tokenises a long text (an answer) without the query-length cap.
pub(super) fn tokenize_all(text: &str) -> Vec<String> {
    text.split_inclusive(['.', '!', '?'])
        .flat_map(words)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_question_part_of_a_long_message_is_its_questions_without_the_context() {
        let long = "I'm a tour guide in Samarkand and lots of Korean groups come through \
                    every season. Does the strategy include people-to-people exchange? \
                    Thanks a lot!";
        assert_eq!(
            question_part(long).as_deref(),
            Some("Does the strategy include people-to-people exchange?")
        );
        let two = "My boss asked me twice. Who announced it? And when was that exactly?";
        assert_eq!(
            question_part(&format!(
                "{two} I need it for a report tomorrow morning, please."
            ))
            .as_deref(),
            Some("Who announced it? And when was that exactly?")
        );
        // Short, without a question mark, or all questions: nothing to set apart.
        assert_eq!(question_part("Hi. Who announced it?"), None);
        assert_eq!(
            question_part(
                "I'm a journalist in Almaty and I would like to know who announced the strategy."
            ),
            None
        );
        assert_eq!(
            question_part(
                "Who announced the K-Silk Road strategy at the briefing? And when exactly did they announce it to the press?"
            ),
            None
        );
    }

    #[test]
    fn words_one_by_one_are_the_words_of_the_list() {
        for text in [
            "ODA도 Kyrgyzstan이랑은 K실크로드 4대 5개국",
            "What does Korea's K-Silk Road mean for O'zbekiston?",
            "Что Корея будет развивать с Казахстаном? 카자흐스탄과는",
            "@bot /ask ﬁne Ｋａｚａｋｈ",
            &"слово ".repeat(60),
            "",
        ] {
            let mut each = Vec::new();
            for_each_word(text, |w| each.push(w.to_owned()));
            assert_eq!(each, words(text), "{text}");
            assert_eq!(word_count(text), each.len());
        }
    }
}
