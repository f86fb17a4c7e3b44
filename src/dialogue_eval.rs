//! Evaluation of dialogues: multi-turn conversations run through the same
//! follow-up resolver as every front end ([`crate::dialogue::respond`]),
//! each with a fresh context.
//!
//! The file is JSON Lines, one dialogue a line:
//! `{"id": "dev-ru-03", "lang": "ru", "turns": [{"q": "...", "intent": "kazakhstan" | null, "accept": [...], "rule": "entity"}, ...]}`.
//! A turn is right when the bot *answers* with the labelled intent (or one in
//! `accept`); for `intent: null` when it declines (falls back). A `more` turn
//! asks for "the next detail of the last topic", so it is also right with the
//! last labelled topic itself (the bot shows that entry's next quote); either
//! way it is right only when its reply differs from every earlier reply of
//! the dialogue. One labeller read "never the same text twice" as "never the
//! same entry" and accepted only other entries; scoring the rule here keeps
//! every set to the one meaning. Anything else is a WRONG answer (it answered, but not
//! rightly), a "did you mean", or a fallback, counted apart: a wrong answer
//! is worse than no answer. The report splits first turns from follow-up
//! turns, and follow-ups by rule and by language.
//!
//! It lives in the library so that `ksilk eval` and the accuracy gate report
//! the very same numbers.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use anyhow::{Context, bail};
use serde::Deserialize;

use crate::classify::context::{self, LabelledTurn};
use crate::dialogue::{self, Dialogue};
use crate::engine::Engine;
use crate::kb::Kind;
use crate::kb::KnowledgeBase;
use crate::lang::{self, Lang};
use crate::matcher::Outcome;

/// One labelled conversation.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DialogueCase {
    pub id: String,
    /// `en`, `ru`, `ko` or `mixed`.
    pub lang: String,
    pub turns: Vec<TurnCase>,
}

impl DialogueCase {
    /// Its turns as the trainers and the scorer read them.
    pub fn labelled_turns(&self) -> Vec<LabelledTurn<'_>> {
        self.turns
            .iter()
            .map(|t| LabelledTurn {
                q: &t.q,
                label: t.intent.as_deref(),
                rule: &t.rule,
            })
            .collect()
    }

    /// Its turns that stand on their own ([`context::standalone_questions`])
    /// as `(label, question)` for a classifier to learn
    /// ([`context::training_label`]).
    pub fn standalone_training(&self, kb: &KnowledgeBase) -> Vec<(&str, &str)> {
        let is_off_topic = |l: &str| {
            kb.find(l)
                .is_none_or(|e| kb.entry(e).kind == Kind::OffTopic)
        };
        context::standalone_questions(&self.labelled_turns())
            .into_iter()
            .map(|(q, label)| (context::training_label(label, is_off_topic), q))
            .collect()
    }
}

/// One labelled message of a conversation.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TurnCase {
    pub q: String,
    /// The entry the bot must answer with, or `None` when it must decline.
    pub intent: Option<String>,
    #[serde(default)]
    pub accept: Vec<String>,
    /// `first`, `entity`, `question-word`, `pronoun`, `more`, `own-topic`,
    /// `off-topic`.
    pub rule: String,
    /// What a right reply says, in the words of the blind set's writer (who
    /// never saw the knowledge base): kept for whoever reads a failure, not
    /// used in scoring.
    #[serde(default)]
    pub expect: Option<String>,
    /// The labeller's remark, e.g. that no entry states this gap.
    #[serde(default)]
    pub note: Option<String>,
}

/// Does this line hold a dialogue (rather than a single question)?
pub fn is_dialogue_line(line: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(line)
        .ok()
        .is_some_and(|v| v.get("turns").is_some())
}

/// Reads a JSON Lines file of dialogues; an error names the file and line.
pub fn load_dialogues(path: &Path) -> anyhow::Result<Vec<DialogueCase>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{}: cannot read dialogue file", path.display()))?;
    parse_dialogues(&path.display().to_string(), &text)
}

/// Parses JSON Lines text; blank lines are skipped.
pub fn parse_dialogues(file: &str, text: &str) -> anyhow::Result<Vec<DialogueCase>> {
    let mut cases = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let case: DialogueCase = serde_json::from_str(line)
            .with_context(|| format!("{file}:{}: invalid dialogue", i + 1))?;
        if case.turns.is_empty() {
            bail!("{file}:{}: a dialogue needs at least one turn", i + 1);
        }
        cases.push(case);
    }
    if cases.is_empty() {
        bail!("{file}: no dialogues");
    }
    Ok(cases)
}

/// What became of one turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Grade {
    Right,
    /// Answered, but not with an accepted entry (or answered when it had to
    /// decline, or repeated an earlier reply on "more").
    Wrong,
    DidYouMean,
    Fallback,
}

/// Counts of each grade.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Grades {
    pub right: usize,
    pub wrong: usize,
    pub did_you_mean: usize,
    pub fallback: usize,
}

impl Grades {
    fn add(&mut self, grade: Grade) {
        match grade {
            Grade::Right => self.right += 1,
            Grade::Wrong => self.wrong += 1,
            Grade::DidYouMean => self.did_you_mean += 1,
            Grade::Fallback => self.fallback += 1,
        }
    }

    pub fn total(&self) -> usize {
        self.right + self.wrong + self.did_you_mean + self.fallback
    }

    /// The share right, in `[0, 1]` (1 when empty).
    pub fn right_rate(&self) -> f64 {
        rate(self.right, self.total(), 1.0)
    }

    /// The share wrong, in `[0, 1]` (0 when empty).
    pub fn wrong_rate(&self) -> f64 {
        rate(self.wrong, self.total(), 0.0)
    }
}

fn rate(n: usize, total: usize, empty: f64) -> f64 {
    if total == 0 {
        empty
    } else {
        n as f64 / total as f64
    }
}

/// One graded turn, for the failure list.
#[derive(Debug, Clone, PartialEq)]
pub struct TurnVerdict {
    pub dialogue: String,
    pub turn: usize,
    pub case: TurnCase,
    pub grade: Grade,
    pub outcome: Outcome,
    /// The answered intent, if any.
    pub got: Option<String>,
    /// The reply repeated an earlier one (only checked on "more").
    pub repeated: bool,
}

/// The result of running dialogues.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DialogueReport {
    pub verdicts: Vec<TurnVerdict>,
    pub first: Grades,
    pub follow_up: Grades,
    pub by_rule: BTreeMap<String, Grades>,
    /// Follow-up turns by the dialogue's language.
    pub by_lang: BTreeMap<String, Grades>,
}

/// Runs every dialogue, each from a fresh context, one message a minute.
pub fn run_dialogues(engine: &Engine, cases: &[DialogueCase]) -> DialogueReport {
    let mut report = DialogueReport::default();
    for case in cases {
        let user = Lang::from_code(&case.lang);
        let mut context: Option<Dialogue> = None;
        let mut earlier: Vec<String> = Vec::new();
        let labelled = case.labelled_turns();
        let topics = context::topics(&labelled, |id| is_topic(engine, id));
        for (i, (turn, topic)) in case.turns.iter().zip(topics).enumerate() {
            let lang = lang::choose(&turn.q, None, user);
            let now = i as u64 * 60;
            let result = dialogue::respond(engine, context.as_ref(), &turn.q, lang, now);
            let reply = result.reply;
            context = Some(result.dialogue);
            let text = reply.to_plain();
            let repeated = turn.rule == "more" && earlier.contains(&text);
            earlier.push(text);
            let got = (reply.outcome == Outcome::Answer)
                .then(|| reply.intent.clone())
                .flatten();
            let last_topic = (turn.rule == "more").then_some(topic).flatten();
            let grade = grade(turn, reply.outcome, got.as_deref(), repeated, last_topic);
            if i == 0 {
                report.first.add(grade);
            } else {
                report.follow_up.add(grade);
                report
                    .by_lang
                    .entry(case.lang.clone())
                    .or_default()
                    .add(grade);
            }
            report
                .by_rule
                .entry(turn.rule.clone())
                .or_default()
                .add(grade);
            report.verdicts.push(TurnVerdict {
                dialogue: case.id.clone(),
                turn: i + 1,
                case: turn.clone(),
                grade,
                outcome: reply.outcome,
                got,
                repeated,
            });
        }
    }
    report
}

/// Can a conversation be about this entry (not small talk, not a refusal)?
fn is_topic(engine: &Engine, id: &str) -> bool {
    let kb = engine.kb();
    kb.find(id)
        .is_some_and(|e| !matches!(kb.entry(e).kind, Kind::SmallTalk | Kind::OffTopic))
}

/// `last_topic` is the dialogue's last labelled topic, given only for a
/// "more" turn: its next detail is what "more" asks for.
fn grade(
    turn: &TurnCase,
    outcome: Outcome,
    got: Option<&str>,
    repeated: bool,
    last_topic: Option<&str>,
) -> Grade {
    let accepted = |id: &str| {
        turn.intent.as_deref() == Some(id)
            || turn.accept.iter().any(|a| a == id)
            || last_topic == Some(id)
    };
    match (turn.intent.as_deref(), outcome, got) {
        (None, Outcome::Fallback, _) => Grade::Right,
        (None, Outcome::Answer, _) => Grade::Wrong,
        (Some(_), Outcome::Answer, Some(id)) if accepted(id) && !repeated => Grade::Right,
        (Some(_), Outcome::Answer, _) => Grade::Wrong,
        (_, Outcome::Clarify, _) => Grade::DidYouMean,
        (Some(_), Outcome::Fallback, _) => Grade::Fallback,
    }
}

fn row(f: &mut fmt::Formatter<'_>, name: &str, g: &Grades) -> fmt::Result {
    writeln!(
        f,
        "{:<16} {:>4}/{:<4} {:>6.1}%  {:>5} {:>6} {:>8}",
        name,
        g.right,
        g.total(),
        g.right_rate() * 100.0,
        g.wrong,
        g.did_you_mean,
        g.fallback
    )
}

impl fmt::Display for DialogueReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:<16} {:>9} {:>7}  {:>5} {:>6} {:>8}",
            "turns", "right", "", "WRONG", "ask", "fallback"
        )?;
        row(f, "first", &self.first)?;
        row(f, "follow-up", &self.follow_up)?;
        writeln!(f, "\nby rule (all turns)")?;
        for (rule, g) in &self.by_rule {
            row(f, rule, g)?;
        }
        writeln!(f, "\nfollow-ups by language")?;
        for (lang, g) in &self.by_lang {
            row(f, lang, g)?;
        }
        writeln!(
            f,
            "\nfollow-up turns: {}/{} right ({:.1}%), {} WRONG ({:.1}%)",
            self.follow_up.right,
            self.follow_up.total(),
            self.follow_up.right_rate() * 100.0,
            self.follow_up.wrong,
            self.follow_up.wrong_rate() * 100.0
        )?;
        let failures: Vec<&TurnVerdict> = self
            .verdicts
            .iter()
            .filter(|v| v.grade != Grade::Right)
            .collect();
        if !failures.is_empty() {
            writeln!(f, "\nfailures ({}):", failures.len())?;
            for v in failures {
                writeln!(
                    f,
                    "  {}{} #{} [{}] {:?}: expected {}, got {:?} {}{}",
                    if v.grade == Grade::Wrong {
                        "WRONG "
                    } else {
                        ""
                    },
                    v.dialogue,
                    v.turn,
                    v.case.rule,
                    v.case.q,
                    v.case.intent.as_deref().unwrap_or("fallback"),
                    v.outcome,
                    v.got.as_deref().unwrap_or("-"),
                    if v.repeated { " (repeated)" } else { "" }
                )?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn turn(q: &str, intent: Option<&str>, rule: &str) -> TurnCase {
        TurnCase {
            q: q.into(),
            intent: intent.map(Into::into),
            accept: Vec::new(),
            rule: rule.into(),
            expect: None,
            note: None,
        }
    }

    #[test]
    fn a_turn_may_say_what_a_right_reply_says() {
        let line = r#"{"q":"when?","intent":"state-visits","rule":"question-word","expect":"June 10-15, 2024"}"#;
        let turn: TurnCase = serde_json::from_str(line).unwrap();
        assert_eq!(turn.expect.as_deref(), Some("June 10-15, 2024"));
        assert!(
            serde_json::from_str::<TurnCase>(r#"{"q":"x","intent":null,"rule":"first","exp":1}"#)
                .is_err()
        );
    }

    #[test]
    fn dialogue_lines_are_told_from_question_lines() {
        assert!(is_dialogue_line(r#"{"id":"a","lang":"en","turns":[]}"#));
        assert!(!is_dialogue_line(
            r#"{"q":"hi","intent":null,"category":"x"}"#
        ));
        assert!(!is_dialogue_line("{oops"));
    }

    #[test]
    fn bad_dialogue_lines_are_reported_with_file_and_line() {
        let err = parse_dialogues("d.jsonl", "\n{\"id\":\"a\",\"lang\":\"en\",\"turns\":[]}")
            .unwrap_err();
        assert!(format!("{err:#}").starts_with("d.jsonl:2:"), "{err:#}");
        let err = parse_dialogues("d.jsonl", "{oops}").unwrap_err();
        assert!(format!("{err:#}").starts_with("d.jsonl:1: invalid dialogue"));
        assert!(parse_dialogues("d.jsonl", "").is_err());
    }

    #[test]
    fn grades_tell_right_wrong_did_you_mean_and_fallback_apart() {
        let t = turn("q", Some("pillars"), "entity");
        assert_eq!(
            grade(&t, Outcome::Answer, Some("pillars"), false, None),
            Grade::Right
        );
        assert_eq!(
            grade(&t, Outcome::Answer, Some("pillars"), true, None),
            Grade::Wrong
        );
        assert_eq!(
            grade(&t, Outcome::Answer, Some("countries"), false, None),
            Grade::Wrong
        );
        assert_eq!(
            grade(&t, Outcome::Clarify, None, false, None),
            Grade::DidYouMean
        );
        assert_eq!(
            grade(&t, Outcome::Fallback, None, false, None),
            Grade::Fallback
        );
        let off = turn("q", None, "off-topic");
        assert_eq!(
            grade(&off, Outcome::Fallback, None, false, None),
            Grade::Right
        );
        assert_eq!(
            grade(&off, Outcome::Answer, Some("pillars"), false, None),
            Grade::Wrong
        );
        assert_eq!(
            grade(&off, Outcome::Clarify, None, false, None),
            Grade::DidYouMean
        );
    }

    #[test]
    fn more_is_right_with_the_last_topics_next_detail_but_never_a_repeat() {
        let more = turn("more", Some("diplomatic-frontline"), "more");
        assert_eq!(
            grade(
                &more,
                Outcome::Answer,
                Some("pillars"),
                false,
                Some("pillars")
            ),
            Grade::Right
        );
        assert_eq!(
            grade(
                &more,
                Outcome::Answer,
                Some("pillars"),
                true,
                Some("pillars")
            ),
            Grade::Wrong
        );
        assert_eq!(
            grade(&more, Outcome::Answer, Some("pillars"), false, None),
            Grade::Wrong
        );
        assert_eq!(
            grade(
                &more,
                Outcome::Answer,
                Some("countries"),
                false,
                Some("pillars")
            ),
            Grade::Wrong
        );
    }

    #[test]
    fn a_more_turn_is_scored_against_the_last_labelled_topic() {
        let engine = Engine::embedded().unwrap();
        let case = DialogueCase {
            id: "t".into(),
            lang: "en".into(),
            turns: vec![
                turn("what are the four pillars", Some("pillars"), "first"),
                turn("tell me more", Some("no-such-entry"), "more"),
            ],
        };
        let report = run_dialogues(&engine, &[case]);
        let last = report.verdicts.last().unwrap();
        assert_eq!(last.got.as_deref(), Some("pillars"), "{report}");
        assert_eq!(last.grade, Grade::Right, "{report}");
    }

    #[test]
    fn first_turns_and_follow_ups_are_reported_apart() {
        let engine = Engine::embedded().unwrap();
        let case = DialogueCase {
            id: "t".into(),
            lang: "en".into(),
            turns: vec![
                turn(
                    "what will korea do with kazakhstan",
                    Some("kazakhstan"),
                    "first",
                ),
                turn("and turkmenistan?", Some("turkmenistan"), "entity"),
                turn("tell me more", Some("turkmenistan"), "more"),
                turn("and kyrgyzstan?", Some("pillars"), "entity"),
            ],
        };
        let report = run_dialogues(&engine, &[case]);
        assert_eq!(report.first.right, 1);
        assert_eq!(report.follow_up.total(), 3);
        assert_eq!(report.follow_up.right, 2, "{report}");
        assert_eq!(report.by_rule["more"].total(), 1);
        assert_eq!(report.by_lang["en"].total(), 3);
        assert!(
            report.to_string().contains("follow-up turns: 2/3 right"),
            "{report}"
        );
    }
}
