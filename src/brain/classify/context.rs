//! What the follow-up model reads: a message, plus the conversation's topic
//! written as words of its own.
//!
//! A follow-up's meaning is a relation between the last topic and the words
//! asked: "who said that?" after the imperialism remark is the announcement,
//! "why?" after a country is the tailored cooperation, "is the president
//! going there?" after a country is the state visits. A linear model over the
//! message's n-grams alone cannot learn that; it can when the topic, and the
//! topic paired with each word, are features. Rather than widen the model's
//! input, those features are written into the text as *context words*: one
//! CJK Extension B ideograph each (U+20000 to U+2A6DF, letters no question
//! uses, stable under NFKC), chosen by a hash of the topic and the word. The
//! model, its byte form and its trainer stay exactly those of the
//! single-question classifier, and the build script trains this one too.
//!
//! Like the rest of `classify`'s trained part, this file is compiled into
//! `build.rs`, so it uses nothing but `std`.

/// The first code point of the block the context words are drawn from.
const BLOCK_START: u32 = 0x2_0000;
/// Its size: every code point of CJK Unified Ideographs Extension B.
const BLOCK_LEN: u32 = 0xA6E0;

/// At most this many words of a message are paired with the topic: a
/// follow-up is short, and a long one names its own topic anyway.
pub const MAX_PAIRED_WORDS: usize = 12;

/// A word is paired by its first characters: "сказал" and "сказала", "said"
/// and "saying" fall together, as inflection mostly changes endings.
const PAIRED_PREFIX: usize = 4;

/// The dialogue sets the built-in follow-up model learns from, relative to
/// the crate root: the dev set, and each blind set after its first contact.
pub const DIALOGUE_SETS: &[&str] = &[
    "tests/data/dialogues-dev.jsonl",
    "tests/data/dialogues-blind-1.jsonl",
    "tests/data/dialogues-blind-2.jsonl",
    "tests/data/dialogues-blind-3.jsonl",
    "tests/data/dialogues-blind-4.jsonl",
    "tests/data/dialogues-blind-5.jsonl",
    "tests/data/dialogues-blind-6.jsonl",
    "tests/data/dialogues-blind-7.jsonl",
    "tests/data/dialogues-blind-8.jsonl",
    "tests/data/dialogues-blind-9.jsonl",
    "tests/data/dialogues-blind-10.jsonl",
    "tests/data/dialogues-blind-11.jsonl",
    "tests/data/dialogues-blind-12.jsonl",
    "tests/data/dialogues-blind-13.jsonl",
    "tests/data/dialogues-blind-14.jsonl",
    "tests/data/dialogues-blind-15.jsonl",
    "tests/data/dialogues-blind-16.jsonl",
    "tests/data/dialogues-blind-17.jsonl",
    "tests/data/dialogues-blind-18.jsonl",
    "tests/data/dialogues-blind-19.jsonl",
    "tests/data/dialogues-blind-20.jsonl",
    "tests/data/dialogues-blind-21.jsonl",
];

fn fnv(parts: &[&str]) -> u32 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in part.bytes().chain([0xff]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    (h ^ (h >> 32)) as u32
}

fn context_word(parts: &[&str]) -> char {
    char::from_u32(BLOCK_START + fnv(parts) % BLOCK_LEN).expect("Extension B is all assigned")
}

/// `text` followed by its context words for `topic` (an entry id): one for
/// the topic, and one for the topic paired with each of the first
/// [`MAX_PAIRED_WORDS`] words.
pub fn with_context(text: &str, topic: &str) -> String {
    let mut out = String::with_capacity(text.len() + 4 * (MAX_PAIRED_WORDS + 2));
    out.push_str(text);
    out.push(' ');
    out.push(context_word(&["topic", topic]));
    let mut prefix = String::new();
    for word in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(MAX_PAIRED_WORDS)
    {
        prefix.clear();
        prefix.extend(
            word.chars()
                .flat_map(char::to_lowercase)
                .take(PAIRED_PREFIX),
        );
        out.push(' ');
        out.push(context_word(&[topic, &prefix]));
    }
    out
}

/// One labelled turn of a dialogue, as the sets hold it.
pub struct LabelledTurn<'a> {
    pub q: &'a str,
    /// The entry that answers it, or `None` when it is to be declined.
    pub label: Option<&'a str>,
    /// `first`, `entity`, `question-word`, `pronoun`, `more`, `own-topic`,
    /// `off-topic`.
    pub rule: &'a str,
}

/// The topic each turn of a dialogue is asked in: the last label before it
/// that `is_topic` (an answer, not small talk or a refusal), `None` for the
/// first turn and until one is answered. "Tell me more" shows a detail and
/// keeps the topic, as the bot does. The follow-up model learns with it
/// ([`follow_ups`]), and the dialogue scorer reads "more" by it.
pub fn topics<'a>(
    turns: &[LabelledTurn<'a>],
    is_topic: impl Fn(&str) -> bool,
) -> Vec<Option<&'a str>> {
    let mut topic: Option<&str> = None;
    turns
        .iter()
        .map(|turn| {
            let asked_in = topic;
            if let Some(label) = turn.label.filter(|l| turn.rule != "more" && is_topic(l)) {
                topic = Some(label);
            }
            asked_in
        })
        .collect()
}

/// The follow-ups of one dialogue the follow-up model learns from, as
/// `(topic, question, label)`: every turn after the first but "tell me
/// more" (which is no question), each with the topic its conversation
/// was on ([`topics`]). Declined turns have label `None`.
pub fn follow_ups<'a>(
    turns: &[LabelledTurn<'a>],
    is_topic: impl Fn(&str) -> bool,
) -> Vec<(&'a str, &'a str, Option<&'a str>)> {
    turns
        .iter()
        .zip(topics(turns, is_topic))
        .filter(|(turn, _)| turn.rule != "more")
        .filter_map(|(turn, topic)| Some((topic?, turn.q, turn.label)))
        .collect()
}

/// The turns of one dialogue that stand on their own, as `(question,
/// label)`: the first turn, a follow-up that names its own topic and an
/// off-topic turn mean the same whatever came before, so the single-question
/// classifier learns from them as from any labelled question. They are how
/// people open a conversation (long, personal, in their own language), which
/// the single-question sets hold fewer of.
pub fn standalone_questions<'a>(turns: &[LabelledTurn<'a>]) -> Vec<(&'a str, Option<&'a str>)> {
    turns
        .iter()
        .filter(|t| matches!(t.rule, "first" | "own-topic" | "off-topic"))
        .map(|t| (t.q, t.label))
        .collect()
}

/// The class a labelled turn teaches: its entry, or the one off-topic class
/// ([`super::train::OFF_TOPIC_LABEL`]) when it is to be declined or its entry
/// `is_off_topic`.
pub fn training_label(label: Option<&str>, is_off_topic: impl Fn(&str) -> bool) -> &str {
    match label {
        Some(l) if !is_off_topic(l) => l,
        _ => super::train::OFF_TOPIC_LABEL,
    }
}

/// How many times each labelled follow-up counts in training, against once
/// for each phrase and single question: they are few, and they are what
/// the model is for.
pub const FOLLOW_UP_WEIGHT: usize = 1;

/// The follow-up model's training texts, as `(label, text)`:
/// - the knowledge base's own phrases, as they are (what every topic is
///   called, in every language);
/// - each single question, after a topic chosen by a hash of its text:
///   a question that names its own topic is answered the same whatever
///   came before;
/// - each labelled follow-up after its topic, [`FOLLOW_UP_WEIGHT`] times.
///
/// `topics` are the entry ids a conversation can be about (not small talk,
/// not refusals).
pub fn follow_up_pairs(
    kb_pairs: &[(&str, &str)],
    questions: &[(&str, &str)],
    follow_ups: &[(&str, &str, &str)],
    topics: &[&str],
) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = kb_pairs
        .iter()
        .map(|&(label, text)| (label.to_owned(), text.to_owned()))
        .collect();
    if !topics.is_empty() {
        for &(label, q) in questions {
            let topic = topics[fnv(&[q]) as usize % topics.len()];
            pairs.push((label.to_owned(), with_context(q, topic)));
        }
    }
    for &(topic, q, label) in follow_ups {
        let text = with_context(q, topic);
        for _ in 0..FOLLOW_UP_WEIGHT {
            pairs.push((label.to_owned(), text.clone()));
        }
    }
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context_words(text: &str) -> Vec<char> {
        text.chars()
            .filter(|&c| (BLOCK_START..BLOCK_START + BLOCK_LEN).contains(&u32::from(c)))
            .collect()
    }

    #[test]
    fn the_context_words_name_the_topic_and_each_word_paired_with_it() {
        let text = with_context("who said that?", "imperialism");
        assert!(text.starts_with("who said that? "));
        let words = context_words(&text);
        assert_eq!(words.len(), 4);
        // The same word after another topic is another feature.
        let other = context_words(&with_context("who said that?", "kazakhstan"));
        assert!(words.iter().zip(&other).all(|(a, b)| a != b));
    }

    #[test]
    fn inflected_forms_share_their_paired_context_word() {
        let said = context_words(&with_context("сказал", "vision"));
        let said_f = context_words(&with_context("СКАЗАЛА", "vision"));
        assert_eq!(said, said_f);
    }

    #[test]
    fn context_words_are_letters_that_survive_normalisation() {
        use unicode_normalization::UnicodeNormalization;
        let text = with_context("а когда?", "state-visits");
        assert_eq!(text.nfkc().collect::<String>(), text);
        assert!(context_words(&text).iter().all(|c| c.is_alphanumeric()));
    }

    #[test]
    fn only_so_many_words_are_paired() {
        let long = "word ".repeat(100);
        assert_eq!(
            context_words(&with_context(&long, "pillars")).len(),
            MAX_PAIRED_WORDS + 1
        );
    }

    #[test]
    fn a_declined_turn_and_an_off_topic_entry_teach_the_off_topic_class() {
        let off = |l: &str| l.starts_with("off-topic");
        assert_eq!(training_label(Some("pillars"), off), "pillars");
        assert_eq!(
            training_label(Some("off-topic-food"), off),
            super::super::train::OFF_TOPIC_LABEL
        );
        assert_eq!(
            training_label(None, off),
            super::super::train::OFF_TOPIC_LABEL
        );
    }

    #[test]
    fn a_follow_up_keeps_the_last_topic_through_declined_turns_and_skips_more() {
        let turns = [
            LabelledTurn {
                q: "who announced it",
                label: Some("announcement"),
                rule: "first",
            },
            LabelledTurn {
                q: "weather in astana?",
                label: None,
                rule: "off-topic",
            },
            LabelledTurn {
                q: "thanks",
                label: Some("thanks"),
                rule: "own-topic",
            },
            LabelledTurn {
                q: "tell me more",
                label: Some("vision"),
                rule: "more",
            },
            LabelledTurn {
                q: "what's his position",
                label: Some("announcement"),
                rule: "pronoun",
            },
        ];
        let got = follow_ups(&turns, |l| l != "thanks");
        assert_eq!(
            got,
            vec![
                ("announcement", "weather in astana?", None),
                ("announcement", "thanks", Some("thanks")),
                ("announcement", "what's his position", Some("announcement")),
            ]
        );
    }
}
