//! Every number that decides behaviour: the matcher's thresholds and
//! weights, and the ones that combine it with the classifier and the
//! conversation.
//!
//! They live apart from the code that reads them because they are tuned
//! apart from it: `examples/tune.rs` searches the matcher's over the dev
//! sets, and `examples/crossval.rs --grid` and `examples/follow_up_crossval.rs
//! --grid` the classifier's and the follow-up model's, held out set by set.
//! Each field's doc says what it decides and, where it was measured, what
//! the value was chosen against; [`TUNING`] holds the values in use.

/// All thresholds and weights in one place.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tuning {
    /// A best score at or above this answers, unless the runner-up is too close.
    pub answer_min: f32,
    /// A best score below this falls back; between the two it asks "did you mean".
    pub clarify_min: f32,
    /// If the runner-up is within this of the best, ask instead of guessing.
    pub margin: f32,
    /// A choice shown in "did you mean" scores at least this.
    pub suggest_min: f32,
    /// Weight of the phrase coverage (α) against the query coverage (1 - α).
    pub phrase_weight: f32,
    /// Weight of a stop word ("the", "и", "은").
    pub stop_weight: f32,
    /// Weight of an everyday word the knowledge base does not use ("going").
    pub common_weight: f32,
    /// Weight of any other unknown word, relative to the rarest known word.
    pub unknown_factor: f32,
    /// Factor on the weight of the knowledge base's context words ("korea",
    /// "silk"): they say what every question is about, not which entry it wants.
    pub context_factor: f32,
    /// Credit for a query word found only in an entry's answer, not its phrases.
    pub answer_credit: f32,
    /// An off-topic entry ("weather", "visa") that scores at least this share of
    /// the best candidate's score turns the outcome into a fallback.
    pub off_topic_ratio: f32,
    /// An off-topic marker ("population") found in full falls back unless the
    /// best answer is named in the question too and scores at least this
    /// ("are the populations there young?").
    pub off_topic_override: f32,
    /// Similarity credited to a token that starts with a known token (inflection).
    pub prefix_sim: f32,
    /// Similarity credited to a query token that is a prefix of a known token.
    pub truncation_sim: f32,
    /// A token in more than this share of entries brings in no candidates of its
    /// own (it still counts for candidates found through rarer words).
    pub candidate_df_share: f32,
    /// How the weight of unknown words grows with their number: `n^x` times
    /// one unknown word's weight. Below 1, the many unknown words of a long
    /// message with personal context ("I'm a grad student in Almaty writing
    /// my thesis…") weigh less than a few: context is not a topic.
    pub unknown_exponent: f32,
    /// When a question asks "when", "where", "who" or "why", an entry whose
    /// examples never ask that loses this share of its score: the question
    /// word decides which part of a topic is asked about.
    pub facet_penalty: f32,
    /// A part of a long message (a sentence) answers for the whole only with
    /// at least this score: parts are short, and short texts score high by
    /// chance more easily than whole messages.
    pub part_answer_min: f32,
    /// The most a question's words weigh together in query coverage, about
    /// four rare topic words. A short question weighs less and is unaffected;
    /// in a long message with personal context ("my dad works for a gas
    /// company in Turkmenistan… what will Korea do there?") the context's
    /// known words would otherwise dilute the coverage of the entry asked
    /// about.
    pub query_weight_cap: f32,
    /// When the classifier ([`crate::classify`]) ranks the matcher's best
    /// entry first with at least this probability, and the matcher scores it
    /// at least [`Tuning::agree_score_min`], the two agree: answer it.
    /// (`examples/crossval.rs --grid`, nested so that each set is scored at
    /// the thresholds the other sets chose: 0.4 on every fold.)
    pub agree_min: f32,
    /// See [`Tuning::agree_min`].
    pub agree_score_min: f32,
    /// The classifier's first choice alone answers with at least this
    /// probability, whatever the matcher ranked first.
    pub classifier_alone_min: f32,
    /// The classifier's "off-topic" declines an answer the matcher gave for
    /// an entry the message names only with at least this probability:
    /// "расскажи про Узбекистан" fell back at 0.50 off-topic against 0.42
    /// Uzbekistan (cross-validated 2026-12-04 over 13 sets: 0.6 gave 4 more
    /// right answers for 1 more wrong; 0.7 and 0.8 added wrong ones faster).
    pub off_topic_veto_min: f32,
    /// The classifier's probability that answers its choice even though the
    /// matcher declined because an off-topic entry or marker matched
    /// (cross-validated 2026-12-07: 0.9 gave 49 more right answers and no
    /// more wrong; 0.85, 2 more wrong and one off-topic question answered).
    pub off_topic_overrule_min: f32,
    /// An answer the matcher gave, for an entry the message does not name,
    /// is withdrawn when the classifier gives it less than this and gives
    /// another entry at least [`Tuning::doubting_rival_min`]
    /// (cross-validated 2026-12-07: 5 fewer wrong answers of 4542 for one
    /// right one less, alike from 0.01 to 0.2).
    pub doubted_max: f32,
    /// See [`Tuning::doubted_max`] (alike from 0.2 to 0.5).
    pub doubting_rival_min: f32,
    /// The classifier's probability that lets an entry the message names in
    /// full replace the matcher's answer, which the message does not name
    /// (cross-validated 2026-12-07: 0.4 and 0.5 alike, 0.6 one wrong more).
    pub named_rival_min: f32,
    /// See [`crate::classify::second_opinion`]: how many times more likely
    /// the classifier must find its choice than an entry the matcher ties
    /// with it, to answer rather than ask.
    pub tie_ratio: f32,
    /// In a conversation, a follow-up that names a topic of its own is
    /// answered with the classifier's choice when the classifier gives it at
    /// least this probability (measured on the four dialogue sets: lower
    /// values answered more pronoun and question-word turns wrongly).
    pub own_topic_min: f32,
    /// A follow-up the rules leave unanswered is answered with the
    /// follow-up model's choice ([`crate::classify::context`]) when it gives
    /// it at least this probability (`examples/follow_up_crossval.rs --grid`:
    /// held out, 0.7 gave 54 more right follow-ups of 897 for 11 more wrong
    /// ones; lower values added wrong answers faster than right ones).
    pub follow_up_min: f32,
}

/// The tuned values. See `ksilk eval` and the README for how they were chosen.
pub const TUNING: Tuning = Tuning {
    answer_min: 0.62,
    clarify_min: 0.5,
    margin: 0.08,
    suggest_min: 0.30,
    phrase_weight: 0.2,
    stop_weight: 0.05,
    common_weight: 1.0,
    unknown_factor: 1.2,
    context_factor: 0.2,
    answer_credit: 0.5,
    off_topic_ratio: 0.9,
    off_topic_override: 0.95,
    prefix_sim: 0.9,
    truncation_sim: 0.82,
    candidate_df_share: 0.25,
    unknown_exponent: 0.75,
    facet_penalty: 0.3,
    part_answer_min: 0.75,
    query_weight_cap: 14.0,
    agree_min: 0.4,
    agree_score_min: 0.5,
    classifier_alone_min: 0.8,
    off_topic_veto_min: 0.6,
    off_topic_overrule_min: 0.9,
    doubted_max: 0.05,
    doubting_rival_min: 0.4,
    named_rival_min: 0.4,
    tie_ratio: 2.0,
    own_topic_min: 0.8,
    follow_up_min: 0.7,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_are_ordered() {
        let t = TUNING;
        assert!(0.0 < t.suggest_min && t.suggest_min <= t.clarify_min);
        assert!(t.clarify_min < t.answer_min && t.answer_min <= 1.0);
        assert!((0.0..=1.0).contains(&t.phrase_weight));
    }
}
