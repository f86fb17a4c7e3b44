//! What a question asks about its topic: the facets. "When", "where",
//! "who" and "why" are question words the index reads (in every language,
//! through [`crate::morph`]); "how much", "who said it" and "what did he say"
//! are shapes of a whole message, read here from its words. An entry answers
//! a facet when enough of its example questions ask with it (see
//! `Index::build`), and a question that asks one prefers those entries.
//!
//! They live apart from the index because they need none: each is a plain
//! predicate over the words, the same for a user's message and for an
//! entry's examples, which is what keeps the two in step.

use crate::normalize::tokenize;

/// The question words that pick a part of a topic, as indexed (Russian and
/// Korean ones are read as these, see [`crate::morph`]).
pub(super) const FACET_WORDS: [&str; 4] = ["when", "where", "who", "why"];
/// The facet bit of "how much" / "how many" ("сколько", "얼마나"): kept
/// for follow-ups ([`crate::dialogue`]), not applied to single questions,
/// where "how" asks too many other things.
pub const QUANTITY_FACET: u8 = 1 << 4;

/// Does the text ask "how much" or "how many", in English, Russian, Korean
/// or Uzbek/Kazakh Latin?
pub fn asks_quantity(text: &str) -> bool {
    let words = tokenize(text);
    words
        .windows(2)
        .any(|w| w[0] == "how" && matches!(w[1].as_str(), "much" | "many"))
        || words.iter().any(|w| {
            w.starts_with("сколько")
                || w.starts_with("얼마")
                || w.starts_with('몇')
                || w.starts_with("qancha")
                || w.starts_with("qansha")
        })
}

/// Does the text ask about a visit or a trip, in English, Russian, Korean or
/// Uzbek/Kazakh ("will the president go to Uzbekistan?", "в таджикистан юн
/// поедет?", "키르기스스탄은 안 가?")? "Going" is left out: "is Korea going to
/// offer…" is no trip.
pub fn asks_visit(text: &str) -> bool {
    const EN: &[&str] = &[
        "go", "goes", "went", "gone", "come", "comes", "came", "coming", "tour", "stop", "stops",
        "stopping", "stopped",
    ];
    const STEMS: &[&str] = &[
        "visit",
        "trip",
        "itinerar",
        "travel",
        "поед",
        "приед",
        "едет",
        "едут",
        "ездил",
        "езди",
        "заезж",
        "посет",
        "посещ",
        "визит",
        "поездк",
        "турне",
        "побыва",
        "순방",
        "방문",
        "갔",
        "들르",
        "들러",
        "tashrif",
        "sapar",
        "сапар",
        "келеді",
        "барады",
    ];
    const KO_GO: &[&str] = &[
        "가",
        "가요",
        "가는",
        "가나요",
        "가니",
        "갑니까",
        "가세요",
        "가시나요",
        "가시는",
        "간대",
        "간다",
        "가는지",
        "와요",
        "오나요",
        "오는",
    ];
    const UZ: &[&str] = &[
        "keladi", "keldi", "kelgan", "kelganmi", "boradi", "bordi", "borgan",
    ];
    tokenize(text).iter().any(|w| {
        let w = w.as_str();
        EN.contains(&w)
            || KO_GO.contains(&w)
            || UZ.contains(&w)
            || STEMS.iter().any(|stem| w.starts_with(stem))
    })
}

/// The facet bit of "when" ([`FACET_WORDS`]' first word).
pub(super) const WHEN_FACET: u8 = 1 << 0;

/// Does the text ask for a date in other words than "when": "what year",
/// "which month", "с какого года", "в каком месяце", "какого числа", "몇
/// 년", "몇 월"? That asks when, as "когда" and "언제" do.
pub fn asks_date(text: &str) -> bool {
    let mut seen = DateWords::default();
    crate::normalize::tokenize_each(text, |w| seen.read(w));
    seen.asked
}

/// What [`asks_date`] has seen of a message's words so far: it reads them
/// one by one, so that [`shape_facets`] reads a message's words once for
/// every shape it asks.
#[derive(Default)]
struct DateWords {
    asked: bool,
    after_which: bool,
    after_myeot: bool,
}

impl DateWords {
    fn read(&mut self, w: &str) {
        const WHICH: &[&str] = &[
            "what",
            "which",
            "какой",
            "какого",
            "каком",
            "какие",
            "какое",
            "какая",
        ];
        const KO_DATES: &[&str] = &["몇년", "몇월", "며칠", "몇일"];
        let date_word = is_date_word(w);
        self.asked |= (self.after_which && date_word)
            || KO_DATES.iter().any(|p| w.starts_with(p))
            || (self.after_myeot && (w.starts_with('년') || w.starts_with('월')));
        self.after_which = WHICH.contains(&w);
        self.after_myeot = w == "몇";
    }
}

/// Is the word one a date is asked with ("year", "месяца", "числа")?
pub fn is_date_word(w: &str) -> bool {
    const DATE_STEMS: &[&str] = &["год", "месяц", "числ", "дат"];
    matches!(w, "year" | "month" | "day" | "date")
        || DATE_STEMS.iter().any(|stem| w.starts_with(stem))
}

/// The facets a text asks by its shape rather than by a question word:
/// who said it ([`asks_speaker`]) and a date asked as "what year"
/// ([`asks_date`]), from one reading of its words (every question the
/// matcher ranks is asked both).
pub fn shape_facets(text: &str) -> u8 {
    let mut speaker = SpeakerWords::default();
    let mut date = DateWords::default();
    crate::normalize::tokenize_each(text, |w| {
        speaker.read(w);
        date.read(w);
    });
    let speaker = if speaker.ask_the_speaker() {
        SPEAKER_FACET
    } else {
        0
    };
    let date = if date.asked { WHEN_FACET } else { 0 };
    speaker | date
}

/// The facet bit of "who" ([`FACET_WORDS`]' third word).
pub(super) const WHO_FACET: u8 = 1 << 2;
/// The facet bit of "why" ([`FACET_WORDS`]' fourth word).
pub const WHY_FACET: u8 = 1 << 3;

/// The facet bit of "who said it": who is the source of a statement, which
/// in a follow-up is another question than "who takes part" ("who said
/// that?" after the summit asks who announced it, not who attends). It
/// replaces the "who" bit wherever it is asked, and like
/// [`QUANTITY_FACET`] is kept for follow-ups.
pub const SPEAKER_FACET: u8 = 1 << 5;

/// Is the word a verb of speech ("said", "сказал", "말했어", "aytdi"), in
/// English, Russian, Korean or Uzbek Latin? Being quoted is being the
/// speaker ("who was quoted on imperialism?").
fn is_speech_verb(w: &str) -> bool {
    const STEMS: &[&str] = &[
        "announc",
        "mention",
        "quot",
        "цитир",
        "인용",
        "сказа",
        "говор",
        "заяв",
        "объяв",
        "анонс",
        "рассказ",
        "сообщ",
        "озвучи",
        "упомин",
        "упомя",
        "말했",
        "말한",
        "말함",
        "말하",
        "발표",
        "얘기",
        "언급",
        "밝혔",
        "밝힌",
    ];
    matches!(
        w,
        "said" | "say" | "says" | "saying" | "stated" | "told" | "spoke" | "claimed" | "declared"
    ) || STEMS
        .iter()
        .chain(UZBEK_SPEECH)
        .any(|stem| w.starts_with(stem))
}

/// Does the text ask who said, announced or stated something, in English,
/// Russian, Korean or Uzbek Latin ("who said that?", "а кто это сказал?",
/// "누가 발표했어?", "kim aytdi")? A question word and a verb of speech
/// must both be there: "who takes part?" asks no speaker, and "what did
/// he say?" asks what, not who.
pub fn asks_speaker(text: &str) -> bool {
    // Every question the matcher ranks is asked this, so its words are read
    // one by one, with no string kept for each.
    let mut seen = SpeakerWords::default();
    crate::normalize::tokenize_each(text, |w| seen.read(w));
    seen.ask_the_speaker()
}

/// [`asks_speaker`] over words already cut.
fn speaker_asked_in(words: &[String]) -> bool {
    let mut seen = SpeakerWords::default();
    words.iter().for_each(|w| seen.read(w));
    seen.ask_the_speaker()
}

/// What [`asks_speaker`] has seen of a message's words so far.
#[derive(Default)]
struct SpeakerWords {
    who: bool,
    speech_verb: bool,
    kim: bool,
    uzbek_speech_verb: bool,
}

impl SpeakerWords {
    fn read(&mut self, w: &str) {
        self.who |= is_speaker_word(w);
        self.speech_verb |= is_speech_verb(w);
        self.kim |= w == "kim";
        self.uzbek_speech_verb |= UZBEK_SPEECH.iter().any(|stem| w.starts_with(stem));
    }

    /// A "who" and a verb of speech; or "kim", which is Uzbek "who" only
    /// beside an Uzbek verb ("what did Kim say?" asks what Kim Tae-hyo said).
    fn ask_the_speaker(&self) -> bool {
        (self.who && self.speech_verb) || (self.kim && self.uzbek_speech_verb)
    }
}

/// The Uzbek Latin verbs of speech, the only ones "kim" (who) asks with.
const UZBEK_SPEECH: &[&str] = &["aytdi", "aytgan", "e'lon", "elon", "dedi", "degan"];

fn is_speaker_word(w: &str) -> bool {
    matches!(
        w,
        "who" | "whom" | "кто" | "кем" | "누가" | "누구" | "누구야" | "누구예요" | "누구에요"
    )
}

/// Does the text ask who a person is or what his name is ("who is he?",
/// "what's his name?", "как его зовут?", "그 관계자 이름이 뭐야?", "누구야?",
/// "ismi nima?")? In a follow-up about someone the source does not name,
/// that is what it cannot tell.
pub fn asks_who_he_is(text: &str) -> bool {
    let words = tokenize(text);
    words.iter().any(|w| {
        is_speaker_word(w)
            || matches!(
                w.as_str(),
                "name" | "names" | "named" | "зовут" | "имя" | "имени" | "фамилия" | "ism"
            )
            || w.starts_with("이름")
            || w.starts_with("성함")
            || w.starts_with("ismi")
    })
}

/// The facet bit of "what did he say?": the words of a person, which an
/// entry that quotes someone answers ("the vision" quotes Kim Tae-hyo). Like
/// [`QUANTITY_FACET`] it is kept for follow-ups: alone, "what did the
/// article say about uranium?" asks about uranium.
pub const STATEMENT_FACET: u8 = 1 << 6;

/// Is the word one of those [`asks_statement`] reads: a "what", a person
/// pointed at, or a verb of speech? The rest of the message is what the
/// statement is about.
pub fn is_statement_word(w: &str) -> bool {
    is_speech_verb(w) || is_what_word(w) || is_person_word(w)
}

fn is_what_word(w: &str) -> bool {
    matches!(
        w,
        "what" | "else" | "что" | "чего" | "ещё" | "еще" | "nima" | "뭐" | "뭘" | "무슨" | "또"
    ) || w.starts_with("뭐라")
}

fn is_person_word(w: &str) -> bool {
    const KOREAN: &[&str] = &["그분", "그사람", "사람", "걔", "김태효", "차장", "관계자"];
    matches!(
        w,
        "he" | "she"
            | "they"
            | "him"
            | "kim"
            | "official"
            | "guy"
            | "он"
            | "она"
            | "они"
            | "ким"
            | "чиновник"
            | "представитель"
            | "u"
            | "ular"
            | "그"
    ) || KOREAN.iter().any(|p| w.starts_with(p))
}

/// Does the text ask what a person said ("what did he say?", "а что он
/// сказал?", "그 사람이 뭐라고 했는데?", "u nima dedi?")? A "what", a person
/// and a verb of speech must all be there ("뭐라고" is both a "what" and
/// speech), and no "who": "who said it?" asks the speaker
/// ([`asks_speaker`]), "what does the article say?" no person's words.
pub fn asks_statement(text: &str) -> bool {
    let words = tokenize(text);
    let quoting = |w: &String| w.starts_with("뭐라");
    words.iter().any(|w| is_what_word(w))
        && words.iter().any(|w| is_person_word(w))
        && words.iter().any(|w| is_speech_verb(w) || quoting(w))
        && !speaker_asked_in(&words)
}

/// Does the text ask what a person said or how he put it ("What did Kim
/// Tae-hyo say the initiative aims for?", "김태효 1차장이 이 구상을 어떻게
/// 설명했나요?", "как Ким описал цель?")? It is [`asks_statement`] with
/// "how" beside "what" and describing beside speaking, and without the
/// verbs of announcing: what he announced is the announcement itself, his
/// words are what he said about it. A single question is asked this only
/// when its answer would be who the person is ([`crate::engine`]), so the
/// looser reading does not reach the entries' facets.
pub fn asks_how_it_was_put(text: &str) -> bool {
    const DESCRIBING: &[&str] = &[
        "describ",
        "explain",
        "описа",
        "описыв",
        "объясн",
        "охарактериз",
        "설명",
        "묘사",
        "표현",
    ];
    const ANNOUNCING: &[&str] = &["announc", "объяв", "анонс", "발표", "e'lon", "elon"];
    let words = tokenize(text);
    let asks = |w: &String| {
        is_what_word(w) || w.starts_with("뭐라") || matches!(w.as_str(), "how" | "как" | "어떻게")
    };
    let telling = |w: &String| {
        is_speech_verb(w) || w.starts_with("뭐라") || DESCRIBING.iter().any(|d| w.starts_with(d))
    };
    let announcing = |w: &String| ANNOUNCING.iter().any(|a| w.starts_with(a));
    words.iter().any(asks)
        && words.iter().any(|w| is_person_word(w))
        && words.iter().any(telling)
        && !words.iter().any(announcing)
        && !speaker_asked_in(&words)
}

/// Does the question ask about the present ("is yoon still president?",
/// "а сейчас он президент?", "지금도 대통령이야?")? The source is from June
/// 2024, and the reader may be years later: an answer to it says so. Only
/// in a short question ([`NOW_MAX_WORDS`]): in a long message "now" and
/// "still" are mostly the asker's own story ("I still read everything
/// about the region", "and now I'm curious").
pub fn asks_now(text: &str) -> bool {
    let mut now = false;
    let mut words = 0;
    crate::normalize::tokenize_each(text, |w| {
        words += 1;
        now |= matches!(
            w,
            "still"
                | "now"
                | "currently"
                | "anymore"
                | "nowadays"
                | "сейчас"
                | "сих"
                | "нынешний"
                | "нынче"
                | "прежнему"
                | "hozir"
                | "hozirgi"
                | "hali"
                | "qazir"
                | "қазір"
        ) || ["지금", "아직", "현재", "여전히"]
            .iter()
            .any(|p| w.starts_with(p));
    });
    now && words <= NOW_MAX_WORDS
}

/// The most words a question about the present has ([`asks_now`]).
const NOW_MAX_WORDS: usize = 12;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_asked_as_what_year_or_which_month_asks_when() {
        for q in [
            "what year?",
            "which month exactly",
            "с какого года?",
            "в каком месяце?",
            "какого числа?",
            "몇 년에?",
            "몇월?",
            "며칠에?",
        ] {
            assert!(asks_date(q), "{q}");
        }
        for q in [
            "what is the k-silk road",
            "which countries?",
            "год назад",
            "몇 나라?",
        ] {
            assert!(!asks_date(q), "{q}");
        }
    }

    #[test]
    fn asking_who_he_is_or_his_name_is_read_in_every_language() {
        for q in [
            "who is he?",
            "what's his name?",
            "name?",
            "как его зовут?",
            "а кто это?",
            "그 관계자 이름이 뭐야?",
            "누구야?",
            "uning ismi nima?",
        ] {
            assert!(asks_who_he_is(q), "{q}");
        }
        for q in ["what did he say?", "when?", "что он сказал?", "언제?"] {
            assert!(!asks_who_he_is(q), "{q}");
        }
    }

    #[test]
    fn asking_the_speaker_reads_the_same_words_as_the_rule_over_cut_words() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");
        let mut texts = vec![
            "who said it?".to_owned(),
            "what did Kim say?".to_owned(),
            "buni kim aytdi?".to_owned(),
            "WHO SAID THAT".to_owned(),
            String::new(),
        ];
        for file in std::fs::read_dir(dir).unwrap() {
            let path = file.unwrap().path();
            if path.extension().is_some_and(|e| e == "jsonl") {
                let text = std::fs::read_to_string(&path).unwrap();
                texts.extend(text.lines().filter_map(|line| {
                    let value: serde_json::Value = serde_json::from_str(line).ok()?;
                    Some(value["q"].as_str()?.to_owned())
                }));
            }
        }
        let mut asked = 0;
        for text in &texts {
            let cut = speaker_asked_in(&tokenize(text));
            assert_eq!(asks_speaker(text), cut, "{text}");
            asked += usize::from(cut);
        }
        // Both kinds of question are among them.
        assert!(asked >= 4 && asked < texts.len() / 2, "{asked}");
    }

    #[test]
    fn a_question_about_the_present_is_told_apart_from_one_about_the_source() {
        for q in [
            "is yoon still president now?",
            "юн до сих пор президент?",
            "а сейчас он президент?",
            "윤석열 아직도 대통령이야?",
            "지금은 누가 대통령이에요?",
            "Yoon hozir ham prezidentmi?",
        ] {
            assert!(asks_now(q), "{q}");
        }
        for q in [
            "who is yoon",
            "when is the summit?",
            "что такое к-шелковый путь",
            "윤석열 대통령은 누구야",
            "tell me more",
            "My late husband worked on the railways in Kazakhstan and I still read everything about the region. So why Central Asia?",
        ] {
            assert!(!asks_now(q), "{q}");
        }
    }
}
