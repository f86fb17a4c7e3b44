//! Matching speed: throughput on the built-in knowledge base, latency
//! percentiles on a synthetic knowledge base of 10,000 intents, and the naive
//! baseline (strsim against every phrase, no index), so that the index's
//! speed-up is a measured ratio. `cargo bench --bench matching`.
//!
//! Targets (issue 2): at least 100,000 questions per second on one core on the
//! built-in knowledge base, and a p99 of at most 1 ms per question on 10,000
//! intents. Percentiles are measured directly (each question timed on its own)
//! and printed before criterion's own report.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ksilk::dialogue::{self, DialogueStore};
use ksilk::eval::load_cases;
use ksilk::matcher::naive_scan;
use ksilk::{Engine, KnowledgeBase, synthetic};

const SYNTHETIC_INTENTS: usize = 10_000;

fn eval_questions() -> Vec<String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/eval.jsonl");
    load_cases(std::path::Path::new(path))
        .expect("the evaluation set loads")
        .into_iter()
        .map(|c| c.q)
        .collect()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx]
}

/// Times every question on its own, several rounds, and prints the percentiles.
fn report_latency(name: &str, engine: &Engine, questions: &[String], rounds: usize) {
    let mut times = Vec::with_capacity(questions.len() * rounds);
    for _ in 0..rounds {
        for q in questions {
            let start = Instant::now();
            black_box(engine.match_intent(black_box(q)));
            times.push(start.elapsed());
        }
    }
    times.sort_unstable();
    let total: Duration = times.iter().sum();
    println!(
        "{name}: {} questions, p50 {:?}, p90 {:?}, p99 {:?}, max {:?}, {:.0} questions/s on one core",
        times.len(),
        percentile(&times, 0.5),
        percentile(&times, 0.9),
        percentile(&times, 0.99),
        times.last().unwrap(),
        times.len() as f64 / total.as_secs_f64()
    );
}

fn report_naive(name: &str, kb: &KnowledgeBase, engine: &Engine, questions: &[String]) {
    let start = Instant::now();
    for q in questions {
        black_box(naive_scan(kb, black_box(q)));
    }
    let naive = start.elapsed();
    let start = Instant::now();
    for q in questions {
        black_box(engine.match_intent(black_box(q)));
    }
    let indexed = start.elapsed();
    println!(
        "{name}: naive scan {:?}/question, index {:?}/question, speed-up x{:.1}",
        naive / questions.len() as u32,
        indexed / questions.len() as u32,
        naive.as_secs_f64() / indexed.as_secs_f64()
    );
}

fn benches(c: &mut Criterion) {
    let questions = eval_questions();
    let kb = KnowledgeBase::embedded().unwrap();
    let engine = Engine::new(kb.clone());

    let synthetic_kb = synthetic::knowledge_base(SYNTHETIC_INTENTS, 42);
    let synthetic = Engine::new(synthetic_kb.clone());
    let synthetic_questions = synthetic::questions(SYNTHETIC_INTENTS, 2_000, 42);

    println!("\n== direct measurements (each question timed on its own)");
    report_latency("built-in kb", &engine, &questions, 20);
    report_latency(
        &format!("synthetic kb of {SYNTHETIC_INTENTS} intents"),
        &synthetic,
        &synthetic_questions,
        5,
    );
    report_naive("built-in kb", &kb, &engine, &questions);
    report_naive(
        &format!("synthetic kb of {SYNTHETIC_INTENTS} intents"),
        &synthetic_kb,
        &synthetic,
        &synthetic_questions[..50],
    );
    println!();

    let mut group = c.benchmark_group("built-in kb");
    group.throughput(Throughput::Elements(questions.len() as u64));
    group.bench_function("index: every eval question", |b| {
        b.iter(|| {
            for q in &questions {
                black_box(engine.match_intent(black_box(q)));
            }
        })
    });
    group.sample_size(10);
    group.bench_function("naive scan: every eval question", |b| {
        b.iter(|| {
            for q in &questions {
                black_box(naive_scan(&kb, black_box(q)));
            }
        })
    });
    group.finish();

    // Follow-ups (issue 7): the same questions through the conversation
    // resolver, with no context (a first message: the context lookup is
    // all it adds) and with a live one (every question read as a follow-up
    // to "what are the four pillars", which also matches it with the topic).
    let mut group = c.benchmark_group("built-in kb, conversation");
    group.throughput(Throughput::Elements(questions.len() as u64));
    let lang = ksilk::lang::Lang::En;
    group.bench_function("respond without context", |b| {
        b.iter(|| {
            for q in &questions {
                black_box(engine.respond(black_box(q), lang));
            }
        })
    });
    group.bench_function("respond through the store, no live context", |b| {
        // Every message from a new chat: the lookup misses, the store fills
        // up to its cap and then drops the least recently used.
        let mut store: DialogueStore<u64> = DialogueStore::default();
        let mut chat = 0u64;
        b.iter(|| {
            for q in &questions {
                chat += 1;
                let key = chat;
                let context = store.get(&key, 0);
                let turn = dialogue::respond(&engine, context.as_ref(), black_box(q), lang, 0);
                store.put(key, turn.dialogue, 0);
                black_box(turn.reply);
            }
        })
    });
    let live = dialogue::respond(&engine, None, "what are the four pillars", lang, 0).dialogue;
    group.bench_function(
        "respond with a live context (every question a follow-up)",
        |b| {
            b.iter(|| {
                for q in &questions {
                    black_box(dialogue::respond(
                        &engine,
                        Some(&live),
                        black_box(q),
                        lang,
                        0,
                    ));
                }
            })
        },
    );
    group.finish();

    let mut group = c.benchmark_group(format!("synthetic kb of {SYNTHETIC_INTENTS} intents"));
    group.throughput(Throughput::Elements(synthetic_questions.len() as u64));
    group.sample_size(20);
    group.bench_function("index: 2,000 questions", |b| {
        b.iter(|| {
            for q in &synthetic_questions {
                black_box(synthetic.match_intent(black_box(q)));
            }
        })
    });
    group.finish();
}

criterion_group! {
    name = matching;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    targets = benches
}
criterion_main!(matching);
