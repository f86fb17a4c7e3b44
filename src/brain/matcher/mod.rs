//! Intent matching: from a user's text to ranked entries with a confidence and
//! one of three outcomes (answer, clarify, fallback).
//!
//! The shape is "index, then score". [`Index::build`] turns every phrase of the
//! knowledge base (titles, names, aliases, keywords, example questions) and
//! every answer into stemmed token ids once. A query's words are looked up
//! exactly (after Snowball stemming for English and Russian), then by prefix
//! (Korean particles: `카자흐스탄은`), then as typos (strsim's Damerau-Levenshtein
//! over candidates from a SymSpell deletion map and a character-trigram map).
//! Only entries reached through the posting lists of the query's rarer words
//! are scored, each from its own sorted token list, so the cost per query
//! follows the query, not the size of the knowledge base.
//!
//! Scoring, per candidate entry:
//! - *query coverage*: the weighted share of the query that the entry explains
//!   (a word found only in its answer earns partial credit);
//! - *phrase coverage*: the best weighted share of one of its phrases found in
//!   the query (a whole alias such as "Bishkek" counts fully);
//! - `score = phrase_cov^α · query_cov^(1-α)`.
//!
//! Weights are BM25 inverse document frequencies, so rare topic words
//! ("uranium") outweigh words many entries share ("korea"); stop words and
//! everyday words weigh little; and a word the knowledge base has never seen
//! weighs like its rarest word: "who is the president of the united states" is
//! mostly words the topic does not explain, so it falls back. Off-topic entries
//! ("weather", "visa", "capital") turn a question that names one of their
//! markers into a polite fallback even when it also names a country.
//!
//! Every number that decides behaviour lives in [`Tuning`] ([`crate::tuning`]).
//!
//! The parts that need no index live in submodules: `asks` reads which part
//! of a topic a question asks (its facets), `decide` turns ranked candidates
//! into an outcome, `sentences` cuts a message into the words and sentences
//! that are read, and `typo` measures a mistyped word against a known one.

use std::cell::RefCell;
use std::ops::Range;
use std::sync::{Mutex, PoisonError};

use rustc_hash::FxHashMap as HashMap;

use crate::kb::{EntryIdx, KnowledgeBase};
use crate::lexicon::{english_loanword, is_common_word, is_english_question_word, is_stop_word};
use crate::morph::{Stemmers, is_hangul_syllable, is_particle, korean_stem};
pub use crate::tuning::{TUNING, Tuning};

mod asks;
mod decide;
mod sentences;
mod typo;

use asks::{FACET_WORDS, WHEN_FACET, WHO_FACET};
pub use asks::{
    QUANTITY_FACET, SPEAKER_FACET, STATEMENT_FACET, WHY_FACET, asks_date, asks_how_it_was_put,
    asks_now, asks_quantity, asks_speaker, asks_statement, asks_visit, asks_who_he_is,
    is_date_word, is_statement_word, shape_facets,
};
pub use decide::{
    Candidate, MAX_CANDIDATES, MAX_CHOICES, MIN_CHOICES, Match, Outcome, decide, decide_with,
};
pub use sentences::{LONG_MESSAGE_WORDS, question_part};
use sentences::{
    for_each_word, has_russian_translit_marker, rejoined, sentences, tokenize_all, words,
};
use typo::{for_each_deletion, max_edits, trigrams_of, typo_similarity};

/// At most this many entries are taken from one token's posting list; only a
/// query whose every word is common in a huge knowledge base reaches it.
const MAX_POSTINGS: usize = 256;
/// A token in more entries than this never brings in candidates of its own
/// while the query has a rarer word (it still counts for their scores).
const MAX_SELECTIVE_DF: f32 = 64.0;

/// A trigram in more known words than this is skipped in typo lookup.
const MAX_TRIGRAM_POSTINGS: usize = 400;

/// An entry answers a question word when at least this many of its example
/// questions ask with it.
const FACET_MIN_EXAMPLES: usize = 2;

/// How one word of a question was read (see [`Index::explain_words`]).
#[derive(Debug, Clone, PartialEq)]
pub struct WordReport {
    pub word: String,
    pub weight: f32,
    pub unknown: bool,
    /// Known words it matched, with their similarity.
    pub matches: Vec<(String, f32)>,
}

type TokenId = u32;
type PhraseId = u32;

#[derive(Debug, Clone, Copy)]
struct EntryToken {
    id: TokenId,
    credit: f32,
    /// Bit `i`: the entry's phrase `i` contains the token (phrases past 64 are
    /// always visited).
    phrases: u64,
}

/// One known token.
#[derive(Debug)]
struct TokenInfo {
    weight: f32,
    stop: bool,
    /// An everyday word (see [`is_common_word`]), weighed like filler.
    common: bool,
    /// The words that stem to it ("cooperation", "cooperate"): typos are
    /// measured against these, since a typo rarely survives stemming intact.
    surfaces: Vec<String>,
    /// Whether it brings in candidates (see [`Tuning::candidate_df_share`]).
    selective: bool,
    /// Entries that use this token, with the credit a match earns there
    /// (1 in a phrase, [`Tuning::answer_credit`] in the answer only).
    entries: Vec<(EntryIdx, f32)>,
    /// Phrases made only of stop words that contain this token ("who are
    /// you"): the candidates of a query made only of stop words.
    stop_phrases: Vec<PhraseId>,
}

#[derive(Debug)]
struct PhraseInfo {
    entry: EntryIdx,
    /// Sum of the weights of its distinct tokens.
    weight: f32,
    /// True when every token is a stop word.
    all_stop: bool,
    /// A title, name or alias (or an off-topic entry's keyword), not an example.
    label: bool,
    /// How many distinct tokens it has.
    len: usize,
}

/// The token index over a knowledge base's phrases and answers.
#[derive(Debug)]
pub struct Index {
    vocab: HashMap<String, TokenId>,
    /// Every word the knowledge base was written with, to the token it stems
    /// to: most words of a question are found here without stemming.
    surfaces: HashMap<String, TokenId>,
    tokens: Vec<TokenInfo>,
    phrases: Vec<PhraseInfo>,
    /// The distinct tokens of each phrase.
    phrase_tokens: Vec<Box<[TokenId]>>,
    /// Each entry's phrases (they are stored entry by entry).
    entry_phrases: Vec<Range<u32>>,
    /// Each entry's tokens, sorted by id for binary search: the credit a
    /// match earns there, and which of the entry's first 64 phrases hold the
    /// token (so scoring visits only phrases that can match).
    entry_tokens: Vec<Box<[EntryToken]>>,
    /// Character trigrams (of `^token$`) of content tokens, for typos of two
    /// or more edits in long words.
    trigrams: HashMap<[char; 3], Vec<TokenId>>,
    /// Every content token with one character deleted (SymSpell), for one-edit
    /// typos, which in short words share no trigram ("waht", "what").
    deletions: HashMap<String, Vec<TokenId>>,
    unknown_weight: f32,
    /// Which entries describe questions the bot does not answer.
    off_topic: Vec<bool>,
    /// Which entries are small talk ("Hello", "Thanks"): answered when asked
    /// for, never offered as a "did you mean" guess.
    small_talk: Vec<bool>,
    /// The tokens of [`FACET_WORDS`], where the knowledge base uses them.
    facet_tokens: Vec<(TokenId, u8)>,
    /// Per entry, a bit per [`FACET_WORDS`] word its examples ask with.
    entry_facets: Vec<u8>,
    /// The entry of the trip ([`Index::trip_entry`]).
    trip_entry: Option<EntryIdx>,
    stemmers: Stemmers,
    /// The words looked up so far (see [`WordCache`]).
    word_cache: Mutex<WordCache>,
    /// When the knowledge base is small enough, where each token sits in
    /// each entry's token list, plus one (0: not there), at `entry *
    /// tokens + token`: scoring reads it instead of searching the list.
    token_positions: Option<Box<[u16]>>,
}

/// [`Index::token_positions`] is built only up to this many cells (8 MB).
const MAX_POSITION_CELLS: usize = 1 << 22;

/// A query token and what it matched.
#[derive(Debug, Clone, Copy)]
struct QueryToken {
    weight: f32,
    /// Matched nothing in the knowledge base.
    unknown: bool,
    stop: bool,
    selective: bool,
    matches: Matches,
}

/// The known tokens a query token matched: at most three (see
/// [`Index::lookup_uncached`]), kept inline so a looked-up word is a plain
/// value that the word cache can hand out without allocating.
#[derive(Debug, Clone, Copy, Default)]
struct Matches {
    items: [(TokenId, f32); 3],
    len: u8,
}

impl Matches {
    fn one(id: TokenId, sim: f32) -> Matches {
        Matches {
            items: [(id, sim), (0, 0.0), (0, 0.0)],
            len: 1,
        }
    }

    /// The first three of `list`.
    fn from_slice(list: &[(TokenId, f32)]) -> Matches {
        let mut m = Matches::default();
        for (slot, &item) in m.items.iter_mut().zip(list) {
            *slot = item;
            m.len += 1;
        }
        m
    }
}

impl std::ops::Deref for Matches {
    type Target = [(TokenId, f32)];
    fn deref(&self) -> &[(TokenId, f32)] {
        &self.items[..usize::from(self.len)]
    }
}

impl<'a> IntoIterator for &'a Matches {
    type Item = &'a (TokenId, f32);
    type IntoIter = std::slice::Iter<'a, (TokenId, f32)>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// The words already looked up, per index: a word's [`QueryToken`] depends
/// only on the word, the index and the tuning, and the same everyday words
/// come back in nearly every question, so each distinct word is stemmed and
/// searched for typos once. Bounded: it starts again empty when full.
#[derive(Debug, Default)]
struct WordCache {
    /// The tuning the cached words were looked up under.
    tuning: Option<Tuning>,
    words: HashMap<Box<str>, QueryToken>,
}

/// How many distinct words [`WordCache`] keeps at most (a few MB at most).
const WORD_CACHE_CAP: usize = 50_000;

/// Per-thread scratch space for scoring, reused from query to query instead
/// of allocated and zeroed each time. Every slot a query sets is put back to
/// zero (false) once it is scored; `dirty` says a query is in progress, so a
/// query that panicked midway leaves nothing behind for the next one.
#[derive(Default)]
struct Scratch {
    /// Best similarity per known token (0: not in the query).
    best: Vec<f32>,
    /// Entries already taken as candidates.
    seen: Vec<bool>,
    dirty: bool,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

impl Scratch {
    /// Runs `f` with the scratch sized for `tokens` tokens and `entries` entries,
    /// all zero.
    fn with<R>(tokens: usize, entries: usize, f: impl FnOnce(&mut Scratch) -> R) -> R {
        SCRATCH.with_borrow_mut(|s| {
            if s.dirty {
                s.best.iter_mut().for_each(|b| *b = 0.0);
                s.seen.iter_mut().for_each(|b| *b = false);
            }
            if s.best.len() < tokens {
                s.best.resize(tokens, 0.0);
            }
            if s.seen.len() < entries {
                s.seen.resize(entries, false);
            }
            s.dirty = true;
            let r = f(s);
            s.dirty = false;
            r
        })
    }
}

/// `text` with its words read by `read`, which gives a word rewritten
/// (`Ok`) or as it was (`Err`); `None` when it rewrote none. The script
/// readings share it.
fn rewrite_words<W>(
    text: &str,
    words: impl IntoIterator<Item = W>,
    mut read: impl FnMut(W) -> Result<String, String>,
) -> Option<String> {
    let mut rewritten = false;
    let words: Vec<String> = words
        .into_iter()
        .map(|w| {
            read(w).map_or_else(
                |kept| kept,
                |new| {
                    rewritten = true;
                    new
                },
            )
        })
        .collect();
    rewritten.then(|| rejoined(&words, text))
}

/// [`Index::trip_entry`] of a knowledge base.
fn trip_entry_of(kb: &KnowledgeBase) -> Option<EntryIdx> {
    kb.entries()
        .iter()
        .enumerate()
        .filter(|(_, e)| e.kind.is_factual() && e.kind != crate::kb::Kind::Country)
        .map(|(i, e)| {
            let asking = e.examples.iter().filter(|q| asks_visit(q)).count();
            (i, asking, e.examples.len())
        })
        .filter(|&(_, asking, _)| asking >= FACET_MIN_EXAMPLES)
        // The largest share, compared without division: a/n > b/m.
        .max_by(|&(_, a, n), &(_, b, m)| (a * m).cmp(&(b * n)))
        .map(|(i, _, _)| i)
}

impl Index {
    /// Builds the index for a validated knowledge base.
    pub fn build(kb: &KnowledgeBase, tuning: &Tuning) -> Index {
        let stemmers = Stemmers::new();
        let mut vocab: HashMap<String, TokenId> = HashMap::default();
        let mut tokens: Vec<TokenInfo> = Vec::new();
        // Each word once: interning a word again would find the same token
        // and change nothing (its surface is listed, its `common` flag
        // already set), so a word seen before skips stemming and the word
        // lists. The answers in three languages repeat most of their words.
        let mut interned: HashMap<String, TokenId> = HashMap::default();
        let mut intern = |word: String, tokens: &mut Vec<TokenInfo>| -> TokenId {
            if let Some(&id) = interned.get(&word) {
                return id;
            }
            let stop = is_stop_word(&word);
            let tok = stemmers.term(&word).into_owned();
            // Korean words are listed by stem ("궁금" for "궁금해요").
            let common = is_common_word(&word) || is_common_word(&tok);
            let id = *vocab.entry(tok.clone()).or_insert_with(|| {
                tokens.push(TokenInfo {
                    stop,
                    common,
                    surfaces: Vec::new(),
                    weight: 0.0,
                    selective: true,
                    entries: Vec::new(),
                    stop_phrases: Vec::new(),
                });
                (tokens.len() - 1) as TokenId
            });
            // One everyday surface ("заниматься" beside "занимает") makes
            // the token everyday.
            let info = &mut tokens[id as usize];
            info.common |= common;
            if !info.surfaces.contains(&word) {
                info.surfaces.push(word.clone());
            }
            interned.insert(word, id);
            id
        };

        let mut phrase_tokens: Vec<(EntryIdx, Vec<TokenId>, bool)> = Vec::new();
        let mut entry_phrases: Vec<Range<u32>> = Vec::with_capacity(kb.entries().len());
        for (entry_idx, entry) in kb.entries().iter().enumerate() {
            let first_phrase = phrase_tokens.len() as u32;
            let marker_keywords = entry.kind == crate::kb::Kind::OffTopic;
            let labelled = entry
                .labels()
                .map(|p| (p, true))
                .chain(entry.keywords.iter().map(|p| (p.as_str(), marker_keywords)))
                .chain(entry.examples.iter().map(|p| (p.as_str(), false)));
            for (phrase, label) in labelled {
                let mut ids: Vec<TokenId> = Vec::new();
                for tok in words(phrase) {
                    let id = intern(tok, &mut tokens);
                    if !ids.contains(&id) {
                        ids.push(id);
                    }
                }
                if !ids.is_empty() {
                    phrase_tokens.push((entry_idx, ids, label));
                }
            }
            entry_phrases.push(first_phrase..phrase_tokens.len() as u32);
            // Answers in every language are vocabulary too: a Russian or
            // Korean question meets the words of the translated answer.
            for (_, answer) in entry.answer.iter() {
                for tok in tokenize_all(answer) {
                    let id = intern(tok, &mut tokens);
                    let info = &mut tokens[id as usize];
                    if info.entries.last().map(|e| e.0) != Some(entry_idx) {
                        info.entries.push((entry_idx, tuning.answer_credit));
                    }
                }
            }
        }
        let context: Vec<TokenId> = kb
            .context_words()
            .iter()
            .flat_map(|w| words(w))
            .filter_map(|t| vocab.get(stemmers.term(&t).as_ref()).copied())
            .collect();

        for (phrase_id, (entry, ids, _)) in phrase_tokens.iter().enumerate() {
            let all_stop = ids.iter().all(|&i| tokens[i as usize].stop);
            for &id in ids {
                let info = &mut tokens[id as usize];
                if all_stop {
                    info.stop_phrases.push(phrase_id as PhraseId);
                }
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
            // Document frequency counts phrases only: answers name countries
            // and pillars in passing, which must not make those names common.
            let phrase_df = info.entries.iter().filter(|e| e.1 >= 1.0).count();
            let df = phrase_df.max(1) as f32;
            info.selective =
                !info.stop && df <= (n * tuning.candidate_df_share).clamp(1.0, MAX_SELECTIVE_DF);
            info.weight = if info.stop {
                tuning.stop_weight
            } else if info.common {
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
            .map(|(entry, ids, label)| PhraseInfo {
                entry: *entry,
                weight: ids.iter().map(|&i| tokens[i as usize].weight).sum(),
                all_stop: ids.iter().all(|&i| tokens[i as usize].stop),
                label: *label,
                len: ids.len(),
            })
            .collect();

        let mut trigrams: HashMap<[char; 3], Vec<TokenId>> = HashMap::default();
        let mut deletions: HashMap<String, Vec<TokenId>> = HashMap::default();
        for (id, info) in tokens.iter().enumerate() {
            if info.stop {
                continue;
            }
            let id = id as TokenId;
            for surface in info.surfaces.iter().filter(|s| s.chars().count() >= 4) {
                for tri in trigrams_of(surface) {
                    let list = trigrams.entry(tri).or_default();
                    if list.last() != Some(&id) {
                        list.push(id);
                    }
                }
                let mut add = |variant: &str| match deletions.get_mut(variant) {
                    // A variant already there is not copied again.
                    Some(list) => {
                        if list.last() != Some(&id) {
                            list.push(id);
                        }
                    }
                    None => {
                        deletions.insert(variant.to_owned(), vec![id]);
                    }
                };
                add(surface);
                let chars: Vec<char> = surface.chars().collect();
                for_each_deletion(&chars, &mut String::new(), &mut add);
            }
        }

        let mut entry_tokens: Vec<Vec<EntryToken>> = vec![Vec::new(); kb.entries().len()];
        for (id, info) in tokens.iter().enumerate() {
            for &(entry, credit) in &info.entries {
                entry_tokens[entry].push(EntryToken {
                    id: id as TokenId,
                    credit,
                    phrases: 0,
                });
            }
        }
        for (entry, range) in entry_phrases.iter().enumerate() {
            for (bit, p) in range.clone().take(64).enumerate() {
                for id in &phrase_tokens[p as usize].1 {
                    let list = &mut entry_tokens[entry];
                    if let Ok(i) = list.binary_search_by_key(id, |t| t.id) {
                        list[i].phrases |= 1 << bit;
                    }
                }
            }
        }
        let facet_tokens: Vec<(TokenId, u8)> = FACET_WORDS
            .iter()
            .enumerate()
            .filter_map(|(bit, word)| vocab.get(*word).map(|&id| (id, 1u8 << bit)))
            .collect();
        let entry_facets: Vec<u8> = kb
            .entries()
            .iter()
            .enumerate()
            .map(|(entry, e)| {
                let range = entry_phrases[entry].clone();
                let examples = &phrase_tokens[range.start as usize..range.end as usize];
                let asked_by_examples = |asks: fn(&str) -> bool, bit: u8| {
                    let asking = e.examples.iter().filter(|q| asks(q)).count();
                    if !e.examples.is_empty() && asking >= FACET_MIN_EXAMPLES.min(e.examples.len())
                    {
                        bit
                    } else {
                        0
                    }
                };
                facet_tokens
                    .iter()
                    .filter(|(id, _)| {
                        examples
                            .iter()
                            .filter(|(_, ids, label)| !label && ids.contains(id))
                            .count()
                            >= FACET_MIN_EXAMPLES.min(e.examples.len())
                    })
                    .fold(0u8, |acc, (_, bit)| acc | bit)
                    | asked_by_examples(asks_quantity, QUANTITY_FACET)
                    | asked_by_examples(asks_speaker, SPEAKER_FACET)
                    | asked_by_examples(asks_date, WHEN_FACET)
                    | asked_by_examples(asks_statement, STATEMENT_FACET)
            })
            .collect();
        let phrase_tokens = phrase_tokens
            .into_iter()
            .map(|(_, ids, _)| ids.into_boxed_slice())
            .collect();
        let token_positions = (entry_tokens.len().saturating_mul(tokens.len())
            <= MAX_POSITION_CELLS
            && entry_tokens
                .iter()
                .all(|list| list.len() < usize::from(u16::MAX)))
        .then(|| {
            let mut table = vec![0u16; entry_tokens.len() * tokens.len()];
            for (entry, list) in entry_tokens.iter().enumerate() {
                for (i, t) in list.iter().enumerate() {
                    table[entry * tokens.len() + t.id as usize] = i as u16 + 1;
                }
            }
            table.into_boxed_slice()
        });

        Index {
            surfaces: tokens
                .iter()
                .enumerate()
                .flat_map(|(id, info)| {
                    info.surfaces
                        .iter()
                        .map(move |s| (s.clone(), id as TokenId))
                })
                .collect(),
            vocab,
            tokens,
            phrases,
            phrase_tokens,
            entry_phrases,
            entry_tokens: entry_tokens
                .into_iter()
                .map(Vec::into_boxed_slice)
                .collect(),
            trigrams,
            deletions,
            unknown_weight,
            off_topic: kb
                .entries()
                .iter()
                .map(|e| e.kind == crate::kb::Kind::OffTopic)
                .collect(),
            small_talk: kb
                .entries()
                .iter()
                .map(|e| e.kind == crate::kb::Kind::SmallTalk)
                .collect(),
            facet_tokens,
            entry_facets,
            trip_entry: trip_entry_of(kb),
            stemmers,
            word_cache: Mutex::default(),
            token_positions,
        }
    }

    /// How many distinct tokens the knowledge base uses.
    pub fn vocabulary_size(&self) -> usize {
        self.tokens.len()
    }

    /// [`Index::lookup_uncached`] through the word cache.
    fn lookup(&self, word: &str, tuning: &Tuning) -> QueryToken {
        let mut cache = self.words_seen(tuning);
        self.lookup_in(&mut cache, word, tuning)
    }

    /// The word cache, emptied if it was filled under another tuning.
    fn words_seen(&self, tuning: &Tuning) -> std::sync::MutexGuard<'_, WordCache> {
        // A panic while the lock was held left at worst a word not inserted.
        let mut cache = self
            .word_cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if cache.tuning != Some(*tuning) {
            cache.words.clear();
            cache.tuning = Some(*tuning);
        }
        cache
    }

    fn lookup_in(&self, cache: &mut WordCache, word: &str, tuning: &Tuning) -> QueryToken {
        if let Some(q) = cache.words.get(word) {
            return *q;
        }
        let q = self.lookup_uncached(word, tuning);
        if cache.words.len() >= WORD_CACHE_CAP {
            cache.words.clear();
        }
        cache.words.insert(word.into(), q);
        q
    }

    /// The query tokens of a text: its [`words`], looked up.
    fn read(&self, text: &str, tuning: &Tuning) -> Vec<QueryToken> {
        let mut cache = self.words_seen(tuning);
        let mut query = Vec::with_capacity(16);
        for_each_word(text, |w| query.push(self.lookup_in(&mut cache, w, tuning)));
        query
    }

    /// Finds the known tokens a query token may stand for, with a similarity.
    fn lookup_uncached(&self, word: &str, tuning: &Tuning) -> QueryToken {
        // A word the knowledge base uses stems to the same token as it did
        // there: no need to stem it again.
        let known = self.surfaces.get(word).copied();
        let stemmed = match known {
            Some(_) => std::borrow::Cow::Borrowed(word),
            None => self.stemmers.term(word),
        };
        let token: &str = &stemmed;
        if let Some(id) = known.or_else(|| self.vocab.get(token).copied()) {
            let info = &self.tokens[id as usize];
            // An everyday word weighs like filler even when it stems like a
            // rarer word of the knowledge base ("заниматься", "занимает").
            // Likewise a function word that stems like a topic word
            // ("exactly" like the "exact" of "exact date"): as typed, it
            // asks nothing (cross-validated 2026-12-04: follow-ups +6 right,
            // -8 wrong; single questions +1 right, -1 wrong).
            let weight = if !info.stop && is_stop_word(word) {
                info.weight.min(tuning.stop_weight)
            } else if !info.common && !info.stop && is_common_word(word) {
                info.weight.min(tuning.common_weight)
            } else {
                info.weight
            };
            return QueryToken {
                weight,
                unknown: false,
                stop: info.stop,
                selective: info.selective,
                matches: Matches::one(id, 1.0),
            };
        }
        if is_stop_word(word) {
            return QueryToken {
                weight: tuning.stop_weight,
                unknown: false,
                stop: true,
                selective: false,
                matches: Matches::default(),
            };
        }

        let mut matches: Vec<(TokenId, f32)> = Vec::new();

        // Inflections and particles the stemmer leaves: "카자흐스탄은" → "카자흐스탄".
        let stem_chars: Vec<char> = token.chars().collect();
        let min_stem = if token.starts_with(is_hangul_syllable) {
            2
        } else {
            4
        };
        for cut in (min_stem..stem_chars.len()).rev().take(4) {
            let stem: String = stem_chars[..cut].iter().collect();
            if let Some(&id) = self.vocab.get(&stem)
                && !self.tokens[id as usize].stop
            {
                matches.push((id, tuning.prefix_sim));
                break;
            }
        }
        // A one-syllable Korean noun with its particle ("축이", "축은"): the
        // stemmer keeps two syllables, so look the noun up when the rest is a
        // particle and the knowledge base knows the noun.
        if matches.is_empty()
            && let [first, rest @ ..] = stem_chars.as_slice()
            && is_hangul_syllable(*first)
            && is_particle(&rest.iter().collect::<String>())
            && let Some(&id) = self.vocab.get(first.encode_utf8(&mut [0; 4]) as &str)
            && !self.tokens[id as usize].stop
        {
            matches.push((id, tuning.prefix_sim));
        }

        // Typos are measured on the words as typed, against the words the
        // knowledge base uses (not their stems) — but without Korean
        // particles and endings, which would otherwise count as edits
        // ("투르크매니스탄하고는" is one edit from "투르크메니스탄").
        let typed: &str = if word.starts_with(is_hangul_syllable) {
            korean_stem(word)
        } else {
            word
        };
        let chars: Vec<char> = typed.chars().collect();
        let len = chars.len();
        if len >= 4 {
            let allowed = max_edits(len);
            let mut candidates: Vec<TokenId> = Vec::new();
            // One edit: the SymSpell deletion neighbourhood, both ways.
            if let Some(list) = self.deletions.get(typed) {
                candidates.extend_from_slice(list);
            }
            let mut buffer = String::with_capacity(typed.len());
            for_each_deletion(&chars, &mut buffer, |variant| {
                if let Some(list) = self.deletions.get(variant) {
                    candidates.extend_from_slice(list);
                }
            });
            // More edits in long words, and truncations ("infra" → "infrastructure"),
            // through shared trigrams, when one edit found nothing. Trigrams
            // shared by very many words say little and are skipped.
            if candidates.is_empty() && (allowed > 1 || len >= 5) {
                let mut shared: Vec<TokenId> = Vec::new();
                let mut skipped = 0;
                for tri in trigrams_of(typed) {
                    match self.trigrams.get(&tri) {
                        Some(list) if list.len() > MAX_TRIGRAM_POSTINGS => skipped += 1,
                        Some(list) => shared.extend_from_slice(list),
                        None => {}
                    }
                }
                // Two words within k edits share at least this many trigrams.
                let needed = (len + 2)
                    .saturating_sub(2 + 3 * allowed)
                    .saturating_sub(skipped)
                    .max(2);
                shared.sort_unstable();
                for run in shared.chunk_by(|a, b| a == b) {
                    if run.len() >= needed {
                        candidates.push(run[0]);
                    }
                }
            }
            candidates.sort_unstable();
            candidates.dedup();
            for id in candidates {
                let info = &self.tokens[id as usize];
                if info.stop {
                    continue;
                }
                let best = info
                    .surfaces
                    .iter()
                    .filter_map(|surface| typo_similarity(&chars, surface, allowed, tuning))
                    .fold(0.0f32, f32::max);
                if best > 0.0 {
                    matches.push((id, best));
                }
            }
        }

        if matches.is_empty() {
            // Short unknown words are mostly typos and slang ("wat", "ur").
            let weight =
                if is_common_word(word) || is_common_word(token) || word.chars().count() <= 3 {
                    tuning.common_weight
                } else {
                    self.unknown_weight
                };
            return QueryToken {
                weight,
                unknown: true,
                stop: false,
                selective: false,
                matches: Matches::default(),
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
            unknown: false,
            stop: false,
            selective,
            matches: Matches::from_slice(&matches),
        }
    }

    /// Scores every entry the query reaches, best first.
    pub fn rank(&self, text: &str, tuning: &Tuning) -> Vec<Candidate> {
        let query = self.read(text, tuning);
        self.rank_tokens_with(&query, &[], shape_facets(text), tuning)
    }

    /// Like [`Index::rank`], and also scores `around` (the entries near a
    /// conversation's last topic) whether or not the query's words reach
    /// them: a bare follow-up ("where?", "what did he sign there?") has few
    /// words of its own to bring its topic in.
    pub fn rank_around(&self, text: &str, around: &[EntryIdx], tuning: &Tuning) -> Vec<Candidate> {
        let query = self.read(text, tuning);
        self.rank_tokens_with(&query, around, shape_facets(text), tuning)
    }

    /// How many words of `text` name a topic: known words that are neither
    /// stop words, everyday words, question words nor context words
    /// ("korea"). "and Turkmenistan?" has one; "why?", "tell me more" and
    /// "what did he say?" have none, so they lean on the conversation.
    pub fn topic_words(&self, text: &str, tuning: &Tuning) -> usize {
        self.topic_words_beyond(text, None, tuning)
    }

    /// [`Index::topic_words`], leaving out the words `entry` itself uses:
    /// "how much support?" after the ODA pillar names no new topic.
    pub fn topic_words_beyond(
        &self,
        text: &str,
        entry: Option<EntryIdx>,
        tuning: &Tuning,
    ) -> usize {
        self.known_words_beyond(text, entry, tuning.common_weight, tuning)
    }

    /// [`Index::topic_words_beyond`] counting every known word above
    /// `min_weight`: the words the whole knowledge base shares ("k", "silk",
    /// "road") weigh little, yet they are not small talk.
    fn known_words_beyond(
        &self,
        text: &str,
        entry: Option<EntryIdx>,
        min_weight: f32,
        tuning: &Tuning,
    ) -> usize {
        const QUESTION: [&str; 9] = [
            "how", "what", "when", "where", "which", "who", "whom", "whose", "why",
        ];
        words(text)
            .iter()
            .filter(|w| !QUESTION.contains(&self.stemmers.term(w).as_ref()))
            .map(|w| self.lookup(w, tuning))
            .filter(|q| !q.unknown && !q.stop && q.weight > min_weight)
            // The entry's own words are those of its phrases, not the ones
            // its answer mentions in passing ("president" in Kazakhstan's).
            .filter(|q| {
                entry
                    .and_then(|e| self.entry_tokens.get(e))
                    .is_none_or(|tokens| {
                        !q.matches.iter().any(|(id, _)| {
                            tokens
                                .binary_search_by_key(id, |t| t.id)
                                .is_ok_and(|i| tokens[i].credit >= 1.0)
                        })
                    })
            })
            .count()
    }

    /// Does the knowledge base know this normalised word as it is: a stop
    /// word, an everyday word, a surface of its vocabulary, or a stem of one?
    /// The script readings ([`Index::read_translit`],
    /// [`Index::read_turkic_cyrillic`]) rewrite only words it does not know
    /// into words it does.
    fn knows_word(&self, w: &str) -> bool {
        is_stop_word(w)
            || is_common_word(w)
            || self.surfaces.contains_key(w)
            || self.vocab.contains_key(&*self.stemmers.term(w))
    }

    /// `text` with its Russian words typed in Latin letters written in
    /// Cyrillic ("kakie strany poseschaet Yoon" → "какие страны посещает
    /// yoon"), or `None` when it has none. A word is rewritten only when the
    /// knowledge base does not know it as it is and does know its Cyrillic
    /// spelling ([`crate::translit`]), so English, names and Uzbek stay;
    /// and only when at least half the words it does not know are such words.
    pub fn read_translit(&self, text: &str) -> Option<String> {
        // Most questions are not translit: a cheap look for a Russian
        // function word in Latin letters ("chto", "kogda", "tozhe") spares
        // them the stemming below.
        if !has_russian_translit_marker(text) {
            return None;
        }
        // Uzbek and Kazakh in Latin letters have words that spell Russian
        // ones, mostly short ("ta", "ne", "edi"). A message is read as Russian
        // only when, counting words of three letters or more, at least two of
        // the words it does not know are Russian, and at least half; or when
        // its only such word is a Russian question word ("a kogda?", "i
        // pochemu?"): a follow-up is often no more than that.
        let (mut unknown, mut rewritten, mut question) = (0, 0, false);
        let words: Vec<String> = words(text)
            .into_iter()
            .map(|w| {
                if self.knows_word(&w) || is_english_question_word(&w) {
                    return w;
                }
                let counts = w.len() >= 3;
                unknown += usize::from(counts);
                let Some(cyrillic) = crate::translit::to_cyrillic(&w) else {
                    return w;
                };
                let known = if self.knows_word(&cyrillic) {
                    Some(cyrillic)
                } else {
                    crate::translit::soft_sign_readings(&cyrillic)
                        .into_iter()
                        .find(|r| self.knows_word(r))
                };
                match known {
                    Some(cyrillic) => {
                        rewritten += usize::from(counts);
                        question |=
                            counts && crate::lexicon::english_question_word(&cyrillic).is_some();
                        cyrillic
                    }
                    None => w,
                }
            })
            .collect();
        let lone_question = rewritten == 1 && unknown == 1 && question;
        if (rewritten < 2 && !lone_question) || rewritten * 2 < unknown {
            return None;
        }
        Some(rejoined(&words, text))
    }

    /// `text` with its Uzbek or Kazakh Cyrillic words in Latin letters
    /// ("Марказий Осиё саммити қаерда бўлади?" → "markaziy osiyo sammiti
    /// qaerda boladi?"), or `None` when it has no letter Russian lacks or no
    /// such word. The text has such a letter, so it is Uzbek or Kazakh: a
    /// word whose Latin spelling ([`crate::translit::turkic_to_latin`]) is
    /// an Uzbek or Kazakh word the lexicon translates is rewritten even when
    /// Russian stemming would read it ("нима", what, is not Russian "ним");
    /// any other word only when the knowledge base does not know it as it is
    /// and knows its Latin spelling. Words the knowledge base uses as they
    /// are (the Cyrillic country names) stay.
    pub fn read_turkic_cyrillic(&self, text: &str) -> Option<String> {
        if !crate::translit::has_turkic_letter(text) {
            return None;
        }
        // Normalisation folds "ё" to "е", but in Uzbek "ё" is "yo"
        // ("Осиё", Asia): read the Latin from a copy that keeps it. The
        // replacement keeps word boundaries, so the two lists pair up.
        let with_yo = text.replace('ё', "йо").replace('Ё', "Йо");
        let (words, yo_words) = (words(text), words(&with_yo));
        if words.len() != yo_words.len() {
            return None;
        }
        rewrite_words(text, words.into_iter().zip(yo_words), |(w, yo)| {
            if self.surfaces.contains_key(&w) {
                return Err(w);
            }
            match crate::translit::turkic_to_latin(&yo) {
                Some(latin)
                    if english_loanword(&latin).is_some()
                        || (!self.knows_word(&w) && self.knows_word(&latin)) =>
                {
                    Ok(latin)
                }
                _ => Err(w),
            }
        })
    }

    /// `text` with the Latin acronyms typed in Cyrillic read as Latin ("что
    /// такое ОДА?" asks about ODA): a word of two to four Cyrillic letters the
    /// knowledge base does not know, whose letters read as Latin spell a word
    /// of its own vocabulary. Short, so that no Russian word the knowledge
    /// base lacks is taken for an English one. `None` when there is none.
    pub fn read_cyrillic_acronyms(&self, text: &str) -> Option<String> {
        // Most messages have no Cyrillic at all: they are spared the words.
        if !text
            .chars()
            .any(|c| matches!(c, 'а'..='я' | 'А'..='Я' | 'ё' | 'Ё'))
        {
            return None;
        }
        let short_cyrillic = |w: &str| {
            (2..=4).contains(&w.chars().count()) && w.chars().all(|c| matches!(c, 'а'..='я' | 'ё'))
        };
        rewrite_words(text, words(text), |w| {
            if !short_cyrillic(&w) || self.knows_word(&w) {
                return Err(w);
            }
            match crate::translit::turkic_to_latin(&w) {
                Some(latin)
                    if self.surfaces.contains_key(&latin)
                        && !is_stop_word(&latin)
                        && !is_common_word(&latin) =>
                {
                    Ok(latin)
                }
                _ => Err(w),
            }
        })
    }

    /// How many words of `text` the knowledge base does not know at all
    /// (not even as everyday words): "founded" in "when was it founded?".
    pub fn unknown_words(&self, text: &str, tuning: &Tuning) -> usize {
        words(text)
            .iter()
            .map(|w| self.lookup(w, tuning))
            .filter(|q| q.unknown && q.weight > tuning.common_weight)
            .count()
    }

    /// `shape`: the facets the text's shape asks ([`shape_facets`]).
    fn rank_tokens_with(
        &self,
        query: &[QueryToken],
        around: &[EntryIdx],
        shape: u8,
        tuning: &Tuning,
    ) -> Vec<Candidate> {
        // Unknown words count together, sublinearly (see `unknown_exponent`).
        let (mut known, mut unknown, mut unknown_count) = (0.0f32, 0.0f32, 0usize);
        for q in query {
            if q.unknown {
                unknown = unknown.max(q.weight);
                unknown_count += 1;
            } else {
                known += q.weight;
            }
        }
        // A long message counts up to `query_weight_cap`: past a few topic
        // words, the rest is context around the question.
        let total_weight = (known + unknown * (unknown_count as f32).powf(tuning.unknown_exponent))
            .min(tuning.query_weight_cap);
        if total_weight <= 0.0 {
            return Vec::new();
        }
        // A query of stop words only ("who are you") is scored on phrases
        // made only of stop words.
        let any_content = query.iter().any(|q| !q.stop && !q.matches.is_empty());
        let mut ranked = Scratch::with(self.tokens.len(), self.entry_tokens.len(), |scratch| {
            let mut candidates = self.candidates_in(query, &mut scratch.seen);
            for &entry in around {
                if entry < self.entry_tokens.len() && !candidates.contains(&entry) {
                    candidates.push(entry);
                }
            }

            // Best similarity per known token, for phrase coverage, indexed by
            // token: phrase coverage asks for every token of every
            // phrase it visits, so the lookup must be O(1). 0 means "not in the
            // query" (a match always has a positive similarity).
            let best = &mut scratch.best;
            for q in query {
                for &(id, sim) in &q.matches {
                    let slot = &mut best[id as usize];
                    *slot = slot.max(sim);
                }
            }
            let ranked: Vec<Candidate> = {
                let best: &[f32] = best;
                let best_sim = |id: TokenId| {
                    let sim = best[id as usize];
                    (sim > 0.0).then_some(sim)
                };
                let mut ranked = Vec::with_capacity(candidates.len());
                ranked.extend(
                    candidates
                        .iter()
                        .map(|&entry| {
                            self.score_entry(
                                entry,
                                query,
                                total_weight,
                                &best_sim,
                                any_content,
                                tuning,
                            )
                        })
                        .filter(|c| c.score > 0.0),
                );
                ranked
            };
            for q in query {
                for &(id, _) in &q.matches {
                    best[id as usize] = 0.0;
                }
            }
            ranked
        });
        // The question word picks the part of a topic (see `facet_penalty`).
        let asked: u8 = query
            .iter()
            .flat_map(|q| &q.matches)
            .filter_map(|(id, _)| self.facet_tokens.iter().find(|(f, _)| f == id))
            .fold(0, |acc, (_, bit)| acc | bit)
            | shape & WHEN_FACET;
        // Who said something asks the speaker, not any "who": "who said
        // that?" is not "who are you?" nor "who takes part?".
        let asked = if shape & SPEAKER_FACET != 0 {
            asked & !WHO_FACET | SPEAKER_FACET
        } else {
            asked
        };
        if asked != 0 {
            for c in &mut ranked {
                if self.entry_facets[c.entry] & asked == 0 && !self.off_topic[c.entry] {
                    c.score *= 1.0 - tuning.facet_penalty;
                }
            }
        }
        ranked.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.entry.cmp(&b.entry)));
        ranked.truncate(MAX_CANDIDATES);
        ranked
    }

    /// The entries a query reaches through the posting lists of its words:
    /// the only ones scored. The selective (rare) words bring them in; failing
    /// those, any content word; failing that (a query of stop words only,
    /// "who are you"), phrases made only of stop words.
    fn candidates(&self, query: &[QueryToken]) -> Vec<EntryIdx> {
        Scratch::with(self.tokens.len(), self.entry_tokens.len(), |scratch| {
            self.candidates_in(query, &mut scratch.seen)
        })
    }

    /// [`Index::candidates`], marking them in `seen` (all false, and put
    /// back to all false before it returns).
    fn candidates_in(&self, query: &[QueryToken], seen: &mut [bool]) -> Vec<EntryIdx> {
        let any_selective = query.iter().any(|q| q.selective);
        let any_content = query.iter().any(|q| !q.stop && !q.matches.is_empty());
        let mut candidates: Vec<EntryIdx> = Vec::with_capacity(self.entry_tokens.len().min(64));
        let mut take = |entry: EntryIdx| {
            if !std::mem::replace(&mut seen[entry], true) {
                candidates.push(entry);
            }
        };
        for q in query {
            for &(id, _) in &q.matches {
                let info = &self.tokens[id as usize];
                if !any_content {
                    for &p in &info.stop_phrases {
                        take(self.phrases[p as usize].entry);
                    }
                } else if q.selective || (!any_selective && !q.stop) {
                    for &(entry, _) in info.entries.iter().take(MAX_POSTINGS) {
                        take(entry);
                    }
                }
            }
        }
        for &entry in &candidates {
            seen[entry] = false;
        }
        candidates
    }

    /// How many entries a question is scored against. The index keeps this
    /// far below the size of a large knowledge base (see `tests/scaling.rs`).
    pub fn reach(&self, text: &str, tuning: &Tuning) -> usize {
        let query = self.read(text, tuning);
        self.candidates(&query).len()
    }

    /// Scores one candidate entry: query coverage from its tokens, phrase
    /// coverage and label hits from its phrases.
    fn score_entry(
        &self,
        entry: EntryIdx,
        query: &[QueryToken],
        total_weight: f32,
        best_sim: &impl Fn(TokenId) -> Option<f32>,
        any_content: bool,
        tuning: &Tuning,
    ) -> Candidate {
        let tokens = &self.entry_tokens[entry];
        let position = |id: TokenId| match &self.token_positions {
            Some(table) => {
                let at = table[entry * self.tokens.len() + id as usize];
                at.checked_sub(1).map(usize::from)
            }
            None => tokens.binary_search_by_key(&id, |t| t.id).ok(),
        };
        let mut phrase_mask = 0u64;
        let covered: f32 = query
            .iter()
            .map(|q| {
                let mut s = 0.0f32;
                for &(id, sim) in &q.matches {
                    if let Some(i) = position(id) {
                        s = s.max(sim * tokens[i].credit);
                        phrase_mask |= tokens[i].phrases;
                    }
                }
                s * q.weight
            })
            .sum();
        let qcov = (covered / total_weight).min(1.0);

        // The best phrase coverage, and whether a label is there in full:
        // every one of its words, function words included ("who are you" is
        // not in "who's included"). An off-topic marker must be there as
        // typed: "vists" is not "visas".
        let mut pcov = 0.0f32;
        let mut label_hit = false;
        let range = self.entry_phrases[entry].clone();
        // The first 64 phrases that hold a query token, by their bits in
        // order; the rest, all of them.
        let mut bits = phrase_mask;
        let flagged = std::iter::from_fn(|| {
            (bits != 0).then(|| {
                let bit = bits.trailing_zeros();
                bits &= bits - 1;
                range.start + bit
            })
        });
        for p in flagged.chain(range.clone().skip(64)) {
            let phrase = &self.phrases[p as usize];
            if !any_content && !phrase.all_stop {
                continue;
            }
            let (mut hit, mut matched, mut weakest) = (0.0f32, 0usize, 1.0f32);
            for &id in self.phrase_tokens[p as usize].iter() {
                if let Some(sim) = best_sim(id) {
                    hit += self.tokens[id as usize].weight * sim;
                    matched += 1;
                    weakest = weakest.min(sim);
                }
            }
            if matched == 0 {
                continue;
            }
            pcov = pcov.max((hit / phrase.weight).min(1.0));
            let exact_enough = !self.off_topic[entry] || weakest >= 1.0;
            label_hit |= phrase.label && matched == phrase.len && exact_enough;
        }

        let alpha = tuning.phrase_weight;
        Candidate {
            entry,
            score: pcov.powf(alpha) * qcov.powf(1.0 - alpha),
            label_hit,
        }
    }

    /// Ranks the query and decides the outcome.
    ///
    /// A long message is often context around one question ("I run a tourism
    /// agency in Bishkek… Does the plan say anything about Kyrgyzstan?"). When
    /// the whole message does not earn an answer and was not declined as
    /// off-topic, each of its sentences is tried on its own, and a sentence
    /// that earns an answer on its own answers for the message.
    pub fn match_intent(&self, text: &str, tuning: &Tuning) -> Match {
        let decide_ranked = |ranked: Vec<Candidate>| {
            decide_with(
                ranked,
                tuning,
                |e| self.off_topic[e],
                |e| !self.small_talk[e],
            )
        };
        let decide = |s: &str| decide_ranked(self.rank(s, tuning));
        let whole = decide(text);
        if let Some(greeting) = whole.answer().filter(|&e| self.small_talk[e]) {
            // "hi, what is the K-Silk Road?": a greeting or a thank-you with
            // a question is the question. Small talk keeps a message that
            // names no topic beyond its own words ("hello there!").
            if self.names_more_than_small_talk(text, greeting, tuning) {
                // Even a weak or no match: the classifier's review may still
                // answer it, and a greeting is no reply to a question.
                return decide_ranked(
                    self.rank(text, tuning)
                        .into_iter()
                        .filter(|c| !self.small_talk[c.entry])
                        .collect(),
                );
            }
            return whole;
        }
        if whole.outcome == Outcome::Answer || whole.off_topic.is_some() {
            return whole;
        }
        let sentences = sentences(text);
        if sentences.len() < 2 {
            return whole;
        }
        // A sentence of small talk answers for the message only when the
        // rest of it names no topic, as above: "Это всё или есть ещё что-то?"
        // (is that all?) after three pillars named is a question about them,
        // not "goodbye".
        let small_talk_among_topics = |m: &Match| {
            m.answer().is_some_and(|e| {
                self.small_talk[e] && self.names_more_than_small_talk(text, e, tuning)
            })
        };
        sentences
            .into_iter()
            .map(decide)
            .filter(|m| m.outcome == Outcome::Answer && m.score() >= tuning.part_answer_min)
            .filter(|m| !small_talk_among_topics(m))
            .max_by(|a, b| a.score().total_cmp(&b.score()))
            .unwrap_or(whole)
    }

    /// Does `text` name anything beyond the words of the small talk
    /// `greeting`? Every known word counts, however common: "k silk road" is
    /// in every entry, yet no greeting. Small talk answers a message only
    /// when it does not.
    fn names_more_than_small_talk(&self, text: &str, greeting: EntryIdx, tuning: &Tuning) -> bool {
        self.known_words_beyond(text, Some(greeting), 0.0, tuning) > 0
    }

    /// How each word of a question was read: its weight and the known words
    /// it matched, for curating the knowledge base (`examples/explain.rs`).
    pub fn explain_words(&self, text: &str, tuning: &Tuning) -> Vec<WordReport> {
        words(text)
            .into_iter()
            .map(|word| {
                let q = self.lookup(&word, tuning);
                WordReport {
                    matches: q
                        .matches
                        .iter()
                        .map(|&(id, sim)| (self.tokens[id as usize].surfaces[0].clone(), sim))
                        .collect(),
                    word,
                    weight: q.weight,
                    unknown: q.unknown,
                }
            })
            .collect()
    }

    /// The topic words of a text under the matcher's own normalisation: its
    /// stems, without stop words, everyday words and question words, sorted
    /// and deduplicated. Two questions with the same terms ask about the same
    /// thing in other words ("does korea cooperate on space", "space
    /// cooperation with korea?"), which is how `ksilk review` groups the
    /// questions the bot could not answer. Pure: no typo correction, no
    /// knowledge base needed beyond the stemmers.
    pub fn terms(&self, text: &str) -> Vec<String> {
        let filler = |w: &str| is_stop_word(w) || is_common_word(w) || is_english_question_word(w);
        let mut terms: Vec<String> = words(text)
            .iter()
            .filter(|w| !filler(w))
            .map(|w| self.stemmers.term(w).into_owned())
            .filter(|t| !t.is_empty() && !filler(t))
            .collect();
        terms.sort_unstable();
        terms.dedup();
        terms
    }

    /// The facets (a bit per "when", "where", "who", "why",
    /// [`QUANTITY_FACET`] and [`SPEAKER_FACET`]) the text asks.
    pub fn facets_asked(&self, text: &str, tuning: &Tuning) -> u8 {
        // One reading of the words for both shapes (who said it, a date).
        let shape = shape_facets(text);
        let quantity = if asks_quantity(text) {
            QUANTITY_FACET
        } else {
            0
        } | shape & WHEN_FACET;
        let asked = words(text)
            .iter()
            .map(|w| self.lookup(w, tuning))
            .flat_map(|q| q.matches.to_vec())
            .filter_map(|(id, _)| self.facet_tokens.iter().find(|(f, _)| *f == id))
            .fold(quantity, |acc, (_, bit)| acc | bit);
        if shape & SPEAKER_FACET != 0 {
            asked & !WHO_FACET | SPEAKER_FACET
        } else {
            asked
        }
    }

    /// The entry that answers a trip: of the topics whose example questions
    /// ask about a visit ([`asks_visit`]), the one most of whose examples
    /// do ("President Yoon's state visits"; the agreements and the cities
    /// of the visits ask other things of it).
    pub fn trip_entry(&self) -> Option<EntryIdx> {
        self.trip_entry
    }

    /// The facets an entry's example questions ask (see [`Index::facets_asked`]).
    pub fn entry_facets(&self, entry: EntryIdx) -> u8 {
        self.entry_facets.get(entry).copied().unwrap_or(0)
    }

    /// Is this entry one of the off-topic ones?
    pub fn is_off_topic(&self, entry: EntryIdx) -> bool {
        self.off_topic[entry]
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

    #[test]
    fn terms_are_stems_without_filler_so_paraphrases_share_them() {
        let (_, index) = index();
        let terms = index.terms("does korea cooperate on space");
        assert_eq!(terms, vec!["cooper", "korea", "space"]);
        assert_eq!(index.terms("Space cooperation with Korea?"), terms);
        assert_eq!(index.terms("How does Korea cooperate on space?"), terms);
        assert_ne!(index.terms("Korea space program budget"), terms);
        assert_eq!(
            index.terms("카자흐스탄과는 우주 분야에서 협력하나요?")[2],
            "카자흐스탄"
        );
        assert!(index.terms("who are you?").is_empty());
        assert!(index.terms("").is_empty());
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
    fn korean_particles_after_one_syllable_nouns_and_latin_words_are_read() {
        let (_, index) = index();
        let words = index.explain_words("협력 축이 뭐예요? ODA도 있나요?", &TUNING);
        let read = |w: &str| {
            words
                .iter()
                .find(|r| r.word == w)
                .map(|r| r.matches.iter().map(|m| m.0.clone()).collect::<Vec<_>>())
        };
        assert_eq!(read("축이"), Some(vec!["축".to_owned()]));
        assert!(read("oda").is_some_and(|m| !m.is_empty()), "{words:?}");
        assert_eq!(
            answer("Kyrgyzstan이랑은 어떤 분야에서 협력해요?").as_deref(),
            Some("kyrgyzstan")
        );
    }

    #[test]
    fn a_function_word_weighs_as_one_even_when_it_stems_like_a_topic_word() {
        let (_, index) = index();
        let weight = |text: &str, w: &str| {
            let words = index.explain_words(text, &TUNING);
            words.iter().find(|r| r.word == w).map(|r| r.weight)
        };
        // "exact" is a summit-date word; "exactly" is a function word.
        let exact = weight("the exact date", "exact").unwrap();
        let exactly = weight("what exactly are the pillars", "exactly").unwrap();
        assert!(exact > 1.0, "{exact}");
        assert!(exactly <= TUNING.stop_weight, "{exactly}");
        // A request verb is filler, whatever entry's examples happen to use it.
        let list = weight("could you list them", "list").unwrap();
        assert!(list <= TUNING.common_weight, "{list}");
    }

    #[test]
    fn korean_typos_are_measured_without_particles() {
        assert_eq!(
            answer("투르크매니스탄하고는 어떤 분야에서 협력하나요?").as_deref(),
            Some("turkmenistan")
        );
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
    fn who_said_it_needs_a_question_word_and_a_verb_of_speech() {
        for q in [
            "who said that?",
            "who announced it",
            "а кто это сказал?",
            "кем было объявлено?",
            "그거 누가 발표했어?",
            "누가 그렇게 말했습니까?",
            "buni kim aytdi?",
        ] {
            assert!(asks_speaker(q), "{q}");
        }
        for q in [
            "who takes part?",
            "what did he say?",
            "кто участвует?",
            "누가 참가해?",
            "what did Kim say about it",
        ] {
            assert!(!asks_speaker(q), "{q}");
        }
        let (kb, index) = index();
        let announcement = kb.find("announcement").unwrap();
        let summit = kb.find("korea-central-asia-summit").unwrap();
        assert_ne!(index.entry_facets(announcement) & SPEAKER_FACET, 0);
        assert_eq!(index.entry_facets(summit) & SPEAKER_FACET, 0);
        // The speaker replaces "who": it is not who takes part.
        assert_eq!(index.facets_asked("who said that?", &TUNING), SPEAKER_FACET);
        assert_eq!(index.facets_asked("who?", &TUNING), WHO_FACET);
    }

    #[test]
    fn how_a_person_put_it_is_asked_with_how_or_describing_but_not_announcing() {
        for q in [
            "What did Kim Tae-hyo say the initiative is aiming for?",
            "How did Kim describe the blueprint?",
            "김태효 1차장이 브리핑에서 이 구상을 어떻게 설명했나요?",
            "как Ким описал цель инициативы?",
        ] {
            assert!(asks_how_it_was_put(q), "{q}");
        }
        for q in [
            // What he announced is the announcement.
            "What did Kim Tae-hyo announce?",
            "김태효 차장이 뭐라고 발표했어?",
            // Who, not what.
            "who said the initiative is a blueprint?",
            // No person.
            "how does the article describe the region?",
        ] {
            assert!(!asks_how_it_was_put(q), "{q}");
        }
    }

    #[test]
    fn what_a_person_said_is_read_in_every_language_apart_from_who_said_it() {
        for q in [
            "what did he say?",
            "What did Kim say the initiative seeks?",
            "а что он сказал?",
            "что ещё он говорил",
            "그 사람이 뭐라고 했는데?",
            "그분이 뭐라고 했어요?",
            "u nima dedi?",
        ] {
            assert!(asks_statement(q), "{q}");
        }
        for q in [
            // Who, not what.
            "who said that?",
            "누가 말했어?",
            // No person's words: the article's.
            "what does the article say about uranium?",
            // No speech.
            "what did he do there?",
        ] {
            assert!(!asks_statement(q), "{q}");
        }
        // "kim" is Uzbek "who" only beside an Uzbek verb.
        assert!(asks_speaker("buni kim aytdi?"));
        assert!(!asks_speaker("what did Kim say?"));
        let (kb, index) = index();
        let vision = kb.find("vision").unwrap();
        let announcement = kb.find("announcement").unwrap();
        assert_ne!(index.entry_facets(vision) & STATEMENT_FACET, 0);
        assert_eq!(index.entry_facets(announcement) & STATEMENT_FACET, 0);
        // Kept for follow-ups: alone, what the official said about uranium
        // is about uranium, not the entries that quote him.
        let q = "what did the official say about uranium?";
        assert!(asks_statement(q));
        let resources = kb.find("natural-resources").unwrap();
        assert_eq!(index.entry_facets(resources) & STATEMENT_FACET, 0);
        assert_eq!(
            index.rank(q, &TUNING).first().map(|c| c.entry),
            Some(resources)
        );
    }

    #[test]
    fn a_sentence_of_small_talk_does_not_answer_a_message_that_names_topics() {
        let (kb, index) = index();
        let goodbye = kb.find("goodbye").unwrap();
        // "Это всё" (that's all) is a farewell by itself ...
        let alone = index.match_intent("Это всё, спасибо, до свидания", &TUNING);
        assert_eq!(alone.answer(), Some(goodbye), "{alone:?}");
        // ... but after three pillars named it asks whether they are all.
        let q =
            "Слышал, что у инициативы три опоры — ресурсы и культура. Это всё или есть ещё что-то?";
        let m = index.match_intent(q, &TUNING);
        assert_ne!(m.answer(), Some(goodbye), "{m:?}");
    }

    #[test]
    fn the_trip_entry_is_the_one_most_of_whose_examples_ask_a_visit() {
        let (kb, index) = index();
        assert_eq!(index.trip_entry(), kb.find("state-visits"));
        for q in [
            "will the president go to uzbekistan?",
            "а в таджикистан юн поедет или нет?",
            "키르기스스탄은 안 가?",
            "대통령 순방 때 타지키스탄도 갔었나요?",
            "Yun Sok Yol O'zbekistonga kelganmi?",
        ] {
            assert!(asks_visit(q), "{q}");
        }
        for q in [
            "is korea going to offer the same program to every country?",
            "카자흐스탄 가스 협력은?",
            "what are the four pillars?",
        ] {
            assert!(!asks_visit(q), "{q}");
        }
    }

    #[test]
    fn a_latin_acronym_typed_in_cyrillic_is_read_as_latin() {
        let (kb, index) = index();
        let read = index.read_cyrillic_acronyms("что такое ОДА в этой инициативе?");
        assert_eq!(read.as_deref(), Some("что такое oda в этой инициативе?"));
        let oda = kb.find("pillar-oda").unwrap();
        assert_eq!(
            index
                .match_intent(read.as_deref().unwrap(), &TUNING)
                .answer(),
            Some(oda)
        );
        // Words it knows stay, and so do long or unknown ones.
        for q in [
            "какие страны входят в саммит?",
            "где находится бишкек?",
            "что за чепуха",
        ] {
            assert_eq!(index.read_cyrillic_acronyms(q), None, "{q}");
        }
    }

    #[test]
    fn who_said_it_is_not_small_talk_about_the_bot() {
        let (kb, index) = index();
        let identity = kb.find("identity").unwrap();
        for q in ["who said that?", "who said it", "누가 말했어?"] {
            let ranked = index.rank(q, &TUNING);
            let top = ranked.first().map(|c| c.entry);
            assert_ne!(top, Some(identity), "{q}: {ranked:?}");
        }
        // "who are you" itself is still small talk.
        let top = index.rank("who are you?", &TUNING).first().map(|c| c.entry);
        assert_eq!(top, Some(identity));
    }

    #[test]
    fn how_much_is_read_in_every_language_and_kept_out_of_single_questions() {
        for q in [
            "How much?",
            "how many countries",
            "а сколько?",
            "얼마나 지원해?",
            "몇 개국이야?",
            "qancha?",
        ] {
            assert!(asks_quantity(q), "{q}");
        }
        for q in ["how is Kazakhstan involved", "much ado", "когда?"] {
            assert!(!asks_quantity(q), "{q}");
        }
        let (kb, index) = index();
        let figures = kb.find("figures").unwrap();
        assert_ne!(index.entry_facets(figures) & QUANTITY_FACET, 0);
        assert_eq!(index.facets_asked("how much?", &TUNING), QUANTITY_FACET);
    }
}
