//! Memory of the conversation store at its cap: 100,000 conversations, each
//! with a full list of shown items, as the Telegram bot would hold them
//! (keyed by a 64-bit hash). Prints the resident memory before and after,
//! read from /proc (Linux), and the bytes per conversation.
//!
//! `cargo run --release --example dialogue_memory`

use ksilk::Engine;
use ksilk::dialogue::{self, DialogueStore, bytes_per_conversation};
use ksilk::lang::Lang;

const CONVERSATIONS: u64 = 100_000;

fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

fn main() {
    let engine = Engine::embedded().expect("the embedded knowledge base");
    // A realistic conversation: an answer, a follow-up, and "more" until the
    // shown list is full.
    let mut context = None;
    for text in ["what will korea do with kazakhstan", "and turkmenistan?"]
        .into_iter()
        .chain(std::iter::repeat_n("tell me more", 12))
    {
        context = Some(dialogue::respond(&engine, context.as_ref(), text, Lang::En, 0).dialogue);
    }
    let sample = context.expect("a dialogue");
    let before = resident_bytes();
    let mut store: DialogueStore<u64> = DialogueStore::with_cap(CONVERSATIONS as usize);
    // Twice the cap: the store must stay at its cap, the oldest dropped.
    for key in 0..CONVERSATIONS * 2 {
        store.put(key.wrapping_mul(0x9e37_79b9_7f4a_7c15), sample.clone(), 0);
    }
    let after = resident_bytes();
    println!(
        "{} conversations stored (cap {CONVERSATIONS}), {} heap bytes of shown items each",
        store.len(),
        sample.heap_bytes()
    );
    println!(
        "bound per conversation, excluding map slack: {} bytes",
        bytes_per_conversation::<u64>()
    );
    if let (Some(before), Some(after)) = (before, after) {
        let grown = after.saturating_sub(before);
        println!(
            "resident memory grew {:.1} MB: {:.0} bytes per conversation",
            grown as f64 / 1e6,
            grown as f64 / CONVERSATIONS as f64
        );
    }
}
