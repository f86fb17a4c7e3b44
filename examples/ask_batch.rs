//! The `ksilk ask --json` batch benchmark (issue 6): the whole release
//! process answering 20,000 questions from stdin on one core, median of 5.
//!
//! ```text
//! cargo build --release && cargo run --release --example ask_batch
//! cargo run --release --example ask_batch -- --write /tmp/batch   # also keep the inputs
//! ```
//!
//! Two inputs, both 20,000 lines:
//! - *repeated*: the 224 dev-set questions (`tests/data/dev-2.jsonl`) over
//!   and over, as the README's figure has always been measured;
//! - *distinct*: 20,000 different questions, each the start of one question
//!   of the single-question sets joined to the end of another (the same
//!   deterministic mix every run), so that no question is seen twice and
//!   the per-process word cache helps only as much as real vocabulary
//!   repeats.
//!
//! It runs `target/release/ksilk` (or the binary given with `--bin`) under
//! `taskset -c 0` when taskset is there. A benchmark, not a test: nothing
//! here is asserted, and CI does not run it.

use std::collections::HashSet;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use ksilk::eval::load_cases;

const QUESTIONS: usize = 20_000;
const RUNS: usize = 5;
const SETS: [&str; 7] = [
    "eval", "heldout", "dev-2", "blind-1", "blind-2", "blind-3", "blind-4",
];

fn questions(set: &str) -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(format!("{set}.jsonl"));
    load_cases(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .into_iter()
        .map(|c| c.q)
        .collect()
}

fn repeated() -> Vec<String> {
    questions("dev-2")
        .into_iter()
        .cycle()
        .take(QUESTIONS)
        .collect()
}

fn distinct() -> Vec<String> {
    let pool: Vec<Vec<String>> = SETS
        .iter()
        .flat_map(|s| questions(s))
        .map(|q| q.split_whitespace().map(str::to_owned).collect())
        .collect();
    // A fixed linear congruential generator: the same mix on every machine.
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = |bound: usize| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((state >> 33) % bound as u64) as usize
    };
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(QUESTIONS);
    while out.len() < QUESTIONS {
        let a = &pool[next(pool.len())];
        let b = &pool[next(pool.len())];
        let (i, j) = (next(a.len() + 1), next(b.len() + 1));
        let q = a[..i]
            .iter()
            .chain(&b[j..])
            .cloned()
            .collect::<Vec<_>>()
            .join(" ");
        if !q.is_empty() && seen.insert(q.clone()) {
            out.push(q);
        }
    }
    out
}

fn has_taskset() -> bool {
    Command::new("taskset")
        .args(["-c", "0", "true"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Seconds for one run of `ksilk ask --json < input`, output discarded.
fn run_once(bin: &Path, input: &Path, pin: bool) -> f64 {
    let mut cmd = if pin {
        let mut c = Command::new("taskset");
        c.args(["-c", "0"]).arg(bin);
        c
    } else {
        Command::new(bin)
    };
    cmd.args(["ask", "--json"])
        .stdin(File::open(input).expect("the input file opens"))
        .stdout(Stdio::null());
    let started = Instant::now();
    let status = cmd.status().expect("ksilk runs");
    let secs = started.elapsed().as_secs_f64();
    assert!(status.success(), "ksilk ask --json failed: {status}");
    secs
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut bin = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/ksilk");
    let mut dir: Option<PathBuf> = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--bin" => bin = args.next().expect("--bin PATH").into(),
            "--write" => dir = Some(args.next().expect("--write DIR").into()),
            other => panic!("unknown argument {other:?} (--bin PATH, --write DIR)"),
        }
    }
    let dir = dir.unwrap_or_else(|| std::env::temp_dir().join("ksilk-ask-batch"));
    std::fs::create_dir_all(&dir).expect("the input directory is created");
    let pin = has_taskset();
    println!(
        "{} ask --json, {QUESTIONS} questions, median of {RUNS}{}",
        bin.display(),
        if pin {
            ", taskset -c 0"
        } else {
            " (no taskset)"
        }
    );
    for (name, lines) in [("repeated", repeated()), ("distinct", distinct())] {
        let input = dir.join(format!("{name}.txt"));
        std::fs::write(&input, lines.join("\n") + "\n").expect("the input is written");
        let mut times: Vec<f64> = (0..RUNS).map(|_| run_once(&bin, &input, pin)).collect();
        times.sort_by(f64::total_cmp);
        let median = times[RUNS / 2];
        println!(
            "{name:>8}: {median:.3} s = {:.0} questions/s (runs {})",
            QUESTIONS as f64 / median,
            times
                .iter()
                .map(|t| format!("{t:.3}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    println!("inputs in {}", dir.display());
}
