//! Accuracy on the dev sets, the same numbers `ksilk eval` prints. These are
//! the sets the matcher is tuned on, so they guard against regressions; the
//! honest figures are the blind sets' first-contact scores in the README.
//!
//! - `eval.jsonl`: 399 short questions in nine categories;
//! - `heldout.jsonl`: 120 more, written later;
//! - `dev-2.jsonl`: 224 questions written from the article alone (whole
//!   sentences in English, Russian and Korean, long chatty messages,
//!   code-switching, gaps in the article and off-topic traps);
//! - `blind-1.jsonl` to `blind-23.jsonl` (210-220 each): more of the same
//!   kind, the blind sets, which join the dev sets after their first-contact
//!   scores are recorded (`blind-22.jsonl` and `blind-23.jsonl` the latest,
//!   scored but not joined).
//!
//! Each set has a floor for in-scope answers, for declined off-topic
//! questions, and a ceiling for wrong answers, which are worse than a
//! fallback or a "did you mean".

use std::path::Path;

use ksilk::Engine;
use ksilk::eval::{EvalReport, load_cases, run_eval};

fn report(file: &str) -> EvalReport {
    let path = format!("{}/tests/data/{file}", env!("CARGO_MANIFEST_DIR"));
    let cases = load_cases(Path::new(&path)).unwrap();
    run_eval(&Engine::embedded().unwrap(), &cases)
}

/// Floors and ceilings per set: (file, in scope ≥, off-topic declined ≥,
/// wrong answers ≤), as shares. The built-in classifier learns from these
/// very sets (`classify::train::QUESTION_SETS`), so the floors are high:
/// they catch a model or a matcher that stopped working, not a measure of
/// new questions (`examples/crossval.rs` and the blind sets are that).
const GATES: [(&str, f64, f64, f64); 26] = [
    ("eval.jsonl", 0.97, 0.98, 0.01),
    ("heldout.jsonl", 0.95, 0.95, 0.01),
    ("dev-2.jsonl", 0.93, 0.97, 0.02),
    ("blind-1.jsonl", 0.95, 0.97, 0.01),
    ("blind-2.jsonl", 0.92, 0.97, 0.03),
    ("blind-3.jsonl", 0.92, 0.97, 0.02),
    ("blind-4.jsonl", 0.91, 0.97, 0.025),
    ("blind-5.jsonl", 0.93, 0.97, 0.025),
    ("blind-6.jsonl", 0.91, 0.97, 0.04),
    ("blind-7.jsonl", 0.91, 0.97, 0.04),
    ("blind-8.jsonl", 0.93, 0.97, 0.035),
    // 97.6% since blind set 16 and dialogues-blind-15 joined the training
    // sets (retrained drift: one question lost).
    ("blind-9.jsonl", 0.97, 0.97, 0.01),
    ("blind-10.jsonl", 0.93, 0.97, 0.015),
    // First contact at c27c501: 84.3% in scope, 1.9% wrong (README).
    ("blind-11.jsonl", 0.95, 0.97, 0.01),
    // First contact at 02e69d5: 91.0% in scope, 1.4% wrong (README); a dev
    // set since (97.6%, none wrong).
    ("blind-12.jsonl", 0.95, 0.97, 0.01),
    // First contact at 0849d6b: 91.0% in scope, 2.9% wrong (README); a dev
    // set since (95.8%, 1.0% wrong).
    ("blind-13.jsonl", 0.93, 0.97, 0.02),
    // First contact at 12cc2da: 88.0% in scope, 95.5% declined, 2.9% wrong
    // (README); a dev set since (95.2%, all declined, 1.0% wrong).
    ("blind-14.jsonl", 0.94, 0.97, 0.015),
    // First contact at 2b3417d: 92.8% in scope, all declined, 1.4% wrong
    // (README); gated there before any change.
    ("blind-15.jsonl", 0.92, 0.97, 0.015),
    // First contact at 93d72dd: 88.0% in scope, 97.7% declined, 1.9% wrong
    // (README); a dev set since (95.2%, all declined, 0.5% wrong).
    ("blind-16.jsonl", 0.875, 0.97, 0.02),
    // First contact at 41296ac: 83.1% in scope, all declined, 2.4% wrong
    // (README); a dev set since (94.6%, all declined, 0.5% wrong).
    ("blind-17.jsonl", 0.83, 0.97, 0.025),
    // First contact at 6af911b: 91.6% in scope, 97.7% declined, 3.3% wrong
    // (README); a dev set since (98.8%, 97.7% declined, none wrong).
    ("blind-18.jsonl", 0.91, 0.97, 0.035),
    // First contact at 70787a7: 88.6% in scope, all declined, 1.9% wrong
    // (README); a dev set since (98.2%, all declined, 1.0% wrong).
    ("blind-19.jsonl", 0.88, 0.97, 0.02),
    // First contact at b355487: 95.8% in scope, all declined, 1.9% wrong
    // (README); gated there before any change.
    ("blind-20.jsonl", 0.95, 0.97, 0.02),
    // First contact at e04e79f: 98.2% in scope, all declined, 1.0% wrong
    // (README); a dev set since (98.2%, all declined, 1 wrong answer).
    ("blind-21.jsonl", 0.97, 0.97, 0.015),
    // First contact at 197ca1b: 88.5% in scope, all declined, none wrong
    // (README; its writers had personas); gated there before any change.
    ("blind-22.jsonl", 0.88, 0.97, 0.005),
    // First contact at 62cc63d: 88.0% in scope, 43/44 declined, 2.9% wrong
    // (README; new personas); gated there before any change.
    ("blind-23.jsonl", 0.875, 0.97, 0.03),
];

#[test]
fn the_evaluation_set_is_large_and_covers_every_category() {
    let short = report("eval.jsonl");
    let sentences = report("dev-2.jsonl");
    let report = &short;
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
    for lang in ["en", "ru", "ko", "mixed"] {
        assert!(sentences.by_lang[lang].total >= 20, "{lang}");
    }
}

#[test]
fn each_dev_set_keeps_its_accuracy_floor_and_wrong_answer_ceiling() {
    for (file, in_scope, off_topic, wrong) in GATES {
        let report = report(file);
        assert!(
            report.in_scope.rate() >= in_scope,
            "{file}: in-scope accuracy {:.1}% is below {:.0}%\n{report}",
            report.in_scope.rate() * 100.0,
            in_scope * 100.0
        );
        assert!(
            report.off_topic.rate() >= off_topic,
            "{file}: off-topic rejection {:.1}% is below {:.0}%\n{report}",
            report.off_topic.rate() * 100.0,
            off_topic * 100.0
        );
        let wrong_share = report.wrong_answers().rate();
        assert!(
            wrong_share <= wrong,
            "{file}: {:.1}% wrong answers, above {:.0}%\n{report}",
            wrong_share * 100.0,
            wrong * 100.0
        );
    }
}

#[test]
fn russian_and_korean_questions_are_answered_in_their_language() {
    let report = report("dev-2.jsonl");
    assert!(report.reply_lang_right.total >= 100);
    assert!(
        report.reply_lang_right.rate() >= 0.95,
        "{}",
        report.reply_lang_right.rate()
    );
}

#[test]
fn every_intent_in_the_knowledge_base_is_evaluated() {
    let engine = Engine::embedded().unwrap();
    let reports = [report("eval.jsonl"), report("dev-2.jsonl")];
    for entry in engine.kb().entries() {
        if entry.kind == ksilk::kb::Kind::OffTopic {
            continue;
        }
        assert!(
            reports
                .iter()
                .flat_map(|r| &r.verdicts)
                .any(|v| v.case.intent.as_deref() == Some(entry.id.as_str())),
            "no evaluation question expects {}",
            entry.id
        );
    }
}

/// Runs a file of dialogues and checks its follow-up turns against a floor
/// of right answers and a ceiling of wrong ones (as shares); first turns,
/// which have no context, are the single-question matcher's.
fn check_dialogues(file: &str, right_floor: f64, wrong_ceiling: f64, first_floor: f64) {
    use ksilk::dialogue_eval::{load_dialogues, run_dialogues};
    let path = format!("{}/tests/data/{file}", env!("CARGO_MANIFEST_DIR"));
    let dialogues = load_dialogues(Path::new(&path)).unwrap();
    let report = run_dialogues(&Engine::embedded().unwrap(), &dialogues);
    assert!(
        report.follow_up.total() >= 150,
        "{}",
        report.follow_up.total()
    );
    assert!(
        report.follow_up.right_rate() >= right_floor,
        "{file}: follow-ups right {:.1}% below {:.0}%\n{report}",
        report.follow_up.right_rate() * 100.0,
        right_floor * 100.0
    );
    assert!(
        report.follow_up.wrong_rate() <= wrong_ceiling,
        "{file}: follow-ups wrong {:.1}% above {:.0}%\n{report}",
        report.follow_up.wrong_rate() * 100.0,
        wrong_ceiling * 100.0
    );
    assert!(report.first.right_rate() >= first_floor, "{report}");
    for rule in [
        "entity",
        "question-word",
        "pronoun",
        "more",
        "own-topic",
        "off-topic",
    ] {
        assert!(report.by_rule.contains_key(rule), "{file}: no {rule} turns");
    }
}

/// The dev set of dialogues (60 conversations in English, Russian, Korean
/// and Uzbek/Kazakh Latin, written with the knowledge base at hand). 92.4%
/// right and 4.5% wrong since "what did he say?" is the quote near the
/// topic: two of the nine wrong are "그 사람 또 무슨 얘기 했어?" after the
/// announcement, read as his vision where the label reads the official.
#[test]
fn follow_ups_in_the_dialogue_dev_set_keep_their_floor_and_wrong_answer_ceiling() {
    check_dialogues("dialogues-dev.jsonl", 0.91, 0.05, 0.91);
}

/// The first blind set of dialogues, a dev set since its first contact
/// (62.3% of follow-ups right, 16.2% wrong; see the README).
#[test]
fn follow_ups_in_blind_dialogue_set_1_keep_their_floor_and_wrong_answer_ceiling() {
    check_dialogues("dialogues-blind-1.jsonl", 0.84, 0.09, 0.78);
}

/// The second blind set of dialogues, a dev set since its first contact
/// (60.3% of follow-ups right, 10.1% wrong; see the README).
#[test]
fn follow_ups_in_blind_dialogue_set_2_keep_their_floor_and_wrong_answer_ceiling() {
    check_dialogues("dialogues-blind-2.jsonl", 0.82, 0.10, 0.74);
}

/// The third blind set of dialogues, a dev set since its first contact
/// (61.7% of follow-ups right, 7.1% wrong; see the README).
#[test]
fn follow_ups_in_blind_dialogue_set_3_keep_their_floor_and_wrong_answer_ceiling() {
    check_dialogues("dialogues-blind-3.jsonl", 0.84, 0.06, 0.82);
}

/// The fourth blind set of dialogues, a dev set since its first contact
/// (73.3% of follow-ups right, 3.6% wrong; see the README).
#[test]
fn follow_ups_in_blind_dialogue_set_4_keep_their_floor_and_wrong_answer_ceiling() {
    check_dialogues("dialogues-blind-4.jsonl", 0.87, 0.05, 0.78);
}

/// The fifth blind set of dialogues, scored once at first contact (64.8% of
/// follow-ups right, 15.2% wrong; 71.5% and 8.5% once "more" was scored as
/// the next detail of the last topic; see the README). A dev set since: the
/// follow-up model learns from it.
#[test]
fn follow_ups_in_blind_dialogue_set_5_keep_their_floor_and_wrong_answer_ceiling() {
    check_dialogues("dialogues-blind-5.jsonl", 0.79, 0.09, 0.78);
}

/// The sixth blind set of dialogues, scored once at first contact (82.4% of
/// follow-ups right, 8.5% wrong, first turns 88%; see the README). A dev
/// set since: the follow-up model learns from it (90.9% right, 4.8% wrong).
#[test]
fn follow_ups_in_blind_dialogue_set_6_keep_their_floor_and_wrong_answer_ceiling() {
    check_dialogues("dialogues-blind-6.jsonl", 0.89, 0.06, 0.86);
}

/// The seventh blind set of dialogues, scored once at first contact (70.9%
/// of follow-ups right, 10.3% wrong, first turns 82%; see the README). A dev
/// set since: the follow-up model learns from it (81.2% right, 7.3% wrong).
#[test]
fn follow_ups_in_blind_dialogue_set_7_keep_their_floor_and_wrong_answer_ceiling() {
    check_dialogues("dialogues-blind-7.jsonl", 0.80, 0.08, 0.84);
}

/// The eighth blind set of dialogues, scored once at first contact (72.3%
/// of follow-ups right, 12.0% wrong, first turns 86%; see the README). A dev
/// set since: the follow-up model learns from it (81.3% right, 10.2% wrong;
/// 80.7% and 8.4% once dialogues-blind-11 joined the training sets).
#[test]
fn follow_ups_in_blind_dialogue_set_8_keep_their_floor_and_wrong_answer_ceiling() {
    check_dialogues("dialogues-blind-8.jsonl", 0.80, 0.105, 0.92);
}

/// The ninth blind set of dialogues, scored once at first contact (72.7%
/// of follow-ups right, 9.1% wrong, first turns 82%; see the README). A dev
/// set since: the follow-up model learns from it (84.2% right, 6.1% wrong;
/// 83.0% once "exactly" weighed as the function word it is, which lost "when
/// exactly tho?" and the "more" after it, and gained more held out; 82.4%
/// and 6.7% wrong after the tailored cooperation's "why" examples, +20 right
/// and -20 wrong over the ten sets held out; 81.2% and 7.3%, first turns
/// 80%, once dialogues-blind-10 joined the training sets).
#[test]
fn follow_ups_in_blind_dialogue_set_9_keep_their_floor_and_wrong_answer_ceiling() {
    check_dialogues("dialogues-blind-9.jsonl", 0.81, 0.075, 0.80);
}

/// The tenth blind set of dialogues, scored once at first contact at c27c501
/// (76.4% of follow-ups right, 12.1% wrong, first turns 90%; see the README).
/// A dev set since: the follow-up model learns from it (83.0%, 9.1% wrong,
/// first turns 88%).
#[test]
fn follow_ups_in_blind_dialogue_set_10_keep_their_floor_and_wrong_answer_ceiling() {
    check_dialogues("dialogues-blind-10.jsonl", 0.83, 0.095, 0.88);
}

/// The eleventh blind set of dialogues, scored once at first contact at
/// 02e69d5 (78.2% of follow-ups right, 6.1% wrong, first turns 86%; see the
/// README). A dev set since: the follow-up model learns from it (85.5%, 4.8%
/// wrong, first turns 88%; 86.7%, 4.8% and 86% once "what did he say?"
/// was the quote near the topic; 87.9%, 6.1% and 86% once "his name?" after
/// the unnamed official says the source does not name him: two of the ten
/// wrong are that note given with another of his quotes than the label's).
#[test]
fn follow_ups_in_blind_dialogue_set_11_keep_their_floor_and_wrong_answer_ceiling() {
    check_dialogues("dialogues-blind-11.jsonl", 0.85, 0.065, 0.86);
}

/// The twelfth blind set of dialogues, scored once at first contact at
/// 0849d6b (78.2% of follow-ups right, 6.7% wrong, first turns 94%; see the
/// README). A dev set since: the follow-up model learns from it (83.6%,
/// 5.5% wrong, first turns 92%: one first turn lost to the retrained
/// classifier).
#[test]
fn follow_ups_in_blind_dialogue_set_12_keep_their_floor_and_wrong_answer_ceiling() {
    check_dialogues("dialogues-blind-12.jsonl", 0.82, 0.06, 0.90);
}

/// The thirteenth blind set of dialogues, scored once at first contact at
/// 12cc2da (80.6% of follow-ups right, 12.1% wrong, first turns 92%; see
/// the README). A dev set since: the follow-up model learns from it (82.4%,
/// 10.9% wrong, first turns 96%).
#[test]
fn follow_ups_in_blind_dialogue_set_13_keep_their_floor_and_wrong_answer_ceiling() {
    check_dialogues("dialogues-blind-13.jsonl", 0.82, 0.11, 0.94);
}

/// The fourteenth blind set of dialogues, scored once at first contact at
/// 2b3417d (78.3% of follow-ups right, 11.4% wrong, first turns 98%; see
/// the README), gated there before any change. A dev set since (83.7%,
/// 7.2% wrong, first turns 96% once the resources pillar's examples asked
/// whether resources are part of the plan: "k실크로드에 핵심광물 공급망 얘기도
/// 있어?" became a "did you mean" between the resources pillar and the
/// minerals). 9.6% wrong since blind set 19 and dialogues-blind-18 joined
/// the training sets (84.9% right as before; three fallbacks of the
/// retrained follow-up model became wrong answers).
#[test]
fn follow_ups_in_blind_dialogue_set_14_keep_their_floor_and_wrong_answer_ceiling() {
    check_dialogues("dialogues-blind-14.jsonl", 0.83, 0.10, 0.96);
}

/// The fifteenth blind set of dialogues, scored once at first contact at
/// 93d72dd (76.5% of follow-ups right, 10.8% wrong, first turns 66%: its
/// writers opened with long personal messages; see the README), gated there
/// before any change. A dev set since (86.7%, 7.2% wrong, first turns 64%:
/// one first turn lost to the retrained classifier).
#[test]
fn follow_ups_in_blind_dialogue_set_15_keep_their_floor_and_wrong_answer_ceiling() {
    check_dialogues("dialogues-blind-15.jsonl", 0.76, 0.11, 0.64);
}

/// The sixteenth blind set of dialogues, scored once at first contact at
/// 41296ac (79.4% of follow-ups right, 4.8% wrong, first turns 72%; see the
/// README), gated there before any change. A dev set since (89.7%, 3.6%
/// wrong, first turns 98%).
#[test]
fn follow_ups_in_blind_dialogue_set_16_keep_their_floor_and_wrong_answer_ceiling() {
    check_dialogues("dialogues-blind-16.jsonl", 0.79, 0.05, 0.72);
}

/// The seventeenth blind set of dialogues, scored once at first contact at
/// 6af911b (79.5% of follow-ups right, 9.6% wrong, first turns 84%; see the
/// README), gated there before any change. A dev set since (88.0%, 6.0%
/// wrong, first turns 100%).
#[test]
fn follow_ups_in_blind_dialogue_set_17_keep_their_floor_and_wrong_answer_ceiling() {
    check_dialogues("dialogues-blind-17.jsonl", 0.79, 0.10, 0.83);
}

/// The eighteenth blind set of dialogues, scored once at first contact at
/// 70787a7 (79.5% of follow-ups right, 6.0% wrong, first turns 88%; see the
/// README), gated there before any change. A dev set since (88.6%, 4.2%
/// wrong, first turns 96%).
#[test]
fn follow_ups_in_blind_dialogue_set_18_keep_their_floor_and_wrong_answer_ceiling() {
    check_dialogues("dialogues-blind-18.jsonl", 0.79, 0.065, 0.87);
}

/// The nineteenth blind set of dialogues, scored once at first contact at
/// b355487 (83.1% of follow-ups right, 7.2% wrong, first turns 98%; see the
/// README), gated there before any change.
#[test]
fn follow_ups_in_blind_dialogue_set_19_keep_their_floor_and_wrong_answer_ceiling() {
    check_dialogues("dialogues-blind-19.jsonl", 0.83, 0.075, 0.97);
}

/// The twentieth blind set of dialogues, scored once at first contact at
/// 169a4e7 (84.8% of follow-ups right, 6.7% wrong, first turns 98%; see the
/// README), gated there before any change. The models trained with the
/// twenty-first sets give one wrong turn more (12, 7.3%: "more pls from that
/// official", a clarify before), hence the ceiling of 7.5%.
#[test]
fn follow_ups_in_blind_dialogue_set_20_keep_their_floor_and_wrong_answer_ceiling() {
    check_dialogues("dialogues-blind-20.jsonl", 0.84, 0.075, 0.97);
}

/// The twenty-first blind set of dialogues, scored once at first contact at
/// fb37443 (87.3% of follow-ups right, 6.1% wrong, first turns 94%; see the
/// README), gated there before any change.
#[test]
fn follow_ups_in_blind_dialogue_set_21_keep_their_floor_and_wrong_answer_ceiling() {
    check_dialogues("dialogues-blind-21.jsonl", 0.86, 0.065, 0.92);
}

/// The twenty-second blind set of dialogues, its writers given personas,
/// scored once at first contact at 197ca1b (81.8% of follow-ups right, 4.8%
/// wrong, first turns 84%; see the README), gated there before any change.
#[test]
fn follow_ups_in_blind_dialogue_set_22_keep_their_floor_and_wrong_answer_ceiling() {
    check_dialogues("dialogues-blind-22.jsonl", 0.81, 0.05, 0.84);
}

/// The twenty-third blind set of dialogues, its writers given new personas,
/// scored once at first contact at 62cc63d (75.0% of follow-ups right, 7.9%
/// wrong, first turns 86%; see the README), gated there before any change.
#[test]
fn follow_ups_in_blind_dialogue_set_23_keep_their_floor_and_wrong_answer_ceiling() {
    check_dialogues("dialogues-blind-23.jsonl", 0.745, 0.08, 0.86);
}
