//! The knowledge base: its JSON format, and the validation that turns it into a
//! trusted [`KnowledgeBase`].
//!
//! "Parse, then trust": the raw serde structs (`Raw*`) mirror the file and are
//! never seen outside this module. [`KnowledgeBase::from_json`] checks every rule
//! once and reports each broken one with the file, the entry path
//! (`countries[2].aliases[1]`) and the [`Rule`] it broke. After that the matcher
//! and the renderers can index entries and follow links without checking again.
//!
//! Everything a user reads (titles, answers, the scope, what the source does not
//! give) is a [`Localized`] text in English, Russian and Korean. A missing
//! translation is refused, and so is one whose numbers, years or country names
//! differ from the English: a translation may reword, never change a fact.
//! Evidence stays the English quote from the source.
//!
//! The default knowledge base and its source article are compiled into the binary
//! ([`KnowledgeBase::embedded`]) so the bot works from any directory; `--kb PATH`
//! loads another one with [`KnowledgeBase::load`], whose sources are read relative
//! to the file.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::lang::Lang;
use crate::morph::is_hangul_syllable;
use crate::normalize::{self, Script};

/// Path shown in messages about the compiled-in knowledge base.
pub const EMBEDDED_NAME: &str = "data/knowledge.json";
const EMBEDDED_JSON: &str = include_str!("../../data/knowledge.json");
const EMBEDDED_SOURCES: &[(&str, &str)] = &[(
    "sources/k-silk-road-korea-times.txt",
    include_str!("../../data/sources/k-silk-road-korea-times.txt"),
)];

/// An answer is short: at most this many sentences...
pub const MAX_ANSWER_SENTENCES: usize = 3;
/// ...and at most this many characters, so that a reply with its title, source
/// line and related topics stays far below Telegram's 4096.
pub const MAX_ANSWER_CHARS: usize = 700;
/// Every entry needs this many example questions at least.
pub const MIN_EXAMPLES: usize = 2;
/// Ids travel in callback data (64 bytes) and deep links (64 characters).
pub const MAX_ID_LEN: usize = 40;

// ---------------------------------------------------------------------------
// Raw file format
// ---------------------------------------------------------------------------

/// A text in the three languages, as written in the file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLocalized {
    en: String,
    #[serde(default)]
    ru: Option<String>,
    #[serde(default)]
    ko: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKnowledgeBase {
    /// What the bot knows about, as it would say it: "Korea's K-Silk Road ...".
    scope: RawLocalized,
    sources: Vec<RawSource>,
    #[serde(default)]
    menu: Vec<String>,
    /// Words that say what every question is about ("Korea", "Silk") rather
    /// than which entry it wants; the matcher weighs them less.
    #[serde(default)]
    context_words: Vec<String>,
    #[serde(default)]
    initiative: Option<RawEntry>,
    #[serde(default)]
    countries: Vec<RawEntry>,
    #[serde(default)]
    pillars: Vec<RawEntry>,
    #[serde(default)]
    summits: Vec<RawEntry>,
    #[serde(default)]
    topics: Vec<RawEntry>,
    #[serde(default)]
    smalltalk: Vec<RawEntry>,
    /// Kinds of question the bot does not answer ("weather", "visas"), so that
    /// a question about them falls back even when it names a country.
    #[serde(default)]
    offtopic: Vec<RawEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    id: String,
    title: String,
    publisher: String,
    published: RawLocalized,
    #[serde(default)]
    url: Option<String>,
    file: String,
    #[serde(default)]
    exclude: Vec<String>,
    #[serde(default)]
    does_not_give: Vec<RawLocalized>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    id: String,
    title: RawLocalized,
    #[serde(default)]
    names: Vec<String>,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    keywords: Vec<String>,
    #[serde(default)]
    examples: Vec<String>,
    answer: RawLocalized,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    evidence: Vec<String>,
    #[serde(default)]
    related: Vec<String>,
    #[serde(default)]
    unnamed_speaker: bool,
}

// ---------------------------------------------------------------------------
// Validated model
// ---------------------------------------------------------------------------

/// Which section of the file an entry came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Initiative,
    Country,
    Pillar,
    Summit,
    Topic,
    SmallTalk,
    /// A kind of question the bot declines; its answer is the refusal.
    OffTopic,
}

impl Kind {
    /// Factual entries need a source and evidence; small talk and off-topic
    /// refusals state no fact.
    pub fn is_factual(self) -> bool {
        !matches!(self, Kind::SmallTalk | Kind::OffTopic)
    }

    fn section(self) -> &'static str {
        match self {
            Kind::Initiative => "initiative",
            Kind::Country => "countries",
            Kind::Pillar => "pillars",
            Kind::Summit => "summits",
            Kind::Topic => "topics",
            Kind::SmallTalk => "smalltalk",
            Kind::OffTopic => "offtopic",
        }
    }
}

/// A user-facing text in every language the bot speaks; validated to have
/// all of them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Localized([String; 3]);

impl Localized {
    /// The same text in every language (synthetic knowledge bases, tests).
    pub fn uniform(text: impl Into<String>) -> Localized {
        let text = text.into();
        Localized([text.clone(), text.clone(), text])
    }

    /// The text in one language.
    pub fn get(&self, lang: Lang) -> &str {
        &self.0[lang.index()]
    }

    /// The English text, the one translations are checked against.
    pub fn en(&self) -> &str {
        self.get(Lang::En)
    }

    /// Each language with its text.
    pub fn iter(&self) -> impl Iterator<Item = (Lang, &str)> {
        Lang::ALL.into_iter().map(|l| (l, self.get(l)))
    }
}

/// A source document that answers are drawn from.
#[derive(Debug, Clone)]
pub struct Source {
    pub id: String,
    pub title: String,
    pub publisher: String,
    pub published: Localized,
    pub url: Option<String>,
    /// Facts the source does not give, said plainly by `/about`.
    pub does_not_give: Vec<Localized>,
    text: String,
}

impl Source {
    /// The short citation line shown under every factual answer. The title
    /// stays the article's own; the date is in the reader's language.
    pub fn citation(&self, lang: Lang) -> String {
        format!(
            "{}, \u{201c}{}\u{201d} ({})",
            self.publisher,
            self.title,
            self.published.get(lang)
        )
    }

    /// The full text of the source document.
    pub fn text(&self) -> &str {
        &self.text
    }
}

/// Index of an entry inside a [`KnowledgeBase`].
pub type EntryIdx = usize;

/// One intent: something the bot can answer.
#[derive(Debug, Clone)]
pub struct Entry {
    pub id: String,
    pub kind: Kind,
    pub title: Localized,
    pub names: Vec<String>,
    pub aliases: Vec<String>,
    /// Words and short phrases that point to this entry but may point to others
    /// too ("companies" for networking); unlike aliases they need not be unique.
    pub keywords: Vec<String>,
    pub examples: Vec<String>,
    pub answer: Localized,
    pub source: Option<usize>,
    pub evidence: Vec<String>,
    pub related: Vec<EntryIdx>,
    /// The answer quotes or cites someone the source does not name ("a
    /// senior official at the presidential office"): asked who said it, the
    /// bot says that he is not named instead of naming someone else. Only a
    /// fact may say so.
    pub unnamed_speaker: bool,
}

impl Entry {
    /// Every phrase the matcher learns this entry by: titles, names, aliases,
    /// keywords and example questions.
    pub fn phrases(&self) -> impl Iterator<Item = &str> {
        self.titles()
            .chain(self.names.iter().map(String::as_str))
            .chain(self.aliases.iter().map(String::as_str))
            .chain(self.keywords.iter().map(String::as_str))
            .chain(self.examples.iter().map(String::as_str))
    }

    /// Names and aliases (titles included): the short phrases that identify it.
    pub fn labels(&self) -> impl Iterator<Item = &str> {
        self.titles()
            .chain(self.names.iter().map(String::as_str))
            .chain(self.aliases.iter().map(String::as_str))
    }

    /// The title in each language, each once.
    fn titles(&self) -> impl Iterator<Item = &str> {
        let [en, ru, ko] = &self.title.0;
        let ru = (ru != en).then_some(ru.as_str());
        let ko = (ko != en && Some(ko.as_str()) != ru).then_some(ko.as_str());
        std::iter::once(en.as_str()).chain(ru).chain(ko)
    }
}

/// How an English sentence of a source opens when it gives the sentence
/// before it as its cause ([`KnowledgeBase::stated_causes`]).
const CAUSAL_OPENINGS: &[&str] = &[
    "Based on these",
    "Based on this",
    "Due to this",
    "Because of this",
    "As a result",
    "For this reason",
    "That is why",
    "This is why",
    "Therefore",
];

/// [`KnowledgeBase::stated_causes`] of every entry, read from where their
/// evidence stands in the source.
fn stated_causes_of(entries: &[Entry], sources: &[Source]) -> Vec<Vec<EntryIdx>> {
    entries
        .iter()
        .enumerate()
        .map(|(entry, e)| {
            let Some(source) = e.source else {
                return Vec::new();
            };
            let text = &sources[source].text;
            let mut causes = Vec::new();
            for quote in &e.evidence {
                if !CAUSAL_OPENINGS.iter().any(|o| quote.starts_with(o)) {
                    continue;
                }
                let Some(at) = text.find(quote.as_str()) else {
                    continue;
                };
                let before = text[..at].trim_end();
                let ends_before =
                    |q: &String| !q.trim().is_empty() && before.ends_with(q.trim_end());
                // An entry that quotes the cause too gives its own why.
                if e.evidence.iter().any(ends_before) {
                    continue;
                }
                for (idx, other) in entries.iter().enumerate() {
                    let states_it =
                        other.source == Some(source) && other.evidence.iter().any(ends_before);
                    if idx != entry && states_it && !causes.contains(&idx) {
                        causes.push(idx);
                    }
                }
            }
            causes
        })
        .collect()
}

/// A validated knowledge base. Every link resolves and every fact has evidence.
#[derive(Debug, Clone)]
pub struct KnowledgeBase {
    origin: String,
    scope: Localized,
    context_words: Vec<String>,
    sources: Vec<Source>,
    entries: Vec<Entry>,
    by_id: HashMap<String, EntryIdx>,
    menu: Vec<EntryIdx>,
    /// Per entry, [`KnowledgeBase::stated_causes`].
    causes: Vec<Vec<EntryIdx>>,
}

/// Counts shown by `ksilk check` and logged at bot start-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KbStats {
    pub entries: usize,
    pub phrases: usize,
    pub sources: usize,
    pub by_kind: Vec<(&'static str, usize)>,
    pub by_script: BTreeMap<Script, usize>,
}

impl fmt::Display for KbStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} entries, {} phrases, {} source(s)",
            self.entries, self.phrases, self.sources
        )
    }
}

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/// The rule a knowledge-base entry broke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rule {
    DuplicateId {
        first: String,
    },
    BadId,
    DuplicateAlias {
        alias: String,
        first: String,
    },
    EmptyPhrase,
    EmptyAnswer,
    AnswerTooLong {
        chars: usize,
    },
    TooManySentences {
        sentences: usize,
    },
    TooFewExamples {
        found: usize,
    },
    UnknownLink {
        id: String,
    },
    SelfLink,
    UnnamedSpeakerWithoutFact,
    UnknownSource {
        id: String,
    },
    MissingSource,
    MissingEvidence,
    EvidenceNotInSource {
        source: String,
    },
    EvidenceQuotesNoise {
        noise: String,
    },
    UnreadableSourceFile {
        path: String,
        error: String,
    },
    EmptyField,
    NoEntries,
    MissingTranslation {
        lang: Lang,
    },
    TranslationNumbersDiffer {
        lang: Lang,
        english: Vec<u32>,
        translated: Vec<u32>,
    },
    TranslationNamesDiffer {
        lang: Lang,
        name: String,
        in_english: bool,
    },
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rule::DuplicateId { first } => {
                write!(
                    f,
                    "duplicate id: ids must be unique (first used at {first})"
                )
            }
            Rule::BadId => write!(
                f,
                "bad id: ids are 1-{MAX_ID_LEN} characters of a-z, 0-9 and '-'"
            ),
            Rule::DuplicateAlias { alias, first } => write!(
                f,
                "duplicate alias: \"{alias}\" is already claimed by {first} (a name or alias may belong to one entry only)"
            ),
            Rule::EmptyPhrase => write!(
                f,
                "empty phrase: it has no letters or digits, so nothing could ever match it"
            ),
            Rule::EmptyAnswer => write!(f, "empty answer: every entry needs an answer"),
            Rule::AnswerTooLong { chars } => write!(
                f,
                "answer too long: {chars} characters, at most {MAX_ANSWER_CHARS} allowed"
            ),
            Rule::TooManySentences { sentences } => write!(
                f,
                "answer too long: {sentences} sentences, at most {MAX_ANSWER_SENTENCES} allowed"
            ),
            Rule::TooFewExamples { found } => write!(
                f,
                "too few examples: {found} example question(s), at least {MIN_EXAMPLES} needed"
            ),
            Rule::UnknownLink { id } => {
                write!(f, "unknown link: no entry has the id \"{id}\"")
            }
            Rule::SelfLink => write!(f, "self link: an entry cannot be related to itself"),
            Rule::UnnamedSpeakerWithoutFact => write!(
                f,
                "unnamed speaker without a fact: only a factual entry quotes anyone (not smalltalk or offtopic)"
            ),
            Rule::UnknownSource { id } => {
                write!(f, "unknown source: no source has the id \"{id}\"")
            }
            Rule::MissingSource => write!(
                f,
                "missing source: every factual entry must name its source (only smalltalk may omit it)"
            ),
            Rule::MissingEvidence => write!(
                f,
                "missing evidence: every factual entry must quote the sentence(s) that support it"
            ),
            Rule::EvidenceNotInSource { source } => write!(
                f,
                "evidence not in source: this quote does not appear verbatim in source \"{source}\""
            ),
            Rule::EvidenceQuotesNoise { noise } => write!(
                f,
                "evidence quotes noise: it contains \"{noise}\", which the source marks as not knowledge"
            ),
            Rule::UnreadableSourceFile { path, error } => {
                write!(f, "unreadable source file: {path}: {error}")
            }
            Rule::EmptyField => write!(f, "empty field: this field must not be empty"),
            Rule::NoEntries => write!(f, "no entries: the knowledge base answers nothing"),
            Rule::MissingTranslation { lang } => write!(
                f,
                "missing translation: no \"{lang}\" text (every text users read needs en, ru and ko)"
            ),
            Rule::TranslationNumbersDiffer {
                lang,
                english,
                translated,
            } => write!(
                f,
                "translation changes numbers: the English has {english:?} but \"{lang}\" has {translated:?} (numbers, years and dates must be the same)"
            ),
            Rule::TranslationNamesDiffer {
                lang,
                name,
                in_english,
            } => write!(
                f,
                "translation changes country names: {name} is {} the English but {} the \"{lang}\" text",
                if *in_english { "in" } else { "not in" },
                if *in_english { "not in" } else { "in" },
            ),
        }
    }
}

/// One broken rule, located.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Where in the file, e.g. `countries[2].aliases[1]`.
    pub path: String,
    pub rule: Rule,
}

/// Why a knowledge base could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum KbError {
    /// The cause is part of the message and deliberately not a `#[source]`:
    /// an error chain would print it twice ("…: No such file: No such file").
    #[error("{file}: cannot read knowledge base: {error}")]
    Io { file: String, error: std::io::Error },
    #[error("{file}:{line}:{column}: invalid knowledge base: {message}")]
    Syntax {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{file}: {}: {}{}", .violations[0].path, .violations[0].rule, more(file, .violations.len()))]
    Invalid {
        file: String,
        violations: Vec<Violation>,
    },
}

/// The tail of an invalid knowledge base's one-line message: how many more
/// problems there are, and the exact command that lists them all.
fn more(file: &str, n: usize) -> String {
    match n {
        0 | 1 => String::new(),
        n => format!(
            " (and {} more problem(s); run `{}` to list them)",
            n - 1,
            check_command(file)
        ),
    }
}

/// The command that lists every problem of `file`: `ksilk --kb FILE check`
/// (the built-in knowledge base is checked by a test, so a broken one never
/// ships). A path with characters a shell would split or expand is
/// single-quoted.
pub fn check_command(file: &str) -> String {
    let plain = file
        .chars()
        .all(|c| c.is_alphanumeric() || "/._-+,:@%".contains(c));
    if plain {
        format!("ksilk --kb {file} check")
    } else {
        format!("ksilk --kb '{}' check", file.replace('\'', r"'\''"))
    }
}

impl KbError {
    /// Every broken rule, one line each, for `ksilk check`.
    pub fn lines(&self) -> Vec<String> {
        match self {
            KbError::Invalid { file, violations } => violations
                .iter()
                .map(|v| format!("{file}: {}: {}", v.path, v.rule))
                .collect(),
            other => vec![other.to_string()],
        }
    }
}

// ---------------------------------------------------------------------------
// Loading and validation
// ---------------------------------------------------------------------------

/// Where a knowledge base's source files come from.
enum SourceFiles<'a> {
    Memory(&'a [(&'a str, &'a str)]),
    Dir(&'a Path),
}

impl SourceFiles<'_> {
    fn read(&self, file: &str) -> Result<String, String> {
        match self {
            SourceFiles::Memory(files) => files
                .iter()
                .find(|(name, _)| *name == file)
                .map(|(_, text)| (*text).to_owned())
                .ok_or_else(|| "no such source file in memory".to_owned()),
            SourceFiles::Dir(dir) => {
                let path: PathBuf = dir.join(file);
                std::fs::read_to_string(&path).map_err(|e| e.to_string())
            }
        }
    }
}

impl KnowledgeBase {
    /// The knowledge base compiled into the binary.
    pub fn embedded() -> Result<KnowledgeBase, KbError> {
        Self::parse(
            EMBEDDED_NAME,
            EMBEDDED_JSON,
            SourceFiles::Memory(EMBEDDED_SOURCES),
        )
    }

    /// Loads and validates a knowledge-base file; its sources are read relative
    /// to the file's directory.
    pub fn load(path: &Path) -> Result<KnowledgeBase, KbError> {
        let file = path.display().to_string();
        let json = std::fs::read_to_string(path).map_err(|error| KbError::Io {
            file: file.clone(),
            error,
        })?;
        let dir = path.parent().unwrap_or(Path::new("."));
        Self::parse(&file, &json, SourceFiles::Dir(dir))
    }

    /// Validates JSON text; `dir` is where its source files live.
    pub fn from_json(file: &str, json: &str, dir: &Path) -> Result<KnowledgeBase, KbError> {
        Self::parse(file, json, SourceFiles::Dir(dir))
    }

    /// Validates JSON text whose source files are given in memory as
    /// `(file name, text)` pairs (synthetic knowledge bases, tests).
    pub fn from_json_with_sources(
        file: &str,
        json: &str,
        sources: &[(&str, &str)],
    ) -> Result<KnowledgeBase, KbError> {
        Self::parse(file, json, SourceFiles::Memory(sources))
    }

    fn parse(file: &str, json: &str, files: SourceFiles<'_>) -> Result<KnowledgeBase, KbError> {
        let raw: RawKnowledgeBase = serde_json::from_str(json).map_err(|e| KbError::Syntax {
            file: file.to_owned(),
            line: e.line(),
            column: e.column(),
            message: e
                .to_string()
                .split(" at line ")
                .next()
                .unwrap_or("")
                .to_owned(),
        })?;
        let mut v = Validator::default();
        let kb = v.validate(file, raw, &files);
        if v.violations.is_empty() {
            Ok(kb)
        } else {
            Err(KbError::Invalid {
                file: file.to_owned(),
                violations: v.violations,
            })
        }
    }

    /// What the bot knows about, e.g. "Korea's K-Silk Road initiative for
    /// Central Asia", in one language.
    pub fn scope(&self, lang: Lang) -> &str {
        self.scope.get(lang)
    }

    /// Words the matcher weighs less (see the file format).
    pub fn context_words(&self) -> &[String] {
        &self.context_words
    }

    /// The file this knowledge base was loaded from.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub fn entry(&self, idx: EntryIdx) -> &Entry {
        &self.entries[idx]
    }

    pub fn find(&self, id: &str) -> Option<EntryIdx> {
        self.by_id.get(id).copied()
    }

    pub fn by_id(&self, id: &str) -> Option<&Entry> {
        self.find(id).map(|i| &self.entries[i])
    }

    pub fn sources(&self) -> &[Source] {
        &self.sources
    }

    /// The entries that quote the cause of what `entry` quotes. A quote that
    /// opens by pointing back at a cause ("Due to this, the United States,
    /// European Union and Germany have each held five-plus-one summits...")
    /// follows that cause in the source; the entries whose evidence ends
    /// right before it state the cause ("...the increasing strategic
    /// importance of the region..."). Empty when no quote of `entry` opens
    /// so, or when `entry` quotes its cause as well. Found once, at load
    /// ([`stated_causes_of`]).
    pub fn stated_causes(&self, entry: EntryIdx) -> &[EntryIdx] {
        &self.causes[entry]
    }

    /// The entries whose own statement follows from `entry`: their first
    /// quote opens by pointing back at what `entry` quotes ("Based on these
    /// pillars, Korea will focus on tailored cooperation..." is the tailored
    /// cooperation's). An entry that cites such a quote after its own
    /// (Tajikistan, whose focus the source leaves to it) is not one.
    pub fn stated_results(&self, entry: EntryIdx) -> impl Iterator<Item = EntryIdx> + '_ {
        (0..self.entries.len()).filter(move |&e| {
            self.causes[e].contains(&entry)
                && self.entries[e]
                    .evidence
                    .first()
                    .is_some_and(|q| CAUSAL_OPENINGS.iter().any(|o| q.starts_with(o)))
        })
    }

    pub fn source_of(&self, entry: &Entry) -> Option<&Source> {
        entry.source.map(|i| &self.sources[i])
    }

    /// The main topics, for `/start` buttons and an empty inline query.
    pub fn menu(&self) -> &[EntryIdx] {
        &self.menu
    }

    /// Entries of one kind, in file order.
    pub fn of_kind(&self, kind: Kind) -> impl Iterator<Item = EntryIdx> + '_ {
        self.entries
            .iter()
            .enumerate()
            .filter(move |(_, e)| e.kind == kind)
            .map(|(i, _)| i)
    }

    pub fn stats(&self) -> KbStats {
        let mut by_script = BTreeMap::new();
        let mut phrases = 0;
        for entry in &self.entries {
            for phrase in entry.phrases() {
                phrases += 1;
                *by_script.entry(Script::of(phrase)).or_insert(0) += 1;
            }
        }
        let by_kind = [
            Kind::Initiative,
            Kind::Country,
            Kind::Pillar,
            Kind::Summit,
            Kind::Topic,
            Kind::SmallTalk,
            Kind::OffTopic,
        ]
        .into_iter()
        .map(|k| (k.section(), self.of_kind(k).count()))
        .collect();
        KbStats {
            entries: self.entries.len(),
            phrases,
            sources: self.sources.len(),
            by_kind,
            by_script,
        }
    }
}

/// Counts sentences: a `.`, `!` or `?` that ends the text or is followed by a
/// space and a capital letter or digit ("U.S. and" is one sentence).
pub fn count_sentences(text: &str) -> usize {
    let chars: Vec<char> = text.trim().chars().collect();
    let mut count = 0;
    for (i, c) in chars.iter().enumerate() {
        if matches!(c, '.' | '!' | '?') {
            let rest = &chars[i + 1..];
            let rest = match rest.first() {
                Some('"' | '\u{201d}' | ')') => &rest[1..],
                _ => rest,
            };
            match rest {
                [] => count += 1,
                [' ', next, ..]
                    if next.is_uppercase()
                        || next.is_ascii_digit()
                        || is_hangul_syllable(*next) =>
                {
                    count += 1
                }
                _ => {}
            }
        }
    }
    count.max(usize::from(!text.trim().is_empty()))
}

/// The numbers a text states, as a sorted set: runs of digits, and month
/// names read as their numbers, so that "June 7, 2024", "7 июня 2024 года"
/// and "2024년 6월 7일" state the same numbers.
pub fn numbers_in(text: &str) -> Vec<u32> {
    const MONTHS: [(&str, &str); 12] = [
        ("january", "январ"),
        ("february", "феврал"),
        ("march", "март"),
        ("april", "апрел"),
        ("may", "ма"),
        ("june", "июн"),
        ("july", "июл"),
        ("august", "август"),
        ("september", "сентябр"),
        ("october", "октябр"),
        ("november", "ноябр"),
        ("december", "декабр"),
    ];
    let mut numbers: Vec<u32> = Vec::new();
    for word in text.split(|c: char| !c.is_alphanumeric()) {
        // Only a word whose lower case starts with a digit, 제 or the first
        // letter of a month can state a number: the rest (nearly all) are
        // not lower-cased. (A word's lower case starts with its first
        // character's.)
        let Some(first) = word.chars().next().and_then(|c| c.to_lowercase().next()) else {
            continue;
        };
        if !(first.is_ascii_digit()
            || first == '제'
            || MONTHS
                .iter()
                .any(|(en, ru)| en.starts_with(first) || ru.starts_with(first)))
        {
            continue;
        }
        let lower = word.to_lowercase();
        // Korean writes a rank with 제 and a digit (제1차장, "First Deputy
        // Director") where English writes a word: a title, not a number.
        if lower
            .strip_prefix('제')
            .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
        {
            continue;
        }
        let digits: String = lower.chars().take_while(char::is_ascii_digit).collect();
        if !digits.is_empty() {
            // "2024년", "6월": the digits before a Korean counter.
            if let Ok(n) = digits.parse() {
                numbers.push(n);
            }
            continue;
        }
        let month = MONTHS.iter().position(|(en, ru)| {
            // "may" is a verb too; the month is written with a capital.
            (lower == *en && (*en != "may" || word == "May"))
                || (lower.starts_with(ru)
                    && lower.chars().count() <= ru.chars().count() + 2
                    && (*ru != "ма" || matches!(lower.as_str(), "мая" | "май" | "мае")))
        });
        if let Some(m) = month {
            numbers.push(m as u32 + 1);
        }
    }
    numbers.sort_unstable();
    numbers.dedup();
    numbers
}

/// Does `lower` (a text in lower case) name the country called `name` in its
/// language? Russian names inflect at the end ("Кыргызстаном", "Киргизии"),
/// so a final vowel is not required.
fn mentions(lower: &str, name: &str) -> bool {
    let name = name.to_lowercase();
    let stem = name
        .strip_suffix(['а', 'я', 'и', 'ы', 'е', 'о', 'у'])
        .unwrap_or(&name);
    !stem.is_empty() && lower.contains(stem)
}

fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[derive(Default)]
struct Validator {
    violations: Vec<Violation>,
}

impl Validator {
    fn fail(&mut self, path: impl Into<String>, rule: Rule) {
        self.violations.push(Violation {
            path: path.into(),
            rule,
        });
    }

    fn non_empty(&mut self, path: String, value: &str) {
        if value.trim().is_empty() {
            self.fail(path, Rule::EmptyField);
        }
    }

    /// A text in every language: English must be there, and a missing or
    /// empty translation is a violation (English stands in for it so that the
    /// other rules can still be checked).
    fn localized(&mut self, path: &str, raw: RawLocalized, if_empty: Rule) -> Localized {
        if raw.en.trim().is_empty() {
            // One problem at a time: nothing to translate yet.
            self.fail(path, if_empty);
            return Localized::default();
        }
        let mut translation = |lang: Lang, text: Option<String>| match text {
            Some(text) if !text.trim().is_empty() => text.trim().to_owned(),
            _ => {
                self.fail(format!("{path}.{lang}"), Rule::MissingTranslation { lang });
                raw.en.trim().to_owned()
            }
        };
        let ru = translation(Lang::Ru, raw.ru);
        let ko = translation(Lang::Ko, raw.ko);
        Localized([raw.en.trim().to_owned(), ru, ko])
    }

    /// A translation may reword but not change a fact: the same numbers
    /// (dates included, whatever the month is called) and the same
    /// countries as the English.
    fn same_facts(&mut self, path: &str, text: &Localized, countries: &[Localized]) {
        let english = numbers_in(text.en());
        // Each text lower-cased once, not once per country.
        let english_lower = text.en().to_lowercase();
        for lang in [Lang::Ru, Lang::Ko] {
            let translated = numbers_in(text.get(lang));
            if translated != english {
                self.fail(
                    format!("{path}.{lang}"),
                    Rule::TranslationNumbersDiffer {
                        lang,
                        english: english.clone(),
                        translated,
                    },
                );
            }
            let lower = text.get(lang).to_lowercase();
            for country in countries {
                let in_english = mentions(&english_lower, country.en());
                if in_english != mentions(&lower, country.get(lang)) {
                    self.fail(
                        format!("{path}.{lang}"),
                        Rule::TranslationNamesDiffer {
                            lang,
                            name: country.en().to_owned(),
                            in_english,
                        },
                    );
                }
            }
        }
    }

    fn validate(
        &mut self,
        file: &str,
        raw: RawKnowledgeBase,
        files: &SourceFiles<'_>,
    ) -> KnowledgeBase {
        let scope = self.localized("scope", raw.scope, Rule::EmptyField);
        for (i, word) in raw.context_words.iter().enumerate() {
            if normalize::tokenize(word).is_empty() {
                self.fail(format!("context_words[{i}]"), Rule::EmptyPhrase);
            }
        }
        // Sources first: entries refer to them.
        let mut sources = Vec::new();
        let mut source_ids: HashMap<String, usize> = HashMap::new();
        for (i, s) in raw.sources.into_iter().enumerate() {
            let path = format!("sources[{i}]");
            for (field, value) in [
                ("id", &s.id),
                ("title", &s.title),
                ("publisher", &s.publisher),
            ] {
                self.non_empty(format!("{path}.{field}"), value);
            }
            let published =
                self.localized(&format!("{path}.published"), s.published, Rule::EmptyField);
            let does_not_give: Vec<Localized> = s
                .does_not_give
                .into_iter()
                .enumerate()
                .map(|(j, gap)| {
                    self.localized(&format!("{path}.does_not_give[{j}]"), gap, Rule::EmptyField)
                })
                .collect();
            if let Some(&first) = source_ids.get(&s.id) {
                self.fail(
                    format!("{path}.id"),
                    Rule::DuplicateId {
                        first: format!("sources[{first}]"),
                    },
                );
            }
            source_ids.insert(s.id.clone(), i);
            let text = match files.read(&s.file) {
                Ok(text) => text,
                Err(error) => {
                    self.fail(
                        format!("{path}.file"),
                        Rule::UnreadableSourceFile {
                            path: s.file.clone(),
                            error,
                        },
                    );
                    String::new()
                }
            };
            sources.push((
                Source {
                    id: s.id,
                    title: s.title,
                    publisher: s.publisher,
                    published,
                    url: s.url,
                    does_not_give,
                    text,
                },
                s.exclude,
            ));
        }

        let sections: Vec<(Kind, Vec<RawEntry>, bool)> = vec![
            (
                Kind::Initiative,
                raw.initiative.into_iter().collect(),
                false,
            ),
            (Kind::Country, raw.countries, true),
            (Kind::Pillar, raw.pillars, true),
            (Kind::Summit, raw.summits, true),
            (Kind::Topic, raw.topics, true),
            (Kind::SmallTalk, raw.smalltalk, true),
            (Kind::OffTopic, raw.offtopic, true),
        ];

        // Pass 1: ids and paths.
        let mut by_id: HashMap<String, EntryIdx> = HashMap::new();
        let mut paths: Vec<String> = Vec::new();
        let mut flat: Vec<(Kind, RawEntry)> = Vec::new();
        for (kind, list, is_array) in sections {
            for (i, entry) in list.into_iter().enumerate() {
                let path = if is_array {
                    format!("{}[{i}]", kind.section())
                } else {
                    kind.section().to_owned()
                };
                if !is_valid_id(&entry.id) {
                    self.fail(format!("{path}.id"), Rule::BadId);
                }
                if let Some(&first) = by_id.get(&entry.id) {
                    self.fail(
                        format!("{path}.id"),
                        Rule::DuplicateId {
                            first: paths[first].clone(),
                        },
                    );
                } else {
                    by_id.insert(entry.id.clone(), flat.len());
                }
                paths.push(path);
                flat.push((kind, entry));
            }
        }
        if flat.is_empty() {
            self.fail("(root)", Rule::NoEntries);
        }

        // Pass 2: everything else.
        let mut claimed: HashMap<String, String> = HashMap::new();
        let mut entries = Vec::with_capacity(flat.len());
        for (idx, (kind, raw)) in flat.into_iter().enumerate() {
            let path = &paths[idx];
            let title = self.localized(&format!("{path}.title"), raw.title, Rule::EmptyField);
            let answer = self.localized(&format!("{path}.answer"), raw.answer, Rule::EmptyAnswer);

            let labels = title
                .iter()
                .map(|(lang, text)| (format!("title.{lang}"), text))
                .chain(
                    raw.names
                        .iter()
                        .enumerate()
                        .map(|(i, n)| (format!("names[{i}]"), n.as_str())),
                )
                .chain(
                    raw.aliases
                        .iter()
                        .enumerate()
                        .map(|(i, a)| (format!("aliases[{i}]"), a.as_str())),
                );
            for (field, label) in labels {
                let here = format!("{path}.{field}");
                let key = normalize::normalize(label);
                if key.is_empty() {
                    self.fail(here, Rule::EmptyPhrase);
                    continue;
                }
                match claimed.get(&key) {
                    Some(owner) if !owner.starts_with(&format!("{path}.")) => {
                        let first = owner.clone();
                        self.fail(
                            here,
                            Rule::DuplicateAlias {
                                alias: label.to_owned(),
                                first,
                            },
                        );
                    }
                    Some(_) => {}
                    None => {
                        claimed.insert(key, here);
                    }
                }
            }
            for (field, list) in [("keywords", &raw.keywords), ("examples", &raw.examples)] {
                for (i, phrase) in list.iter().enumerate() {
                    if normalize::tokenize(phrase).is_empty() {
                        self.fail(format!("{path}.{field}[{i}]"), Rule::EmptyPhrase);
                    }
                }
            }
            if raw.examples.len() < MIN_EXAMPLES {
                self.fail(
                    format!("{path}.examples"),
                    Rule::TooFewExamples {
                        found: raw.examples.len(),
                    },
                );
            }

            if !answer.en().is_empty() {
                for (lang, text) in answer.iter() {
                    let here = format!("{path}.answer.{lang}");
                    let chars = text.chars().count();
                    if chars > MAX_ANSWER_CHARS {
                        self.fail(here.clone(), Rule::AnswerTooLong { chars });
                    }
                    let sentences = count_sentences(text);
                    if sentences > MAX_ANSWER_SENTENCES {
                        self.fail(here, Rule::TooManySentences { sentences });
                    }
                }
            }

            let mut related = Vec::new();
            for (i, id) in raw.related.iter().enumerate() {
                match by_id.get(id) {
                    Some(&target) if target == idx => {
                        self.fail(format!("{path}.related[{i}]"), Rule::SelfLink)
                    }
                    Some(&target) => related.push(target),
                    None => self.fail(
                        format!("{path}.related[{i}]"),
                        Rule::UnknownLink { id: id.clone() },
                    ),
                }
            }

            let source = match &raw.source {
                Some(id) => match source_ids.get(id) {
                    Some(&s) => Some(s),
                    None => {
                        self.fail(
                            format!("{path}.source"),
                            Rule::UnknownSource { id: id.clone() },
                        );
                        None
                    }
                },
                None => {
                    if kind.is_factual() {
                        self.fail(format!("{path}.source"), Rule::MissingSource);
                    }
                    None
                }
            };
            if kind.is_factual() && raw.evidence.is_empty() {
                self.fail(format!("{path}.evidence"), Rule::MissingEvidence);
            }
            if raw.unnamed_speaker && !kind.is_factual() {
                self.fail(
                    format!("{path}.unnamed_speaker"),
                    Rule::UnnamedSpeakerWithoutFact,
                );
            }
            for (i, quote) in raw.evidence.iter().enumerate() {
                let here = format!("{path}.evidence[{i}]");
                let Some(s) = source else {
                    if raw.source.is_none() {
                        self.fail(here, Rule::MissingSource);
                    }
                    continue;
                };
                let (src, exclude) = &sources[s];
                if quote.trim().is_empty() {
                    self.fail(here, Rule::EmptyField);
                } else if let Some(noise) = exclude.iter().find(|n| {
                    quote.contains(n.as_str()) || (quote.len() > 12 && n.contains(quote.as_str()))
                }) {
                    self.fail(
                        here,
                        Rule::EvidenceQuotesNoise {
                            noise: noise.clone(),
                        },
                    );
                } else if !src.text.is_empty() && !src.text.contains(quote.as_str()) {
                    self.fail(
                        here,
                        Rule::EvidenceNotInSource {
                            source: src.id.clone(),
                        },
                    );
                }
            }

            entries.push(Entry {
                id: raw.id,
                kind,
                title,
                names: raw.names,
                aliases: raw.aliases,
                keywords: raw.keywords,
                examples: raw.examples,
                answer,
                source,
                evidence: raw.evidence,
                related,
                unnamed_speaker: raw.unnamed_speaker,
            });
        }

        // Translations keep the English facts. Country names are checked by
        // the countries' own titles in each language.
        let countries: Vec<Localized> = entries
            .iter()
            .filter(|e| e.kind == Kind::Country)
            .map(|e| e.title.clone())
            .collect();
        for (entry, path) in entries.iter().zip(&paths) {
            self.same_facts(&format!("{path}.title"), &entry.title, &countries);
            self.same_facts(&format!("{path}.answer"), &entry.answer, &countries);
        }
        for (i, (source, _)) in sources.iter().enumerate() {
            for (j, gap) in source.does_not_give.iter().enumerate() {
                self.same_facts(&format!("sources[{i}].does_not_give[{j}]"), gap, &countries);
            }
        }

        let mut menu = Vec::new();
        for (i, id) in raw.menu.iter().enumerate() {
            match by_id.get(id) {
                Some(&idx) => menu.push(idx),
                None => self.fail(format!("menu[{i}]"), Rule::UnknownLink { id: id.clone() }),
            }
        }

        let sources: Vec<Source> = sources.into_iter().map(|(s, _)| s).collect();
        let causes = stated_causes_of(&entries, &sources);
        KnowledgeBase {
            origin: file.to_owned(),
            scope,
            context_words: raw.context_words,
            sources,
            entries,
            by_id,
            menu,
            causes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    #[test]
    fn a_quote_that_opens_with_due_to_this_is_caused_by_the_quote_before_it() {
        let kb = KnowledgeBase::embedded().unwrap();
        let causes = |id: &str| -> Vec<&str> {
            kb.stated_causes(kb.find(id).unwrap())
                .iter()
                .map(|&e| kb.entry(e).id.as_str())
                .collect()
        };
        // "Due to this, the United States, European Union and Germany have
        // each held five-plus-one summits since 2022, while Russia and China
        // are also deepening their ties": "this" is the strategic importance.
        for id in ["five-plus-one", "russia-china"] {
            assert!(causes(id).contains(&"strategic-importance"), "{id}");
            assert!(!causes(id).contains(&"imperialism"), "{id}");
            assert!(!causes(id).contains(&id), "{id}");
        }
        // "Based on these pillars, Korea will focus on tailored cooperation":
        // the pillars are what it follows from.
        assert!(causes("tailored-cooperation").contains(&"pillars"));
        // Of the entries that cite what follows from the pillars, only the
        // tailored cooperation states it as its own.
        let results: Vec<&str> = kb
            .stated_results(kb.find("pillars").unwrap())
            .map(|e| kb.entry(e).id.as_str())
            .collect();
        assert_eq!(results, ["tailored-cooperation"]);
        // A "due to this" inside a quote is no opening, and a quote that opens
        // otherwise points back at nothing.
        for id in ["imperialism", "strategic-importance", "k-silk-road"] {
            assert!(causes(id).is_empty(), "{id}: {:?}", causes(id));
        }
    }

    const ARTICLE: &str = "Korea will create a summit. The initiative has four main partnership pillars. Spam noise here.";

    fn dir_with_article() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("article.txt"), ARTICLE).unwrap();
        dir
    }

    /// The same text in the three languages.
    fn all(text: &str) -> Value {
        json!({"en": text, "ru": text, "ko": text})
    }

    fn entry(id: &str, alias: &str) -> Value {
        json!({
            "id": id,
            "title": {"en": format!("Title {id}"), "ru": format!("Заголовок {id}"), "ko": format!("제목 {id}")},
            "aliases": [alias],
            "examples": [format!("what about {alias}"), format!("tell me {alias}")],
            "answer": all("Korea will create a summit."),
            "source": "article",
            "evidence": ["Korea will create a summit."],
            "related": []
        })
    }

    fn base() -> Value {
        json!({
            "scope": all("a test topic"),
            "sources": [{
                "id": "article", "title": "An article", "publisher": "A paper",
                "published": {"en": "June 2024", "ru": "июнь 2024", "ko": "2024년 6월"},
                "file": "article.txt", "exclude": ["Spam noise"]
            }],
            "menu": ["one"],
            "topics": [entry("one", "alpha"), entry("two", "beta")]
        })
    }

    fn load(value: &Value) -> Result<KnowledgeBase, KbError> {
        let dir = dir_with_article();
        KnowledgeBase::from_json("kb.json", &value.to_string(), dir.path())
    }

    fn violations(value: &Value) -> Vec<Violation> {
        match load(value) {
            Err(KbError::Invalid { violations, .. }) => violations,
            other => panic!("expected validation errors, got {other:?}"),
        }
    }

    fn only_violation(value: &Value) -> Violation {
        let v = violations(value);
        assert_eq!(v.len(), 1, "expected exactly one violation, got {v:?}");
        v.into_iter().next().unwrap()
    }

    #[test]
    fn embedded_knowledge_base_is_valid() {
        let kb = KnowledgeBase::embedded().unwrap_or_else(|e| panic!("{}", e.lines().join("\n")));
        assert!(kb.entries().len() >= 30);
        assert!(!kb.menu().is_empty());
    }

    #[test]
    fn valid_minimal_file_loads() {
        let kb = load(&base()).unwrap();
        assert_eq!(kb.entries().len(), 2);
        assert_eq!(kb.by_id("two").unwrap().title.en(), "Title two");
        assert_eq!(kb.by_id("two").unwrap().title.get(Lang::Ko), "제목 two");
        assert_eq!(kb.stats().entries, 2);
    }

    #[test]
    fn syntax_error_reports_file_line_and_column() {
        let dir = dir_with_article();
        let err = KnowledgeBase::from_json("kb.json", "{\n  \"sources\": [,]\n}", dir.path())
            .unwrap_err();
        match &err {
            KbError::Syntax { line, column, .. } => {
                assert_eq!(*line, 2);
                assert!(*column > 0);
            }
            other => panic!("{other:?}"),
        }
        assert!(err.to_string().starts_with("kb.json:2:"), "{err}");
    }

    #[test]
    fn unknown_field_is_rejected() {
        let mut kb = base();
        kb["topics"][0]["answr"] = json!("typo");
        let err = load(&kb).unwrap_err();
        assert!(matches!(err, KbError::Syntax { .. }));
        assert!(err.to_string().contains("unknown field `answr`"), "{err}");
    }

    #[test]
    fn many_problems_name_the_check_command_with_the_file() {
        let mut kb = base();
        kb["topics"][1]["id"] = json!("one");
        kb["menu"] = json!(["missing"]);
        let err = load(&kb).unwrap_err();
        assert!(
            err.to_string()
                .contains("run `ksilk --kb kb.json check` to list them"),
            "{err}"
        );
        assert_eq!(
            check_command("my kb's.json"),
            r"ksilk --kb 'my kb'\''s.json' check"
        );
    }

    #[test]
    fn unreadable_file_names_its_cause_once() {
        let dir = tempfile::tempdir().unwrap();
        let err = KnowledgeBase::load(&dir.path().join("absent.json")).unwrap_err();
        let chain = format!("{:#}", anyhow::Error::from(err));
        assert_eq!(chain.matches("No such file").count(), 1, "{chain}");
    }

    #[test]
    fn duplicate_id_is_rejected() {
        let mut kb = base();
        kb["topics"][1]["id"] = json!("one");
        let v = only_violation(&kb);
        assert_eq!(v.path, "topics[1].id");
        assert_eq!(
            v.rule,
            Rule::DuplicateId {
                first: "topics[0]".into()
            }
        );
    }

    #[test]
    fn id_that_is_not_a_short_slug_is_rejected() {
        let mut kb = base();
        kb["topics"][1]["id"] = json!("Two Words");
        assert_eq!(only_violation(&kb).rule, Rule::BadId);
        kb["topics"][1]["id"] = json!("x".repeat(MAX_ID_LEN + 1));
        assert_eq!(only_violation(&kb).rule, Rule::BadId);
    }

    #[test]
    fn duplicate_alias_is_rejected() {
        let mut kb = base();
        kb["topics"][1]["aliases"] = json!(["gamma", "ALPHA!"]);
        let v = only_violation(&kb);
        assert_eq!(v.path, "topics[1].aliases[1]");
        assert_eq!(
            v.rule,
            Rule::DuplicateAlias {
                alias: "ALPHA!".into(),
                first: "topics[0].aliases[0]".into()
            }
        );
        let err = load(&kb).unwrap_err().to_string();
        assert!(
            err.starts_with("kb.json: topics[1].aliases[1]: duplicate alias"),
            "{err}"
        );
    }

    #[test]
    fn alias_repeated_within_one_entry_is_allowed() {
        let mut kb = base();
        kb["topics"][0]["names"] = json!(["Alpha"]);
        assert!(load(&kb).is_ok());
    }

    #[test]
    fn alias_without_letters_is_rejected() {
        let mut kb = base();
        kb["topics"][0]["aliases"] = json!(["🙂"]);
        let v = only_violation(&kb);
        assert_eq!(v.path, "topics[0].aliases[0]");
        assert_eq!(v.rule, Rule::EmptyPhrase);
    }

    #[test]
    fn empty_answer_is_rejected() {
        let mut kb = base();
        kb["topics"][0]["answer"] = all("   ");
        let v = only_violation(&kb);
        assert_eq!(
            (v.path.as_str(), v.rule),
            ("topics[0].answer", Rule::EmptyAnswer)
        );
    }

    #[test]
    fn answer_over_the_length_limit_is_rejected() {
        let mut kb = base();
        kb["topics"][0]["answer"] = all(&"a".repeat(MAX_ANSWER_CHARS + 1));
        kb["topics"][0]["answer"]["ru"] = json!("a");
        kb["topics"][0]["answer"]["ko"] = json!("a");
        assert_eq!(
            only_violation(&kb).rule,
            Rule::AnswerTooLong {
                chars: MAX_ANSWER_CHARS + 1
            }
        );
    }

    #[test]
    fn answer_over_three_sentences_is_rejected() {
        let mut kb = base();
        kb["topics"][0]["answer"] = all("One. Two! Three? Four.");
        kb["topics"][0]["answer"]["ru"] = json!("Раз.");
        kb["topics"][0]["answer"]["ko"] = json!("하나.");
        assert_eq!(
            only_violation(&kb).rule,
            Rule::TooManySentences { sentences: 4 }
        );
    }

    #[test]
    fn abbreviations_do_not_count_as_sentences() {
        assert_eq!(count_sentences("The U.S. and the E.U. held summits."), 1);
        assert_eq!(count_sentences("It says \"go.\" Then it ends."), 2);
        assert_eq!(count_sentences("no full stop"), 1);
    }

    #[test]
    fn too_few_examples_is_rejected() {
        let mut kb = base();
        kb["topics"][0]["examples"] = json!(["only one"]);
        let v = only_violation(&kb);
        assert_eq!(v.path, "topics[0].examples");
        assert_eq!(v.rule, Rule::TooFewExamples { found: 1 });
    }

    #[test]
    fn unresolved_related_link_is_rejected() {
        let mut kb = base();
        kb["topics"][0]["related"] = json!(["two", "nowhere"]);
        let v = only_violation(&kb);
        assert_eq!(v.path, "topics[0].related[1]");
        assert_eq!(
            v.rule,
            Rule::UnknownLink {
                id: "nowhere".into()
            }
        );
    }

    #[test]
    fn unnamed_speaker_on_small_talk_is_rejected() {
        let mut kb = base();
        let mut hello = entry("hello", "hi there");
        hello["source"] = Value::Null;
        hello["evidence"] = json!([]);
        hello["unnamed_speaker"] = json!(true);
        kb["smalltalk"] = json!([hello]);
        let v = only_violation(&kb);
        assert_eq!(v.rule, Rule::UnnamedSpeakerWithoutFact);
        assert_eq!(v.path, "smalltalk[0].unnamed_speaker");
    }

    #[test]
    fn the_unnamed_officials_words_are_marked_and_kim_tae_hyos_are_not() {
        let kb = KnowledgeBase::embedded().unwrap();
        let unnamed = |id: &str| kb.entry(kb.find(id).unwrap()).unnamed_speaker;
        for id in [
            "demographics",
            "imperialism",
            "partnership-areas",
            "russia-china",
        ] {
            assert!(unnamed(id), "{id}");
            // The English answer says who, as far as the source does.
            let answer = kb.entry(kb.find(id).unwrap()).answer.en();
            assert!(answer.contains("senior official"), "{id}: {answer}");
        }
        for id in [
            "vision",
            "diplomatic-frontline",
            "announcement",
            "k-silk-road",
        ] {
            assert!(!unnamed(id), "{id}");
        }
    }

    #[test]
    fn link_to_itself_is_rejected() {
        let mut kb = base();
        kb["topics"][0]["related"] = json!(["one"]);
        assert_eq!(only_violation(&kb).rule, Rule::SelfLink);
    }

    #[test]
    fn unresolved_menu_item_is_rejected() {
        let mut kb = base();
        kb["menu"] = json!(["three"]);
        assert_eq!(only_violation(&kb).path, "menu[0]");
    }

    #[test]
    fn unknown_source_is_rejected() {
        let mut kb = base();
        kb["topics"][0]["source"] = json!("blog");
        let v = violations(&kb);
        assert_eq!(v[0].path, "topics[0].source");
        assert_eq!(v[0].rule, Rule::UnknownSource { id: "blog".into() });
    }

    #[test]
    fn fact_without_source_or_evidence_is_rejected() {
        let mut kb = base();
        kb["topics"][0]["source"] = Value::Null;
        kb["topics"][0]["evidence"] = json!([]);
        let v = violations(&kb);
        assert!(v.contains(&Violation {
            path: "topics[0].source".into(),
            rule: Rule::MissingSource
        }));
        assert!(v.contains(&Violation {
            path: "topics[0].evidence".into(),
            rule: Rule::MissingEvidence
        }));
    }

    #[test]
    fn smalltalk_needs_no_source() {
        let mut kb = base();
        let mut hello = entry("hello", "hi there");
        hello["source"] = Value::Null;
        hello["evidence"] = json!([]);
        kb["smalltalk"] = json!([hello]);
        assert!(load(&kb).is_ok());
    }

    #[test]
    fn evidence_not_in_source_is_rejected() {
        let mut kb = base();
        kb["topics"][1]["evidence"] = json!(["Korea will invest $10 billion."]);
        let v = only_violation(&kb);
        assert_eq!(v.path, "topics[1].evidence[0]");
        assert_eq!(
            v.rule,
            Rule::EvidenceNotInSource {
                source: "article".into()
            }
        );
    }

    #[test]
    fn evidence_must_match_verbatim_not_just_loosely() {
        let mut kb = base();
        kb["topics"][1]["evidence"] = json!(["korea will create a summit."]);
        assert!(matches!(
            only_violation(&kb).rule,
            Rule::EvidenceNotInSource { .. }
        ));
    }

    #[test]
    fn evidence_quoting_scrape_noise_is_rejected() {
        let mut kb = base();
        kb["topics"][1]["evidence"] = json!(["Spam noise here."]);
        assert_eq!(
            only_violation(&kb).rule,
            Rule::EvidenceQuotesNoise {
                noise: "Spam noise".into()
            }
        );
    }

    #[test]
    fn missing_source_file_names_the_file() {
        let mut kb = base();
        kb["sources"][0]["file"] = json!("missing.txt");
        let err = load(&kb).unwrap_err();
        let v = match &err {
            KbError::Invalid { violations, .. } => violations[0].clone(),
            other => panic!("{other:?}"),
        };
        assert_eq!(v.path, "sources[0].file");
        assert!(err.to_string().contains("missing.txt"), "{err}");
    }

    #[test]
    fn every_problem_is_reported_not_just_the_first() {
        let mut kb = base();
        kb["topics"][0]["answer"] = all("");
        kb["topics"][1]["related"] = json!(["ghost"]);
        let err = load(&kb).unwrap_err();
        assert_eq!(err.lines().len(), 2);
        assert!(err.to_string().contains("and 1 more problem"), "{err}");
    }

    #[test]
    fn empty_knowledge_base_is_rejected() {
        let kb = json!({"scope": all("x"), "sources": [], "topics": []});
        assert_eq!(only_violation(&kb).rule, Rule::NoEntries);
    }

    #[test]
    fn missing_file_is_an_io_error_naming_the_path() {
        let err = KnowledgeBase::load(Path::new("/nonexistent/kb.json")).unwrap_err();
        assert!(matches!(err, KbError::Io { .. }));
        assert!(
            err.to_string()
                .starts_with("/nonexistent/kb.json: cannot read")
        );
    }

    #[test]
    fn missing_translation_is_rejected() {
        let mut kb = base();
        kb["topics"][1]["answer"] =
            json!({"en": "Korea will create a summit.", "ru": "Корея создаст саммит."});
        let v = only_violation(&kb);
        assert_eq!(v.path, "topics[1].answer.ko");
        assert_eq!(v.rule, Rule::MissingTranslation { lang: Lang::Ko });
        let err = load(&kb).unwrap_err().to_string();
        assert!(
            err.starts_with("kb.json: topics[1].answer.ko: missing translation"),
            "{err}"
        );
    }

    #[test]
    fn empty_translation_is_rejected() {
        let mut kb = base();
        kb["topics"][0]["title"]["ru"] = json!("  ");
        let v = only_violation(&kb);
        assert_eq!(v.path, "topics[0].title.ru");
        assert_eq!(v.rule, Rule::MissingTranslation { lang: Lang::Ru });
    }

    #[test]
    fn translated_answer_over_the_limits_is_rejected() {
        let mut kb = base();
        kb["topics"][0]["answer"]["ko"] = json!("하나. 둘. 셋. 넷.");
        let v = only_violation(&kb);
        assert_eq!(v.path, "topics[0].answer.ko");
        assert_eq!(v.rule, Rule::TooManySentences { sentences: 4 });
    }

    #[test]
    fn translation_with_other_numbers_is_rejected() {
        let mut kb = base();
        kb["topics"][0]["answer"] = json!({
            "en": "The summit is in 2025.",
            "ru": "Саммит пройдёт в 2026 году.",
            "ko": "정상회의는 2025년에 열립니다."
        });
        let v = only_violation(&kb);
        assert_eq!(v.path, "topics[0].answer.ru");
        assert_eq!(
            v.rule,
            Rule::TranslationNumbersDiffer {
                lang: Lang::Ru,
                english: vec![2025],
                translated: vec![2026]
            }
        );
    }

    #[test]
    fn month_names_and_korean_counters_count_as_the_same_date() {
        assert_eq!(numbers_in("on Friday, June 7, 2024"), vec![6, 7, 2024]);
        assert_eq!(numbers_in("в пятницу, 7 июня 2024 года"), vec![6, 7, 2024]);
        assert_eq!(numbers_in("2024년 6월 7일 금요일"), vec![6, 7, 2024]);
        assert_eq!(numbers_in("June 10-15, 2024"), vec![6, 10, 15, 2024]);
        assert_eq!(numbers_in("you may ask"), Vec::<u32>::new());
        assert_eq!(numbers_in("в мае и в мае"), vec![5]);
        assert_eq!(numbers_in("국가안보실 제1차장"), Vec::<u32>::new());
    }

    #[test]
    fn translation_naming_other_countries_is_rejected() {
        let mut kb = base();
        kb["countries"] = json!([{
            "id": "kazakhstan",
            "title": {"en": "Kazakhstan", "ru": "Казахстан", "ko": "카자흐스탄"},
            "examples": ["kazakhstan?", "what about kazakhstan"],
            "answer": all("Korea will create a summit."),
            "source": "article",
            "evidence": ["Korea will create a summit."]
        }]);
        kb["topics"][0]["answer"] = json!({
            "en": "Korea will work with Kazakhstan.",
            "ru": "Корея будет работать с Казахстаном.",
            "ko": "한국은 그 나라와 협력합니다."
        });
        let v = only_violation(&kb);
        assert_eq!(v.path, "topics[0].answer.ko");
        assert_eq!(
            v.rule,
            Rule::TranslationNamesDiffer {
                lang: Lang::Ko,
                name: "Kazakhstan".into(),
                in_english: true
            }
        );
        kb["topics"][0]["answer"]["ko"] = json!("한국은 카자흐스탄과 협력합니다.");
        assert!(load(&kb).is_ok());
    }

    #[test]
    fn translated_titles_must_be_unique_across_entries() {
        let mut kb = base();
        kb["topics"][1]["title"]["ru"] = json!("Заголовок one");
        let v = only_violation(&kb);
        assert_eq!(v.path, "topics[1].title.ru");
        assert!(matches!(v.rule, Rule::DuplicateAlias { .. }), "{v:?}");
    }

    #[test]
    fn a_plain_string_where_three_languages_belong_is_a_syntax_error() {
        let mut kb = base();
        kb["topics"][0]["title"] = json!("Title only in English");
        let err = load(&kb).unwrap_err();
        assert!(matches!(err, KbError::Syntax { .. }), "{err}");
    }
}
