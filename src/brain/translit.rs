//! Russian typed in Latin letters ("chto takoe K-Silk Road?", "kakie strany
//! poseschaet Yoon"), read back into Cyrillic.
//!
//! Many people in Central Asia type Russian on a Latin keyboard. The matcher
//! and the classifier know Russian words in Cyrillic only, so "strany" is an
//! unknown word to them, and an unknown word weighs like an off-topic one.
//! [`to_cyrillic`] spells a Latin word the way such typists do, in reverse:
//! the informal scheme ("ch", "sh", "zh", "kh", "ts", "ya", "yu", "shch" or
//! "sch", a final "iy"/"yi"), which covers the scholarly and passport ones
//! closely enough for a fuzzy matcher. It only proposes a spelling; the
//! caller ([`crate::matcher::Index::read_translit`]) keeps it only for a word
//! the knowledge base does not know in Latin letters and does know in
//! Cyrillic, so English words, names and Uzbek words stay as they are.
//!
//! Informal typists mostly leave the soft sign out ("tsentralnoy" for
//! "центральной", "yanvar" for "январь"): no Latin letter stands for it.
//! [`soft_sign_readings`] proposes the spellings with one "ь" put back, for
//! the caller to try when the plain spelling is unknown.
//!
//! The other way round, Uzbek and Kazakh written in Cyrillic ("Марказий
//! Осиё саммити қаерда бўлади?") are read in the Latin letters their
//! loanwords are known in ([`turkic_to_latin`]): the knowledge base knows
//! "markaziy", "qaerda" and "yonalish" in Latin script only, and a Cyrillic
//! word it does not know reads like an off-topic one. Only a message with a
//! letter Russian lacks (ў, қ, ғ, ҳ, ә, ң, ө, ұ, ү, һ, і) is read so
//! ([`has_turkic_letter`]), and again only unknown words that become known.

/// Multi-letter Latin spellings of one Cyrillic letter, longest first.
const CLUSTERS: &[(&str, &str)] = &[
    ("shch", "щ"),
    ("sch", "щ"),
    ("ch", "ч"),
    ("sh", "ш"),
    ("zh", "ж"),
    ("kh", "х"),
    ("ts", "ц"),
    ("tz", "ц"),
    ("yu", "ю"),
    ("ju", "ю"),
    ("ya", "я"),
    ("ja", "я"),
    ("yo", "ё"),
    ("jo", "ё"),
    ("ye", "е"),
    ("je", "е"),
];

/// Words that begin with "э" in Russian, where a plain "e" begins most.
const E_WORDS: &[&str] = &[
    "eto",
    "etot",
    "eta",
    "eti",
    "etom",
    "etoy",
    "etoi",
    "etogo",
    "etim",
    "etih",
    "etikh",
    "ekonomika",
    "ekonomiki",
    "ekonomicheskoe",
    "energetika",
    "energetiki",
    "energii",
    "energiya",
    "eksport",
];

fn is_vowel(c: char) -> bool {
    matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'y')
}

/// The Cyrillic spelling of a lowercase Latin word, or `None` when the word
/// has a character no Russian transliteration uses (a digit, "ğ", "ʻ").
pub fn to_cyrillic(word: &str) -> Option<String> {
    if word.is_empty() || !word.chars().all(|c| c.is_ascii_lowercase() || c == '\'') {
        return None;
    }
    let mut out = String::with_capacity(word.len() * 2);
    let bytes = word.as_bytes();
    let mut i = 0;
    if E_WORDS.contains(&word) {
        out.push('э');
        i = 1;
    }
    'letters: while i < bytes.len() {
        let rest = &word[i..];
        // A final "iy", "yi", "ij" or "yy" is an adjective's "-ий"/"-ый".
        for (ending, cyr) in [("iy", "ий"), ("ij", "ий"), ("yi", "ый"), ("yy", "ый")] {
            if rest == ending && i > 0 {
                out.push_str(cyr);
                break 'letters;
            }
        }
        for (latin, cyr) in CLUSTERS {
            if rest.starts_with(latin) {
                out.push_str(cyr);
                i += latin.len();
                continue 'letters;
            }
        }
        let c = bytes[i] as char;
        let prev = (i > 0).then(|| bytes[i - 1] as char);
        let cyr = match c {
            'a' => "а",
            'b' => "б",
            'v' | 'w' => "в",
            'g' => "г",
            'd' => "д",
            'e' => "е",
            'z' => "з",
            'i' => "и",
            'j' => "й",
            'k' | 'q' => "к",
            'l' => "л",
            'm' => "м",
            'n' => "н",
            'o' => "о",
            'p' => "п",
            'r' => "р",
            's' => "с",
            't' => "т",
            'u' => "у",
            'f' => "ф",
            'h' => "х",
            'c' => "ц",
            'x' => "кс",
            // After a vowel "y" is the glide "й" ("novoy", "kakoy"); else "ы".
            'y' if prev.is_some_and(is_vowel) => "й",
            'y' => "ы",
            '\'' => "ь",
            _ => return None,
        };
        out.push_str(cyr);
        i += 1;
    }
    Some(out)
}

/// Does the text have a letter that Uzbek or Kazakh Cyrillic has and Russian
/// lacks?
pub fn has_turkic_letter(text: &str) -> bool {
    text.chars().any(|c| {
        matches!(
            c.to_lowercase().next().unwrap_or(c),
            'ў' | 'қ' | 'ғ' | 'ҳ' | 'ә' | 'ң' | 'ө' | 'ұ' | 'ү' | 'һ' | 'і'
        )
    })
}

/// The Latin spelling of a lowercase Uzbek or Kazakh Cyrillic word, without
/// apostrophes (as the matcher normalises Latin: "бўлади" → "boladi",
/// "йўналиши" → "yonalishi", "орталық" → "ortalyq"), or `None` when the word
/// has a letter that is not Cyrillic.
pub fn turkic_to_latin(word: &str) -> Option<String> {
    let mut out = String::with_capacity(word.len());
    for c in word.chars() {
        let latin = match c {
            'а' | 'ә' => "a",
            'б' => "b",
            'в' => "v",
            'г' | 'ғ' => "g",
            'д' => "d",
            'е' | 'э' => "e",
            'ё' => "yo",
            'ж' => "j",
            'з' => "z",
            'и' | 'і' => "i",
            'й' => "y",
            'к' => "k",
            'қ' => "q",
            'л' => "l",
            'м' => "m",
            'н' | 'ң' => "n",
            'о' | 'ў' | 'ө' => "o",
            'п' => "p",
            'р' => "r",
            'с' => "s",
            'т' => "t",
            'у' | 'ұ' | 'ү' => "u",
            'ф' => "f",
            'х' => "x",
            'ҳ' | 'һ' => "h",
            'ц' => "ts",
            'ч' => "ch",
            'ш' => "sh",
            'щ' => "sh",
            'ы' => "y",
            'ъ' | 'ь' => "",
            'ю' => "yu",
            'я' => "ya",
            _ => return None,
        };
        out.push_str(latin);
    }
    (!out.is_empty()).then_some(out)
}

/// Consonants a soft sign can follow.
fn softens(c: char) -> bool {
    matches!(
        c,
        'б' | 'в' | 'д' | 'з' | 'л' | 'м' | 'н' | 'п' | 'р' | 'с' | 'т' | 'ф' | 'ч' | 'ш' | 'щ'
    )
}

/// `cyrillic` (a [`to_cyrillic`] spelling) with one "ь" put back where the
/// typist most likely dropped it: after a consonant that comes before another
/// consonant or ends the word. Nearest the end first, since Russian endings
/// ("-альн-", "-ость", "-ать") hold most soft signs. Only for a word with no
/// soft sign of its own: a typist who wrote one ("ob'yavil") wrote them all.
pub fn soft_sign_readings(cyrillic: &str) -> Vec<String> {
    let chars: Vec<char> = cyrillic.chars().collect();
    if chars.contains(&'ь') || chars.len() < 3 {
        return Vec::new();
    }
    let is_consonant = |c: char| {
        !matches!(
            c,
            'а' | 'е' | 'ё' | 'и' | 'о' | 'у' | 'ы' | 'э' | 'ю' | 'я' | 'й'
        )
    };
    (1..chars.len())
        .rev()
        .filter(|&i| softens(chars[i]) && chars.get(i + 1).is_none_or(|&next| is_consonant(next)))
        .map(|i| {
            let mut out: String = chars[..=i].iter().collect();
            out.push('ь');
            out.extend(&chars[i + 1..]);
            out
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn informal_translit_reads_back_into_russian() {
        for (latin, russian) in [
            ("chto", "что"),
            ("kakie", "какие"),
            ("strany", "страны"),
            ("poseschaet", "посещает"),
            ("tsentralnoy", "централной"),
            ("azii", "азии"),
            ("kogda", "когда"),
            ("pervyi", "первый"),
            ("sammit", "саммит"),
            ("eto", "это"),
            ("yeshche", "еще"),
            ("podrobnee", "подробнее"),
            ("zachem", "зачем"),
            ("sotrudnichestvo", "сотрудничество"),
            ("obyavil", "обявил"),
            ("ob'yavil", "обьявил"),
        ] {
            assert_eq!(to_cyrillic(latin).as_deref(), Some(russian), "{latin}");
        }
    }

    #[test]
    fn a_dropped_soft_sign_is_proposed_back_nearest_the_end_first() {
        let readings = soft_sign_readings("централной");
        assert!(readings.contains(&"центральной".to_owned()), "{readings:?}");
        assert_eq!(soft_sign_readings("январ"), ["январь", "яньвар"]);
        // Never before a vowel, never twice, never in a word that has one.
        assert!(readings.iter().all(|r| r.matches('ь').count() == 1));
        assert!(
            !readings
                .iter()
                .any(|r| r.contains("ьо") || r.contains("ьа"))
        );
        assert!(soft_sign_readings("обьявил").is_empty());
        assert!(soft_sign_readings("да").is_empty());
    }

    #[test]
    fn uzbek_and_kazakh_cyrillic_read_in_the_latin_their_loanwords_use() {
        for (cyrillic, latin) in [
            ("марказий", "markaziy"),
            ("осиё", "osiyo"),
            ("қаерда", "qaerda"),
            ("бўлади", "boladi"),
            ("йўналиши", "yonalishi"),
            ("орталық", "ortalyq"),
            ("ынтымақтастық", "yntymaqtastyq"),
            ("саммитінің", "sammitinin"),
        ] {
            assert_eq!(
                turkic_to_latin(cyrillic).as_deref(),
                Some(latin),
                "{cyrillic}"
            );
        }
        assert_eq!(turkic_to_latin("k-silk"), None);
        assert!(has_turkic_letter(
            "Корея-Марказий Осиё саммити қаерда бўлади?"
        ));
        assert!(has_turkic_letter("Орталық Азия"));
        assert!(!has_turkic_letter(
            "Где пройдёт саммит Корея — Центральная Азия?"
        ));
    }

    #[test]
    fn words_no_transliteration_spells_are_left_alone() {
        for word in [
            "",
            "2025",
            "oʻzbekiston",
            "hamkorlikğ",
            "Kazakhstan",
            "k-silk",
        ] {
            assert_eq!(to_cyrillic(word), None, "{word}");
        }
    }
}
