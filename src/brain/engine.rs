//! The brain's front door: a knowledge base, its index, and the functions that
//! turn a question (or a command, or a button) into a [`Reply`].
//!
//! Every front end (the terminal chat, `ask --json`, the evaluation, Telegram)
//! goes through an [`Engine`], so they all say the same words. It does no I/O
//! and is built once and shared (`Arc<Engine>`). Its only interior state is a
//! write-once cache of plain-text replies ([`Engine::plain_reply`], and the
//! same as JSON strings): an answer, a refusal or the fallback depends only on
//! the entry and the language, so `ask` renders (and escapes) each one once
//! instead of once per question.

use std::borrow::Cow;
use std::path::Path;
use std::sync::OnceLock;

use crate::classify::{self, Classifier};
use crate::kb::{Entry, EntryIdx, KbError, Kind, KnowledgeBase};
use crate::lang::Lang;
use crate::matcher::{self, Candidate, Index, Match, Outcome, TUNING, Tuning};
use crate::reply::{Choice, Reply};
use crate::texts::{fill, texts};

/// How many related topics an answer offers at most.
pub const MAX_RELATED: usize = 4;

/// The matcher and the knowledge base, ready to answer.
#[derive(Debug)]
pub struct Engine {
    kb: KnowledgeBase,
    index: Index,
    /// None for a knowledge base too large to train one on.
    classifier: Option<Classifier>,
    /// The follow-up model ([`crate::classify::context`]): only for the
    /// knowledge base whose dialogues it learned.
    follow_up: Option<Classifier>,
    tuning: Tuning,
    plain: PlainCache,
}

/// One rendered text per language, made on first use.
type PerLang = [OnceLock<Rendered>; 3];

/// A reply rendered for a terminal.
#[derive(Debug)]
struct Rendered {
    plain: Box<str>,
    /// `plain` as a JSON string literal, for `ask --json`.
    json: Box<str>,
}

impl Rendered {
    fn new(reply: Reply) -> Rendered {
        let plain = reply.to_plain();
        let json = serde_json::to_string(&plain).expect("a string always serialises");
        Rendered {
            plain: plain.into(),
            json: json.into(),
        }
    }
}

/// The plain-text replies that depend only on an entry and a language.
#[derive(Debug)]
struct PlainCache {
    /// By entry: its answer.
    answers: Vec<PerLang>,
    /// By off-topic entry: the refusal that quotes it.
    refusals: Vec<PerLang>,
    /// The general fallback.
    fallback: PerLang,
}

impl PlainCache {
    fn new(entries: usize) -> PlainCache {
        PlainCache {
            answers: (0..entries).map(|_| PerLang::default()).collect(),
            refusals: (0..entries).map(|_| PerLang::default()).collect(),
            fallback: PerLang::default(),
        }
    }
}

impl Engine {
    /// Indexes a validated knowledge base with the tuned thresholds.
    pub fn new(kb: KnowledgeBase) -> Engine {
        Self::with_tuning(kb, TUNING)
    }

    /// Indexes a knowledge base with other thresholds (for experiments).
    pub fn with_tuning(kb: KnowledgeBase, tuning: Tuning) -> Engine {
        let (classifier, follow_up) = Classifier::models_for_kb(&kb);
        Self::with_models(kb, tuning, classifier, follow_up)
    }

    /// An engine whose classifier was trained elsewhere (cross-validation),
    /// with the embedded follow-up model if it fits.
    pub fn with_classifier(
        kb: KnowledgeBase,
        tuning: Tuning,
        classifier: Option<Classifier>,
    ) -> Engine {
        let follow_up = Classifier::follow_up_for_kb(&kb);
        Self::with_models(kb, tuning, classifier, follow_up)
    }

    /// An engine whose classifier and follow-up model were trained elsewhere
    /// (cross-validation).
    pub fn with_models(
        kb: KnowledgeBase,
        tuning: Tuning,
        classifier: Option<Classifier>,
        follow_up: Option<Classifier>,
    ) -> Engine {
        let index = Index::build(&kb, &tuning);
        let plain = PlainCache::new(kb.entries().len());
        Engine {
            kb,
            index,
            classifier,
            follow_up,
            tuning,
            plain,
        }
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
    ///
    /// The matcher ranks; the classifier's second opinion decides whether
    /// its best guess is answered ([`classify::second_opinion`]).
    /// Does the reviewed verdict answer with one country's entry while the
    /// question names another country and not that one? The classifier's
    /// n-grams learn a question's shape ("... bilan Koreya qaysi sohalarda
    /// hamkorlik qiladi?" was asked about Kazakhstan) and can carry it to a
    /// country whose name they never saw ("Qirg'iziston"); the matcher's
    /// name match says which country is asked about, so such an answer is
    /// wrong by construction and the matcher's own verdict stands.
    fn names_another_country(&self, words: &Match, reviewed: &Match) -> bool {
        let Some(answered) = reviewed.answer() else {
            return false;
        };
        let country = |e| self.kb.entry(e).kind == Kind::Country;
        let named = |e| words.candidates.iter().any(|c| c.entry == e && c.label_hit);
        country(answered)
            && !named(answered)
            && words
                .candidates
                .iter()
                .any(|c| c.label_hit && c.entry != answered && country(c.entry))
    }

    pub fn match_intent(&self, text: &str) -> Match {
        let text = &*self.reading(text);
        let m = self.match_reviewed(text);
        // Measured held out over the 16 single-question sets (2026-12-07):
        // +1 right, no wrong answer more; none of the dialogue sets' turns
        // changed. The speaker's words: over the 17 sets held out, +2 right
        // and -2 wrong (both blind set 14's, which showed it); one dialogue
        // turn more right.
        let mut m = match self
            .only_named(text, &m)
            .or_else(|| self.words_not_speaker(text, &m))
            .or_else(|| self.trip_to_a_country(text, &m))
        {
            Some(chosen) => classify::answering(chosen, &m),
            None => m,
        };
        // Only an answer tells the source's date: a question that is not
        // answered need not be read again.
        m.about_now = m.outcome == Outcome::Answer && matcher::asks_now(text);
        m.unnamed_speaker = m.answer().is_some_and(|e| {
            self.kb.entry(e).unnamed_speaker
                && self.index.facets_asked(text, &self.tuning) & matcher::SPEAKER_FACET != 0
        });
        m
    }

    /// The one entry a message names by a label, when the verdict is small
    /// talk that the message does not name ("윤석열은 누구야" read as "who
    /// are you", for "누구야"), or a decline that no off-topic word of the
    /// message earned and the message asks nothing beyond the named entry
    /// ("who is yoon" declined for the example "Who is Kim Keon Hee?"). A
    /// name is what the message is about; small talk and off-topic entries
    /// that only resemble its shape are not.
    fn only_named(&self, text: &str, m: &Match) -> Option<Candidate> {
        let small_talk = m.outcome == Outcome::Answer
            && self.kb.entry(m.candidates[0].entry).kind == Kind::SmallTalk
            && !m.candidates[0].label_hit;
        let declined_without_a_word =
            m.outcome == Outcome::Fallback && m.off_topic.is_some() && !m.off_topic_named();
        if !(small_talk || declined_without_a_word) {
            return None;
        }
        let mut named = m.candidates.iter().filter(|c| {
            c.label_hit
                && !self.index.is_off_topic(c.entry)
                && self.kb.entry(c.entry).kind != Kind::SmallTalk
        });
        let first = *named.next()?;
        if named.next().is_some()
            || (!small_talk
                && (self
                    .index
                    .topic_words_beyond(text, Some(first.entry), &self.tuning)
                    > 0
                    || self.index.unknown_words(text, &self.tuning) > 0))
        {
            return None;
        }
        Some(first)
    }

    /// The entry that answers a trip, when a message asks whether or when
    /// someone goes to the one country it names and the verdict is a "did
    /// you mean" or a fallback ("а в таджикистан юн поедет или нет?",
    /// "이번 순방에서 키르기스스탄은 안 가는 거 맞죠?"). The country's entry
    /// and the trip's both say whether he goes there, so the choice between
    /// them is no reason to ask; the trip's also says when, and lists the
    /// others. Not when the message names anything else than the country and
    /// the trip ("is Tajikistan part of the summit, or only the three he
    /// visited?" asks about the summit).
    fn trip_to_a_country(&self, text: &str, m: &Match) -> Option<Candidate> {
        if m.outcome == Outcome::Answer || m.off_topic.is_some() || !matcher::asks_visit(text) {
            return None;
        }
        let kind = |e: EntryIdx| self.kb.entry(e).kind;
        let answers_trips = |e: EntryIdx| self.index.trip_entry() == Some(e);
        let named: Vec<EntryIdx> = m
            .candidates
            .iter()
            .filter(|c| c.label_hit && !self.index.is_off_topic(c.entry))
            .map(|c| c.entry)
            .collect();
        let countries = named.iter().filter(|&&e| kind(e) == Kind::Country).count();
        if countries != 1
            || named
                .iter()
                .any(|&e| kind(e) != Kind::Country && !answers_trips(e))
        {
            return None;
        }
        // The two the matcher ranked first are the country and the trip:
        // a trip entry further down ("what was agreed on the visit", "which
        // cities") answers something else.
        match m.candidates.as_slice() {
            [a, b, ..] if kind(a.entry) == Kind::Country && answers_trips(b.entry) => Some(*b),
            [a, b, ..] if answers_trips(a.entry) && kind(b.entry) == Kind::Country => Some(*a),
            _ => None,
        }
        .filter(|c| c.score >= self.tuning.suggest_min)
    }

    /// The entry that quotes a person, when a message asks what that person
    /// said or how he put it and the verdict is the entry that says who he
    /// is ("What did Kim Tae-hyo say the initiative is aiming for?" answered
    /// with the announcement, which names him, rather than the vision, which
    /// quotes him). Naming the speaker is how people ask for his words; the
    /// best-scored entry that answers "what did he say" is taken, if the
    /// matcher offered one at all.
    fn words_not_speaker(&self, text: &str, m: &Match) -> Option<Candidate> {
        if m.outcome != Outcome::Answer {
            return None;
        }
        let facets = self.index.entry_facets(m.candidates[0].entry);
        if facets & matcher::SPEAKER_FACET == 0
            || facets & matcher::STATEMENT_FACET != 0
            || !matcher::asks_how_it_was_put(text)
        {
            return None;
        }
        m.candidates
            .iter()
            .skip(1)
            .find(|c| {
                c.score >= self.tuning.suggest_min
                    && self.index.entry_facets(c.entry) & matcher::STATEMENT_FACET != 0
                    && !self.index.is_off_topic(c.entry)
            })
            .copied()
    }

    /// The matcher's verdict reviewed by the classifier.
    fn match_reviewed(&self, text: &str) -> Match {
        let m = self.match_words(text);
        let Some(classifier) = &self.classifier else {
            return m;
        };
        let review = |m: Match, question: &str| {
            classify::second_opinion(m, &classifier.predict(question), &self.tuning, |e| {
                self.kb.entry(e).kind
            })
        };
        let declined_by_words = m.off_topic.is_some();
        let whole = review(m.clone(), text);
        let whole = if self.names_another_country(&m, &whole) {
            m.clone()
        } else {
            whole
        };
        if whole.outcome == Outcome::Answer {
            return match self.question_declines_itself(text, &m, classifier) {
                Some(declined) => declined,
                None => whole,
            };
        }
        // A message its words declined stays declined, unless the decline is
        // the asker's story's and not the question's (held out over the 17
        // sets, 2026-12-07: +5 right, +1 wrong, half of a two-part question).
        if declined_by_words {
            return self.asked_past_the_story(text, &m, review).unwrap_or(whole);
        }
        // In a long message the personal context ("I'm a tour guide in
        // Samarkand, my grandfather was Koryo-saram") is words the model
        // learned from off-topic questions, and they outvote the question.
        // The model reads the question alone once more, and is heard only
        // where it then agrees with the matcher, which still reads it all.
        // Measured held out
        // over eleven sets (2026-12-04): +10 right, +2 wrong, both a
        // neighbouring entry. Also measured and rejected, for adding wrong
        // answers faster than right ones: the question alone deciding
        // first (+10 right, +13 wrong), deciding whatever the matcher says
        // (+11, +3), and undoing the matcher's decline whenever the question
        // alone is not declined (+4, +5; hence `asked_past_the_story` asks
        // for the same topic in both): the question often names its topic
        // only in the context ("... said something about the
        // population. What exactly did he say?").
        match matcher::question_part(text) {
            Some(question) => {
                let matcher_first = m.best().map(|c| c.entry);
                let asked = review(m, &question);
                if asked.outcome == Outcome::Answer && asked.answer() == matcher_first {
                    asked
                } else {
                    whole
                }
            }
            None => whole,
        }
    }

    /// A long message whose question, read alone, is declined by its own
    /// off-topic words, while the matcher declined the whole message too: the
    /// classifier's answer for the whole is then the asker's story speaking
    /// ("I'm a teacher in Bishkek and I follow the K-Silk Road news closely
    /// for my class. What's the weather like in Tashkent in June?" read as
    /// the initiative, for the story's words). What the question asks
    /// decides whether it is on topic; the story only says who asks. Both
    /// the question's words (with an off-topic word of its own) and the
    /// model reading the question alone must decline it: "Did any Korean
    /// official comment on Central Asia's population structure …?" has the
    /// word but the model reads the official's remark. Held out over the 24
    /// sets (2026-12-08): one right answer fewer (blind set 4), no wrong
    /// answer and no decline changed; it keeps the decline above, which the
    /// model trained with blind set 21 answered.
    fn question_declines_itself(
        &self,
        text: &str,
        m: &Match,
        classifier: &Classifier,
    ) -> Option<Match> {
        if m.outcome != Outcome::Fallback {
            return None;
        }
        let question = matcher::question_part(text)?;
        let asked = self.match_words(&question);
        // The model reads the question only when its words decline it.
        if asked.outcome != Outcome::Fallback || !asked.off_topic_named() {
            return None;
        }
        let (model_says, _) = classifier.predict(&question).best()?;
        model_says
            .is_none_or(|e| self.index.is_off_topic(e))
            .then(|| m.clone())
    }

    /// A long message its words declined, answered by its question when the
    /// question alone is not declined and the matcher reads the same topic
    /// in both ("I'm a retired geography teacher from Bishkek … Is Kyrgyzstan
    /// included in the new summit?": the asker's story has the off-topic
    /// words, the question has none). The classifier reviews the question.
    fn asked_past_the_story(
        &self,
        text: &str,
        m: &Match,
        review: impl Fn(Match, &str) -> Match,
    ) -> Option<Match> {
        let question = matcher::question_part(text)?;
        let asked = self.match_words(&question);
        let same_topic = asked.best().map(|c| c.entry) == m.best().map(|c| c.entry);
        if asked.off_topic.is_some() || asked.outcome != Outcome::Answer || !same_topic {
            return None;
        }
        let reviewed = review(asked, &question);
        (reviewed.outcome == Outcome::Answer).then_some(reviewed)
    }

    /// The text as the matcher and the models read it: Russian typed in
    /// Latin letters back in Cyrillic ([`Index::read_translit`]), Uzbek and
    /// Kazakh in Cyrillic in Latin letters ([`Index::read_turkic_cyrillic`]),
    /// anything else as it is.
    pub fn reading<'a>(&self, text: &'a str) -> Cow<'a, str> {
        match self
            .index
            .read_translit(text)
            .or_else(|| self.index.read_turkic_cyrillic(text))
            .or_else(|| self.index.read_cyrillic_acronyms(text))
        {
            Some(read) => Cow::Owned(read),
            None => Cow::Borrowed(text),
        }
    }

    /// The matcher's verdict alone, without the classifier's review: what
    /// the words of a message say by themselves, which the follow-up
    /// resolver ([`crate::dialogue`]) weighs against the conversation.
    pub fn match_words(&self, text: &str) -> Match {
        self.index.match_intent(text, &self.tuning)
    }

    pub fn classifier(&self) -> Option<&Classifier> {
        self.classifier.as_ref()
    }

    /// The model that reads a follow-up with its conversation's topic.
    pub fn follow_up(&self) -> Option<&Classifier> {
        self.follow_up.as_ref()
    }

    /// Answers free text in `lang`: an answer, a "did you mean", or a polite
    /// fallback. The caller chooses the language ([`crate::lang::choose`]).
    pub fn respond(&self, text: &str, lang: Lang) -> Reply {
        self.render_reply(&self.match_intent(text), lang)
    }

    /// Builds the reply for a match.
    pub fn render_reply(&self, m: &Match, lang: Lang) -> Reply {
        let mut reply = self.render_outcome(m, lang);
        reply.nearest = m.best().map(|c| self.kb.entry(c.entry).id.clone());
        reply
    }

    fn render_outcome(&self, m: &Match, lang: Lang) -> Reply {
        match m.outcome {
            Outcome::Answer => {
                let entry = m.candidates[0].entry;
                let mut reply = self.answer(entry, lang);
                reply.score = m.score();
                if m.unnamed_speaker {
                    reply.body = format!("{}\n\n{}", texts(lang).speaker_unnamed, reply.body);
                }
                if m.about_now && self.tells_as_of_june_2024(entry) {
                    reply.body = format!("{}\n\n{}", texts(lang).as_of_source, reply.body);
                }
                reply
            }
            Outcome::Clarify => {
                let mut reply = Reply::note(Outcome::Clarify, lang, texts(lang).clarify);
                reply.score = m.score();
                reply.choices = m
                    .choices
                    .iter()
                    .map(|c| self.choice(c.entry, lang))
                    .collect();
                reply
            }
            Outcome::Fallback => {
                // A specific refusal ("I can't help with travel...") where an
                // off-topic entry says what was asked, then what the bot knows.
                let mut reply = match m.off_topic {
                    Some(idx) => self.refusal(self.kb.entry(idx).answer.get(lang), lang),
                    None => self.fallback(lang),
                };
                reply.score = m.score();
                reply
            }
        }
    }

    /// The reply for a match rendered for a terminal: the same text as
    /// `render_reply(m, lang).to_plain()`, taken from the cache when it depends
    /// only on the entry and the language (all but "did you mean").
    pub fn plain_reply(&self, m: &Match, lang: Lang) -> Cow<'_, str> {
        match self.rendered(m, lang) {
            Some(rendered) => Cow::Borrowed(&rendered.plain),
            None => Cow::Owned(self.render_reply(m, lang).to_plain()),
        }
    }

    /// [`Engine::plain_reply`] as a JSON string literal (quoted and escaped),
    /// so that `ask --json` need not escape the same answer again and again.
    pub fn plain_reply_json(&self, m: &Match, lang: Lang) -> Cow<'_, str> {
        match self.rendered(m, lang) {
            Some(rendered) => Cow::Borrowed(&rendered.json),
            None => Cow::Owned(Rendered::new(self.render_reply(m, lang)).json.into()),
        }
    }

    /// Does an answer of `entry` to a question about the present say first
    /// that the source is from June 2024? Every fact does, but small talk
    /// and an answer that opens with the source's date already (the
    /// summit's status: "My source is a June 2024 article...") do not.
    fn tells_as_of_june_2024(&self, entry: EntryIdx) -> bool {
        let entry = self.kb.entry(entry);
        entry.kind.is_factual() && !entry.answer.get(Lang::En).starts_with("My source")
    }

    /// The cached rendering of the reply to `m`, unless it is a "did you
    /// mean", whose choices vary from question to question, or an answer
    /// that opens with a note (the source's date, an unnamed speaker).
    fn rendered(&self, m: &Match, lang: Lang) -> Option<&Rendered> {
        let l = lang.index();
        Some(match m.outcome {
            Outcome::Answer if m.about_now || m.unnamed_speaker => return None,
            Outcome::Answer => {
                let idx = m.candidates[0].entry;
                self.plain.answers[idx][l].get_or_init(|| Rendered::new(self.answer(idx, lang)))
            }
            Outcome::Fallback => match m.off_topic {
                Some(idx) => self.plain.refusals[idx][l].get_or_init(|| {
                    let opening = self.kb.entry(idx).answer.get(lang);
                    Rendered::new(self.refusal(opening, lang))
                }),
                None => self.plain.fallback[l].get_or_init(|| Rendered::new(self.fallback(lang))),
            },
            Outcome::Clarify => return None,
        })
    }

    /// The answer for an entry id (a button, a deep link), if it exists.
    pub fn answer_for(&self, id: &str, lang: Lang) -> Option<Reply> {
        self.kb
            .find(id)
            .filter(|&idx| !self.index.is_off_topic(idx))
            .map(|idx| self.answer(idx, lang))
    }

    /// `/country <name>`: the best of the five countries, fuzzily.
    pub fn country(&self, name: &str, lang: Lang) -> Reply {
        if crate::normalize::tokenize(name).is_empty() {
            return self.usage("country", lang);
        }
        let countries: Vec<Candidate> = self
            .index
            .rank(name, &self.tuning)
            .into_iter()
            .filter(|c| self.kb.entry(c.entry).kind == Kind::Country)
            .collect();
        let m = matcher::decide(countries, &self.tuning, |_| false);
        if m.outcome == Outcome::Fallback {
            let body = fill(
                texts(lang).unknown_country,
                &[("countries", &self.country_titles(lang).join(", "))],
            );
            let mut reply = Reply::note(Outcome::Fallback, lang, body);
            reply.choices = self
                .kb
                .of_kind(Kind::Country)
                .map(|i| self.choice(i, lang))
                .collect();
            reply.score = m.score();
            return reply;
        }
        self.render_reply(&m, lang)
    }

    /// Inline mode: up to `limit` ranked answers; an empty query lists the menu.
    pub fn search(&self, text: &str, limit: usize, lang: Lang) -> Vec<Reply> {
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
            .map(|idx| self.answer(idx, lang))
            .collect()
    }

    /// `/start`: a greeting, what the bot knows, and the main topics.
    pub fn welcome(&self, lang: Lang) -> Reply {
        let body = fill(texts(lang).welcome, &[("scope", self.kb.scope(lang))]);
        let mut reply = Reply::note(Outcome::Answer, lang, body);
        reply.related = self.menu_choices(lang);
        reply
    }

    /// `/about`: where the knowledge comes from, and what it does not say.
    pub fn about(&self, lang: Lang) -> Reply {
        let t = texts(lang);
        let mut body = fill(t.about_intro, &[("scope", self.kb.scope(lang))]);
        for source in self.kb.sources() {
            body.push_str(&format!(
                "\n\n{}: {}",
                t.source_label,
                source.citation(lang)
            ));
            if let Some(url) = &source.url {
                body.push_str(&format!("\n{url}"));
            }
            if !source.does_not_give.is_empty() {
                body.push('\n');
                body.push_str(t.not_given);
                for gap in &source.does_not_give {
                    body.push_str(&format!("\n• {}", gap.get(lang)));
                }
            }
        }
        let mut reply = Reply::note(Outcome::Answer, lang, body);
        reply.title = Some(t.about_title.to_owned());
        reply
    }

    /// The usage hint for a command that needs an argument.
    pub fn usage(&self, command: &str, lang: Lang) -> Reply {
        let t = texts(lang);
        let text = match command {
            "country" => fill(
                t.usage_country,
                &[("countries", &self.country_titles(lang).join(", "))],
            ),
            "ask" => t.usage_ask.to_owned(),
            other => fill(t.usage_other, &[("command", other)]),
        };
        Reply::note(Outcome::Fallback, lang, text)
    }

    /// The polite off-topic reply: what the bot can answer instead, with two
    /// example questions taken from the main topics.
    pub fn fallback(&self, lang: Lang) -> Reply {
        self.refusal(texts(lang).cannot_answer, lang)
    }

    fn refusal(&self, opening: &str, lang: Lang) -> Reply {
        let t = texts(lang);
        let tries: Vec<String> = self
            .kb
            .menu()
            .iter()
            .filter_map(|&i| example_in(self.kb.entry(i), lang))
            .take(2)
            .map(|q| t.quote(q))
            .collect();
        let mut body = format!(
            "{opening} {}",
            fill(t.only_know, &[("scope", self.kb.scope(lang))])
        );
        if !tries.is_empty() {
            body.push(' ');
            body.push_str(&fill(t.try_asking, &[("examples", &tries.join(t.or))]));
        }
        let mut reply = Reply::note(Outcome::Fallback, lang, body);
        reply.related = self.menu_choices(lang);
        reply
    }

    fn country_titles(&self, lang: Lang) -> Vec<String> {
        self.kb
            .of_kind(Kind::Country)
            .map(|i| self.kb.entry(i).title.get(lang).to_owned())
            .collect()
    }

    fn menu_choices(&self, lang: Lang) -> Vec<Choice> {
        self.kb
            .menu()
            .iter()
            .map(|&i| self.choice(i, lang))
            .collect()
    }

    fn choice(&self, idx: EntryIdx, lang: Lang) -> Choice {
        let entry = self.kb.entry(idx);
        Choice {
            id: entry.id.clone(),
            title: entry.title.get(lang).to_owned(),
        }
    }

    /// The full answer for one entry, with its citation and related topics.
    fn answer(&self, idx: EntryIdx, lang: Lang) -> Reply {
        let entry: &Entry = self.kb.entry(idx);
        Reply {
            outcome: Outcome::Answer,
            lang,
            intent: Some(entry.id.clone()),
            score: 1.0,
            nearest: Some(entry.id.clone()),
            title: (entry.kind != Kind::SmallTalk).then(|| entry.title.get(lang).to_owned()),
            body: entry.answer.get(lang).to_owned(),
            source: self.kb.source_of(entry).map(|s| s.citation(lang)),
            choices: Vec::new(),
            related: entry
                .related
                .iter()
                .take(MAX_RELATED)
                .map(|&i| self.choice(i, lang))
                .collect(),
        }
    }
}

/// The entry's first example question written in `lang`, to suggest.
fn example_in(entry: &Entry, lang: Lang) -> Option<&str> {
    entry
        .examples
        .iter()
        .map(String::as_str)
        .find(|q| crate::lang::detect(q) == Some(lang))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engine() -> Engine {
        Engine::embedded().unwrap()
    }

    /// The id of the entry `q` is answered with, if it is answered.
    fn answered<'e>(engine: &'e Engine, q: &str) -> Option<&'e str> {
        engine
            .match_intent(q)
            .answer()
            .map(|e| engine.kb().entry(e).id.as_str())
    }

    #[test]
    fn asked_who_said_an_unnamed_officials_words_the_answer_says_he_is_not_named() {
        let engine = engine();
        for (q, lang, id) in [
            (
                "Who said the region has a young and dynamic demographic structure?",
                Lang::En,
                "demographics",
            ),
            (
                "кто сказал про новую форму империализма?",
                Lang::Ru,
                "imperialism",
            ),
            (
                "새로운 형태의 제국주의라고 말한 사람은 누구예요?",
                Lang::Ko,
                "imperialism",
            ),
        ] {
            let m = engine.match_intent(q);
            assert_eq!(answered(&engine, q), Some(id), "{q}");
            let note = texts(lang).speaker_unnamed;
            assert!(engine.render_reply(&m, lang).body.starts_with(note), "{q}");
            assert!(engine.plain_reply(&m, lang).contains(note), "{q}");
        }
        // Asked what he said, not who he is, the quote needs no note.
        let m = engine.match_intent("what did the official say about imperialism");
        assert!(!m.unnamed_speaker);
    }

    #[test]
    fn a_question_about_the_present_is_answered_as_of_the_source_s_date() {
        let engine = engine();
        for (q, lang) in [
            ("is yoon still president now?", Lang::En),
            ("юн до сих пор президент?", Lang::Ru),
            ("윤석열 아직도 대통령이야?", Lang::Ko),
        ] {
            let m = engine.match_intent(q);
            assert_eq!(answered(&engine, q), Some("president-yoon"), "{q}");
            let plain = engine.plain_reply(&m, lang);
            let body = engine.render_reply(&m, lang).body;
            assert!(body.starts_with(texts(lang).as_of_source), "{q}: {body}");
            assert!(plain.contains(texts(lang).as_of_source), "{q}: {plain}");
            // The fact follows, as it is answered without the question's "now".
            let plain_answer = engine.render_reply(&engine.match_intent("president yoon"), lang);
            assert!(body.ends_with(&plain_answer.body), "{q}: {body}");
        }
        // No note where the question is not about now, and no second one
        // where the answer already opens with the source's date.
        let who = engine.render_reply(&engine.match_intent("who is yoon"), Lang::En);
        assert!(!who.body.contains(texts(Lang::En).as_of_source));
        let status = engine.match_intent("has the summit happened yet? is it still planned?");
        assert_eq!(
            status.answer().map(|e| engine.kb().entry(e).id.as_str()),
            Some("summit-status")
        );
        let body = engine.render_reply(&status, Lang::En).body;
        assert!(!body.contains(texts(Lang::En).as_of_source), "{body}");
    }

    #[test]
    fn off_topic_words_in_the_askers_story_do_not_decline_the_question() {
        let engine = engine();
        let q = "I'm a retired geography teacher from Bishkek, and my grandson asked me whether \
                 our country is even part of this Korean plan or just the big neighbours. Is \
                 Kyrgyzstan included in the new summit?";
        // The whole message is declined by its words alone ...
        assert!(engine.match_words(q).off_topic.is_some());
        // ... but its question is not, and is answered: Kyrgyzstan, or the
        // summit or the countries, which both list it (as its label accepts).
        assert!(
            matches!(
                answered(&engine, q),
                Some("kyrgyzstan" | "korea-central-asia-summit" | "countries")
            ),
            "{:?}",
            answered(&engine, q)
        );
        // A question that is itself off-topic stays declined, whatever the
        // story around it.
        for q in [
            "I'm a teacher in Bishkek and I follow the K-Silk Road news closely for my class. \
             What's the weather like in Tashkent in June?",
            "My family runs a small hotel in Almaty and we read about the K-Silk Road summit \
             in the news. How many people live in Kazakhstan?",
        ] {
            assert_eq!(engine.match_intent(q).outcome, Outcome::Fallback, "{q}");
        }
    }

    #[test]
    fn what_a_named_person_said_is_his_words_not_who_he_is() {
        // The matcher alone ranks the announcement (which names him) a
        // little above the vision (which quotes him) for this one.
        let kb = KnowledgeBase::embedded().unwrap();
        let engine = Engine::with_models(kb, TUNING, None, None);
        let q = "I write a culture blog for Kazakh readers and want to explain why this matters \
                 to them. What did Kim Tae-hyo say the K-Silk Road initiative is ultimately aiming for?";
        let words = engine.match_words(q);
        assert_eq!(
            words.answer().map(|e| engine.kb().entry(e).id.as_str()),
            Some("announcement")
        );
        assert_eq!(answered(&engine, q), Some("vision"));
        // Who he is, and what he announced, stay the announcement.
        for q in ["who is kim tae-hyo", "What did Kim Tae-hyo announce?"] {
            assert_eq!(answered(&engine, q), Some("announcement"), "{q}");
        }
    }

    #[test]
    fn whether_he_goes_to_the_one_country_named_is_answered_by_the_trip() {
        let engine = engine();
        for q in [
            "а в таджикистан юн поедет или нет?",
            "이번 순방에서 키르기스스탄은 안 가는 거 맞죠?",
            "Will the president go to Uzbekistan?",
        ] {
            assert_eq!(answered(&engine, q), Some("state-visits"), "{q}");
        }
        // A question that also names the summit asks about the summit.
        let q = "Будет ли Таджикистан участвовать в саммите, или только те три страны, куда ездил президент?";
        assert_ne!(answered(&engine, q), Some("state-visits"), "{q}");
    }

    #[test]
    fn a_name_asked_about_is_answered_not_small_talk_or_a_look_alike_decline() {
        let engine = engine();
        for q in ["who is yoon", "who is president yoon?", "윤석열은 누구야"] {
            assert_eq!(answered(&engine, q), Some("president-yoon"), "{q}");
        }
        // Small talk the message names, and a decline an off-topic word of
        // the message earned, stand.
        assert_eq!(answered(&engine, "who are you"), Some("identity"));
        for q in ["who is Kim Keon Hee?", "how old is yoon?"] {
            assert_eq!(engine.match_intent(q).outcome, Outcome::Fallback, "{q}");
        }
    }

    #[test]
    fn a_question_naming_one_country_is_never_answered_with_another() {
        let engine = engine();
        for q in [
            "Qirg'iziston bilan Koreya qaysi sohalarda hamkorlik qiladi?",
            "Qozog'iston bilan Koreya qaysi sohalarda hamkorlik qiladi?",
            "what will korea do in kyrgyzstan",
            "and tajikistan, what is its focus?",
        ] {
            let named = engine
                .match_words(q)
                .candidates
                .into_iter()
                .find(|c| c.label_hit)
                .map(|c| c.entry);
            let is_country = |&e: &EntryIdx| engine.kb().entry(e).kind == Kind::Country;
            if let Some(country) = engine.match_intent(q).answer().filter(is_country) {
                assert_eq!(Some(country), named, "{q}");
            }
        }
        assert_eq!(
            answered(
                &engine,
                "Qozog'iston bilan Koreya qaysi sohalarda hamkorlik qiladi?"
            ),
            Some("kazakhstan")
        );
    }

    #[test]
    fn russian_typed_in_latin_letters_is_read_in_cyrillic() {
        let engine = engine();
        assert_eq!(
            engine.reading("chto takoe K-Silk Road?"),
            "что такое k silk road?"
        );
        for (q, intent) in [
            ("chto takoe K-Silk Road?", "k-silk-road"),
            (
                "kakie strany poseschaet Yoon v Tsentralnoy Azii?",
                "state-visits",
            ),
            ("kto obyavil pro k silk road strategiyu?", "announcement"),
        ] {
            assert_eq!(answered(&engine, q), Some(intent), "{q}");
        }
    }

    #[test]
    fn uzbek_and_kazakh_in_cyrillic_are_read_in_latin_letters() {
        let engine = engine();
        assert_eq!(
            engine.reading("K-Silk Road ташаббусининг нечта асосий йўналиши бор?"),
            "k silk road tashabbusining nechta asosiy yonalishi бор?"
        );
        // "ё" is "yo" in Uzbek ("Осиё", Asia), though normalisation folds it.
        assert_eq!(
            engine.reading("Марказий Осиё саммити қаерда бўлади?"),
            "markaziy osiyo sammiti qaerda boladi?"
        );
        for (q, intent) in [
            (
                "K-Silk Road ташаббусининг нечта асосий йўналиши бор?",
                "pillars",
            ),
            (
                "Мақолада Марказий Осиёдаги қайси табиий бойликлар тилга олинган?",
                "natural-resources",
            ),
            (
                "Корея – Орталық Азия саммитінің алғашқы отырысы қайда өтеді?",
                "korea-central-asia-summit",
            ),
            // An inflected word with no loan in it: "бастама-ның", "бағыт-ы".
            ("Бұл бастаманың негізгі төрт бағыты қандай?", "pillars"),
            (
                "Корея-Марказий Осиё саммити қаерда бўлади?",
                "korea-central-asia-summit",
            ),
        ] {
            assert_eq!(answered(&engine, q), Some(intent), "{q}");
        }
        // Russian has none of those letters and is left alone, and so are the
        // Cyrillic names the knowledge base knows.
        let russian = "Где пройдёт первый саммит Корея — Центральная Азия?";
        assert_eq!(engine.reading(russian), russian);
        assert_eq!(
            engine.reading("Корея Қазақстанмен қандай салада ынтымақтасады?"),
            "корея қазақстанмен qanday salada ынтымақтасады?"
        );
    }

    #[test]
    fn a_greeting_with_a_question_is_the_question() {
        let engine = engine();
        let answered = |q: &str| answered(&engine, q);
        for (q, intent) in [
            ("hi, what is the K-Silk Road?", "k-silk-road"),
            ("привет, что такое K-Silk Road?", "k-silk-road"),
            ("privet, chto takoe K-Silk Road?", "k-silk-road"),
            ("안녕, K-실크로드가 뭐야?", "k-silk-road"),
            ("hi! which countries are in it?", "countries"),
        ] {
            assert_eq!(answered(q), Some(intent), "{q}");
        }
        // A greeting that asks nothing else stays a greeting.
        for q in [
            "hello there!",
            "hi there, bot",
            "привет, бот",
            "good morning!",
        ] {
            assert_eq!(answered(q), Some("greeting"), "{q}");
        }
        assert_eq!(answered("thank you so much"), Some("thanks"));
        // And a greeting does not carry an off-topic question in.
        assert_eq!(answered("hi, what's the weather in Almaty?"), None);
    }

    #[test]
    fn a_lone_russian_question_word_in_latin_letters_is_read_as_russian() {
        let engine = engine();
        // ("a" and "i" are English words too, and stay as they are.)
        assert_eq!(engine.reading("a kogda?"), "a когда?");
        assert_eq!(engine.reading("i pochemu?"), "i почему?");
        // One Russian-looking word that asks nothing is still no reading:
        // Uzbek shares too many short ones.
        assert_eq!(engine.reading("kazakhstan eto"), "kazakhstan eto");
    }

    #[test]
    fn english_names_and_uzbek_are_not_read_as_translit() {
        let engine = engine();
        for q in [
            "what are the four pillars",
            "Who is Kim Tae-hyo?",
            "kazakhstan bilan korea nima qiladi",
            "bro k-silk road-ning 4 ta pillar-i nima edi?",
            "K-Silk Road degen ne?",
            "annyeong, k-silk road announcement qachon bo'lgan edi?",
        ] {
            assert_eq!(engine.reading(q), q, "{q}");
        }
    }

    #[test]
    fn uzbek_and_kazakh_function_words_are_filler_not_a_new_topic() {
        let engine = engine();
        for (question, expected) in [
            ("Koreya O'zbekiston bilan nima qiladi?", "uzbekistan"),
            (
                "Qazaqstanmen Koreya qandai yntymaqtastyq jasaidy?",
                "kazakhstan",
            ),
            ("Yun Sok Yol qaysi davlatlarga boradi?", "state-visits"),
        ] {
            let reply = engine.respond(question, Lang::En);
            assert_eq!(reply.intent.as_deref(), Some(expected), "{question}");
        }
    }

    #[test]
    fn every_reply_to_a_question_names_the_nearest_entry_answered_or_not() {
        let engine = engine();
        let answer = engine.respond("what are the four pillars", Lang::En);
        assert_eq!(answer.nearest, answer.intent);
        let clarify = engine.respond("energy", Lang::En);
        assert_eq!(clarify.outcome, Outcome::Clarify);
        assert_eq!(clarify.intent, None);
        assert_eq!(
            clarify.nearest.as_deref(),
            Some(clarify.choices[0].id.as_str())
        );
        let fallback = engine.respond("tell me about visas and energy", Lang::En);
        assert_eq!(fallback.outcome, Outcome::Fallback);
        assert!(fallback.nearest.is_some() && fallback.score > 0.0);
        let nothing = engine.respond("zzzz qqqq", Lang::En);
        assert_eq!((nothing.nearest, nothing.score), (None, 0.0));
    }

    #[test]
    fn answers_cite_the_source_and_offer_related_topics() {
        let reply = engine().respond("what are the four pillars", Lang::En);
        assert_eq!(reply.outcome, Outcome::Answer);
        assert_eq!(reply.intent.as_deref(), Some("pillars"));
        assert!(reply.source.as_deref().unwrap().contains("The Korea Times"));
        assert!(!reply.related.is_empty());
        assert!(reply.to_plain().contains("official development assistance"));
    }

    #[test]
    fn off_topic_gets_a_polite_fallback_naming_the_topics() {
        let reply = engine().respond("how do I bake sourdough bread", Lang::En);
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
        let reply = engine.render_reply(&m, Lang::En);
        assert!((2..=3).contains(&reply.choices.len()), "{reply:?}");
        assert!(reply.intent.is_none());
    }

    #[test]
    fn country_command_is_fuzzy_and_restricted_to_countries() {
        let engine = engine();
        assert_eq!(
            engine.country("kyrgystan", Lang::En).intent.as_deref(),
            Some("kyrgyzstan")
        );
        let unknown = engine.country("pillars", Lang::En);
        assert_eq!(unknown.outcome, Outcome::Fallback);
        assert_eq!(unknown.choices.len(), 5);
        assert!(
            engine
                .country("  ", Lang::En)
                .body
                .starts_with("Usage: /country")
        );
    }

    #[test]
    fn search_with_empty_query_lists_the_menu() {
        let engine = engine();
        let results = engine.search("", 10, Lang::En);
        assert_eq!(results.len(), engine.kb().menu().len());
        let ranked = engine.search("kazakhstan", 10, Lang::En);
        assert_eq!(ranked[0].intent.as_deref(), Some("kazakhstan"));
        assert!(ranked.len() <= 10);
    }

    #[test]
    fn answer_for_unknown_id_is_none() {
        assert!(engine().answer_for("no-such-entry", Lang::En).is_none());
        assert!(engine().answer_for("pillars", Lang::En).is_some());
    }

    #[test]
    fn about_says_what_the_source_does_not_give() {
        let about = engine().about(Lang::En).to_plain();
        assert!(about.contains("June 2024"));
        assert!(about.contains("Uzbekistan"));
        assert!(about.contains("figures"));
    }

    #[test]
    fn off_topic_entries_give_a_specific_refusal_and_no_answer() {
        let engine = engine();
        let reply = engine.respond("do I need a visa to visit Bishkek", Lang::En);
        assert_eq!(reply.outcome, Outcome::Fallback);
        assert!(
            reply.body.starts_with("I can't help with travel"),
            "{}",
            reply.body
        );
        assert!(reply.body.contains("K-Silk Road"));
        assert!(engine.answer_for("off-topic-travel", Lang::En).is_none());
        assert!(
            engine
                .search("visa", 10, Lang::En)
                .iter()
                .all(|r| r.intent.as_deref() != Some("off-topic-travel"))
        );
    }

    #[test]
    fn replies_come_in_the_language_asked_for() {
        let engine = engine();
        let ru = engine.respond("Kazakhstan", Lang::Ru);
        assert_eq!(ru.lang, Lang::Ru);
        assert_eq!(ru.title.as_deref(), Some("Казахстан"));
        assert!(
            ru.to_plain().contains("Источник: The Korea Times"),
            "{}",
            ru.to_plain()
        );
        let ko = engine.respond("Kazakhstan", Lang::Ko);
        assert_eq!(ko.title.as_deref(), Some("카자흐스탄"));
        assert!(ko.body.contains("카자흐스탄"));
        let clarify = engine.render_reply(&engine.match_intent("energy"), Lang::Ru);
        assert_eq!(clarify.body, texts(Lang::Ru).clarify);
        assert!(
            clarify
                .choices
                .iter()
                .all(|c| c.title.chars().any(|ch| ('а'..='я').contains(&ch)))
        );
    }

    #[test]
    fn fixed_texts_follow_the_language() {
        let engine = engine();
        for lang in Lang::ALL {
            let t = texts(lang);
            assert!(
                engine.welcome(lang).body.starts_with(&t.welcome[..6]),
                "{lang}"
            );
            assert!(
                engine.about(lang).to_plain().contains(t.not_given),
                "{lang}"
            );
            assert!(engine.usage("ask", lang).body == t.usage_ask, "{lang}");
            let fallback = engine.respond("qwertyuiop zxcvbnm", lang);
            assert!(
                fallback.body.starts_with(t.cannot_answer),
                "{lang}: {}",
                fallback.body
            );
            assert!(fallback.body.contains(engine.kb().scope(lang)), "{lang}");
        }
    }

    #[test]
    fn fallbacks_suggest_example_questions_in_the_reply_language() {
        let engine = engine();
        let ru = engine.fallback(Lang::Ru).body;
        assert!(ru.contains('«'), "{ru}");
        let quoted = ru.split('«').nth(1).unwrap().split('»').next().unwrap();
        assert_eq!(crate::lang::detect(quoted), Some(Lang::Ru), "{ru}");
        let ko = engine.fallback(Lang::Ko).body;
        let quoted = ko
            .split('\u{201c}')
            .nth(1)
            .unwrap()
            .split('\u{201d}')
            .next()
            .unwrap();
        assert_eq!(crate::lang::detect(quoted), Some(Lang::Ko), "{ko}");
    }

    #[test]
    fn cached_plain_replies_are_the_rendered_ones() {
        let engine = engine();
        let questions = [
            "what are the four pillars",
            "energy",
            "how do I bake sourdough bread",
            "do I need a visa to visit Bishkek",
            "Kazakhstan",
            "",
        ];
        // Twice: once filling the cache, once reading it.
        for _ in 0..2 {
            for q in questions {
                let m = engine.match_intent(q);
                for lang in Lang::ALL {
                    let expected = engine.render_reply(&m, lang).to_plain();
                    assert_eq!(engine.plain_reply(&m, lang), expected, "{q:?} {lang}");
                    let json = serde_json::to_string(&expected).unwrap();
                    assert_eq!(engine.plain_reply_json(&m, lang), json, "{q:?} {lang}");
                }
            }
        }
        assert!(
            engine
                .plain
                .answers
                .iter()
                .flatten()
                .any(|c| c.get().is_some())
        );
        assert!(
            engine
                .plain
                .refusals
                .iter()
                .flatten()
                .any(|c| c.get().is_some())
        );
    }

    #[test]
    fn details_of_summits_mentioned_in_passing_are_declined_honestly() {
        let engine = engine();
        for q in [
            "What was decided at the Korea-Africa Summit?",
            "Кто участвовал в саммите в Африке, о чём договорились?",
            "한-아프리카 정상회의에서 무엇을 합의했어요?",
        ] {
            let reply = engine.respond(q, Lang::En);
            assert_eq!(reply.outcome, Outcome::Fallback, "{q}: {reply:?}");
            assert!(
                reply.body.contains("only in passing"),
                "{q}: {}",
                reply.body
            );
        }
        let when = engine.respond("When was the Korea-Africa Summit held?", Lang::En);
        assert_eq!(when.intent.as_deref(), Some("korea-africa-summit"));
    }

    #[test]
    fn welcome_lists_the_menu_as_buttons() {
        let engine = engine();
        let welcome = engine.welcome(Lang::En);
        assert_eq!(welcome.related.len(), engine.kb().menu().len());
    }
}
