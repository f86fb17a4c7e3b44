//! A deterministic synthetic knowledge base of any size, and questions for it.
//!
//! Benchmarks and the scaling test need a knowledge base far larger than the real
//! one (10,000 intents) with the same statistics that matter to the index: a few
//! unique name words per entry, topic words shared in a skewed (Zipf-like) way,
//! and stop words everywhere. It is generated from a fixed seed with a small
//! xorshift generator, so every run sees the same data.

use crate::kb::KnowledgeBase;

const SYLLABLES: &[&str] = &[
    "ka", "zo", "ri", "ten", "mu", "sha", "bel", "dor", "vin", "lu", "pra", "sko", "ne", "tal",
    "gor", "eth", "qui", "won", "lak", "fey", "dra", "mi", "ost", "bru", "ny", "cel", "har", "jub",
    "pex", "sol",
];
const STOPS: &[&str] = &[
    "what", "is", "the", "about", "tell", "me", "how", "does", "of",
];
const SOURCE_TEXT: &str = "This synthetic source supports every synthetic fact.";

/// A small deterministic generator (xorshift64*).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// A skewed pick in `0..n`: small indexes are much more likely.
    pub fn zipf(&mut self, n: usize) -> usize {
        let u = (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        ((n as f64).powf(u) as usize).saturating_sub(1).min(n - 1)
    }
}

/// The `i`th pseudo-word: at least three syllables, unique for every `i`
/// (the syllables form a prefix code, so the digits can be read back).
pub fn word(i: usize) -> String {
    let n = SYLLABLES.len();
    let mut out = String::new();
    let mut x = i;
    for k in 0.. {
        out.push_str(SYLLABLES[x % n]);
        x /= n;
        if x == 0 && k >= 2 {
            break;
        }
    }
    out
}

/// The generated entries' words: two name words each, then shared topic words.
struct Plan {
    entries: usize,
    topics: usize,
}

impl Plan {
    fn name_word(&self, entry: usize, k: usize) -> String {
        word(entry * 2 + k)
    }

    fn topic_word(&self, t: usize) -> String {
        word(self.entries * 2 + t)
    }
}

/// Builds a valid synthetic knowledge base with `entries` intents.
pub fn knowledge_base(entries: usize, seed: u64) -> KnowledgeBase {
    let plan = Plan {
        entries,
        topics: (entries / 2).max(50),
    };
    let mut rng = Rng::new(seed);
    let mut list = Vec::with_capacity(entries);
    for e in 0..entries {
        let a = plan.name_word(e, 0);
        let b = plan.name_word(e, 1);
        let topics: Vec<String> = (0..4)
            .map(|_| plan.topic_word(rng.zipf(plan.topics)))
            .collect();
        let stop = |rng: &mut Rng| STOPS[rng.below(STOPS.len())];
        let examples: Vec<String> = (0..4)
            .map(|k| {
                format!(
                    "{} {} {} {} {}",
                    stop(&mut rng),
                    if k % 2 == 0 { &a } else { &b },
                    topics[k],
                    stop(&mut rng),
                    topics[(k + 1) % 4]
                )
            })
            .collect();
        list.push(serde_json::json!({
            "id": format!("e{e}"),
            "title": in_every_language(&format!("{a} {b}")),
            "aliases": [a.clone(), b.clone(), format!("{b} {}", topics[0])],
            "examples": examples,
            "answer": in_every_language(&format!("Synthetic answer about {a}.")),
            "source": "synthetic",
            "evidence": ["synthetic fact"],
            "related": [format!("e{}", (e + 1) % entries.max(2))],
        }));
    }
    if entries == 1 {
        list[0]["related"] = serde_json::json!([]);
    }
    let json = serde_json::json!({
        "scope": in_every_language("a synthetic topic"),
        "sources": [{
            "id": "synthetic", "title": "Synthetic", "publisher": "ksilk",
            "published": in_every_language("never"), "file": "synthetic.txt"
        }],
        "menu": ["e0"],
        "topics": list,
    });
    KnowledgeBase::from_json_with_sources(
        "synthetic.json",
        &json.to_string(),
        &[("synthetic.txt", SOURCE_TEXT)],
    )
    .unwrap_or_else(|e| panic!("the synthetic knowledge base is invalid: {e}"))
}

/// A user-facing text: synthetic entries say the same in every language,
/// which keeps every translation rule.
fn in_every_language(text: &str) -> serde_json::Value {
    serde_json::json!({"en": text, "ru": text, "ko": text})
}

/// `count` questions about random entries of a synthetic knowledge base of
/// `entries` intents, a third of them with a typo, and an off-topic one in ten.
pub fn questions(entries: usize, count: usize, seed: u64) -> Vec<String> {
    let plan = Plan {
        entries,
        topics: (entries / 2).max(50),
    };
    let mut rng = Rng::new(seed ^ 0x9E37_79B9_7F4A_7C15);
    (0..count)
        .map(|i| {
            if i % 10 == 9 {
                return "what is the weather like in paris tomorrow".to_owned();
            }
            let e = rng.below(entries);
            let mut name = plan.name_word(e, rng.below(2));
            if i % 3 == 0 && name.len() > 5 {
                // a typo: swap two letters in the middle
                let mut chars: Vec<char> = name.chars().collect();
                let k = chars.len() / 2;
                chars.swap(k - 1, k);
                name = chars.into_iter().collect();
            }
            let topic = plan.topic_word(rng.zipf(plan.topics));
            format!("what about {name} and {topic}?")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for i in 0..50_000 {
            assert!(seen.insert(word(i)), "word {i} repeats");
        }
    }

    #[test]
    fn generation_is_deterministic() {
        assert_eq!(questions(500, 20, 7), questions(500, 20, 7));
        let a = knowledge_base(300, 7);
        let b = knowledge_base(300, 7);
        assert_eq!(a.entry(42).examples, b.entry(42).examples);
    }

    #[test]
    fn large_synthetic_knowledge_base_is_valid() {
        let kb = knowledge_base(2_000, 1);
        assert_eq!(kb.entries().len(), 2_000);
    }
}
