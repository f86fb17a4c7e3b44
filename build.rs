//! Trains the classifier of the built-in knowledge base (see
//! `src/brain/classify/mod.rs`) and writes it to `$OUT_DIR/classifier.bin`,
//! which the library embeds: the binary starts with a trained model and never
//! trains one for `data/knowledge.json` at run time.
//!
//! It reads the knowledge base's raw JSON, not the validated form (the
//! library is not built yet); the fingerprint it stores is checked at run
//! time against the validated knowledge base, so a mismatch means a model
//! trained at load, never a wrong one.

use std::path::Path;

use serde_json::Value;

// At the crate root, so that their `super::` paths resolve as they do in
// the library's `classify` module.
#[allow(dead_code)]
#[path = "src/brain/classify/context.rs"]
mod context;
#[allow(dead_code)]
#[path = "src/brain/classify/features.rs"]
mod features;
#[allow(dead_code)]
#[path = "src/brain/classify/model.rs"]
mod model;
#[allow(dead_code)]
#[path = "src/brain/classify/train.rs"]
mod train;

use context::{
    DIALOGUE_SETS, LabelledTurn, follow_up_pairs, follow_ups, standalone_questions, training_label,
};
use model::fingerprint;
use train::{EntryTexts, OFF_TOPIC_LABEL, QUESTION_SETS, TrainParams, train};

const SECTIONS: &[&str] = &[
    "initiative",
    "countries",
    "pillars",
    "summits",
    "topics",
    "smalltalk",
    "offtopic",
];
const LANGS: &[&str] = &["en", "ru", "ko"];

fn strings(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

fn localized(value: &Value) -> Vec<&str> {
    LANGS
        .iter()
        .filter_map(|l| value.get(l).and_then(Value::as_str))
        .collect()
}

fn entry_texts<'a>(section: &str, entry: &'a Value) -> EntryTexts<'a> {
    EntryTexts {
        id: entry["id"].as_str().expect("every entry has an id"),
        off_topic: section == "offtopic",
        titles: localized(&entry["title"]),
        phrases: ["names", "aliases", "keywords", "examples"]
            .iter()
            .flat_map(|k| strings(&entry[*k]))
            .collect(),
        answers: localized(&entry["answer"]),
    }
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=src/brain/classify/context.rs");
    println!("cargo:rerun-if-changed=src/brain/classify/features.rs");
    println!("cargo:rerun-if-changed=src/brain/classify/model.rs");
    println!("cargo:rerun-if-changed=src/brain/classify/train.rs");
    println!("cargo:rerun-if-changed=data/knowledge.json");
    let kb_text = std::fs::read_to_string(root.join("data/knowledge.json"))
        .expect("data/knowledge.json is readable");
    // A knowledge base that does not parse gets an empty model here; the
    // library's loader reports the file, the place and the rule it broke.
    let kb: Value = serde_json::from_str(&kb_text).unwrap_or(Value::Null);
    let mut entries = Vec::new();
    for section in SECTIONS {
        match &kb[*section] {
            Value::Array(items) => entries.extend(items.iter().map(|e| entry_texts(section, e))),
            Value::Object(_) => entries.push(entry_texts(section, &kb[*section])),
            _ => {}
        }
    }
    let kb_pairs: Vec<(&str, &str)> = entries.iter().flat_map(EntryTexts::pairs).collect();
    let kb_fingerprint = fingerprint(kb_pairs.iter().copied());
    let ids: Vec<&str> = entries.iter().map(|e| e.id).collect();
    let off_topic: Vec<&str> = entries
        .iter()
        .filter(|e| e.off_topic)
        .map(|e| e.id)
        .collect();
    let small_talk: Vec<&str> = kb["smalltalk"]
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["id"].as_str()).collect())
        .unwrap_or_default();
    let topics: Vec<&str> = ids
        .iter()
        .copied()
        .filter(|id| !off_topic.contains(id) && !small_talk.contains(id))
        .collect();

    let mut questions: Vec<(String, String)> = Vec::new();
    for set in QUESTION_SETS {
        println!("cargo:rerun-if-changed={set}");
        let text = std::fs::read_to_string(root.join(set)).unwrap_or_default();
        for (n, line) in text.lines().enumerate() {
            let Ok(case) = serde_json::from_str::<Value>(line) else {
                continue;
            };
            let (Some(q), intent) = (case["q"].as_str(), &case["intent"]) else {
                continue;
            };
            let label = match intent.as_str() {
                None => OFF_TOPIC_LABEL.to_owned(),
                Some(id) if ids.contains(&id) => id.to_owned(),
                Some(id) => {
                    println!(
                        "cargo:warning={set}:{}: intent {id:?} is not in the knowledge base",
                        n + 1
                    );
                    continue;
                }
            };
            questions.push((label, q.to_owned()));
        }
    }

    // The dialogue sets: their follow-ups, read after their topic, teach the
    // follow-up model (src/brain/classify/context.rs); their turns that
    // stand on their own teach both models, as single questions do.
    let mut dialogue_turns: Vec<(String, String, String)> = Vec::new();
    for set in DIALOGUE_SETS {
        println!("cargo:rerun-if-changed={set}");
        let text = std::fs::read_to_string(root.join(set)).unwrap_or_default();
        for (n, line) in text.lines().enumerate() {
            let Ok(case) = serde_json::from_str::<Value>(line) else {
                continue;
            };
            let turns: Vec<LabelledTurn> = case["turns"]
                .as_array()
                .map(|a| a.as_slice())
                .unwrap_or_default()
                .iter()
                .filter_map(|t| {
                    Some(LabelledTurn {
                        q: t["q"].as_str()?,
                        label: t["intent"].as_str(),
                        rule: t["rule"].as_str().unwrap_or(""),
                    })
                })
                .collect();
            if let Some(unknown) = turns
                .iter()
                .find_map(|t| t.label.filter(|l| !ids.contains(l)))
            {
                println!(
                    "cargo:warning={set}:{}: intent {unknown:?} is not in the knowledge base",
                    n + 1
                );
                continue;
            }
            let is_off_topic = |l: &str| off_topic.contains(&l);
            for (q, label) in standalone_questions(&turns) {
                let label = training_label(label, is_off_topic);
                questions.push((label.to_owned(), q.to_owned()));
            }
            for (topic, q, label) in follow_ups(&turns, |l| topics.contains(&l)) {
                let label = training_label(label, is_off_topic);
                dialogue_turns.push((topic.to_owned(), q.to_owned(), label.to_owned()));
            }
        }
    }
    let pairs = kb_pairs
        .iter()
        .copied()
        .chain(questions.iter().map(|(l, q)| (l.as_str(), q.as_str())));
    let model = if kb_pairs.is_empty() {
        train(std::iter::empty(), 0, &TrainParams::DEFAULT)
    } else {
        train(pairs, kb_fingerprint, &TrainParams::DEFAULT)
    };
    let out_dir = std::path::PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out_dir.join("classifier.bin"), model.to_bytes()).expect("OUT_DIR is writable");

    let question_refs: Vec<(&str, &str)> = questions
        .iter()
        .map(|(l, q)| (l.as_str(), q.as_str()))
        .collect();
    let turn_refs: Vec<(&str, &str, &str)> = dialogue_turns
        .iter()
        .map(|(t, q, l)| (t.as_str(), q.as_str(), l.as_str()))
        .collect();
    let follow_up_texts = follow_up_pairs(&kb_pairs, &question_refs, &turn_refs, &topics);
    let follow_up = if kb_pairs.is_empty() {
        train(std::iter::empty(), 0, &TrainParams::DEFAULT)
    } else {
        train(
            follow_up_texts
                .iter()
                .map(|(l, t)| (l.as_str(), t.as_str())),
            kb_fingerprint,
            &TrainParams::DEFAULT,
        )
    };
    std::fs::write(out_dir.join("follow_up.bin"), follow_up.to_bytes())
        .expect("OUT_DIR is writable");
}
