//! `ksilk review`: the questions the bot could not answer, grouped, most
//! asked first, so the operator sees where the knowledge base should grow.
//!
//! Grouping uses the matcher's own reading of a question
//! ([`crate::matcher::Index::terms`]: stems without stop words, everyday
//! words and question words), so "does korea cooperate on space" and "space
//! cooperation with korea?" are one group, and two questions about different
//! things are not. Two questions are grouped when their term sets pair up one
//! to one, each pair equal or sharing a prefix of at least [`MIN_PREFIX`]
//! characters that covers all but the last character of the shorter (the
//! Russian stemmer leaves "сотруднича" and "сотрудничеств" for one word). A
//! question with no topic word at all ("who are you?") groups only with the
//! same words.
//!
//! Everything here but [`load`] is pure over a list of [`Question`]s, so the
//! grouping and the three output formats are tested without a database.

use std::collections::HashMap;
use std::io::{self, Write};
use std::path::Path;

use serde::Serialize;

use super::{Question, open_read_only, outcome_name, questions_since};
use crate::lang::Lang;
use crate::matcher::Outcome;
use crate::normalize::normalize;

/// The shortest shared prefix that makes two different stems one term.
pub const MIN_PREFIX: usize = 5;
/// How many example texts a group shows.
pub const MAX_EXAMPLES: usize = 3;

/// A bad `--since`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "--since {0:?} is not a duration: use a whole number above zero and a unit, m (minutes), h (hours), d (days) or w (weeks), e.g. 30m, 12h, 7d, 2w"
)]
pub struct BadSince(pub String);

/// `30m`, `12h`, `7d`, `2w` in seconds.
pub fn parse_since(raw: &str) -> Result<i64, BadSince> {
    let bad = || BadSince(raw.to_owned());
    let text = raw.trim();
    let unit = text.chars().last().ok_or_else(bad)?;
    let seconds = match unit {
        'm' => 60,
        'h' => 60 * 60,
        'd' => 24 * 60 * 60,
        'w' => 7 * 24 * 60 * 60,
        _ => return Err(bad()),
    };
    let number = &text[..text.len() - 1];
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let n: i64 = number.parse().map_err(|_| bad())?;
    match n.checked_mul(seconds) {
        Some(total) if n > 0 && total <= 100 * 365 * 24 * 60 * 60 => Ok(total),
        _ => Err(bad()),
    }
}

/// Questions asked alike, with what the bot made of them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    /// How many times it was asked.
    pub count: usize,
    /// Up to [`MAX_EXAMPLES`] different wordings, most recent first.
    pub examples: Vec<String>,
    /// The most common reply language.
    pub lang: Lang,
    /// The most common outcome.
    pub outcome: Outcome,
    /// The entry the questions came nearest to most often.
    pub nearest: Option<String>,
    /// The best score that entry reached, rounded to 2 decimals.
    pub score: f64,
    /// When it was last asked (Unix seconds); orders groups of equal count.
    #[serde(skip)]
    pub last_at: i64,
}

/// What a group is matched on.
#[derive(Debug, Clone)]
struct Key {
    terms: Vec<String>,
}

impl Key {
    fn of(text: &str, terms: Vec<String>) -> Key {
        if terms.is_empty() {
            // No topic word: only the same words (any case, any punctuation).
            Key {
                terms: vec![format!("\u{0}{}", normalize(text))],
            }
        } else {
            Key { terms }
        }
    }

    /// Equal for any two keys that can match: the terms' first characters.
    fn bucket(&self) -> Vec<String> {
        let mut heads: Vec<String> = self
            .terms
            .iter()
            .map(|t| t.chars().take(MIN_PREFIX).collect())
            .collect();
        heads.sort_unstable();
        heads
    }

    fn matches(&self, other: &Key) -> bool {
        if self.terms.len() != other.terms.len() {
            return false;
        }
        let mut used = vec![false; other.terms.len()];
        self.terms.iter().all(|a| {
            let found = other
                .terms
                .iter()
                .enumerate()
                .position(|(i, b)| !used[i] && same_term(a, b));
            match found {
                Some(i) => {
                    used[i] = true;
                    true
                }
                None => false,
            }
        })
    }
}

/// Equal, or sharing a prefix of at least [`MIN_PREFIX`] characters that
/// covers all of the shorter stem but its last character.
fn same_term(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    let shorter = a.chars().count().min(b.chars().count());
    let common = a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count();
    common >= MIN_PREFIX && common + 1 >= shorter
}

#[derive(Default)]
struct Tally {
    key: Option<Key>,
    count: usize,
    examples: Vec<String>,
    seen: Vec<String>,
    langs: HashMap<Lang, usize>,
    outcomes: HashMap<&'static str, (Outcome, usize)>,
    nearest: HashMap<String, (usize, f32)>,
    last_at: i64,
}

/// Groups questions; most frequent first (then most recent). `terms` is the
/// matcher's normalisation (`|t| engine.index().terms(t)`).
pub fn group(questions: &[Question], terms: impl Fn(&str) -> Vec<String>) -> Vec<Group> {
    let mut tallies: Vec<Tally> = Vec::new();
    let mut buckets: HashMap<Vec<String>, Vec<usize>> = HashMap::new();
    let mut newest_first: Vec<&Question> = questions.iter().collect();
    newest_first.sort_by_key(|q| std::cmp::Reverse(q.at));
    for q in newest_first {
        let key = Key::of(&q.text, terms(&q.text));
        let bucket = buckets.entry(key.bucket()).or_default();
        let found = bucket
            .iter()
            .copied()
            .find(|&i| tallies[i].key.as_ref().is_some_and(|k| k.matches(&key)));
        let i = match found {
            Some(i) => i,
            None => {
                tallies.push(Tally {
                    key: Some(key),
                    last_at: q.at,
                    ..Tally::default()
                });
                bucket.push(tallies.len() - 1);
                tallies.len() - 1
            }
        };
        let t = &mut tallies[i];
        t.count += 1;
        let wording = normalize(&q.text);
        if t.examples.len() < MAX_EXAMPLES && !t.seen.contains(&wording) {
            t.seen.push(wording);
            t.examples.push(q.text.clone());
        }
        *t.langs.entry(q.lang).or_default() += 1;
        t.outcomes
            .entry(outcome_name(q.outcome))
            .or_insert((q.outcome, 0))
            .1 += 1;
        if let Some(nearest) = &q.nearest {
            let entry = t.nearest.entry(nearest.clone()).or_insert((0, 0.0));
            entry.0 += 1;
            entry.1 = entry.1.max(q.score);
        }
    }
    let mut groups: Vec<Group> = tallies.into_iter().map(finish).collect();
    groups.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then(b.last_at.cmp(&a.last_at))
            .then_with(|| a.examples.cmp(&b.examples))
    });
    groups
}

fn finish(t: Tally) -> Group {
    // Ties break on a fixed order, so the report is the same every run.
    let lang = t
        .langs
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
        .map_or(Lang::En, |(l, _)| *l);
    let outcome = t
        .outcomes
        .iter()
        .max_by(|a, b| a.1.1.cmp(&b.1.1).then(b.0.cmp(a.0)))
        .map_or(Outcome::Fallback, |(_, (o, _))| *o);
    let nearest = t
        .nearest
        .iter()
        .max_by(|a, b| a.1.0.cmp(&b.1.0).then(b.0.cmp(a.0)));
    Group {
        count: t.count,
        examples: t.examples,
        lang,
        outcome,
        score: nearest.map_or(0.0, |(_, (_, s))| (f64::from(*s) * 100.0).round() / 100.0),
        nearest: nearest.map(|(id, _)| id.clone()),
        last_at: t.last_at,
    }
}

/// Reads the questions asked in the last `since_secs` seconds from the
/// database at `path`, read-only.
pub fn load(path: &Path, since_secs: i64) -> anyhow::Result<Vec<Question>> {
    use anyhow::Context;
    let conn = open_read_only(path)
        .with_context(|| format!("{}: cannot open the database", path.display()))?;
    questions_since(&conn, super::now_unix() - since_secs)
        .with_context(|| format!("{}: cannot read the question log", path.display()))
}

/// The readable report.
pub fn write_text(
    out: &mut dyn Write,
    groups: &[Group],
    total: usize,
    since: &str,
) -> io::Result<()> {
    if groups.is_empty() {
        writeln!(out, "No unanswered questions in the last {since}.")?;
        return Ok(());
    }
    writeln!(
        out,
        "{total} unanswered question(s) in the last {since}; {} group(s) shown, most asked first.",
        groups.len()
    )?;
    for (i, g) in groups.iter().enumerate() {
        let nearest = match &g.nearest {
            Some(id) => format!("nearest {id} ({:.2})", g.score),
            None => "nearest: nothing".to_owned(),
        };
        writeln!(
            out,
            "\n{:>3}. asked {}×  {}  {}  {nearest}",
            i + 1,
            g.count,
            g.lang,
            outcome_name(g.outcome)
        )?;
        for example in &g.examples {
            writeln!(out, "       \"{}\"", one_line(example))?;
        }
    }
    Ok(())
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `--json`: one object per group and line.
pub fn write_json(out: &mut dyn Write, groups: &[Group]) -> io::Result<()> {
    for g in groups {
        serde_json::to_writer(&mut *out, g)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// One line of the evaluation file format (see [`crate::eval::EvalCase`]),
/// with the intent left empty for the operator to fill in.
#[derive(Serialize)]
struct ExportCase<'a> {
    q: &'a str,
    intent: &'a str,
    category: &'a str,
    lang: Lang,
}

/// `--export`: every group's examples as unlabelled evaluation cases.
/// Returns how many lines it wrote.
pub fn write_export(out: &mut dyn Write, groups: &[Group]) -> io::Result<usize> {
    let mut lines = 0;
    for g in groups {
        for example in &g.examples {
            let case = ExportCase {
                q: example,
                intent: "",
                category: "review",
                lang: g.lang,
            };
            serde_json::to_writer(&mut *out, &case)?;
            out.write_all(b"\n")?;
            lines += 1;
        }
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(at: i64, text: &str, outcome: Outcome, nearest: Option<&str>, score: f32) -> Question {
        Question {
            at,
            place: "private".to_owned(),
            lang: crate::lang::detect(text).unwrap_or(Lang::En),
            outcome,
            nearest: nearest.map(str::to_owned),
            score,
            text: text.to_owned(),
        }
    }

    fn terms(text: &str) -> Vec<String> {
        // The real matcher's normalisation: the embedded index.
        use std::sync::OnceLock;
        static ENGINE: OnceLock<crate::Engine> = OnceLock::new();
        ENGINE
            .get_or_init(|| crate::Engine::embedded().unwrap())
            .index()
            .terms(text)
    }

    #[test]
    fn since_takes_a_number_and_a_unit() {
        assert_eq!(parse_since("30m"), Ok(1800));
        assert_eq!(parse_since("12h"), Ok(43_200));
        assert_eq!(parse_since("7d"), Ok(604_800));
        assert_eq!(parse_since("2w"), Ok(1_209_600));
        for bad in [
            "",
            "7",
            "d",
            "0d",
            "-1d",
            "1.5d",
            "7x",
            "7 d",
            "99999999999999w",
        ] {
            let err = parse_since(bad).unwrap_err();
            assert!(err.to_string().contains("e.g. 30m, 12h, 7d, 2w"), "{bad}");
        }
    }

    #[test]
    fn paraphrases_are_one_group_and_other_questions_are_not() {
        let log = vec![
            q(
                1,
                "does korea cooperate on space",
                Outcome::Fallback,
                Some("science"),
                0.2,
            ),
            q(
                2,
                "space cooperation with korea?",
                Outcome::Clarify,
                Some("science"),
                0.4,
            ),
            q(
                3,
                "How does Korea cooperate on space?",
                Outcome::Fallback,
                None,
                0.0,
            ),
            q(
                4,
                "what is the capital of france",
                Outcome::Fallback,
                None,
                0.0,
            ),
            q(
                5,
                "Korea space program budget",
                Outcome::Fallback,
                Some("science"),
                0.3,
            ),
            q(
                6,
                "Сотрудничает ли Корея в космосе?",
                Outcome::Fallback,
                None,
                0.0,
            ),
            q(
                7,
                "сотрудничество с Кореей в космосе",
                Outcome::Fallback,
                None,
                0.0,
            ),
            q(8, "who are you", Outcome::Fallback, None, 0.0),
            q(9, "Who are you?", Outcome::Fallback, None, 0.0),
            q(10, "hello there", Outcome::Fallback, None, 0.0),
        ];
        let groups = group(&log, terms);
        let counts: Vec<usize> = groups.iter().map(|g| g.count).collect();
        assert_eq!(counts, vec![3, 2, 2, 1, 1, 1], "{groups:#?}");
        let space = &groups[0];
        assert_eq!(
            space.examples,
            vec![
                "How does Korea cooperate on space?",
                "space cooperation with korea?",
                "does korea cooperate on space",
            ]
        );
        assert_eq!(space.outcome, Outcome::Fallback);
        assert_eq!(space.nearest.as_deref(), Some("science"));
        assert_eq!(space.score, 0.4);
        // Equal counts: the most recently asked first.
        // The same words, differently cased and punctuated, are one example.
        assert_eq!(groups[1].examples, vec!["Who are you?"]);
        assert_eq!(groups[2].lang, Lang::Ru);
        assert_eq!(groups[2].examples.len(), 2);
        let singles: Vec<&str> = groups[3..].iter().map(|g| g.examples[0].as_str()).collect();
        assert_eq!(
            singles,
            vec![
                "hello there",
                "Korea space program budget",
                "what is the capital of france"
            ]
        );
    }

    #[test]
    fn a_group_shows_at_most_three_different_wordings() {
        let log: Vec<Question> = (0..10)
            .map(|i| {
                let text = if i % 2 == 0 {
                    "space cooperation with korea"
                } else {
                    "korea space cooperate"
                };
                q(
                    i,
                    &format!("{text}{}", "?".repeat(i as usize % 3)),
                    Outcome::Fallback,
                    None,
                    0.0,
                )
            })
            .collect();
        let groups = group(&log, terms);
        assert_eq!(groups.len(), 1);
        assert_eq!(groups[0].count, 10);
        assert_eq!(groups[0].examples.len(), 2, "{:?}", groups[0].examples);
    }

    #[test]
    fn json_lines_have_the_six_fields() {
        let log = vec![q(
            1,
            "space cooperation with korea?",
            Outcome::Clarify,
            Some("science"),
            0.456,
        )];
        let mut out = Vec::new();
        write_json(&mut out, &group(&log, terms)).unwrap();
        let line: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(
            line,
            serde_json::json!({
                "count": 1,
                "examples": ["space cooperation with korea?"],
                "lang": "en",
                "outcome": "clarify",
                "nearest": "science",
                "score": 0.46
            })
        );
    }

    #[test]
    fn the_export_is_an_evaluation_file_with_empty_intents() {
        let log = vec![
            q(
                1,
                "space cooperation with korea?",
                Outcome::Fallback,
                None,
                0.0,
            ),
            q(
                2,
                "does korea cooperate on space",
                Outcome::Fallback,
                None,
                0.0,
            ),
            q(
                3,
                "Сотрудничает ли Корея в космосе?",
                Outcome::Fallback,
                None,
                0.0,
            ),
        ];
        let mut out = Vec::new();
        let lines = write_export(&mut out, &group(&log, terms)).unwrap();
        assert_eq!(lines, 3);
        let text = String::from_utf8(out).unwrap();
        let cases = crate::eval::parse_cases("export", &text).unwrap();
        assert_eq!(cases.len(), 3);
        for case in &cases {
            assert_eq!(case.intent.as_deref(), Some(""));
            assert_eq!(case.category, "review");
        }
        assert_eq!(cases[2].lang.as_deref(), Some("ru"));
    }

    #[test]
    fn the_text_report_lists_groups_with_counts_and_examples() {
        let log = vec![
            q(
                1,
                "space cooperation with korea?",
                Outcome::Fallback,
                Some("science"),
                0.3,
            ),
            q(
                2,
                "does korea cooperate on space",
                Outcome::Fallback,
                None,
                0.0,
            ),
        ];
        let mut out = Vec::new();
        write_text(&mut out, &group(&log, terms), 2, "7d").unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.starts_with("2 unanswered question(s) in the last 7d; 1 group(s)"),
            "{text}"
        );
        assert!(
            text.contains("asked 2×  en  fallback  nearest science (0.30)"),
            "{text}"
        );
        assert!(text.contains("\"does korea cooperate on space\""), "{text}");
        let mut empty = Vec::new();
        write_text(&mut empty, &[], 0, "7d").unwrap();
        assert_eq!(
            String::from_utf8(empty).unwrap(),
            "No unanswered questions in the last 7d.\n"
        );
    }
}
