//! A trained text classifier: TF-IDF over hashed character n-grams, then a
//! multinomial logistic regression (softmax) over the labels.
//!
//! A model is plain data with two operations, [`Model::predict`] and its byte
//! form ([`Model::to_bytes`], [`Model::from_bytes`]), because the model of the
//! built-in knowledge base is trained by the build script and embedded in the
//! binary: a start-up pays for reading it, never for training it. Like
//! [`super::features`], this file is compiled into `build.rs` too, so it uses
//! only `std`.

use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};

use super::features::{for_each_word, word_ngrams};

/// The first bytes of a model, with the format's version.
const MAGIC: &[u8; 8] = b"KSLKCLF1";

/// Keys are n-gram hashes already: hashing them again would only cost time.
#[derive(Default)]
pub struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

pub type FeatureMap = HashMap<u64, u32, BuildHasherDefault<PassThrough>>;

/// Why bytes are not a model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelError {
    /// The bytes do not start with this format's magic and version.
    NotAModel,
    /// The bytes end before the model does, or have bytes after it.
    Truncated,
    /// A label is not UTF-8, or a count does not fit the data.
    Malformed(&'static str),
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModelError::NotAModel => write!(f, "not a ksilk classifier model (format KSLKCLF1)"),
            ModelError::Truncated => {
                write!(f, "the model's bytes are truncated or have extra bytes")
            }
            ModelError::Malformed(what) => write!(f, "malformed model: {what}"),
        }
    }
}

impl std::error::Error for ModelError {}

/// The classifier.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// The classes, sorted.
    pub labels: Vec<String>,
    /// What it was trained from, as [`fingerprint`] computes it: a model is
    /// only used for the knowledge base whose phrases it learned.
    pub fingerprint: u64,
    /// n-gram hash → feature row.
    pub(crate) features: FeatureMap,
    /// By feature row: its inverse document frequency.
    pub(crate) idf: Vec<f32>,
    /// Row-major, `features × labels`.
    pub(crate) weights: Vec<f32>,
    /// By label.
    pub(crate) bias: Vec<f32>,
}

/// An order-independent digest of labelled texts (FNV-1a of each pair,
/// summed), for [`Model::fingerprint`].
pub fn fingerprint<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> u64 {
    pairs
        .into_iter()
        .map(|(label, text)| {
            let mut h: u64 = 0xcbf2_9ce4_8422_2325;
            for b in label.bytes().chain([0xff]).chain(text.bytes()) {
                h ^= u64::from(b);
                h = h.wrapping_mul(0x0000_0100_0000_01b3);
            }
            h
        })
        .fold(0u64, u64::wrapping_add)
}

/// Term counts by feature row while one text is read: each n-gram found is
/// [`Counts::add`]ed, in the order the text gives them.
pub(crate) struct Counts<'a> {
    /// By feature row; all zero between texts.
    counts: &'a mut [f32],
    /// The rows seen, in order of first appearance.
    rows: &'a mut Vec<(u32, f32)>,
}

impl Counts<'_> {
    #[inline]
    pub(crate) fn add(&mut self, row: u32) {
        let count = &mut self.counts[row as usize];
        if *count == 0.0 {
            self.rows.push((row, 0.0));
        }
        *count += 1.0;
    }
}

/// The feature rows of a padded word's n-grams ([`word_ngrams`]), in order,
/// repeats included; n-grams that are no feature are left out.
pub(crate) fn word_rows(features: &FeatureMap, word: &[char], mut each: impl FnMut(u32)) {
    word_ngrams(word, |h| {
        if let Some(&row) = features.get(&h) {
            each(row);
        }
    });
}

/// The sparse TF-IDF vector of a text over a model's features, L2-normalised:
/// `(row, value)`, in order of first appearance. Term frequencies are
/// sublinear (`1 + ln tf`): a word said twice is not twice the question.
pub(crate) fn tfidf(features: &FeatureMap, idf: &[f32], text: &str, out: &mut Vec<(u32, f32)>) {
    tfidf_by_words(idf, text, out, |word, counts| {
        word_rows(features, word, |row| counts.add(row));
    });
}

/// [`tfidf`], where `count_word` adds the feature rows of each word
/// ([`word_rows`]) to the counts: the classifier of the library remembers
/// them by word instead of hashing every n-gram again. The same rows in the
/// same order give the same vector, bit for bit.
pub(crate) fn tfidf_by_words(
    idf: &[f32],
    text: &str,
    out: &mut Vec<(u32, f32)>,
    mut count_word: impl FnMut(&[char], &mut Counts<'_>),
) {
    thread_local! {
        // Counts by feature row, all zero between calls: counting in place
        // beats sorting the n-grams to merge repeats.
        static COUNTS: std::cell::RefCell<Vec<f32>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    out.clear();
    COUNTS.with(|counts| {
        let mut counts = counts.borrow_mut();
        if counts.len() < idf.len() {
            counts.resize(idf.len(), 0.0);
        }
        let mut c = Counts {
            counts: &mut counts,
            rows: out,
        };
        for_each_word(text, |word| count_word(word, &mut c));
        for (row, value) in out.iter_mut() {
            *value = std::mem::take(&mut counts[*row as usize]);
        }
    });
    let mut norm = 0.0f32;
    for (row, value) in out.iter_mut() {
        *value = (1.0 + value.ln()) * idf[*row as usize];
        norm += *value * *value;
    }
    if norm > 0.0 {
        let inv = norm.sqrt().recip();
        for (_, value) in out.iter_mut() {
            *value *= inv;
        }
    }
}

/// Adds each feature's weight row, times its value, to `logits` (one per
/// label): the linear part of the model, shared by prediction and training.
///
/// Each logit is summed over the rows in `x`'s order, as a plain loop would;
/// only the loop nest is turned around: the labels go in blocks of 32, 16,
/// 8 and 4, each block held in registers while every row is added to it,
/// instead of every logit being loaded and stored again for every row.
/// Where the processor has AVX the same code is compiled for it too and
/// chosen at run time: twice the lanes per instruction, and the same sums
/// bit for bit (a multiply and an add each, never fused; tested).
pub(crate) fn add_weighted_rows(weights: &[f32], x: &[(u32, f32)], logits: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx") {
        // SAFETY: the processor has AVX, checked just above, which is all
        // that `add_weighted_rows_avx`'s target feature requires.
        unsafe { add_weighted_rows_avx(weights, x, logits) };
        return;
    }
    add_weighted_rows_in_blocks(weights, x, logits);
}

/// [`add_weighted_rows_in_blocks`] compiled with AVX.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
fn add_weighted_rows_avx(weights: &[f32], x: &[(u32, f32)], logits: &mut [f32]) {
    add_weighted_rows_in_blocks(weights, x, logits);
}

/// [`add_weighted_rows`] for any processor; inlined into the AVX version,
/// so that one source gives both.
#[inline(always)]
fn add_weighted_rows_in_blocks(weights: &[f32], x: &[(u32, f32)], logits: &mut [f32]) {
    let k = logits.len();
    let mut start = 0;
    start = add_block::<32>(weights, k, x, logits, start);
    start = add_block::<16>(weights, k, x, logits, start);
    start = add_block::<8>(weights, k, x, logits, start);
    start = add_block::<4>(weights, k, x, logits, start);
    for (i, l) in logits.iter_mut().enumerate().skip(start) {
        for &(row, value) in x {
            *l += value * weights[row as usize * k + i];
        }
    }
}

/// [`add_weighted_rows`] for the labels from `start` on, in blocks of `N`,
/// as long as whole blocks fit; returns where it stopped.
#[inline(always)]
fn add_block<const N: usize>(
    weights: &[f32],
    k: usize,
    x: &[(u32, f32)],
    logits: &mut [f32],
    mut start: usize,
) -> usize {
    while start + N <= k {
        let block = &mut logits[start..start + N];
        let mut acc: [f32; N] = (&*block).try_into().expect("N logits");
        for &(row, value) in x {
            let at = row as usize * k + start;
            let w: &[f32; N] = weights[at..at + N].try_into().expect("N weights");
            for (a, w) in acc.iter_mut().zip(w) {
                *a += value * w;
            }
        }
        block.copy_from_slice(&acc);
        start += N;
    }
    start
}

/// Turns logits into probabilities, in place.
pub(crate) fn softmax(logits: &mut [f32]) {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for l in logits.iter_mut() {
        *l = (*l - max).exp();
        sum += *l;
    }
    for l in logits.iter_mut() {
        *l /= sum;
    }
}

impl Model {
    /// The probability of each label (in [`Model::labels`] order) for `text`.
    /// A text with no known n-gram gets the prior the biases encode.
    pub fn predict(&self, text: &str) -> Vec<f32> {
        let mut x = Vec::new();
        tfidf(&self.features, &self.idf, text, &mut x);
        self.probabilities(&x)
    }

    /// The probability of each label for a TF-IDF vector ([`tfidf`]).
    pub(crate) fn probabilities(&self, x: &[(u32, f32)]) -> Vec<f32> {
        let mut logits = self.bias.clone();
        add_weighted_rows(&self.weights, x, &mut logits);
        softmax(&mut logits);
        logits
    }

    /// How many n-gram features the model knows.
    pub fn feature_count(&self) -> usize {
        self.idf.len()
    }

    /// The byte form that [`Model::from_bytes`] reads: little-endian, the
    /// magic, the fingerprint, the labels, then each feature's hash and idf,
    /// the weights and the biases.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut rows: Vec<(u64, u32)> = self.features.iter().map(|(&h, &r)| (h, r)).collect();
        rows.sort_unstable_by_key(|&(_, r)| r);
        let mut out = Vec::with_capacity(32 + rows.len() * 12 + self.weights.len() * 4);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&self.fingerprint.to_le_bytes());
        out.extend_from_slice(&(self.labels.len() as u32).to_le_bytes());
        for label in &self.labels {
            out.extend_from_slice(&(label.len() as u32).to_le_bytes());
            out.extend_from_slice(label.as_bytes());
        }
        out.extend_from_slice(&(rows.len() as u32).to_le_bytes());
        for (hash, row) in rows {
            out.extend_from_slice(&hash.to_le_bytes());
            out.extend_from_slice(&self.idf[row as usize].to_le_bytes());
        }
        for w in self.weights.iter().chain(&self.bias) {
            out.extend_from_slice(&w.to_le_bytes());
        }
        out
    }

    /// The fingerprint of the model in `bytes`, read from its header alone:
    /// whether a model fits a knowledge base is known before it is parsed.
    pub fn fingerprint_in(bytes: &[u8]) -> Option<u64> {
        let header = bytes.get(..MAGIC.len() + 8)?;
        let (magic, fingerprint) = header.split_at(MAGIC.len());
        (magic == MAGIC).then(|| u64::from_le_bytes(fingerprint.try_into().expect("8 bytes")))
    }

    /// Reads [`Model::to_bytes`]' form, checking every length.
    pub fn from_bytes(bytes: &[u8]) -> Result<Model, ModelError> {
        let mut r = Reader { bytes, at: 0 };
        if r.take(MAGIC.len())? != MAGIC {
            return Err(ModelError::NotAModel);
        }
        let fingerprint = r.u64()?;
        let label_count = r.u32()? as usize;
        if label_count == 0 || label_count > 1 << 16 {
            return Err(ModelError::Malformed("label count"));
        }
        let mut labels = Vec::with_capacity(label_count);
        for _ in 0..label_count {
            let len = r.u32()? as usize;
            let text = std::str::from_utf8(r.take(len)?)
                .map_err(|_| ModelError::Malformed("a label is not UTF-8"))?;
            labels.push(text.to_owned());
        }
        let feature_count = r.u32()? as usize;
        if feature_count > r.remaining() / 12 {
            return Err(ModelError::Truncated);
        }
        let mut features = FeatureMap::with_capacity_and_hasher(feature_count, Default::default());
        let mut idf = Vec::with_capacity(feature_count);
        for row in 0..feature_count {
            if features.insert(r.u64()?, row as u32).is_some() {
                return Err(ModelError::Malformed("a feature appears twice"));
            }
            idf.push(r.f32()?);
        }
        let weight_count = feature_count * label_count;
        if r.remaining() != (weight_count + label_count) * 4 {
            return Err(ModelError::Truncated);
        }
        let weights = (0..weight_count)
            .map(|_| r.f32())
            .collect::<Result<_, _>>()?;
        let bias = (0..label_count)
            .map(|_| r.f32())
            .collect::<Result<_, _>>()?;
        Ok(Model {
            labels,
            fingerprint,
            features,
            idf,
            weights,
            bias,
        })
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn remaining(&self) -> usize {
        self.bytes.len() - self.at
    }
    fn take(&mut self, n: usize) -> Result<&'a [u8], ModelError> {
        let end = self.at.checked_add(n).ok_or(ModelError::Truncated)?;
        let out = self.bytes.get(self.at..end).ok_or(ModelError::Truncated)?;
        self.at = end;
        Ok(out)
    }
    fn u32(&mut self) -> Result<u32, ModelError> {
        Ok(u32::from_le_bytes(
            self.take(4)?.try_into().expect("4 bytes"),
        ))
    }
    fn u64(&mut self) -> Result<u64, ModelError> {
        Ok(u64::from_le_bytes(
            self.take(8)?.try_into().expect("8 bytes"),
        ))
    }
    fn f32(&mut self) -> Result<f32, ModelError> {
        Ok(f32::from_le_bytes(
            self.take(4)?.try_into().expect("4 bytes"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_blocked_product_sums_each_logit_as_the_plain_loop_does() {
        // Deterministic values of every sign and many magnitudes.
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 40) as f32 / (1u64 << 24) as f32 * 4.0 - 2.0
        };
        for k in 1..=45 {
            let rows = 50;
            let weights: Vec<f32> = (0..rows * k).map(|_| next()).collect();
            let x: Vec<(u32, f32)> = (0..30).map(|i| ((i * 7 % rows) as u32, next())).collect();
            let bias: Vec<f32> = (0..k).map(|_| next()).collect();
            let mut plain = bias.clone();
            for &(row, value) in &x {
                let w = &weights[row as usize * k..(row as usize + 1) * k];
                for (l, w) in plain.iter_mut().zip(w) {
                    *l += value * w;
                }
            }
            let bits = |v: &[f32]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
            // The version this processor runs (AVX where it has it), and
            // the one for any processor.
            let mut blocked = bias.clone();
            add_weighted_rows(&weights, &x, &mut blocked);
            assert_eq!(bits(&blocked), bits(&plain), "k = {k}");
            let mut portable = bias;
            add_weighted_rows_in_blocks(&weights, &x, &mut portable);
            assert_eq!(bits(&portable), bits(&plain), "k = {k}");
        }
    }
}
