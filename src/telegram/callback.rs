//! The callback_data format of inline-keyboard buttons.
//!
//! Telegram stores at most 64 bytes per button and hands them back verbatim,
//! possibly months later, to whatever version of the bot is then running. So
//! the format is tiny, explicit and versioned: `<action><version>:<argument>`.
//! Today there is one action, `a1:<entry id>` ("answer this entry"); entry ids
//! are slugs of at most 40 bytes, so the data stays well under the limit. Data
//! that does not parse (an older format, a foreign bot, a forged payload) is
//! [`Action::Unknown`], and the handler answers it with a polite toast instead
//! of an error.

/// Telegram's limit on callback_data, in bytes.
pub const MAX_CALLBACK_DATA: usize = 64;

const ANSWER_V1: &str = "a1";

/// What a button asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Show the answer for this entry id.
    Answer(String),
    /// Anything this version cannot read.
    Unknown,
}

/// True for the slugs the knowledge base uses as ids (`a-z`, `0-9`, `-`).
fn is_slug(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// The callback_data for "answer entry `id`", or `None` if the id cannot be
/// encoded within Telegram's limit (the caller then leaves the button out
/// rather than send something Telegram rejects).
pub fn encode_answer(id: &str) -> Option<String> {
    let data = format!("{ANSWER_V1}:{id}");
    (is_slug(id) && data.len() <= MAX_CALLBACK_DATA).then_some(data)
}

/// Reads callback_data written by [`encode_answer`].
pub fn decode(data: &str) -> Action {
    match data.split_once(':') {
        Some((ANSWER_V1, id)) if is_slug(id) => Action::Answer(id.to_owned()),
        _ => Action::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_entry_ids() {
        for id in ["pillars", "korea-central-asia-summit", "k-silk-road"] {
            let data = encode_answer(id).unwrap();
            assert!(data.len() <= MAX_CALLBACK_DATA);
            assert_eq!(decode(&data), Action::Answer(id.to_owned()));
        }
    }

    #[test]
    fn refuses_what_does_not_fit_or_is_not_a_slug() {
        assert_eq!(encode_answer(&"x".repeat(62)), None);
        assert_eq!(encode_answer("Kazakhstan"), None);
        assert_eq!(encode_answer(""), None);
        assert!(encode_answer(&"x".repeat(40)).is_some());
    }

    #[test]
    fn unknown_or_forged_data_is_unknown() {
        for data in [
            "",
            "a1:",
            "a1:Pillars",
            "a2:pillars",
            "topic_pillars",
            "a1:<b>",
            "a1:x:y",
        ] {
            assert_eq!(decode(data), Action::Unknown, "{data:?}");
        }
    }
}
