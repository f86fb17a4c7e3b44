//! Accuracy on the labelled evaluation set (`tests/data/eval.jsonl`), the same
//! numbers `ksilk eval` prints. The targets come from the issue: at least 95%
//! of in-scope questions answered with the right intent, and at least 95% of
//! off-topic questions falling back (a "did you mean" does not count as a
//! rejection here, nor as a right answer).

use std::path::Path;

use ksilk::Engine;
use ksilk::eval::{EvalReport, load_cases, run_eval};

fn report() -> EvalReport {
    let cases = load_cases(Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/eval.jsonl"
    )))
    .unwrap();
    run_eval(&Engine::embedded().unwrap(), &cases)
}

#[test]
fn the_evaluation_set_is_large_and_covers_every_category() {
    let report = report();
    assert!(report.verdicts.len() >= 250, "{}", report.verdicts.len());
    assert!(report.off_topic.total >= 60, "{}", report.off_topic.total);
    for category in [
        "canonical",
        "paraphrase",
        "typo",
        "keyword",
        "multilingual",
        "chatty",
        "group",
        "smalltalk",
        "offtopic",
    ] {
        assert!(
            report.by_category.contains_key(category),
            "missing category {category}"
        );
    }
}

#[test]
fn at_least_95_percent_of_in_scope_questions_get_the_right_answer() {
    let report = report();
    assert!(
        report.in_scope.rate() >= 0.95,
        "in-scope accuracy {:.1}% is below 95%\n{report}",
        report.in_scope.rate() * 100.0
    );
}

#[test]
fn at_least_95_percent_of_off_topic_questions_fall_back() {
    let report = report();
    assert!(
        report.off_topic.rate() >= 0.95,
        "off-topic rejection {:.1}% is below 95%\n{report}",
        report.off_topic.rate() * 100.0
    );
}

#[test]
fn every_intent_in_the_knowledge_base_is_evaluated() {
    let engine = Engine::embedded().unwrap();
    let report = report();
    for entry in engine.kb().entries() {
        if entry.kind == ksilk::kb::Kind::OffTopic {
            continue;
        }
        assert!(
            report
                .verdicts
                .iter()
                .any(|v| v.case.intent.as_deref() == Some(entry.id.as_str())),
            "no evaluation question expects {}",
            entry.id
        );
    }
}
