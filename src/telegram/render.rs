//! Turning a brain [`Reply`] into what Telegram is sent: HTML messages with
//! inline keyboards, and inline-mode article results.
//!
//! The brain renders the text ([`Reply::to_html`], which escapes everything);
//! this module adds the Telegram-only parts and enforces Telegram's limits, so
//! nothing built here can be refused with a 400: texts are split to fit 4096
//! characters, buttons whose callback_data would not fit 64 bytes are left out,
//! and button labels are kept short. The keyboard goes on the last piece of a
//! split answer, under the text it belongs to.

use teloxide::types::{
    InlineKeyboardButton, InlineKeyboardMarkup, InlineQueryResult, InlineQueryResultArticle,
    InputMessageContent, InputMessageContentText, LinkPreviewOptions, ParseMode,
};

use super::callback;
use super::split::{MESSAGE_LIMIT, split_html};
use crate::reply::{Choice, Outcome, Reply, escape_html};

/// Longest button label; Telegram clips long ones on phones anyway.
const MAX_BUTTON_LABEL: usize = 48;
/// Most buttons under one message: enough for every choice and related topic.
const MAX_BUTTONS: usize = 8;
/// Longest inline-result description (the grey line under the title).
const MAX_DESCRIPTION: usize = 120;

/// Telegram's cap on the number of inline results the bot returns.
pub const MAX_INLINE_RESULTS: usize = 10;

/// One message to send.
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing {
    pub html: String,
    pub keyboard: Option<InlineKeyboardMarkup>,
}

/// Link previews off: answers cite a source by name, and a preview card of
/// the first URL in an answer would bury the answer itself.
pub fn no_preview() -> LinkPreviewOptions {
    LinkPreviewOptions {
        is_disabled: true,
        url: None,
        prefer_small_media: false,
        prefer_large_media: false,
        show_above_text: false,
    }
}

/// The messages for a reply: its HTML split to fit, keyboard on the last.
pub fn messages(reply: &Reply) -> Vec<Outgoing> {
    let mut pieces = split_html(&reply.to_html(), MESSAGE_LIMIT);
    if pieces.is_empty() {
        // The brain promises a body, but an empty message would be a 400, so
        // say something true instead of nothing.
        pieces.push(escape_html(crate::texts::texts(reply.lang).no_answer));
    }
    let keyboard = keyboard(reply);
    let last = pieces.len() - 1;
    pieces
        .into_iter()
        .enumerate()
        .map(|(i, html)| Outgoing {
            html,
            keyboard: if i == last { keyboard.clone() } else { None },
        })
        .collect()
}

/// A message made of one plain-text note (hints, errors), escaped.
pub fn note(text: &str) -> Outgoing {
    Outgoing {
        html: escape_html(text),
        keyboard: None,
    }
}

fn label(choice: &Choice) -> String {
    let title = choice.title.trim();
    let title = if title.is_empty() { &choice.id } else { title };
    if title.chars().count() <= MAX_BUTTON_LABEL {
        title.to_owned()
    } else {
        let cut: String = title.chars().take(MAX_BUTTON_LABEL - 1).collect();
        format!("{}…", cut.trim_end())
    }
}

/// One button per row: "did you mean" choices first, then related topics.
/// Duplicates and ids that cannot be encoded are skipped.
pub fn keyboard(reply: &Reply) -> Option<InlineKeyboardMarkup> {
    let mut seen: Vec<&str> = Vec::new();
    let mut rows = Vec::new();
    for (i, choice) in reply.choices.iter().chain(&reply.related).enumerate() {
        if rows.len() == MAX_BUTTONS || seen.contains(&choice.id.as_str()) {
            continue;
        }
        if reply.intent.as_deref() == Some(choice.id.as_str()) {
            // A button for the answer on screen would just repeat it.
            continue;
        }
        // A "did you mean" choice answers in place of the question; a
        // related topic follows up below the answer.
        let data = if i < reply.choices.len() {
            callback::encode_choice(&choice.id, reply.lang)
        } else {
            callback::encode_answer(&choice.id, reply.lang)
        };
        if let Some(data) = data {
            seen.push(&choice.id);
            rows.push(vec![InlineKeyboardButton::callback(label(choice), data)]);
        }
    }
    (!rows.is_empty()).then(|| InlineKeyboardMarkup::new(rows))
}

/// The first line of the body, shortened, for an inline result's subtitle.
fn description(reply: &Reply) -> String {
    let line = reply
        .body
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    if line.chars().count() <= MAX_DESCRIPTION {
        line.trim().to_owned()
    } else {
        let cut: String = line.chars().take(MAX_DESCRIPTION - 1).collect();
        format!("{}…", cut.trim_end())
    }
}

/// Inline-mode results: one article per answer, carrying the whole answer
/// (or, if it is ever too long for one message, its first piece). The result
/// id is the entry id, unique per answer and at most 40 bytes.
pub fn inline_results(replies: &[Reply]) -> Vec<InlineQueryResult> {
    let mut ids: Vec<&str> = Vec::new();
    let mut out = Vec::new();
    for reply in replies {
        if out.len() == MAX_INLINE_RESULTS || reply.outcome != Outcome::Answer {
            continue;
        }
        let Some(id) = reply.intent.as_deref() else {
            continue;
        };
        if id.is_empty() || id.len() > 64 || ids.contains(&id) {
            continue;
        }
        let Some(html) = split_html(&reply.to_html(), MESSAGE_LIMIT)
            .into_iter()
            .next()
        else {
            continue;
        };
        let title = reply
            .title
            .clone()
            .filter(|t| !t.trim().is_empty())
            .unwrap_or_else(|| id.to_owned());
        let content = InputMessageContentText::new(html)
            .parse_mode(ParseMode::Html)
            .link_preview_options(no_preview());
        let mut article =
            InlineQueryResultArticle::new(id, title, InputMessageContent::Text(content));
        let description = description(reply);
        if !description.is_empty() {
            article = article.description(description);
        }
        ids.push(id);
        out.push(InlineQueryResult::Article(article));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn choice(id: &str, title: &str) -> Choice {
        Choice {
            id: id.into(),
            title: title.into(),
        }
    }

    fn answer(id: &str, body: &str) -> Reply {
        Reply {
            outcome: Outcome::Answer,
            lang: crate::lang::Lang::En,
            intent: Some(id.into()),
            score: 0.9,
            nearest: Some(id.into()),
            title: Some(format!("Title of {id}")),
            body: body.into(),
            source: Some("The Korea Times (June 2024)".into()),
            choices: Vec::new(),
            related: vec![choice("pillars", "The pillars"), choice(id, "itself")],
        }
    }

    #[test]
    fn keyboard_skips_the_current_answer_and_bad_ids() {
        let mut reply = answer("kazakhstan", "Body.");
        reply.related.push(choice("Not A Slug", "bad"));
        reply.related.push(choice("pillars", "again"));
        let keyboard = keyboard(&reply).unwrap();
        assert_eq!(keyboard.inline_keyboard.len(), 1);
        assert_eq!(keyboard.inline_keyboard[0][0].text, "The pillars");
    }

    #[test]
    fn long_answers_are_split_with_the_keyboard_last() {
        let body =
            vec!["A paragraph of facts about trade and energy. ".repeat(20); 10].join("\n\n");
        let out = messages(&answer("kazakhstan", &body));
        assert!(out.len() > 1);
        assert!(
            out.iter()
                .all(|m| m.html.encode_utf16().count() <= MESSAGE_LIMIT)
        );
        assert!(out[..out.len() - 1].iter().all(|m| m.keyboard.is_none()));
        assert!(out.last().unwrap().keyboard.is_some());
    }

    #[test]
    fn empty_reply_still_says_something() {
        let reply = Reply::note(Outcome::Fallback, crate::lang::Lang::En, "  ");
        let out = messages(&reply);
        assert_eq!(out.len(), 1);
        assert!(!out[0].html.trim().is_empty());
    }

    #[test]
    fn inline_results_are_unique_answers_only() {
        let replies = vec![
            answer("kazakhstan", "First line.\nSecond."),
            answer("kazakhstan", "dup"),
            Reply::note(Outcome::Fallback, crate::lang::Lang::En, "no"),
            answer("pillars", &"x".repeat(300)),
        ];
        let results = inline_results(&replies);
        assert_eq!(results.len(), 2);
        let InlineQueryResult::Article(first) = &results[0] else {
            panic!("article expected")
        };
        assert_eq!(first.id, "kazakhstan");
        assert_eq!(first.description.as_deref(), Some("First line."));
    }
}
