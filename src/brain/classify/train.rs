//! Training a [`Model`] from labelled texts: a deterministic AdaGrad descent
//! on the softmax loss with a little L2.
//!
//! It is small on purpose (a few thousand texts, tens of labels) and runs in
//! the build script for the built-in knowledge base, and at load time for a
//! knowledge base given with `--kb`. Deterministic: the same texts give the
//! same model, bit for bit, so a build is reproducible.

use super::features::for_each_ngram;
use super::model::{FeatureMap, Model, add_weighted_rows, softmax, tfidf};

/// How training runs. [`TrainParams::DEFAULT`] was chosen by leave-one-set-out
/// cross-validation over the evaluation sets (`examples/crossval.rs`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainParams {
    pub epochs: usize,
    pub learning_rate: f32,
    /// L2 penalty per update, relative to the weight.
    pub l2: f32,
    /// An n-gram in fewer texts than this is no feature: seen once, it is
    /// more likely noise than vocabulary.
    pub min_df: u32,
    /// Seed of the order in which texts are visited.
    pub seed: u64,
}

impl TrainParams {
    pub const DEFAULT: TrainParams = TrainParams {
        epochs: 12,
        learning_rate: 0.4,
        l2: 1e-6,
        min_df: 2,
        seed: 2024,
    };
}

/// Trains on `(label, text)` pairs; `fingerprint` is stored in the model as
/// given (see [`super::model::fingerprint`]).
pub fn train<'a>(
    pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    fingerprint: u64,
    params: &TrainParams,
) -> Model {
    let pairs: Vec<(&str, &str)> = pairs.into_iter().collect();
    let mut labels: Vec<String> = pairs.iter().map(|(l, _)| (*l).to_owned()).collect();
    labels.sort_unstable();
    labels.dedup();
    let k = labels.len();

    // Document frequencies, then the features: n-grams in at least min_df
    // texts, numbered in order of first appearance (deterministic).
    let mut df: FeatureMap = FeatureMap::default();
    let mut order: Vec<u64> = Vec::new();
    let mut seen: Vec<u64> = Vec::new();
    for (_, text) in &pairs {
        seen.clear();
        for_each_ngram(text, |h| seen.push(h));
        seen.sort_unstable();
        seen.dedup();
        for &h in &seen {
            let count = df.entry(h).or_insert_with(|| {
                order.push(h);
                0
            });
            *count += 1;
        }
    }
    let n = pairs.len() as f32;
    let mut features = FeatureMap::default();
    let mut idf = Vec::new();
    for h in order {
        let d = df[&h];
        if d >= params.min_df {
            features.insert(h, idf.len() as u32);
            idf.push(((1.0 + n) / (1.0 + d as f32)).ln() + 1.0);
        }
    }

    let examples: Vec<(usize, Vec<(u32, f32)>)> = pairs
        .iter()
        .map(|(label, text)| {
            let class = labels
                .binary_search_by(|l| l.as_str().cmp(label))
                .expect("label listed");
            let mut x = Vec::new();
            tfidf(&features, &idf, text, &mut x);
            (class, x)
        })
        .collect();

    let f = idf.len();
    let mut weights = vec![0.0f32; f * k];
    let mut bias = vec![0.0f32; k];
    let mut g_weights = vec![1e-8f32; f * k];
    let mut g_bias = vec![1e-8f32; k];
    let mut visit: Vec<usize> = (0..examples.len()).collect();
    let mut rng = params.seed | 1;
    let mut probs = vec![0.0f32; k];
    for _ in 0..params.epochs {
        // Fisher-Yates with xorshift: a new, reproducible order each epoch.
        for i in (1..visit.len()).rev() {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            visit.swap(i, (rng % (i as u64 + 1)) as usize);
        }
        for &e in &visit {
            let (class, x) = &examples[e];
            probs.copy_from_slice(&bias);
            add_weighted_rows(&weights, x, &mut probs);
            softmax(&mut probs);
            probs[*class] -= 1.0;
            for (c, &grad) in probs.iter().enumerate() {
                g_bias[c] += grad * grad;
                bias[c] -= params.learning_rate * grad / g_bias[c].sqrt();
            }
            for &(row, value) in x {
                let at = row as usize * k;
                let w = &mut weights[at..at + k];
                let g = &mut g_weights[at..at + k];
                for c in 0..k {
                    let grad = probs[c] * value + params.l2 * w[c];
                    g[c] += grad * grad;
                    w[c] -= params.learning_rate * grad / g[c].sqrt();
                }
            }
        }
    }
    Model {
        labels,
        fingerprint,
        features,
        idf,
        weights,
        bias,
    }
}

/// The label of every kind of question the bot declines: all off-topic
/// entries, and the off-topic questions of the labelled sets, are one class.
pub const OFF_TOPIC_LABEL: &str = "__off__";

/// The labelled question sets the built-in model also learns from, relative
/// to the crate root: the dev sets, and each blind set after its first
/// contact (never before: a blind set trained on measures nothing).
pub const QUESTION_SETS: &[&str] = &[
    "tests/data/eval.jsonl",
    "tests/data/heldout.jsonl",
    "tests/data/dev-2.jsonl",
    "tests/data/blind-1.jsonl",
    "tests/data/blind-2.jsonl",
    "tests/data/blind-3.jsonl",
    "tests/data/blind-4.jsonl",
    "tests/data/blind-5.jsonl",
    "tests/data/blind-6.jsonl",
    "tests/data/blind-7.jsonl",
    "tests/data/blind-8.jsonl",
    "tests/data/blind-9.jsonl",
    "tests/data/blind-10.jsonl",
    "tests/data/blind-11.jsonl",
    "tests/data/blind-12.jsonl",
    "tests/data/blind-13.jsonl",
    "tests/data/blind-14.jsonl",
    "tests/data/blind-15.jsonl",
    "tests/data/blind-16.jsonl",
    "tests/data/blind-17.jsonl",
    "tests/data/blind-18.jsonl",
    "tests/data/blind-19.jsonl",
    "tests/data/blind-20.jsonl",
    "tests/data/blind-21.jsonl",
];

/// What an entry of the knowledge base teaches the classifier, read the same
/// way from the validated knowledge base and from the raw JSON in the build
/// script, so that both compute the same [`super::model::fingerprint`].
pub struct EntryTexts<'a> {
    pub id: &'a str,
    pub off_topic: bool,
    pub titles: Vec<&'a str>,
    pub phrases: Vec<&'a str>,
    /// The answer in each language; not for off-topic entries, whose answer
    /// is a refusal that names no topic.
    pub answers: Vec<&'a str>,
}

impl<'a> EntryTexts<'a> {
    /// `(label, text)` pairs: each distinct title, phrase and answer once.
    pub fn pairs(&self) -> Vec<(&'a str, &'a str)> {
        let label = if self.off_topic {
            OFF_TOPIC_LABEL
        } else {
            self.id
        };
        let mut texts: Vec<&'a str> = Vec::new();
        let answers = if self.off_topic {
            &[][..]
        } else {
            &self.answers[..]
        };
        for &text in self.titles.iter().chain(&self.phrases).chain(answers) {
            if !text.trim().is_empty() && !texts.contains(&text) {
                texts.push(text);
            }
        }
        texts.into_iter().map(|t| (label, t)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy() -> Vec<(&'static str, &'static str)> {
        vec![
            ("weather", "will it rain tomorrow"),
            ("weather", "rain and snow forecast"),
            ("weather", "погода завтра дождь"),
            ("weather", "погода и дождь"),
            ("summit", "where is the summit held"),
            ("summit", "summit in seoul"),
            ("summit", "где пройдёт саммит"),
            ("summit", "саммит в сеуле"),
        ]
    }

    fn best(model: &Model, text: &str) -> String {
        let p = model.predict(text);
        let i = (0..p.len()).max_by(|&a, &b| p[a].total_cmp(&p[b])).unwrap();
        model.labels[i].clone()
    }

    #[test]
    fn a_trained_model_tells_its_labels_apart_in_new_wordings() {
        let model = train(toy(), 7, &TrainParams::DEFAULT);
        assert_eq!(model.labels, ["summit", "weather"]);
        assert_eq!(best(&model, "is the summit in Seoul?"), "summit");
        assert_eq!(best(&model, "дождь будет?"), "weather");
        let p = model.predict("саммита");
        assert!(p.iter().sum::<f32>() > 0.999 && p.iter().sum::<f32>() < 1.001);
    }

    #[test]
    fn training_is_deterministic_and_survives_its_byte_form() {
        let a = train(toy(), 7, &TrainParams::DEFAULT);
        let b = train(toy(), 7, &TrainParams::DEFAULT);
        assert_eq!(a, b);
        let bytes = a.to_bytes();
        assert_eq!(Model::from_bytes(&bytes).unwrap(), a);
        assert_eq!(Model::fingerprint_in(&bytes), Some(7));
        assert_eq!(Model::fingerprint_in(b"KSLKCLF1"), None);
    }

    #[test]
    fn bytes_that_are_not_a_whole_model_are_rejected() {
        use super::super::model::ModelError;
        let bytes = train(toy(), 7, &TrainParams::DEFAULT).to_bytes();
        assert_eq!(
            Model::from_bytes(b"not a model at all"),
            Err(ModelError::NotAModel)
        );
        assert_eq!(
            Model::from_bytes(&bytes[..bytes.len() - 1]),
            Err(ModelError::Truncated)
        );
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(Model::from_bytes(&longer), Err(ModelError::Truncated));
        assert_eq!(Model::from_bytes(&bytes[..20]), Err(ModelError::Truncated));
    }

    #[test]
    fn the_fingerprint_ignores_order_but_not_content() {
        use super::super::model::fingerprint;
        let mut pairs = toy();
        let a = fingerprint(pairs.iter().copied());
        pairs.reverse();
        assert_eq!(a, fingerprint(pairs.iter().copied()));
        pairs[0].1 = "something else";
        assert_ne!(a, fingerprint(pairs.iter().copied()));
    }
}
