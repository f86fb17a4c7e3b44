//! The index at scale, without timing anything: on a deterministic synthetic
//! knowledge base of 10,000 intents, a question is scored against a few dozen
//! entries, not all of them, and still finds the entry it names. (Speed itself
//! is measured by `cargo bench --bench matching`.)

use std::sync::LazyLock;

use ksilk::{Engine, synthetic};

const INTENTS: usize = 10_000;

/// Built once: indexing 10,000 intents takes seconds in a debug build.
static ENGINE: LazyLock<Engine> =
    LazyLock::new(|| Engine::new(synthetic::knowledge_base(INTENTS, 42)));

#[test]
fn a_question_reaches_a_tiny_share_of_a_large_knowledge_base() {
    let engine = &*ENGINE;
    let questions = synthetic::questions(INTENTS, 500, 42);
    let reach: Vec<usize> = questions
        .iter()
        .map(|q| engine.index().reach(q, engine.tuning()))
        .collect();
    let mean = reach.iter().sum::<usize>() as f64 / reach.len() as f64;
    let max = *reach.iter().max().unwrap();
    assert!(mean < INTENTS as f64 / 100.0, "mean reach {mean} entries");
    assert!(max <= 600, "max reach {max} entries");
}

#[test]
fn the_named_entry_wins_in_a_large_knowledge_base() {
    let engine = &*ENGINE;
    let kb = engine.kb();
    let mut right = 0;
    let mut asked = 0;
    for i in (0..INTENTS).step_by(97) {
        let entry = kb.entry(i);
        let question = format!("tell me about {}", entry.aliases[0]);
        asked += 1;
        if engine.match_intent(&question).answer() == Some(i) {
            right += 1;
        }
    }
    assert!(right * 100 >= asked * 95, "{right}/{asked} answered right");
}

#[test]
fn off_topic_questions_fall_back_in_a_large_knowledge_base() {
    let engine = &*ENGINE;
    for q in ["what is the weather like in paris tomorrow", "", "🙂"] {
        assert!(engine.match_intent(q).answer().is_none(), "{q}");
    }
}
