//! A strict model of Telegram's HTML parse mode, so the mock can refuse what
//! Telegram refuses.
//!
//! Telegram answers a malformed `parse_mode: "HTML"` text with
//! `400 Bad Request: can't parse entities: ...`. The bot must never trigger that,
//! so the mock runs every HTML text through [`parse`] and answers with the same
//! error shape. The rules follow the Bot API's "HTML style" section: only the
//! listed tags, only `&lt; &gt; &amp; &quot;` and numeric entities, and every
//! `<`, `>` and `&` that is not markup must be escaped. Where Telegram itself is
//! lenient (it passes an unknown `&foo;` through), this model is stricter on
//! purpose: a bot that passes here passes on Telegram.

/// Tags the Bot API documents for HTML parse mode.
const ALLOWED_TAGS: &[&str] = &[
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "span",
    "tg-spoiler",
    "a",
    "tg-emoji",
    "code",
    "pre",
    "blockquote",
];

/// Parses Telegram HTML and returns the plain text a client would show, or the
/// error description Telegram would send (without the "Bad Request: " prefix).
pub fn parse(html: &str) -> Result<String, String> {
    let mut text = String::with_capacity(html.len());
    let mut open: Vec<(String, usize)> = Vec::new();
    let mut rest = html;
    let err = |msg: String| Err(format!("can't parse entities: {msg}"));
    while let Some(c) = rest.chars().next() {
        let at = html.len() - rest.len();
        match c {
            '<' => {
                let Some(end) = rest.find('>') else {
                    return err(format!("unclosed start tag at byte offset {at}"));
                };
                let inner = &rest[1..end];
                if inner.contains('<') {
                    return err(format!("unclosed start tag at byte offset {at}"));
                }
                if let Some(name) = inner.strip_prefix('/') {
                    let name = name.trim().to_ascii_lowercase();
                    match open.pop() {
                        None => {
                            return err(format!("unexpected end tag at byte offset {at}"));
                        }
                        Some((top, _)) if top != name => {
                            return err(format!(
                                "unmatched end tag at byte offset {at}, expected \"</{top}>\", found \"</{name}>\""
                            ));
                        }
                        Some(_) => {}
                    }
                } else {
                    let name_end = inner
                        .find(|c: char| c.is_ascii_whitespace())
                        .unwrap_or(inner.len());
                    let name = inner[..name_end].to_ascii_lowercase();
                    let attrs = &inner[name_end..];
                    if !ALLOWED_TAGS.contains(&name.as_str()) {
                        return err(format!(
                            "unsupported start tag \"{name}\" at byte offset {at}"
                        ));
                    }
                    if name == "a" && !attrs.contains("href=") {
                        return err(format!(
                            "tag \"a\" must have attribute href at byte offset {at}"
                        ));
                    }
                    if name == "span" && !attrs.contains("tg-spoiler") {
                        return err(format!(
                            "tag \"span\" must have class \"tg-spoiler\" at byte offset {at}"
                        ));
                    }
                    open.push((name, at));
                }
                rest = &rest[end + 1..];
            }
            '&' => {
                // Bytes, not a string slice: 12 bytes can end inside a
                // multi-byte character (Korean or Cyrillic after `&quot;`).
                let semi = rest.bytes().take(12).position(|b| b == b';');
                let decoded =
                    semi.and_then(|semi| decode_entity(&rest[1..semi]).map(|c| (c, semi)));
                let Some((decoded, semi)) = decoded else {
                    return err(format!(
                        "character '&' at byte offset {at} must be escaped as \"&amp;\""
                    ));
                };
                text.push(decoded);
                rest = &rest[semi + 1..];
            }
            '>' => {
                return err(format!(
                    "character '>' at byte offset {at} must be escaped as \"&gt;\""
                ));
            }
            c => {
                text.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    if let Some((name, _)) = open.pop() {
        return err(format!(
            "can't find end tag corresponding to start tag \"{name}\""
        ));
    }
    Ok(text)
}

fn decode_entity(name: &str) -> Option<char> {
    match name {
        "lt" => Some('<'),
        "gt" => Some('>'),
        "amp" => Some('&'),
        "quot" => Some('"'),
        _ => {
            let number = name.strip_prefix('#')?;
            let code = match number.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => number.parse().ok()?,
            };
            char::from_u32(code)
        }
    }
}

/// Telegram measures text length in UTF-16 code units.
pub fn utf16_len(text: &str) -> usize {
    text.encode_utf16().count()
}
