//! The brain's front door: a knowledge base, its index, and the functions that
//! turn a question (or a command, or a button) into a [`Reply`].
//!
//! Every front end (the terminal chat, `ask --json`, the evaluation, Telegram)
//! goes through an [`Engine`], so they all say the same words. It does no I/O
//! and holds no mutable state: it is built once and shared (`Arc<Engine>`).

use std::path::Path;

use crate::kb::{Entry, EntryIdx, KbError, Kind, KnowledgeBase};
use crate::matcher::{self, Candidate, Index, Match, Outcome, TUNING, Tuning};
use crate::reply::{Choice, Reply};

/// How many related topics an answer offers at most.
pub const MAX_RELATED: usize = 4;

/// The matcher and the knowledge base, ready to answer.
#[derive(Debug)]
pub struct Engine {
    kb: KnowledgeBase,
    index: Index,
    tuning: Tuning,
}

impl Engine {
    /// Indexes a validated knowledge base with the tuned thresholds.
    pub fn new(kb: KnowledgeBase) -> Engine {
        Self::with_tuning(kb, TUNING)
    }

    /// Indexes a knowledge base with other thresholds (for experiments).
    pub fn with_tuning(kb: KnowledgeBase, tuning: Tuning) -> Engine {
        let index = Index::build(&kb, &tuning);
        Engine { kb, index, tuning }
    }

    /// The engine over the knowledge base compiled into the binary.
    pub fn embedded() -> Result<Engine, KbError> {
        Ok(Self::new(KnowledgeBase::embedded()?))
    }

    /// The engine over `path`, or over the compiled-in knowledge base.
    pub fn load(path: Option<&Path>) -> Result<Engine, KbError> {
        match path {
            Some(path) => Ok(Self::new(KnowledgeBase::load(path)?)),
            None => Self::embedded(),
        }
    }

    pub fn kb(&self) -> &KnowledgeBase {
        &self.kb
    }

    pub fn index(&self) -> &Index {
        &self.index
    }

    pub fn tuning(&self) -> &Tuning {
        &self.tuning
    }

    /// Ranks the knowledge base against a question and decides the outcome.
    pub fn match_intent(&self, text: &str) -> Match {
        self.index.match_intent(text, &self.tuning)
    }

    /// Answers free text: an answer, a "did you mean", or a polite fallback.
    pub fn respond(&self, text: &str) -> Reply {
        self.render_reply(&self.match_intent(text))
    }

    /// Builds the reply for a match.
    pub fn render_reply(&self, m: &Match) -> Reply {
        match m.outcome {
            Outcome::Answer => {
                let mut reply = self.answer(m.candidates[0].entry);
                reply.score = m.score();
                reply
            }
            Outcome::Clarify => {
                let mut reply = Reply::note(
                    Outcome::Clarify,
                    "I'm not sure what you mean. Did you mean one of these?",
                );
                reply.score = m.score();
                reply.choices = m.choices.iter().map(|c| self.choice(c.entry)).collect();
                reply
            }
            Outcome::Fallback => {
                // A specific refusal ("I can't help with travel...") where an
                // off-topic entry says what was asked, then what the bot knows.
                let mut reply = match m.off_topic {
                    Some(idx) => self.refusal(&self.kb.entry(idx).answer),
                    None => self.fallback(),
                };
                reply.score = m.score();
                reply
            }
        }
    }

    /// The answer for an entry id (a button, a deep link), if it exists.
    pub fn answer_for(&self, id: &str) -> Option<Reply> {
        self.kb
            .find(id)
            .filter(|&idx| !self.index.is_off_topic(idx))
            .map(|idx| self.answer(idx))
    }

    /// `/country <name>`: the best of the five countries, fuzzily.
    pub fn country(&self, name: &str) -> Reply {
        if crate::normalize::tokenize(name).is_empty() {
            return self.usage("country");
        }
        let countries: Vec<Candidate> = self
            .index
            .rank(name, &self.tuning)
            .into_iter()
            .filter(|c| self.kb.entry(c.entry).kind == Kind::Country)
            .collect();
        let m = matcher::decide(countries, &self.tuning, |_| false);
        if m.outcome == Outcome::Fallback {
            let mut reply = Reply::note(
                Outcome::Fallback,
                format!(
                    "I don't know a country by that name. The initiative covers five: {}.",
                    self.country_titles().join(", ")
                ),
            );
            reply.choices = self
                .kb
                .of_kind(Kind::Country)
                .map(|i| self.choice(i))
                .collect();
            reply.score = m.score();
            return reply;
        }
        self.render_reply(&m)
    }

    /// Inline mode: up to `limit` ranked answers; an empty query lists the menu.
    pub fn search(&self, text: &str, limit: usize) -> Vec<Reply> {
        let entries: Vec<EntryIdx> = if crate::normalize::tokenize(text).is_empty() {
            self.kb.menu().to_vec()
        } else {
            self.index
                .rank(text, &self.tuning)
                .into_iter()
                .filter(|c| c.score >= self.tuning.suggest_min && !self.index.is_off_topic(c.entry))
                .map(|c| c.entry)
                .collect()
        };
        entries
            .into_iter()
            .take(limit)
            .map(|idx| self.answer(idx))
            .collect()
    }

    /// `/start`: a greeting, what the bot knows, and the main topics.
    pub fn welcome(&self) -> Reply {
        let mut reply = Reply::note(
            Outcome::Answer,
            format!(
                "Hello! I answer questions about {}. I use only what my source says. Ask in your own words (English, Russian and Korean names work too), or pick a topic below.",
                self.kb.scope()
            ),
        );
        reply.related = self.menu_choices();
        reply
    }

    /// `/about`: where the knowledge comes from, and what it does not say.
    pub fn about(&self) -> Reply {
        let mut body = format!(
            "I answer questions about {} from one source. I never make facts up: when the source is silent, I say so.",
            self.kb.scope()
        );
        for source in self.kb.sources() {
            body.push_str(&format!("\n\nSource: {}", source.citation()));
            if let Some(url) = &source.url {
                body.push_str(&format!("\n{url}"));
            }
            if !source.does_not_give.is_empty() {
                body.push_str("\nIt does not give:");
                for gap in &source.does_not_give {
                    body.push_str(&format!("\n• {gap}"));
                }
            }
        }
        let mut reply = Reply::note(Outcome::Answer, body);
        reply.title = Some("About this bot".to_owned());
        reply
    }

    /// The usage hint for a command that needs an argument.
    pub fn usage(&self, command: &str) -> Reply {
        let text = match command {
            "country" => format!(
                "Usage: /country <name>, for example /country Kyrgyzstan. The five countries are: {}.",
                self.country_titles().join(", ")
            ),
            "ask" => {
                "Usage: /ask <question>, for example /ask What are the four pillars?".to_owned()
            }
            other => format!("Usage: /{other} <text>"),
        };
        Reply::note(Outcome::Fallback, text)
    }

    /// The polite off-topic reply: what the bot can answer instead, with two
    /// example questions taken from the main topics.
    pub fn fallback(&self) -> Reply {
        self.refusal("Sorry, I can't answer that.")
    }

    fn refusal(&self, opening: &str) -> Reply {
        let tries: Vec<String> = self
            .kb
            .menu()
            .iter()
            .filter_map(|&i| self.kb.entry(i).examples.first())
            .take(2)
            .map(|q| format!("\u{201c}{q}\u{201d}"))
            .collect();
        let mut body = format!(
            "{opening} I only know what one article says about {}.",
            self.kb.scope()
        );
        if !tries.is_empty() {
            body.push_str(&format!(" Try asking {}.", tries.join(" or ")));
        }
        let mut reply = Reply::note(Outcome::Fallback, body);
        reply.related = self.menu_choices();
        reply
    }

    fn country_titles(&self) -> Vec<String> {
        self.kb
            .of_kind(Kind::Country)
            .map(|i| self.kb.entry(i).title.clone())
            .collect()
    }

    fn menu_choices(&self) -> Vec<Choice> {
        self.kb.menu().iter().map(|&i| self.choice(i)).collect()
    }

    fn choice(&self, idx: EntryIdx) -> Choice {
        let entry = self.kb.entry(idx);
        Choice {
            id: entry.id.clone(),
            title: entry.title.clone(),
        }
    }

    /// The full answer for one entry, with its citation and related topics.
    fn answer(&self, idx: EntryIdx) -> Reply {
        let entry: &Entry = self.kb.entry(idx);
        Reply {
            outcome: Outcome::Answer,
            intent: Some(entry.id.clone()),
            score: 1.0,
            title: (entry.kind != Kind::SmallTalk).then(|| entry.title.clone()),
            body: entry.answer.clone(),
            source: self.kb.source_of(entry).map(|s| s.citation()),
            choices: Vec::new(),
            related: entry
                .related
                .iter()
                .take(MAX_RELATED)
                .map(|&i| self.choice(i))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engine() -> Engine {
        Engine::embedded().unwrap()
    }

    #[test]
    fn answers_cite_the_source_and_offer_related_topics() {
        let reply = engine().respond("what are the four pillars");
        assert_eq!(reply.outcome, Outcome::Answer);
        assert_eq!(reply.intent.as_deref(), Some("pillars"));
        assert!(reply.source.as_deref().unwrap().contains("The Korea Times"));
        assert!(!reply.related.is_empty());
        assert!(reply.to_plain().contains("official development assistance"));
    }

    #[test]
    fn off_topic_gets_a_polite_fallback_naming_the_topics() {
        let reply = engine().respond("how do I bake sourdough bread");
        assert_eq!(reply.outcome, Outcome::Fallback);
        assert!(reply.intent.is_none());
        assert!(reply.body.contains("K-Silk Road"));
        assert!(reply.body.contains("pillars"));
    }

    #[test]
    fn clarify_offers_two_or_three_choices() {
        let engine = engine();
        let m = engine.match_intent("energy");
        assert_eq!(m.outcome, Outcome::Clarify, "{m:?}");
        let reply = engine.render_reply(&m);
        assert!((2..=3).contains(&reply.choices.len()), "{reply:?}");
        assert!(reply.intent.is_none());
    }

    #[test]
    fn country_command_is_fuzzy_and_restricted_to_countries() {
        let engine = engine();
        assert_eq!(
            engine.country("kyrgystan").intent.as_deref(),
            Some("kyrgyzstan")
        );
        let unknown = engine.country("pillars");
        assert_eq!(unknown.outcome, Outcome::Fallback);
        assert_eq!(unknown.choices.len(), 5);
        assert!(engine.country("  ").body.starts_with("Usage: /country"));
    }

    #[test]
    fn search_with_empty_query_lists_the_menu() {
        let engine = engine();
        let results = engine.search("", 10);
        assert_eq!(results.len(), engine.kb().menu().len());
        let ranked = engine.search("kazakhstan", 10);
        assert_eq!(ranked[0].intent.as_deref(), Some("kazakhstan"));
        assert!(ranked.len() <= 10);
    }

    #[test]
    fn answer_for_unknown_id_is_none() {
        assert!(engine().answer_for("no-such-entry").is_none());
        assert!(engine().answer_for("pillars").is_some());
    }

    #[test]
    fn about_says_what_the_source_does_not_give() {
        let about = engine().about().to_plain();
        assert!(about.contains("June 2024"));
        assert!(about.contains("Uzbekistan"));
        assert!(about.contains("figures"));
    }

    #[test]
    fn off_topic_entries_give_a_specific_refusal_and_no_answer() {
        let engine = engine();
        let reply = engine.respond("do I need a visa to visit Bishkek");
        assert_eq!(reply.outcome, Outcome::Fallback);
        assert!(
            reply.body.starts_with("I can't help with travel"),
            "{}",
            reply.body
        );
        assert!(reply.body.contains("K-Silk Road"));
        assert!(engine.answer_for("off-topic-travel").is_none());
        assert!(
            engine
                .search("visa", 10)
                .iter()
                .all(|r| r.intent.as_deref() != Some("off-topic-travel"))
        );
    }

    #[test]
    fn welcome_lists_the_menu_as_buttons() {
        let engine = engine();
        let welcome = engine.welcome();
        assert_eq!(welcome.related.len(), engine.kb().menu().len());
    }
}
