//! Leave-one-set-out cross-validation of the follow-up model
//! (`ksilk::classify::context`): `cargo run --release --example follow_up_crossval`.
//!
//! The built-in follow-up model learns from every labelled dialogue set, so
//! scoring it on any of them flatters it. Here each dialogue set in turn is
//! held out: a follow-up model is trained on the knowledge base, the single
//! question sets and the *other* dialogue sets, and the held-out set is run
//! through the whole conversation pipeline with it (the rules, then the
//! model). The sets were written by different people, so this is the
//! nearest rerunnable thing to a fresh blind set of dialogues.
//!
//! `-- --grid` also tries other values of [`Tuning::follow_up_min`].

use std::path::Path;

use ksilk::classify::context::{DIALOGUE_SETS, follow_up_pairs, follow_ups, training_label};
use ksilk::classify::train::{QUESTION_SETS, train};
use ksilk::classify::{Classifier, EntryTexts, OFF_TOPIC_LABEL, TrainParams, entry_texts};
use ksilk::dialogue_eval::{DialogueCase, Grades, load_dialogues, run_dialogues};
use ksilk::eval::load_cases;
use ksilk::kb::Kind;
use ksilk::matcher::{TUNING, Tuning};
use ksilk::{Engine, KnowledgeBase};

fn main() -> anyhow::Result<()> {
    let grid = std::env::args().any(|a| a == "--grid");
    let kb = KnowledgeBase::embedded()?;
    let texts = entry_texts(&kb);
    let kb_pairs: Vec<(&str, &str)> = texts.iter().flat_map(EntryTexts::pairs).collect();
    let kind = |id: &str| kb.find(id).map(|e| kb.entry(e).kind);
    let topics: Vec<&str> = kb
        .entries()
        .iter()
        .filter(|e| e.kind != Kind::SmallTalk && e.kind != Kind::OffTopic)
        .map(|e| e.id.as_str())
        .collect();
    let mut questions: Vec<(String, String)> = Vec::new();
    for set in QUESTION_SETS {
        for c in load_cases(Path::new(set))? {
            let label = c.intent.unwrap_or_else(|| OFF_TOPIC_LABEL.to_owned());
            questions.push((label, c.q));
        }
    }
    let sets: Vec<(&str, Vec<DialogueCase>)> = DIALOGUE_SETS
        .iter()
        .map(|s| Ok((*s, load_dialogues(Path::new(s))?)))
        .collect::<anyhow::Result<_>>()?;
    let mut folds = Vec::new();
    for (held, (name, cases)) in sets.iter().enumerate() {
        // Both models learn the other sets' turns that stand on their own,
        // as the built-in ones learn every set's: the held-out set's first
        // turns are then scored as a fresh set's would be.
        let mut question_refs: Vec<(&str, &str)> = questions
            .iter()
            .map(|(l, q)| (l.as_str(), q.as_str()))
            .collect();
        let mut turns: Vec<(String, String, String)> = Vec::new();
        for (_, other) in sets.iter().enumerate().filter(|(i, _)| *i != held) {
            for case in other.1.iter() {
                question_refs.extend(case.standalone_training(&kb));
                let labelled = case.labelled_turns();
                for (topic, q, label) in follow_ups(&labelled, |l| topics.contains(&l)) {
                    let label = training_label(label, |l| kind(l) == Some(Kind::OffTopic));
                    turns.push((topic.to_owned(), q.to_owned(), label.to_owned()));
                }
            }
        }
        let turn_refs: Vec<(&str, &str, &str)> = turns
            .iter()
            .map(|(t, q, l)| (t.as_str(), q.as_str(), l.as_str()))
            .collect();
        let pairs = follow_up_pairs(&kb_pairs, &question_refs, &turn_refs, &topics);
        let model = train(
            pairs.iter().map(|(l, t)| (l.as_str(), t.as_str())),
            0,
            &TrainParams::DEFAULT,
        );
        let single = train(
            kb_pairs
                .iter()
                .copied()
                .chain(question_refs.iter().copied()),
            0,
            &TrainParams::DEFAULT,
        );
        folds.push((
            *name,
            cases,
            Classifier::bind(single, &kb, false),
            Classifier::bind(model, &kb, false),
        ));
    }
    let score = |tuning: Tuning, with_model: bool, verbose: bool| {
        let mut total = Grades::default();
        for (name, cases, single, model) in &folds {
            let follow_up = with_model.then(|| model.clone());
            let engine = Engine::with_models(kb.clone(), tuning, Some(single.clone()), follow_up);
            let r = run_dialogues(&engine, cases);
            // SHOW_WRONG=1 lists the follow-ups answered wrongly; SHOW_MISSED=1
            // also those that fell back or asked.
            let missed = std::env::var_os("SHOW_MISSED").is_some();
            if missed || std::env::var_os("SHOW_WRONG").is_some() {
                for v in r.verdicts.iter().filter(|v| {
                    v.turn > 1
                        && (v.grade == ksilk::dialogue_eval::Grade::Wrong
                            || (missed && v.grade != ksilk::dialogue_eval::Grade::Right))
                }) {
                    println!(
                        "{:?}{} {} #{} [{}] {:?}: expected {:?}, got {:?}",
                        v.grade,
                        with_model as u8,
                        v.dialogue,
                        v.turn,
                        v.case.rule,
                        v.case.q,
                        v.case.intent,
                        v.got
                    );
                }
            }
            if verbose {
                let f = r.follow_up;
                let rules: Vec<String> = r
                    .by_rule
                    .iter()
                    .map(|(k, g)| format!("{k} {:.0}%", 100.0 * g.right_rate()))
                    .collect();
                println!(
                    "  {name:<40} follow-ups {}/{} = {:.1}%, wrong {}  ({})",
                    f.right,
                    f.total(),
                    100.0 * f.right_rate(),
                    f.wrong,
                    rules.join(", ")
                );
            }
            total.right += r.follow_up.right;
            total.wrong += r.follow_up.wrong;
            total.did_you_mean += r.follow_up.did_you_mean;
            total.fallback += r.follow_up.fallback;
        }
        total
    };
    let show = |label: &str, g: Grades| {
        println!(
            "{label}: follow-ups {}/{} = {:.1}% right, {} = {:.1}% wrong",
            g.right,
            g.total(),
            100.0 * g.right_rate(),
            g.wrong,
            100.0 * g.wrong_rate()
        );
    };
    println!("rules alone:");
    show("rules alone", score(TUNING, false, true));
    println!(
        "rules, then the follow-up model (held out), follow_up_min {}:",
        TUNING.follow_up_min
    );
    show("with the model", score(TUNING, true, true));
    if grid {
        for min in [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9] {
            let tuning = Tuning {
                follow_up_min: min,
                ..TUNING
            };
            show(&format!("follow_up_min {min}"), score(tuning, true, false));
        }
    }
    Ok(())
}
