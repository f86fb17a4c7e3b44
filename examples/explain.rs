//! Shows how the matcher ranks a question, for curating the knowledge base:
//! `cargo run --example explain -- "what is the capital of kazakhstan"`.

use ksilk::Engine;

fn main() -> anyhow::Result<()> {
    let engine = Engine::embedded()?;
    for question in std::env::args().skip(1) {
        let m = engine.match_intent(&question);
        println!("{question:?}: {:?}", m.outcome);
        for w in engine.index().explain_words(&question, engine.tuning()) {
            println!(
                "    {:<14} weight {:.2}{} {:?}",
                w.word,
                w.weight,
                if w.unknown { " unknown" } else { "" },
                w.matches
            );
        }
        for c in &m.candidates {
            println!("  {:.3} {}", c.score, engine.kb().entry(c.entry).id);
        }
        println!("  classifier:");
        let ranked = engine.classifier().map(|c| c.predict(&question).ranked);
        for (entry, p) in ranked.unwrap_or_default() {
            let id = entry.map_or("(off-topic)", |e| engine.kb().entry(e).id.as_str());
            println!("  {p:.3} {id}");
        }
    }
    Ok(())
}
