//! Evaluation: runs a labelled question set through the engine and reports
//! accuracy per category and per language, the off-topic rejection rate, the
//! wrong answers apart from fallbacks and "did you mean", the reply language,
//! and every failure.
//!
//! The file is JSON Lines, one case a line:
//! `{"q": "...", "intent": "kazakhstan" | null, "category": "typo", "lang": "ru", "accept": ["other-id"]}`.
//! `intent: null` marks an off-topic question, which must fall back. An in-scope
//! question is right only when the engine *answers* with the labelled intent (or
//! one listed in `accept`): a "did you mean" is not counted as right, and an
//! answer with another intent is counted as *wrong*, which is worse than not
//! answering. `lang` (optional: `en`, `ru`, `ko`, `mixed`) is the question's
//! language; a Russian or Korean question must be answered in that language.
//!
//! It lives in the library, not in a test, so that `ksilk eval` and the accuracy
//! test report the very same numbers.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use anyhow::{Context, bail};
use serde::Deserialize;

use crate::engine::Engine;
use crate::lang::{self, Lang};
use crate::matcher::Outcome;

/// One labelled question.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct EvalCase {
    pub q: String,
    /// The expected entry id, or `None` for an off-topic question.
    pub intent: Option<String>,
    pub category: String,
    /// Other ids that are equally correct answers.
    #[serde(default)]
    pub accept: Vec<String>,
    /// The question's language: `en`, `ru`, `ko` or `mixed`.
    #[serde(default)]
    pub lang: Option<String>,
    /// What a right reply says, in the words of the blind set's writer (who
    /// never saw the knowledge base): for whoever reads a failure, not scored.
    #[serde(default)]
    pub expect: Option<String>,
    /// The labeller's remark, e.g. that no entry states this gap.
    #[serde(default)]
    pub note: Option<String>,
}

impl EvalCase {
    pub fn is_off_topic(&self) -> bool {
        self.intent.is_none()
    }
}

/// Reads a JSON Lines file of cases; an error names the file and the line.
pub fn load_cases(path: &Path) -> anyhow::Result<Vec<EvalCase>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{}: cannot read evaluation file", path.display()))?;
    parse_cases(&path.display().to_string(), &text)
}

/// Parses JSON Lines text; blank lines are skipped.
pub fn parse_cases(file: &str, text: &str) -> anyhow::Result<Vec<EvalCase>> {
    let mut cases = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let case: EvalCase = serde_json::from_str(line)
            .with_context(|| format!("{file}:{}: invalid evaluation case", i + 1))?;
        cases.push(case);
    }
    if cases.is_empty() {
        bail!("{file}: no evaluation cases");
    }
    Ok(cases)
}

/// What the engine did with one case.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub case: EvalCase,
    pub outcome: Outcome,
    /// The answered intent, or the best candidate when it did not answer.
    pub got: Option<String>,
    pub score: f32,
    pub correct: bool,
    /// It answered, and with an entry the label does not accept (for an
    /// off-topic question: it answered at all).
    pub wrong: bool,
    /// The language the reply would be in.
    pub reply_lang: Lang,
}

/// Correct and total counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub correct: usize,
    pub total: usize,
}

impl Tally {
    fn add(&mut self, correct: bool) {
        self.total += 1;
        self.correct += usize::from(correct);
    }

    /// The share correct, in `[0, 1]` (1 for an empty tally).
    pub fn rate(&self) -> f64 {
        if self.total == 0 {
            1.0
        } else {
            self.correct as f64 / self.total as f64
        }
    }
}

/// The result of an evaluation run.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalReport {
    pub verdicts: Vec<Verdict>,
    pub by_category: BTreeMap<String, Tally>,
    /// By the question's language (`-` when the case gives none).
    pub by_lang: BTreeMap<String, Tally>,
    /// In-scope questions answered with a wrong intent.
    pub in_scope_wrong: Tally,
    /// In-scope questions that got a "did you mean".
    pub in_scope_clarified: Tally,
    /// Russian and Korean questions answered in their own language.
    pub reply_lang_right: Tally,
    /// In-scope questions answered with the right intent.
    pub in_scope: Tally,
    /// Off-topic questions that fell back.
    pub off_topic: Tally,
    /// Off-topic questions that were not answered (fell back or asked).
    pub off_topic_not_answered: Tally,
}

impl EvalReport {
    pub fn failures(&self) -> impl Iterator<Item = &Verdict> {
        self.verdicts.iter().filter(|v| !v.correct)
    }

    /// Questions answered wrongly, in scope or off-topic, out of all.
    pub fn wrong_answers(&self) -> Tally {
        Tally {
            correct: self.verdicts.iter().filter(|v| v.wrong).count(),
            total: self.verdicts.len(),
        }
    }
}

/// Runs every case through the engine.
pub fn run_eval(engine: &Engine, cases: &[EvalCase]) -> EvalReport {
    let mut report = EvalReport {
        verdicts: Vec::with_capacity(cases.len()),
        by_category: BTreeMap::new(),
        by_lang: BTreeMap::new(),
        in_scope_wrong: Tally::default(),
        in_scope_clarified: Tally::default(),
        reply_lang_right: Tally::default(),
        in_scope: Tally::default(),
        off_topic: Tally::default(),
        off_topic_not_answered: Tally::default(),
    };
    for case in cases {
        let m = engine.match_intent(&case.q);
        let answered = m.answer().map(|i| engine.kb().entry(i).id.clone());
        let correct = match &case.intent {
            None => m.outcome == Outcome::Fallback,
            Some(expected) => answered
                .as_ref()
                .is_some_and(|got| got == expected || case.accept.contains(got)),
        };
        let wrong = answered.is_some() && !correct;
        let reply_lang = lang::choose(&case.q, None, None);
        if case.is_off_topic() {
            report.off_topic.add(correct);
            report
                .off_topic_not_answered
                .add(m.outcome != Outcome::Answer);
        } else {
            report.in_scope.add(correct);
            report.in_scope_wrong.add(wrong);
            report.in_scope_clarified.add(m.outcome == Outcome::Clarify);
        }
        if let Some(asked) = case.lang.as_deref().and_then(Lang::from_code)
            && asked != Lang::En
        {
            report.reply_lang_right.add(reply_lang == asked);
        }
        report
            .by_lang
            .entry(case.lang.clone().unwrap_or_else(|| "-".to_owned()))
            .or_default()
            .add(correct);
        report
            .by_category
            .entry(case.category.clone())
            .or_default()
            .add(correct);
        let got = answered.or_else(|| {
            m.candidates
                .first()
                .map(|c| engine.kb().entry(c.entry).id.clone())
        });
        report.verdicts.push(Verdict {
            case: case.clone(),
            outcome: m.outcome,
            got,
            score: m.score(),
            correct,
            wrong,
            reply_lang,
        });
    }
    report
}

impl fmt::Display for EvalReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{:<14} {:>8} {:>9}", "category", "correct", "accuracy")?;
        for (category, tally) in &self.by_category {
            writeln!(
                f,
                "{:<14} {:>4}/{:<3} {:>8.1}%",
                category,
                tally.correct,
                tally.total,
                tally.rate() * 100.0
            )?;
        }
        if self.by_lang.len() > 1 {
            writeln!(f, "\n{:<14} {:>8} {:>9}", "language", "correct", "accuracy")?;
            for (lang, tally) in &self.by_lang {
                writeln!(
                    f,
                    "{:<14} {:>4}/{:<3} {:>8.1}%",
                    lang,
                    tally.correct,
                    tally.total,
                    tally.rate() * 100.0
                )?;
            }
        }
        writeln!(
            f,
            "\nin scope:  {}/{} answered with the right intent ({:.1}%); {} wrong answer(s) ({:.1}%), {} \"did you mean\", {} fell back",
            self.in_scope.correct,
            self.in_scope.total,
            self.in_scope.rate() * 100.0,
            self.in_scope_wrong.correct,
            self.in_scope_wrong.rate() * 100.0,
            self.in_scope_clarified.correct,
            self.in_scope.total
                - self.in_scope.correct
                - self.in_scope_wrong.correct
                - self.in_scope_clarified.correct,
        )?;
        writeln!(
            f,
            "off-topic: {}/{} fell back ({:.1}%); {}/{} not answered ({:.1}%)",
            self.off_topic.correct,
            self.off_topic.total,
            self.off_topic.rate() * 100.0,
            self.off_topic_not_answered.correct,
            self.off_topic_not_answered.total,
            self.off_topic_not_answered.rate() * 100.0
        )?;
        let wrong = self.wrong_answers();
        writeln!(
            f,
            "wrong answers: {}/{} ({:.1}%) of all questions",
            wrong.correct,
            wrong.total,
            // An empty tally's rate is 1; no questions means no wrong answers.
            if wrong.total == 0 {
                0.0
            } else {
                wrong.rate() * 100.0
            }
        )?;
        if self.reply_lang_right.total > 0 {
            writeln!(
                f,
                "reply language: {}/{} Russian and Korean questions answered in their language ({:.1}%)",
                self.reply_lang_right.correct,
                self.reply_lang_right.total,
                self.reply_lang_right.rate() * 100.0
            )?;
        }
        let failures: Vec<&Verdict> = self.failures().collect();
        if !failures.is_empty() {
            writeln!(f, "\nfailures ({}):", failures.len())?;
            for v in failures {
                writeln!(
                    f,
                    "  {}[{}] {:?}: expected {}, got {:?} {} ({:.3})",
                    if v.wrong { "WRONG " } else { "" },
                    v.case.category,
                    v.case.q,
                    v.case.intent.as_deref().unwrap_or("fallback"),
                    v.outcome,
                    v.got.as_deref().unwrap_or("-"),
                    v.score
                )?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(q: &str, intent: Option<&str>) -> EvalCase {
        EvalCase {
            q: q.into(),
            intent: intent.map(Into::into),
            category: "test".into(),
            accept: Vec::new(),
            lang: None,
            expect: None,
            note: None,
        }
    }

    #[test]
    fn bad_line_is_reported_with_file_and_line_number() {
        let err = parse_cases(
            "e.jsonl",
            "{\"q\":\"a\",\"intent\":null,\"category\":\"x\"}\n{oops}",
        )
        .unwrap_err();
        assert!(format!("{err:#}").starts_with("e.jsonl:2: invalid evaluation case"));
    }

    #[test]
    fn empty_file_is_an_error() {
        assert!(parse_cases("e.jsonl", "\n\n").is_err());
    }

    #[test]
    fn right_answer_wrong_answer_and_fallback_are_scored() {
        let engine = Engine::embedded().unwrap();
        let cases = [
            case("Kyrgyzstan", Some("kyrgyzstan")),
            case("Kyrgyzstan", Some("pillars")),
            case("how do I bake bread", None),
        ];
        let report = run_eval(&engine, &cases);
        let correct: Vec<bool> = report.verdicts.iter().map(|v| v.correct).collect();
        assert_eq!(correct, [true, false, true]);
        assert_eq!(
            report.in_scope,
            Tally {
                correct: 1,
                total: 2
            }
        );
        assert_eq!(
            report.off_topic,
            Tally {
                correct: 1,
                total: 1
            }
        );
        assert_eq!(report.failures().count(), 1);
    }

    #[test]
    fn wrong_answers_are_counted_apart_from_fallbacks() {
        let engine = Engine::embedded().unwrap();
        let cases = [
            case("Kyrgyzstan", Some("pillars")),
            case("qwertyuiop zxcvbnm", Some("pillars")),
            case("Kyrgyzstan", None),
        ];
        let report = run_eval(&engine, &cases);
        let wrong: Vec<bool> = report.verdicts.iter().map(|v| v.wrong).collect();
        assert_eq!(wrong, [true, false, true]);
        assert_eq!(report.in_scope_wrong.correct, 1);
        assert!(
            report.to_string().contains("wrong answers: 2/3"),
            "{report}"
        );
    }

    #[test]
    fn reply_language_is_checked_for_russian_and_korean_questions() {
        let engine = Engine::embedded().unwrap();
        let mut ru = case("какие страны участвуют?", Some("countries"));
        ru.lang = Some("ru".into());
        let mut ko = case("Kazakhstan", Some("kazakhstan"));
        ko.lang = Some("ko".into());
        let report = run_eval(&engine, &[ru, ko]);
        assert_eq!(
            report.reply_lang_right,
            Tally {
                correct: 1,
                total: 2
            }
        );
        assert_eq!(report.by_lang.len(), 2);
    }

    #[test]
    fn accept_lists_count_as_correct() {
        let engine = Engine::embedded().unwrap();
        let mut c = case("Kyrgyzstan", Some("pillars"));
        c.accept = vec!["kyrgyzstan".into()];
        assert!(run_eval(&engine, &[c]).verdicts[0].correct);
    }
}
