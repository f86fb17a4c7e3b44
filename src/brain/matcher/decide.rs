//! From ranked candidates to a verdict: answer, "did you mean", or the polite
//! fallback.
//!
//! This is kept apart from the index because it is a pure function of the
//! candidates' scores and [`Tuning`]: it never looks at the text, so the
//! same rules decide a single question, a follow-up matched around its topic
//! and a question checked again by the classifier, and its tests need no
//! knowledge base.

use crate::kb::EntryIdx;
use crate::tuning::Tuning;

/// How many ranked candidates a match keeps.
pub const MAX_CANDIDATES: usize = 10;
/// How many "did you mean" choices are offered at most...
pub const MAX_CHOICES: usize = 3;
/// ...and at least, when the knowledge base has that many candidates.
pub const MIN_CHOICES: usize = 2;

/// The verdict on a query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Confident: answer with the best entry.
    Answer,
    /// Unsure: offer 2-3 choices.
    Clarify,
    /// Off-topic: say what the bot can answer.
    Fallback,
}

/// One ranked entry.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    pub entry: EntryIdx,
    /// Confidence in `[0, 1]`.
    pub score: f32,
    /// The query contains one of the entry's labels (a name, an alias, or for
    /// an off-topic entry a marker keyword) in full.
    pub label_hit: bool,
}

/// The result of matching one query.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    pub outcome: Outcome,
    /// Best first, at most [`MAX_CANDIDATES`].
    pub candidates: Vec<Candidate>,
    /// The "did you mean" choices when the outcome is `Clarify`.
    pub choices: Vec<Candidate>,
    /// The off-topic entry that turned this into a fallback, if one did.
    pub off_topic: Option<EntryIdx>,
    /// The question asks about the present ([`crate::matcher::asks_now`]):
    /// an answer says that its source is from June 2024.
    pub about_now: bool,
    /// The question asks who said a quote whose speaker the source does not
    /// name: the answer, the quote, says so first.
    pub unnamed_speaker: bool,
}

impl Match {
    /// The best answer candidate's score (not an off-topic entry's), or 0 when
    /// nothing matched at all.
    pub fn score(&self) -> f32 {
        self.best().map_or(0.0, |c| c.score)
    }

    /// This match as a fallback: nothing answered and nothing offered, the
    /// candidates kept for the log and for what comes after.
    pub fn declined(self) -> Match {
        Match {
            outcome: Outcome::Fallback,
            choices: Vec::new(),
            ..self
        }
    }

    /// The answered entry, when the outcome is `Answer`.
    pub fn answer(&self) -> Option<EntryIdx> {
        (self.outcome == Outcome::Answer).then(|| self.candidates[0].entry)
    }

    /// Did an off-topic entry match that the message names by one of its
    /// labels ("how many people live in kazakhstan": the population look-alike
    /// by "population", not only by the shape of the question)? Such a
    /// decline is the message's own words speaking.
    pub fn off_topic_named(&self) -> bool {
        self.off_topic.is_some_and(|off| {
            self.candidates
                .iter()
                .any(|c| c.entry == off && c.label_hit)
        })
    }

    /// The best candidate that is a real answer (not an off-topic entry).
    pub fn best(&self) -> Option<Candidate> {
        self.candidates
            .iter()
            .copied()
            .find(|c| Some(c.entry) != self.off_topic)
    }
}

/// Turns ranked candidates into an outcome, using only [`Tuning`].
///
/// `is_off_topic` marks entries that describe questions the bot does not
/// answer: when one ranks first, or close enough to the first, it is a fallback.
pub fn decide(
    candidates: Vec<Candidate>,
    tuning: &Tuning,
    is_off_topic: impl Fn(EntryIdx) -> bool,
) -> Match {
    decide_with(candidates, tuning, is_off_topic, |_| true)
}

/// [`decide`], where only `suggestible` entries may be offered as "did you
/// mean" choices. A "did you mean" offers two or three choices or none:
/// small talk ("Hello") is no answer to a question, so when the best guess is
/// small talk the outcome is a fallback; and one choice is no choice, so when
/// the best guess is the only suggestible entry that matched at all, it is
/// answered (measured on the seven single-question sets: 3 such questions,
/// all 3 right), or declined when only its name matched.
pub fn decide_with(
    candidates: Vec<Candidate>,
    tuning: &Tuning,
    is_off_topic: impl Fn(EntryIdx) -> bool,
    suggestible: impl Fn(EntryIdx) -> bool,
) -> Match {
    let best_any = candidates.first().map_or(0.0, |c| c.score);
    let answers: Vec<Candidate> = candidates
        .iter()
        .copied()
        .filter(|c| !is_off_topic(c.entry))
        .collect();
    let best = answers.first().map_or(0.0, |c| c.score);
    let best_names_it = answers.first().is_some_and(|c| c.label_hit);
    let off_topic = candidates
        .iter()
        .find(|c| is_off_topic(c.entry))
        .filter(|c| {
            (c.score >= tuning.clarify_min && c.score >= best_any * tuning.off_topic_ratio)
                || (c.label_hit && !(best_names_it && best >= tuning.off_topic_override))
        })
        .map(|c| c.entry);
    let second = answers.get(1).map_or(0.0, |c| c.score);
    // Two close choices are no reason to ask when the question names one of
    // them in full and not the other ("is tajikistan included": Tajikistan,
    // not the list of countries, which mentions it too).
    let named_winner = best_names_it && !answers.get(1).is_some_and(|c| c.label_hit);
    let outcome = if off_topic.is_some() {
        Outcome::Fallback
    } else if best >= tuning.answer_min
        && (best - second >= tuning.margin || second < tuning.clarify_min || named_winner)
    {
        Outcome::Answer
    } else if best >= tuning.clarify_min {
        Outcome::Clarify
    } else {
        Outcome::Fallback
    };
    // Two or three choices: those above `suggest_min`, topped up to two with
    // the next best when only one is (a single "did you mean" is a guess).
    let mut choices: Vec<Candidate> = Vec::new();
    if outcome == Outcome::Clarify && answers.first().is_some_and(|c| suggestible(c.entry)) {
        let offered: Vec<Candidate> = answers
            .iter()
            .copied()
            .filter(|c| suggestible(c.entry))
            .collect();
        let strong = offered
            .iter()
            .take_while(|c| c.score >= tuning.suggest_min)
            .count();
        choices = offered
            .into_iter()
            .take(strong.clamp(MIN_CHOICES, MAX_CHOICES))
            .collect();
    }
    // A single choice is no choice. When the best guess is the only entry
    // that matched at all, nothing competes with it and it is the answer,
    // unless all it matched is its name among words the knowledge base
    // does not know ("O'zbekistonning aholisi qancha?", Uzbekistan's
    // population): that is the shape of an off-topic question about a
    // country, and the polite fallback is the safe reply.
    let outcome = match (outcome, choices.first()) {
        (Outcome::Clarify, Some(only)) if choices.len() == 1 => {
            let named_only = only.label_hit;
            choices.clear();
            if named_only {
                Outcome::Fallback
            } else {
                Outcome::Answer
            }
        }
        (Outcome::Clarify, None) => Outcome::Fallback,
        (outcome, _) => outcome,
    };
    // The answer, if any, is always the first candidate.
    let mut candidates = candidates;
    if outcome == Outcome::Answer {
        candidates.retain(|c| !is_off_topic(c.entry));
    }
    Match {
        outcome,
        candidates,
        choices,
        off_topic,
        about_now: false,
        unnamed_speaker: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tuning::TUNING;

    #[test]
    fn close_runners_up_ask_instead_of_guessing() {
        let m = decide(
            vec![
                Candidate {
                    entry: 0,
                    score: 0.8,
                    label_hit: false,
                },
                Candidate {
                    entry: 1,
                    score: 0.79,
                    label_hit: false,
                },
                Candidate {
                    entry: 2,
                    score: 0.1,
                    label_hit: false,
                },
            ],
            &TUNING,
            |_| false,
        );
        assert_eq!(m.outcome, Outcome::Clarify);
        assert_eq!(m.choices.len(), 2);
        assert_eq!(m.answer(), None);
    }

    fn cand(entry: EntryIdx, score: f32) -> Candidate {
        Candidate {
            entry,
            score,
            label_hit: false,
        }
    }

    #[test]
    fn a_guess_with_no_competitor_at_all_is_answered_not_offered_alone() {
        let middling = (TUNING.answer_min + TUNING.clarify_min) / 2.0;
        let m = decide(vec![cand(3, middling)], &TUNING, |_| false);
        assert_eq!(m.outcome, Outcome::Answer);
        assert_eq!(m.answer(), Some(3));
        assert!(m.choices.is_empty());
        // Its name alone among unknown words is the shape of an off-topic
        // question about it.
        let named = Candidate {
            label_hit: true,
            ..cand(3, middling)
        };
        let m = decide(vec![named], &TUNING, |_| false);
        assert_eq!(m.outcome, Outcome::Fallback);
        assert!(m.choices.is_empty());
    }

    #[test]
    fn small_talk_is_never_offered_as_a_choice() {
        let middling = (TUNING.answer_min + TUNING.clarify_min) / 2.0;
        let talk = |e: EntryIdx| e != 9;
        let cands = vec![cand(0, middling), cand(9, middling - 0.01), cand(2, 0.2)];
        let m = decide_with(cands, &TUNING, |_| false, talk);
        assert_eq!(m.outcome, Outcome::Clarify);
        let offered: Vec<EntryIdx> = m.choices.iter().map(|c| c.entry).collect();
        assert_eq!(offered, vec![0, 2]);
        // Small talk as the best guess is no reason to ask at all.
        let m = decide_with(
            vec![cand(9, middling), cand(0, middling - 0.01), cand(2, 0.2)],
            &TUNING,
            |_| false,
            talk,
        );
        assert_eq!(m.outcome, Outcome::Fallback);
        assert!(m.choices.is_empty());
    }

    #[test]
    fn middling_confidence_asks_with_at_most_three_choices() {
        let middling = (TUNING.answer_min + TUNING.clarify_min) / 2.0;
        let cands = (0..5)
            .map(|i| Candidate {
                entry: i,
                score: middling - i as f32 * 0.001,
                label_hit: false,
            })
            .collect();
        let m = decide(cands, &TUNING, |_| false);
        assert_eq!(m.outcome, Outcome::Clarify);
        assert_eq!(m.choices.len(), MAX_CHOICES);
    }

    #[test]
    fn a_lone_strong_choice_is_topped_up_to_two() {
        let m = decide(
            vec![
                Candidate {
                    entry: 4,
                    score: TUNING.clarify_min + 0.01,
                    label_hit: false,
                },
                Candidate {
                    entry: 5,
                    score: TUNING.suggest_min / 2.0,
                    label_hit: false,
                },
            ],
            &TUNING,
            |_| false,
        );
        assert_eq!(m.outcome, Outcome::Clarify);
        let ids: Vec<usize> = m.choices.iter().map(|c| c.entry).collect();
        assert_eq!(ids, [4, 5]);
    }

    #[test]
    fn a_close_race_goes_to_the_entry_the_question_names() {
        let cands = |named_first: bool, named_second: bool| {
            vec![
                Candidate {
                    entry: 0,
                    score: 0.8,
                    label_hit: named_first,
                },
                Candidate {
                    entry: 1,
                    score: 0.79,
                    label_hit: named_second,
                },
            ]
        };
        assert_eq!(
            decide(cands(true, false), &TUNING, |_| false).answer(),
            Some(0)
        );
        assert_eq!(
            decide(cands(true, true), &TUNING, |_| false).outcome,
            Outcome::Clarify
        );
        assert_eq!(
            decide(cands(false, false), &TUNING, |_| false).outcome,
            Outcome::Clarify
        );
    }

    #[test]
    fn clear_winner_answers_and_low_scores_fall_back() {
        let win = decide(
            vec![Candidate {
                entry: 3,
                score: 0.95,
                label_hit: false,
            }],
            &TUNING,
            |_| false,
        );
        assert_eq!(win.answer(), Some(3));
        let low = decide(
            vec![Candidate {
                entry: 3,
                score: TUNING.clarify_min - 0.01,
                label_hit: false,
            }],
            &TUNING,
            |_| false,
        );
        assert_eq!(low.outcome, Outcome::Fallback);
        assert!(low.choices.is_empty());
    }

    #[test]
    fn an_off_topic_entry_close_to_the_best_turns_it_into_a_fallback() {
        let cands = vec![
            Candidate {
                entry: 0,
                score: 0.9,
                label_hit: false,
            },
            Candidate {
                entry: 7,
                score: 0.9 * TUNING.off_topic_ratio,
                label_hit: false,
            },
        ];
        let m = decide(cands.clone(), &TUNING, |e| e == 7);
        assert_eq!(m.outcome, Outcome::Fallback);
        assert_eq!(m.off_topic, Some(7));
        assert_eq!(m.best().map(|c| c.entry), Some(0));
        let far = decide(
            vec![
                cands[0],
                Candidate {
                    entry: 7,
                    score: 0.3,
                    label_hit: false,
                },
            ],
            &TUNING,
            |e| e == 7,
        );
        assert_eq!(far.answer(), Some(0));
        assert_eq!(
            far.candidates.len(),
            1,
            "off-topic entries are dropped from answers"
        );
    }
}
