//! The built-in knowledge base against its source article: every fact is
//! quoted verbatim, nothing from the scrape's noise leaks in, relative dates
//! reach users as absolute ones, and the evaluation set is not copied from it.

use std::collections::HashSet;

use ksilk::KnowledgeBase;
use ksilk::eval::load_cases;
use ksilk::kb::Kind;
use ksilk::lang::Lang;
use ksilk::normalize::normalize;

const ARTICLE: &str = include_str!("../data/sources/k-silk-road-korea-times.txt");

fn kb() -> KnowledgeBase {
    KnowledgeBase::embedded().expect("the built-in knowledge base is valid")
}

#[test]
fn every_evidence_quote_appears_verbatim_in_the_article() {
    let kb = kb();
    let mut quotes = 0;
    for entry in kb.entries() {
        for quote in &entry.evidence {
            assert!(ARTICLE.contains(quote.as_str()), "{}: {quote:?}", entry.id);
            quotes += 1;
        }
        if entry.kind.is_factual() {
            assert!(!entry.evidence.is_empty(), "{} has no evidence", entry.id);
        }
    }
    assert!(quotes >= 40, "only {quotes} quotes");
}

#[test]
fn every_paragraph_of_the_article_is_used_as_evidence() {
    let kb = kb();
    let quotes: Vec<&str> = kb
        .entries()
        .iter()
        .flat_map(|e| e.evidence.iter().map(String::as_str))
        .collect();
    let knowledge_lines = [5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27];
    for n in knowledge_lines {
        let line = ARTICLE.lines().nth(n - 1).unwrap();
        assert!(
            quotes.iter().any(|q| line.contains(q)),
            "no entry quotes line {n}: {line}"
        );
    }
}

#[test]
fn nothing_from_the_scrape_noise_reaches_an_answer() {
    let kb = kb();
    for entry in kb.entries() {
        let text = format!("{:?} {:?} {:?}", entry.title, entry.answer, entry.evidence);
        for noise in [
            "Warsaw",
            "Poland",
            "Chopin",
            "Kim Keon Hee",
            "카지노",
            "casino",
            "Leave a Reply",
            "Required fields",
        ] {
            assert!(!text.contains(noise), "{} mentions {noise}", entry.id);
        }
        for alias in entry.labels() {
            assert!(!alias.contains("카지노"), "{} alias {alias}", entry.id);
        }
    }
}

#[test]
fn relative_dates_reach_users_as_absolute_dates() {
    let kb = kb();
    for entry in kb.entries() {
        let answer = entry.answer.en().to_lowercase();
        if answer.contains("next year") {
            assert!(answer.contains("2025"), "{}: {answer}", entry.id);
        }
        if answer.contains("last year") {
            assert!(answer.contains("2023"), "{}: {answer}", entry.id);
        }
        assert!(
            !answer.contains("next week") || answer.contains("2024"),
            "{}",
            entry.id
        );
    }
    let summit = kb.by_id("korea-central-asia-summit").unwrap().answer.en();
    assert!(summit.contains("Seoul") && summit.contains("2025"));
    let pacific = kb.by_id("korea-pacific-islands-summit").unwrap();
    assert!(pacific.answer.en().contains("2023"));
}

#[test]
fn plans_are_told_as_plans_with_their_date() {
    let kb = kb();
    for entry in kb.entries() {
        let answer = entry.answer.en();
        for claim in [
            "first held in",
            "was held in Seoul",
            "took place in Seoul",
            "made state visits",
        ] {
            assert!(!answer.contains(claim), "{}: {answer}", entry.id);
        }
    }
    for id in [
        "k-silk-road",
        "korea-central-asia-summit",
        "summit-date",
        "summit-status",
    ] {
        let answer = kb.by_id(id).unwrap().answer.en();
        assert!(
            answer.contains("was to be held in Seoul in 2025"),
            "{id}: {answer}"
        );
    }
    let status = kb.by_id("summit-status").unwrap().answer.en();
    assert!(status.contains("before the summit"), "{status}");
}

#[test]
fn the_whole_knowledge_base_is_in_three_languages() {
    let kb = kb();
    let has = |text: &str, range: std::ops::RangeInclusive<char>| {
        text.chars().any(|c| range.contains(&c))
    };
    for entry in kb.entries() {
        for text in [&entry.title, &entry.answer] {
            assert!(
                has(text.get(Lang::Ru), 'а'..='я'),
                "{}: {:?}",
                entry.id,
                text
            );
            assert!(
                has(text.get(Lang::Ko), '가'..='힣'),
                "{}: {:?}",
                entry.id,
                text
            );
            assert!(
                !has(text.en(), 'а'..='я') || entry.kind == Kind::OffTopic,
                "{}",
                entry.id
            );
        }
    }
    for lang in [Lang::Ru, Lang::Ko] {
        assert_ne!(kb.scope(lang), kb.scope(Lang::En));
        for gap in &kb.sources()[0].does_not_give {
            assert_ne!(gap.get(lang), gap.en());
        }
    }
}

#[test]
fn where_the_article_is_silent_the_answer_says_so() {
    let kb = kb();
    for (id, needle) in [
        ("uzbekistan", "does not say"),
        ("tajikistan", "does not say"),
        ("summit-date", "no exact date"),
        ("figures", "no figures"),
        ("agreements", "does not say"),
        ("visit-cities", "does not name"),
        ("summit-status", "cannot tell"),
    ] {
        let answer = kb.by_id(id).unwrap().answer.en();
        assert!(answer.contains(needle), "{id}: {answer}");
    }
}

#[test]
fn all_five_countries_and_four_pillars_are_entries() {
    let kb = kb();
    let countries: Vec<&str> = kb
        .of_kind(Kind::Country)
        .map(|i| kb.entry(i).id.as_str())
        .collect();
    assert_eq!(
        countries,
        [
            "kazakhstan",
            "kyrgyzstan",
            "tajikistan",
            "turkmenistan",
            "uzbekistan"
        ]
    );
    assert_eq!(kb.of_kind(Kind::Pillar).count(), 4);
    assert_eq!(kb.of_kind(Kind::Summit).count(), 3);
}

#[test]
fn evaluation_questions_are_not_copied_from_the_knowledge_base() {
    let kb = kb();
    let phrases: HashSet<String> = kb
        .entries()
        .iter()
        .flat_map(|e| e.examples.iter().map(|x| normalize(x)))
        .collect();
    for file in ["eval.jsonl", "heldout.jsonl", "dev-2.jsonl"] {
        let path = format!("{}/tests/data/{file}", env!("CARGO_MANIFEST_DIR"));
        for case in load_cases(std::path::Path::new(&path)).unwrap() {
            assert!(
                !phrases.contains(&normalize(&case.q)),
                "{file}: question copied from an example: {:?}",
                case.q
            );
        }
    }
}
