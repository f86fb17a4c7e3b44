//! Intent matching: from a user's text to ranked entries with a confidence and
//! one of three outcomes (answer, clarify, fallback).
//!
//! The shape is "index, then score": [`Index::build`] turns every phrase of the
//! knowledge base (titles, names, aliases, example questions) into token ids once.
//! A query's tokens are looked up exactly, then by typo (strsim's Damerau-Levenshtein
//! over candidates found through a character-trigram index), then by prefix
//! (inflections: `Казахстане`, `카자흐스탄은`). Only entries reached through the
//! posting lists of matched tokens are scored, so the cost per query follows the
//! query, not the size of the knowledge base.
//!
//! Scoring, per candidate entry:
//! - *query coverage*: the weighted share of the query that the entry explains;
//! - *phrase coverage*: the best weighted share of one of its phrases found in the
//!   query (a whole alias such as "Bishkek" counts fully);
//! - `score = phrase_cov^α · query_cov^(1-α)`.
//!
//! Weights are inverse document frequencies, so rare topic words ("uranium")
//! outweigh words every entry shares ("korea"), stop words weigh almost nothing,
//! and a word the knowledge base has never seen weighs as much as the rarest
//! topic word: "who is the president of the united states" is mostly words the
//! topic does not explain, so it falls back instead of matching.
//!
//! Every number that decides behaviour lives in [`Tuning`]; [`TUNING`] holds the
//! values tuned on `tests/data/eval.jsonl`.

use std::collections::HashMap;

use crate::kb::{EntryIdx, KnowledgeBase};
use crate::lexicon::{is_common_word, is_stop_word};
use crate::normalize::tokenize;

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
    /// Similarity credited to a token that starts with a known token (inflection).
    pub prefix_sim: f32,
    /// Similarity credited to a query token that is a prefix of a known token.
    pub truncation_sim: f32,
    /// A token in more than this share of entries brings in no candidates of its
    /// own (it still counts for candidates found through rarer words).
    pub candidate_df_share: f32,
}

/// The tuned values. See `ksilk eval` and the README for how they were chosen.
pub const TUNING: Tuning = Tuning {
    answer_min: 0.64,
    clarify_min: 0.55,
    margin: 0.03,
    suggest_min: 0.30,
    phrase_weight: 0.2,
    stop_weight: 0.01,
    common_weight: 0.4,
    unknown_factor: 1.5,
    context_factor: 0.75,
    answer_credit: 0.5,
    prefix_sim: 0.9,
    truncation_sim: 0.82,
    candidate_df_share: 0.25,
};

/// How many ranked candidates a match keeps.
pub const MAX_CANDIDATES: usize = 10;
/// How many "did you mean" choices are offered at most.
pub const MAX_CHOICES: usize = 3;

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
}

/// The result of matching one query.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    pub outcome: Outcome,
    /// Best first, at most [`MAX_CANDIDATES`].
    pub candidates: Vec<Candidate>,
    /// The "did you mean" choices when the outcome is `Clarify`.
    pub choices: Vec<Candidate>,
}

impl Match {
    /// The best candidate's score, or 0 when nothing matched at all.
    pub fn score(&self) -> f32 {
        self.candidates.first().map_or(0.0, |c| c.score)
    }

    /// The answered entry, when the outcome is `Answer`.
    pub fn answer(&self) -> Option<EntryIdx> {
        (self.outcome == Outcome::Answer).then(|| self.candidates[0].entry)
    }
}

type TokenId = u32;
type PhraseId = u32;

fn is_hangul(token: &str) -> bool {
    token
        .chars()
        .next()
        .is_some_and(|c| ('\u{AC00}'..='\u{D7AF}').contains(&c))
}

/// One known token.
#[derive(Debug)]
struct TokenInfo {
    text: String,
    chars: usize,
    weight: f32,
    stop: bool,
    /// Whether it brings in candidates (see [`Tuning::candidate_df_share`]).
    selective: bool,
    /// Entries that use this token, with the credit a match earns there
    /// (1 in a phrase, [`Tuning::answer_credit`] in the answer only).
    entries: Vec<(EntryIdx, f32)>,
    /// Phrases with this token (each once).
    phrases: Vec<PhraseId>,
}

#[derive(Debug)]
struct PhraseInfo {
    entry: EntryIdx,
    /// Sum of the weights of its distinct tokens.
    weight: f32,
    /// True when every token is a stop word.
    all_stop: bool,
}

/// The token index over a knowledge base's phrases and answers.
#[derive(Debug)]
pub struct Index {
    vocab: HashMap<String, TokenId>,
    tokens: Vec<TokenInfo>,
    phrases: Vec<PhraseInfo>,
    /// Character trigrams (of `^token$`) of content tokens, for typos of two
    /// or more edits in long words.
    trigrams: HashMap<[char; 3], Vec<TokenId>>,
    /// Every content token with one character deleted (SymSpell), for one-edit
    /// typos, which in short words share no trigram ("waht", "what").
    deletions: HashMap<String, Vec<TokenId>>,
    unknown_weight: f32,
    entry_count: usize,
}

/// A query token and what it matched.
#[derive(Debug)]
struct QueryToken {
    weight: f32,
    stop: bool,
    selective: bool,
    matches: Vec<(TokenId, f32)>,
}

fn trigrams_of(token: &str) -> Vec<[char; 3]> {
    let padded: Vec<char> = std::iter::once('^')
        .chain(token.chars())
        .chain(std::iter::once('$'))
        .collect();
    padded.windows(3).map(|w| [w[0], w[1], w[2]]).collect()
}

/// How many edits a token of this many characters may contain and still count.
fn max_edits(chars: usize) -> usize {
    match chars {
        0..=3 => 0,
        4..=5 => 1,
        6..=9 => 2,
        _ => 3,
    }
}

impl Index {
    /// Builds the index for a validated knowledge base.
    pub fn build(kb: &KnowledgeBase, tuning: &Tuning) -> Index {
        let mut vocab: HashMap<String, TokenId> = HashMap::new();
        let mut tokens: Vec<TokenInfo> = Vec::new();
        let mut intern = |tok: String, tokens: &mut Vec<TokenInfo>| -> TokenId {
            *vocab.entry(tok.clone()).or_insert_with(|| {
                tokens.push(TokenInfo {
                    chars: tok.chars().count(),
                    stop: is_stop_word(&tok),
                    text: tok,
                    weight: 0.0,
                    selective: true,
                    entries: Vec::new(),
                    phrases: Vec::new(),
                });
                (tokens.len() - 1) as TokenId
            })
        };

        let mut phrase_tokens: Vec<(EntryIdx, Vec<TokenId>)> = Vec::new();
        for (entry_idx, entry) in kb.entries().iter().enumerate() {
            for phrase in entry.phrases() {
                let mut ids: Vec<TokenId> = Vec::new();
                for tok in tokenize(phrase) {
                    let id = intern(tok, &mut tokens);
                    if !ids.contains(&id) {
                        ids.push(id);
                    }
                }
                if !ids.is_empty() {
                    phrase_tokens.push((entry_idx, ids));
                }
            }
            for tok in tokenize_all(&entry.answer) {
                let id = intern(tok, &mut tokens);
                let info = &mut tokens[id as usize];
                if info.entries.last().map(|e| e.0) != Some(entry_idx) {
                    info.entries.push((entry_idx, tuning.answer_credit));
                }
            }
        }
        let context: Vec<TokenId> = kb
            .context_words()
            .iter()
            .flat_map(|w| tokenize(w))
            .filter_map(|t| vocab.get(&t).copied())
            .collect();

        for (phrase_id, (entry, ids)) in phrase_tokens.iter().enumerate() {
            for &id in ids {
                let info = &mut tokens[id as usize];
                info.phrases.push(phrase_id as PhraseId);
                match info.entries.iter_mut().find(|e| e.0 == *entry) {
                    Some(slot) => slot.1 = 1.0,
                    None => info.entries.push((*entry, 1.0)),
                }
            }
        }

        let n = kb.entries().len() as f32;
        // BM25's idf: near zero for a word in every entry, highest for a word in one.
        let idf = |df: f32| ((n - df + 0.5) / (df + 0.5) + 1.0).ln();
        for (id, info) in tokens.iter_mut().enumerate() {
            let df = info.entries.len() as f32;
            info.selective = !info.stop && df <= (n * tuning.candidate_df_share).max(1.0);
            info.weight = if info.stop {
                tuning.stop_weight
            } else if is_common_word(&info.text) {
                // "hey" is rare in the knowledge base but says nothing about topic
                idf(df).min(tuning.common_weight)
            } else {
                let w = idf(df).max(tuning.stop_weight);
                if context.contains(&(id as TokenId)) {
                    w * tuning.context_factor
                } else {
                    w
                }
            };
        }
        let unknown_weight = idf(1.0) * tuning.unknown_factor;

        let phrases = phrase_tokens
            .iter()
            .map(|(entry, ids)| PhraseInfo {
                entry: *entry,
                weight: ids.iter().map(|&i| tokens[i as usize].weight).sum(),
                all_stop: ids.iter().all(|&i| tokens[i as usize].stop),
            })
            .collect();

        let mut trigrams: HashMap<[char; 3], Vec<TokenId>> = HashMap::new();
        let mut deletions: HashMap<String, Vec<TokenId>> = HashMap::new();
        for (id, info) in tokens.iter().enumerate() {
            if info.stop || info.chars < 4 {
                continue;
            }
            let id = id as TokenId;
            for tri in trigrams_of(&info.text) {
                let list = trigrams.entry(tri).or_default();
                if list.last() != Some(&id) {
                    list.push(id);
                }
            }
            for variant in one_deletion_variants(&info.text) {
                let list = deletions.entry(variant).or_default();
                if list.last() != Some(&id) {
                    list.push(id);
                }
            }
        }

        Index {
            vocab,
            tokens,
            phrases,
            trigrams,
            deletions,
            unknown_weight,
            entry_count: kb.entries().len(),
        }
    }

    /// How many distinct tokens the knowledge base uses.
    pub fn vocabulary_size(&self) -> usize {
        self.tokens.len()
    }

    /// Finds the known tokens a query token may stand for, with a similarity.
    fn lookup(&self, token: &str, tuning: &Tuning) -> QueryToken {
        if let Some(&id) = self.vocab.get(token) {
            let info = &self.tokens[id as usize];
            return QueryToken {
                weight: info.weight,
                stop: info.stop,
                selective: info.selective,
                matches: vec![(id, 1.0)],
            };
        }
        if is_stop_word(token) {
            return QueryToken {
                weight: tuning.stop_weight,
                stop: true,
                selective: false,
                matches: Vec::new(),
            };
        }

        let chars: Vec<char> = token.chars().collect();
        let len = chars.len();
        let mut matches: Vec<(TokenId, f32)> = Vec::new();

        // Inflections and particles: "казахстане" → "казахстан", "카자흐스탄은" → "카자흐스탄".
        let min_stem = if is_hangul(token) { 2 } else { 4 };
        for cut in (min_stem..len).rev().take(4) {
            let stem: String = chars[..cut].iter().collect();
            if let Some(&id) = self.vocab.get(&stem)
                && !self.tokens[id as usize].stop
            {
                matches.push((id, tuning.prefix_sim));
                break;
            }
        }

        if len >= 4 {
            let allowed = max_edits(len);
            let mut candidates: Vec<TokenId> = Vec::new();
            // One edit: the SymSpell deletion neighbourhood, both ways.
            let variants = one_deletion_variants(token);
            for variant in std::iter::once(token.to_owned()).chain(variants.iter().cloned()) {
                if let Some(list) = self.deletions.get(&variant) {
                    candidates.extend_from_slice(list);
                }
            }
            for variant in &variants {
                if let Some(&id) = self.vocab.get(variant) {
                    candidates.push(id);
                }
            }
            // More edits in long words, and truncations ("infra" → "infrastructure"),
            // through shared trigrams.
            if allowed > 1 || len >= 5 {
                let mut shared: HashMap<TokenId, usize> = HashMap::new();
                for tri in trigrams_of(token) {
                    if let Some(list) = self.trigrams.get(&tri) {
                        for &id in list {
                            *shared.entry(id).or_default() += 1;
                        }
                    }
                }
                // Two tokens within k edits share at least this many trigrams.
                let needed = (len + 2).saturating_sub(2 + 3 * allowed).max(2);
                candidates.extend(
                    shared
                        .into_iter()
                        .filter(|&(_, n)| n >= needed)
                        .map(|(id, _)| id),
                );
            }
            candidates.sort_unstable();
            candidates.dedup();
            for id in candidates {
                let info = &self.tokens[id as usize];
                if info.stop {
                    continue;
                }
                let sim = if info.chars.abs_diff(len) <= allowed {
                    let known: Vec<char> = info.text.chars().collect();
                    let edits = strsim::generic_damerau_levenshtein(&chars, &known);
                    if edits > allowed {
                        continue;
                    }
                    1.0 - edits as f32 / len.max(info.chars) as f32
                } else if len >= 5 && info.chars > len && info.text.starts_with(token) {
                    tuning.truncation_sim
                } else {
                    continue;
                };
                matches.push((id, sim));
            }
        }

        if matches.is_empty() {
            let weight = if is_common_word(token) {
                tuning.common_weight
            } else {
                self.unknown_weight
            };
            return QueryToken {
                weight,
                stop: false,
                selective: false,
                matches,
            };
        }
        matches.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        matches.dedup_by_key(|m| m.0);
        matches.truncate(3);
        let (weight, selective) = matches.iter().fold((0.0f32, false), |(w, s), &(id, _)| {
            let info = &self.tokens[id as usize];
            (w.max(info.weight), s || info.selective)
        });
        QueryToken {
            weight,
            stop: false,
            selective,
            matches,
        }
    }

    /// Scores every entry the query reaches, best first.
    pub fn rank(&self, text: &str, tuning: &Tuning) -> Vec<Candidate> {
        let query: Vec<QueryToken> = tokenize(text)
            .iter()
            .map(|t| self.lookup(t, tuning))
            .collect();
        self.rank_tokens(&query, tuning)
    }

    fn rank_tokens(&self, query: &[QueryToken], tuning: &Tuning) -> Vec<Candidate> {
        let total_weight: f32 = query.iter().map(|q| q.weight).sum();
        if total_weight <= 0.0 {
            return Vec::new();
        }
        // Which query tokens bring in candidates: the selective ones; failing
        // that, any content token; failing that (a query of stop words only,
        // "who are you"), the stop words, for phrases made only of stop words.
        let any_selective = query.iter().any(|q| q.selective);
        let any_content = query.iter().any(|q| !q.stop && !q.matches.is_empty());
        let brings_candidates = |q: &QueryToken| {
            if any_selective {
                q.selective
            } else if any_content {
                !q.stop
            } else {
                true
            }
        };

        // Query coverage: per entry, per query token, the best credited similarity.
        let mut coverage: HashMap<EntryIdx, Vec<f32>> = HashMap::new();
        for (qi, q) in query
            .iter()
            .enumerate()
            .filter(|(_, q)| brings_candidates(q))
        {
            for &(id, sim) in &q.matches {
                let info = &self.tokens[id as usize];
                if q.stop && any_content {
                    continue;
                }
                if !any_content {
                    // stop-word-only query: only entries with an all-stop phrase
                    for &p in &info.phrases {
                        let phrase = &self.phrases[p as usize];
                        if phrase.all_stop {
                            coverage
                                .entry(phrase.entry)
                                .or_insert_with(|| vec![0.0; query.len()]);
                        }
                    }
                    continue;
                }
                for &(entry, credit) in &info.entries {
                    let slot = coverage
                        .entry(entry)
                        .or_insert_with(|| vec![0.0; query.len()]);
                    slot[qi] = slot[qi].max(sim * credit);
                }
            }
        }
        // Every other matched token counts for the candidates already found.
        for (qi, q) in query.iter().enumerate() {
            for &(id, sim) in &q.matches {
                for (entry, credit) in &self.tokens[id as usize].entries {
                    if let Some(slot) = coverage.get_mut(entry) {
                        slot[qi] = slot[qi].max(sim * credit);
                    }
                }
            }
        }

        // Best similarity per known token, for phrase coverage.
        let mut best: Vec<(TokenId, f32)> = Vec::new();
        for q in query {
            for &(id, sim) in &q.matches {
                match best.iter_mut().find(|(b, _)| *b == id) {
                    Some(slot) => slot.1 = slot.1.max(sim),
                    None => best.push((id, sim)),
                }
            }
        }
        let mut phrase_hits: HashMap<PhraseId, f32> = HashMap::new();
        for &(id, sim) in &best {
            let info = &self.tokens[id as usize];
            for &p in &info.phrases {
                let phrase = &self.phrases[p as usize];
                if coverage.contains_key(&phrase.entry) && (any_content || phrase.all_stop) {
                    *phrase_hits.entry(p).or_default() += info.weight * sim;
                }
            }
        }
        let mut phrase_cov: HashMap<EntryIdx, f32> = HashMap::new();
        for (p, hit) in phrase_hits {
            let phrase = &self.phrases[p as usize];
            let cov = (hit / phrase.weight).min(1.0);
            let slot = phrase_cov.entry(phrase.entry).or_default();
            *slot = slot.max(cov);
        }

        let alpha = tuning.phrase_weight;
        let mut ranked: Vec<Candidate> = coverage
            .into_iter()
            .map(|(entry, sims)| {
                let covered: f32 = sims.iter().zip(query).map(|(s, q)| s * q.weight).sum();
                let qcov = (covered / total_weight).min(1.0);
                let pcov = phrase_cov.get(&entry).copied().unwrap_or(0.0);
                let score = pcov.powf(alpha) * qcov.powf(1.0 - alpha);
                Candidate { entry, score }
            })
            .filter(|c| c.score > 0.0)
            .collect();
        ranked.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.entry.cmp(&b.entry)));
        ranked.truncate(MAX_CANDIDATES);
        ranked
    }

    /// Ranks the query and decides the outcome.
    pub fn match_intent(&self, text: &str, tuning: &Tuning) -> Match {
        decide(self.rank(text, tuning), tuning)
    }

    /// Number of entries indexed.
    pub fn entry_count(&self) -> usize {
        self.entry_count
    }
}

/// The token with each one of its characters deleted in turn.
fn one_deletion_variants(token: &str) -> Vec<String> {
    let chars: Vec<char> = token.chars().collect();
    (0..chars.len())
        .map(|skip| {
            chars
                .iter()
                .enumerate()
                .filter(|&(i, _)| i != skip)
                .map(|(_, c)| c)
                .collect()
        })
        .collect()
}

/// Tokenises a long text (an answer) without the query-length cap.
fn tokenize_all(text: &str) -> Vec<String> {
    text.split_inclusive(['.', '!', '?'])
        .flat_map(tokenize)
        .collect()
}

/// Turns ranked candidates into an outcome, using only [`Tuning`].
pub fn decide(candidates: Vec<Candidate>, tuning: &Tuning) -> Match {
    let best = candidates.first().map_or(0.0, |c| c.score);
    let second = candidates.get(1).map_or(0.0, |c| c.score);
    let outcome = if best >= tuning.answer_min
        && (best - second >= tuning.margin || second < tuning.clarify_min)
    {
        Outcome::Answer
    } else if best >= tuning.clarify_min {
        Outcome::Clarify
    } else {
        Outcome::Fallback
    };
    let choices = if outcome == Outcome::Clarify {
        candidates
            .iter()
            .copied()
            .filter(|c| c.score >= tuning.suggest_min)
            .take(MAX_CHOICES)
            .collect()
    } else {
        Vec::new()
    };
    Match {
        outcome,
        candidates,
        choices,
    }
}

/// Scores a query against every phrase with strsim, with no index: the baseline
/// that the benchmarks compare the index against.
pub fn naive_scan(kb: &KnowledgeBase, text: &str) -> Option<(EntryIdx, f64)> {
    let query = crate::normalize::normalize(text);
    let mut best: Option<(EntryIdx, f64)> = None;
    for (idx, entry) in kb.entries().iter().enumerate() {
        for phrase in entry.phrases() {
            let sim = strsim::normalized_damerau_levenshtein(&query, &phrase.to_lowercase());
            if best.is_none_or(|(_, b)| sim > b) {
                best = Some((idx, sim));
            }
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kb::KnowledgeBase;

    fn index() -> (KnowledgeBase, Index) {
        let kb = KnowledgeBase::embedded().unwrap();
        let index = Index::build(&kb, &TUNING);
        (kb, index)
    }

    fn answer(text: &str) -> Option<String> {
        let (kb, index) = index();
        index
            .match_intent(text, &TUNING)
            .answer()
            .map(|i| kb.entry(i).id.clone())
    }

    fn outcome(text: &str) -> Outcome {
        let (_, index) = index();
        index.match_intent(text, &TUNING).outcome
    }

    #[test]
    fn exact_alias_answers_with_full_confidence() {
        let (kb, index) = index();
        let m = index.match_intent("Kyrgyzstan", &TUNING);
        assert_eq!(m.outcome, Outcome::Answer);
        assert_eq!(kb.entry(m.candidates[0].entry).id, "kyrgyzstan");
        assert!((m.score() - 1.0).abs() < 1e-6);
    }

    #[test]
    fn typos_reach_the_right_entry() {
        assert_eq!(answer("kyrgystan").as_deref(), Some("kyrgyzstan"));
        assert_eq!(answer("what are the pilars").as_deref(), Some("pillars"));
        assert_eq!(answer("uzbekstan").as_deref(), Some("uzbekistan"));
    }

    #[test]
    fn demonyms_and_capitals_reach_their_country() {
        assert_eq!(answer("Kyrgyz").as_deref(), Some("kyrgyzstan"));
        assert_eq!(answer("Bishkek").as_deref(), Some("kyrgyzstan"));
        assert_eq!(answer("tashkent").as_deref(), Some("uzbekistan"));
    }

    #[test]
    fn russian_and_korean_names_reach_their_country() {
        assert_eq!(answer("Казахстан").as_deref(), Some("kazakhstan"));
        assert_eq!(answer("Киргизия").as_deref(), Some("kyrgyzstan"));
        assert_eq!(answer("카자흐스탄").as_deref(), Some("kazakhstan"));
        assert_eq!(answer("카자흐스탄은?").as_deref(), Some("kazakhstan"));
        assert_eq!(answer("о Казахстане").as_deref(), Some("kazakhstan"));
    }

    #[test]
    fn sharing_only_common_words_is_off_topic() {
        assert_eq!(
            outcome("who is the president of the united states"),
            Outcome::Fallback
        );
        assert_eq!(
            outcome("what is the best pizza in new york"),
            Outcome::Fallback
        );
    }

    #[test]
    fn empty_or_stop_word_only_text_falls_back() {
        assert_eq!(outcome(""), Outcome::Fallback);
        assert_eq!(outcome("🙂🙂"), Outcome::Fallback);
        assert_eq!(outcome("the of and"), Outcome::Fallback);
    }

    #[test]
    fn scores_are_within_zero_and_one_and_sorted() {
        let (_, index) = index();
        for q in [
            "pillars of the k-silk road",
            "kazakhstan energy",
            "xyz",
            "the",
        ] {
            let ranked = index.rank(q, &TUNING);
            for w in ranked.windows(2) {
                assert!(w[0].score >= w[1].score);
            }
            assert!(ranked.iter().all(|c| (0.0..=1.0).contains(&c.score)));
        }
    }

    #[test]
    fn close_runners_up_ask_instead_of_guessing() {
        let m = decide(
            vec![
                Candidate {
                    entry: 0,
                    score: 0.8,
                },
                Candidate {
                    entry: 1,
                    score: 0.79,
                },
                Candidate {
                    entry: 2,
                    score: 0.1,
                },
            ],
            &TUNING,
        );
        assert_eq!(m.outcome, Outcome::Clarify);
        assert_eq!(m.choices.len(), 2);
        assert_eq!(m.answer(), None);
    }

    #[test]
    fn middling_confidence_asks_with_at_most_three_choices() {
        let middling = (TUNING.answer_min + TUNING.clarify_min) / 2.0;
        let cands = (0..5)
            .map(|i| Candidate {
                entry: i,
                score: middling - i as f32 * 0.001,
            })
            .collect();
        let m = decide(cands, &TUNING);
        assert_eq!(m.outcome, Outcome::Clarify);
        assert_eq!(m.choices.len(), MAX_CHOICES);
    }

    #[test]
    fn clear_winner_answers_and_low_scores_fall_back() {
        let win = decide(
            vec![Candidate {
                entry: 3,
                score: 0.95,
            }],
            &TUNING,
        );
        assert_eq!(win.answer(), Some(3));
        let low = decide(
            vec![Candidate {
                entry: 3,
                score: TUNING.clarify_min - 0.01,
            }],
            &TUNING,
        );
        assert_eq!(low.outcome, Outcome::Fallback);
        assert!(low.choices.is_empty());
    }

    #[test]
    fn thresholds_are_ordered() {
        let t = TUNING;
        assert!(0.0 < t.suggest_min && t.suggest_min <= t.clarify_min);
        assert!(t.clarify_min < t.answer_min && t.answer_min <= 1.0);
        assert!((0.0..=1.0).contains(&t.phrase_weight));
    }

    #[test]
    fn short_tokens_need_an_exact_match() {
        assert_eq!(max_edits(3), 0);
        assert_eq!(max_edits(5), 1);
        assert_eq!(max_edits(12), 3);
    }
}
