//! Typo tolerance: which known words a mistyped word may stand for, and how
//! similar it is to each.
//!
//! The index finds candidates through a SymSpell-style deletion map and a
//! character-trigram map, both built from [`for_each_deletion`] and
//! [`trigrams_of`]; [`typo_similarity`] then measures each with strsim's
//! Damerau-Levenshtein distance under the rules that keep typos honest
//! (a short word must match exactly, the first letter stays).

use crate::tuning::Tuning;

pub(super) fn trigrams_of(token: &str) -> Vec<[char; 3]> {
    let padded: Vec<char> = std::iter::once('^')
        .chain(token.chars())
        .chain(std::iter::once('$'))
        .collect();
    padded.windows(3).map(|w| [w[0], w[1], w[2]]).collect()
}

/// How many edits a word of this many characters may contain and still count.
pub(super) fn max_edits(chars: usize) -> usize {
    match chars {
        0..=3 => 0,
        4..=5 => 1,
        6..=10 => 2,
        _ => 3,
    }
}

/// How similar a typed word is to a known word, if it is a plausible typo or
/// truncation of it. Typos keep the first letter (or swap the first two):
/// without that rule "score" would be a typo of "core".
pub(super) fn typo_similarity(
    typed: &[char],
    known: &str,
    allowed: usize,
    tuning: &Tuning,
) -> Option<f32> {
    let known: Vec<char> = known.chars().collect();
    let len = typed.len();
    let same_start = typed.first() == known.first()
        || (typed.len() > 1 && known.len() > 1 && typed[0] == known[1] && typed[1] == known[0]);
    if !same_start {
        return None;
    }
    if known.len().abs_diff(len) <= allowed {
        let edits = strsim::generic_damerau_levenshtein(typed, &known);
        if edits > allowed || edits == 0 {
            return None;
        }
        Some(1.0 - edits as f32 / len.max(known.len()) as f32)
    } else if len >= 5 && known.len() > len && known.starts_with(typed) {
        Some(tuning.truncation_sim)
    } else {
        None
    }
}

/// The token with each one of its characters deleted in turn.
/// Index and query build the same neighbourhood; `buffer` is reused so the
/// query side allocates nothing per variant.
pub(super) fn for_each_deletion(chars: &[char], buffer: &mut String, mut f: impl FnMut(&str)) {
    for skip in 0..chars.len() {
        buffer.clear();
        buffer.extend(
            chars
                .iter()
                .enumerate()
                .filter(|&(i, _)| i != skip)
                .map(|(_, c)| c),
        );
        f(buffer);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tuning::TUNING;

    #[test]
    fn short_tokens_need_an_exact_match() {
        assert_eq!(max_edits(3), 0);
        assert_eq!(max_edits(5), 1);
        assert_eq!(max_edits(10), 2);
        assert_eq!(max_edits(13), 3);
    }

    #[test]
    fn typos_keep_the_first_letter() {
        let c = |s: &str| s.chars().collect::<Vec<_>>();
        assert!(typo_similarity(&c("raod"), "road", 1, &TUNING).is_some());
        assert!(typo_similarity(&c("pilars"), "pillars", 2, &TUNING).is_some());
        assert!(typo_similarity(&c("yppe"), "type", 1, &TUNING).is_none());
        assert!(typo_similarity(&c("score"), "core", 1, &TUNING).is_none());
        assert!(typo_similarity(&c("game"), "name", 1, &TUNING).is_none());
        assert!(typo_similarity(&c("infra"), "infrastructure", 1, &TUNING).is_some());
    }
}
