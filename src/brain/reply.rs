//! What the bot says, independent of where it is said.
//!
//! A [`Reply`] is plain data: an outcome, a title, a plain-text body, a citation
//! and the choices that become numbered options in the terminal or buttons on
//! Telegram. The two renderers ([`Reply::to_plain`], [`Reply::to_html`]) are the
//! only places that know about presentation, and [`escape_html`] is the only place
//! that escapes, so knowledge-base text can never break Telegram's HTML parser.

use serde::Serialize;

use crate::lang::Lang;
pub use crate::matcher::Outcome;
use crate::texts::texts;

/// One option the user can pick: an entry id and its display title.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Choice {
    pub id: String,
    pub title: String,
}

/// A reply, before it is rendered for a front end.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub outcome: Outcome,
    /// The language every text of the reply is in.
    pub lang: Lang,
    /// The answered entry id, when `outcome` is `Answer`.
    pub intent: Option<String>,
    /// The confidence of the best match in `[0, 1]`.
    pub score: f32,
    /// The best-ranked entry id, answered or not: for a "did you mean" or a
    /// fallback it says what the question came nearest to (the question log
    /// records it), for an answer it is `intent`.
    pub nearest: Option<String>,
    pub title: Option<String>,
    /// Plain text (never escaped here); paragraphs are separated by a blank line.
    pub body: String,
    /// The citation, without the "Source:" label.
    pub source: Option<String>,
    /// "Did you mean" choices, for `Clarify`.
    pub choices: Vec<Choice>,
    /// Related topics to follow up with.
    pub related: Vec<Choice>,
}

impl Reply {
    /// A reply with only a body, for texts that are not answers (help, usage, hints).
    pub fn note(outcome: Outcome, lang: Lang, body: impl Into<String>) -> Reply {
        Reply {
            outcome,
            lang,
            intent: None,
            score: 0.0,
            nearest: None,
            title: None,
            body: body.into(),
            source: None,
            choices: Vec::new(),
            related: Vec::new(),
        }
    }

    /// Renders for a one-shot answer (`ask`): the "did you mean" choices are
    /// listed, not numbered, since nothing is waiting for a number.
    pub fn to_plain(&self) -> String {
        self.render_plain(false)
    }

    /// Renders for the interactive terminal: the "did you mean" choices, then
    /// the related topics (or, under a greeting or fallback, the main topics),
    /// numbered in one sequence, so that typing a number picks one. Returns
    /// the text and what each number picks (number `n` is `picks[n - 1]`).
    pub fn to_numbered(&self) -> (String, Vec<Choice>) {
        let picks = self.choices.iter().chain(&self.related).cloned().collect();
        (self.render_plain(true), picks)
    }

    fn render_plain(&self, numbered: bool) -> String {
        let t = texts(self.lang);
        let mut out = String::new();
        if let Some(title) = &self.title {
            out.push_str(title);
            out.push('\n');
        }
        out.push_str(&self.body);
        if !self.choices.is_empty() {
            for (i, choice) in self.choices.iter().enumerate() {
                if numbered {
                    out.push_str(&format!("\n  {}. {}", i + 1, choice.title));
                } else {
                    out.push_str(&format!("\n  • {}", choice.title));
                }
            }
            out.push('\n');
            out.push_str(if numbered {
                t.pick_number
            } else {
                t.ask_again_naming
            });
        }
        if let Some(source) = &self.source {
            out.push_str("\n\n");
            out.push_str(t.source_label);
            out.push_str(": ");
            out.push_str(source);
        }
        if !self.related.is_empty() {
            let first = self.choices.len() + 1;
            let titles: Vec<String> = self
                .related
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    if numbered {
                        format!("{}. {}", first + i, c.title)
                    } else {
                        c.title.clone()
                    }
                })
                .collect();
            // Under an answer they follow up on it; elsewhere (greeting,
            // fallback) they are the main topics.
            out.push('\n');
            out.push_str(if self.title.is_some() {
                t.related_label
            } else {
                t.topics_label
            });
            out.push_str(": ");
            out.push_str(&titles.join(" · "));
        }
        out
    }

    /// Renders Telegram HTML. Choices and related topics are not in the text:
    /// the front end shows them as buttons.
    pub fn to_html(&self) -> String {
        let mut out = String::new();
        if let Some(title) = &self.title {
            out.push_str("<b>");
            out.push_str(&escape_html(title));
            out.push_str("</b>\n");
        }
        out.push_str(&escape_html(&self.body));
        if let Some(source) = &self.source {
            out.push_str("\n\n<i>");
            out.push_str(&escape_html(texts(self.lang).source_label));
            out.push_str(": ");
            out.push_str(&escape_html(source));
            out.push_str("</i>");
        }
        out
    }
}

/// Escapes text for Telegram's HTML parse mode.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer() -> Reply {
        Reply {
            outcome: Outcome::Answer,
            lang: Lang::En,
            intent: Some("x".into()),
            score: 1.0,
            nearest: Some("x".into()),
            title: Some("Q&A <test>".into()),
            body: "Body with <script> & \"quotes\".".into(),
            source: Some("Paper, “Title” (June 2024)".into()),
            choices: Vec::new(),
            related: vec![Choice {
                id: "y".into(),
                title: "Why".into(),
            }],
        }
    }

    #[test]
    fn html_escapes_every_piece_of_text() {
        let html = answer().to_html();
        assert_eq!(
            html,
            "<b>Q&amp;A &lt;test&gt;</b>\nBody with &lt;script&gt; &amp; &quot;quotes&quot;.\n\n<i>Source: Paper, “Title” (June 2024)</i>"
        );
    }

    #[test]
    fn plain_text_shows_source_and_related_topics() {
        let plain = answer().to_plain();
        assert!(plain.starts_with("Q&A <test>\nBody with <script>"));
        assert!(plain.contains("\n\nSource: Paper"));
        assert!(plain.ends_with("Related: Why"));
    }

    #[test]
    fn plain_text_calls_untitled_follow_ups_topics() {
        let mut reply = Reply::note(Outcome::Fallback, Lang::En, "Sorry.");
        reply.related = answer().related;
        assert_eq!(reply.to_plain(), "Sorry.\nTopics: Why");
    }

    fn clarify() -> Reply {
        let mut reply = Reply::note(Outcome::Clarify, Lang::En, "Did you mean one of these?");
        reply.choices = vec![
            Choice {
                id: "a".into(),
                title: "Alpha".into(),
            },
            Choice {
                id: "b".into(),
                title: "Beta".into(),
            },
        ];
        reply
    }

    #[test]
    fn one_shot_text_lists_choices_without_asking_for_a_number() {
        let reply = clarify();
        assert_eq!(
            reply.to_plain(),
            format!(
                "Did you mean one of these?\n  • Alpha\n  • Beta\n{}",
                texts(Lang::En).ask_again_naming
            )
        );
        assert!(!reply.to_plain().contains(texts(Lang::En).pick_number));
        assert!(!reply.to_html().contains("Alpha"));
    }

    #[test]
    fn terminal_text_numbers_choices_and_related_topics_in_one_sequence() {
        let mut reply = clarify();
        reply.related = answer().related;
        let (text, picks) = reply.to_numbered();
        assert_eq!(
            text,
            format!(
                "Did you mean one of these?\n  1. Alpha\n  2. Beta\n{}\nTopics: 3. Why",
                texts(Lang::En).pick_number
            )
        );
        let ids: Vec<&str> = picks.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["a", "b", "y"]);
        let (text, picks) = answer().to_numbered();
        assert!(text.ends_with("Related: 1. Why"), "{text}");
        assert_eq!(picks.len(), 1);
    }

    #[test]
    fn labels_are_in_the_reply_language() {
        let mut reply = answer();
        reply.lang = Lang::Ru;
        assert!(reply.to_plain().contains("\n\nИсточник: Paper"));
        assert!(reply.to_plain().contains("\nПо теме: Why"));
        reply.lang = Lang::Ko;
        assert!(reply.to_html().contains("<i>출처: Paper"));
    }

    #[test]
    fn escape_leaves_unicode_alone() {
        assert_eq!(escape_html("카자흐스탄 🇰🇿 Ёж"), "카자흐스탄 🇰🇿 Ёж");
    }
}
