//! Leave-one-set-out cross-validation of the classifier and the decision that
//! combines it with the matcher: `cargo run --release --example crossval`.
//!
//! The built-in model learns from every labelled set, so scoring it on any of
//! them flatters it. Here each set in turn is held out: a model is trained on
//! the knowledge base and the other sets only, and the held-out set is scored
//! with it, as a fresh blind set would be. The sets were written by different
//! people, so this is the nearest thing to first contact that can be rerun.
//!
//! `-- --grid` also searches [`Tuning`]'s three classifier thresholds.

use std::path::Path;

use ksilk::classify::train::{QUESTION_SETS, train};
use ksilk::classify::{Classifier, EntryTexts, OFF_TOPIC_LABEL, TrainParams, entry_texts};
use ksilk::eval::{EvalCase, load_cases, run_eval};
use ksilk::matcher::{TUNING, Tuning};
use ksilk::{Engine, KnowledgeBase};

struct Fold {
    name: String,
    cases: Vec<EvalCase>,
    classifier: Classifier,
}

fn main() -> anyhow::Result<()> {
    let grid = std::env::args().any(|a| a == "--grid");
    let kb = KnowledgeBase::embedded()?;
    let texts = entry_texts(&kb);
    let kb_pairs: Vec<(&str, &str)> = texts.iter().flat_map(EntryTexts::pairs).collect();
    let sets: Vec<(String, Vec<EvalCase>)> = QUESTION_SETS
        .iter()
        .map(|s| Ok((s.to_string(), load_cases(Path::new(s))?)))
        .collect::<anyhow::Result<_>>()?;
    let mut folds = Vec::new();
    for (held, (name, cases)) in sets.iter().enumerate() {
        let questions: Vec<(&str, &str)> = sets
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != held)
            .flat_map(|(_, (_, cs))| cs.iter())
            .map(|c| (c.intent.as_deref().unwrap_or(OFF_TOPIC_LABEL), c.q.as_str()))
            .collect();
        let model = train(
            kb_pairs.iter().copied().chain(questions),
            0,
            &TrainParams::DEFAULT,
        );
        folds.push(Fold {
            name: name.clone(),
            cases: cases.clone(),
            classifier: Classifier::bind(model, &kb, false),
        });
    }
    let score = |tuning: Tuning, verbose: bool| {
        let (mut right, mut in_scope, mut wrong, mut all, mut declined, mut off) =
            (0, 0, 0, 0, 0, 0);
        for fold in &folds {
            let engine = Engine::with_classifier(kb.clone(), tuning, Some(fold.classifier.clone()));
            let r = run_eval(&engine, &fold.cases);
            let w = r.wrong_answers();
            if verbose {
                println!(
                    "{:<28} in scope {:>3}/{:<3} = {:5.1}%  wrong {:>2}/{:<3} = {:4.1}%  off-topic declined {:>2}/{:<2} = {:5.1}%  did-you-mean {}",
                    fold.name,
                    r.in_scope.correct,
                    r.in_scope.total,
                    100.0 * r.in_scope.rate(),
                    w.correct,
                    w.total,
                    100.0 * w.rate(),
                    r.off_topic_not_answered.correct,
                    r.off_topic_not_answered.total,
                    100.0 * r.off_topic_not_answered.rate(),
                    r.in_scope_clarified.correct,
                );
            }
            right += r.in_scope.correct;
            in_scope += r.in_scope.total;
            wrong += w.correct;
            all += w.total;
            declined += r.off_topic_not_answered.correct;
            off += r.off_topic_not_answered.total;
        }
        let (a, w, o) = (
            right as f64 / in_scope as f64,
            wrong as f64 / all as f64,
            declined as f64 / off as f64,
        );
        if verbose {
            println!(
                "{:<28} in scope {right}/{in_scope} = {:.1}%  wrong {wrong}/{all} = {:.1}%  off-topic declined {declined}/{off} = {:.1}%",
                "all, each held out",
                100.0 * a,
                100.0 * w,
                100.0 * o
            );
        }
        (a + o) / 2.0 - 3.0 * w
    };
    score(TUNING, true);
    if grid {
        let mut best = (score(TUNING, false), TUNING);
        for agree in [0.2, 0.25, 0.3, 0.35, 0.4, 0.5] {
            for agree_score in [0.2, 0.3, 0.4, 0.5] {
                for alone in [0.4, 0.45, 0.5, 0.55, 0.6, 0.7, 0.8] {
                    let t = Tuning {
                        agree_min: agree,
                        agree_score_min: agree_score,
                        classifier_alone_min: alone,
                        ..TUNING
                    };
                    let s = score(t, false);
                    if s > best.0 + 1e-9 {
                        println!(
                            "agree_min {agree} agree_score_min {agree_score} classifier_alone_min {alone}: {s:.4}"
                        );
                        best = (s, t);
                    }
                }
            }
        }
        score(best.1, true);
    }
    Ok(())
}
