//! Splitting Telegram HTML into messages within the 4096-character limit.
//!
//! Answers from the knowledge base are short, so this almost never cuts; it
//! exists so that no input, however long, can make Telegram answer "message is
//! too long". Cutting HTML blindly could split `&amp;` or leave `<b>` open, and
//! Telegram rejects both, so the text is read as atoms (a tag, an entity, or one
//! character) and cut only between atoms. Cuts prefer a paragraph break, then a
//! line break, then a space, in the second half of the window, so pieces are
//! neither tiny nor broken mid-word when that can be avoided. Tags open at a
//! cut are closed at the end of one piece and reopened at the start of the
//! next. Lengths are counted in UTF-16 code units of the HTML source: Telegram
//! counts UTF-16 units of the parsed text, which is never longer.

/// Telegram's limit on message text, in UTF-16 code units.
pub const MESSAGE_LIMIT: usize = 4096;

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Open,
    Close,
    Text,
}

struct Atom {
    start: usize,
    end: usize,
    kind: Kind,
    units: usize,
    /// How good a cut right after this atom is: 3 paragraph, 2 line, 1 space.
    quality: u8,
    whitespace: bool,
}

fn atoms(html: &str) -> Vec<Atom> {
    let mut out: Vec<Atom> = Vec::with_capacity(html.len());
    let mut i = 0;
    while i < html.len() {
        let rest = &html[i..];
        let first = rest.chars().next().unwrap_or(' ');
        let (len, kind) = match first {
            '<' => match rest.find('>') {
                Some(end) if !rest[1..end].contains('<') => {
                    let kind = if rest[1..].starts_with('/') {
                        Kind::Close
                    } else {
                        Kind::Open
                    };
                    (end + 1, kind)
                }
                _ => (1, Kind::Text),
            },
            '&' => match rest[..rest.len().min(12)].find(';') {
                Some(end) => (end + 1, Kind::Text),
                None => (1, Kind::Text),
            },
            c => (c.len_utf8(), Kind::Text),
        };
        let text = &html[i..i + len];
        let whitespace = kind == Kind::Text && text.chars().all(char::is_whitespace);
        let quality = match first {
            '\n' if out.last().is_some_and(|a| &html[a.start..a.end] == "\n") => 3,
            '\n' => 2,
            ' ' => 1,
            _ => 0,
        };
        out.push(Atom {
            start: i,
            end: i + len,
            kind,
            units: text.encode_utf16().count(),
            quality,
            whitespace,
        });
        i += len;
    }
    out
}

fn tag_name(tag: &str) -> &str {
    let inner = tag.trim_start_matches('<').trim_start_matches('/');
    let end = inner
        .find(|c: char| c.is_ascii_whitespace() || c == '>' || c == '/')
        .unwrap_or(inner.len());
    &inner[..end]
}

fn units(text: &str) -> usize {
    text.encode_utf16().count()
}

/// Splits `html` into pieces of at most `limit` UTF-16 units, each valid on
/// its own. Pieces with no visible text are dropped. `limit` must leave room
/// for the tags reopened at a cut (a few dozen units); 4096 does.
pub fn split_html(html: &str, limit: usize) -> Vec<String> {
    if units(html) <= limit {
        return if html.trim().is_empty() {
            Vec::new()
        } else {
            vec![html.to_owned()]
        };
    }
    let atoms = atoms(html);
    // open_before[i]: indexes of the Open atoms still open before atom i.
    let mut open_before: Vec<Vec<usize>> = Vec::with_capacity(atoms.len() + 1);
    let mut stack: Vec<usize> = Vec::new();
    for (i, atom) in atoms.iter().enumerate() {
        open_before.push(stack.clone());
        match atom.kind {
            Kind::Open => stack.push(i),
            Kind::Close => {
                let name = tag_name(&html[atom.start..atom.end]);
                if let Some(pos) = stack
                    .iter()
                    .rposition(|&o| tag_name(&html[atoms[o].start..atoms[o].end]) == name)
                {
                    stack.truncate(pos);
                }
            }
            Kind::Text => {}
        }
    }
    open_before.push(stack);

    // Units of the closing tags a piece ending before atom `at` needs.
    let close_cost = |at: usize| -> usize {
        open_before[at]
            .iter()
            .map(|&o| units(tag_name(&html[atoms[o].start..atoms[o].end])) + 3)
            .sum()
    };

    let mut pieces = Vec::new();
    let mut start = 0;
    while start < atoms.len() {
        // Extend the window as far as the limit allows, counting the tags to
        // reopen at the start and to close at the end.
        let reopen: usize = open_before[start].iter().map(|&o| atoms[o].units).sum();
        let mut body = 0;
        let mut end = start;
        while end < atoms.len() && reopen + body + atoms[end].units + close_cost(end + 1) <= limit {
            body += atoms[end].units;
            end += 1;
        }
        if end == start {
            // The limit is too small even for one atom; take it anyway so the
            // loop always advances.
            end = start + 1;
        }
        let cut = if end == atoms.len() {
            end
        } else {
            best_cut(&atoms, start, end)
        };
        if let Some(piece) = render_piece(html, &atoms, &open_before, start, cut) {
            pieces.push(piece);
        }
        start = cut;
    }
    pieces
}

/// The best place to cut within `(start, end]`: the best break in the second
/// half of the window, else the best anywhere, else `end`.
fn best_cut(atoms: &[Atom], start: usize, end: usize) -> usize {
    let half = start + (end - start) / 2;
    for from in [half.max(start + 1), start + 1] {
        for quality in [3, 2, 1] {
            if let Some(at) = (from..=end)
                .rev()
                .find(|&at| atoms[at - 1].quality >= quality)
            {
                return at;
            }
        }
    }
    end
}

fn render_piece(
    html: &str,
    atoms: &[Atom],
    open_before: &[Vec<usize>],
    start: usize,
    end: usize,
) -> Option<String> {
    // Trim whitespace atoms at both ends: a cut after "\n\n" should not leave
    // blank lines at the edges of a message.
    let mut first = start;
    while first < end && atoms[first].whitespace {
        first += 1;
    }
    let mut last = end;
    while last > first && atoms[last - 1].whitespace {
        last -= 1;
    }
    let visible = atoms[first..last]
        .iter()
        .any(|a| a.kind == Kind::Text && !a.whitespace);
    if !visible {
        return None;
    }
    let mut piece = String::new();
    for &o in &open_before[start] {
        piece.push_str(&html[atoms[o].start..atoms[o].end]);
    }
    piece.push_str(&html[atoms[start].start..atoms[first].start]);
    piece.push_str(&html[atoms[first].start..atoms[last - 1].end]);
    for &o in open_before[end].iter().rev() {
        piece.push_str("</");
        piece.push_str(tag_name(&html[atoms[o].start..atoms[o].end]));
        piece.push('>');
    }
    Some(piece)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Checks that tags are balanced and entities whole.
    fn assert_well_formed(piece: &str) {
        let mut stack = Vec::new();
        for atom in atoms(piece) {
            let text = &piece[atom.start..atom.end];
            match atom.kind {
                Kind::Open => stack.push(tag_name(text).to_owned()),
                Kind::Close => assert_eq!(stack.pop().as_deref(), Some(tag_name(text)), "{piece}"),
                Kind::Text => {
                    if text.starts_with('&') {
                        assert!(
                            text.ends_with(';') && text.len() > 2,
                            "broken entity in {piece}"
                        );
                    }
                }
            }
        }
        assert!(stack.is_empty(), "unclosed {stack:?} in {piece}");
    }

    /// What a client would display, minus the markup.
    fn visible(html: &str) -> String {
        atoms(html)
            .iter()
            .filter(|a| a.kind == Kind::Text)
            .map(|a| &html[a.start..a.end])
            .collect()
    }

    #[test]
    fn short_text_is_one_piece_unchanged() {
        let html = "<b>Kazakhstan</b>\nBody &amp; more.\n\n<i>Source: x</i>";
        assert_eq!(split_html(html, MESSAGE_LIMIT), vec![html.to_owned()]);
        assert!(split_html(" \n ", MESSAGE_LIMIT).is_empty());
    }

    #[test]
    fn long_text_is_cut_at_paragraphs() {
        let paragraph = "Trade &amp; energy ties grow. ".repeat(20);
        let html = format!("<b>Title</b>\n{}", [paragraph.trim(); 12].join("\n\n"));
        let pieces = split_html(&html, 1000);
        assert!(pieces.len() > 1);
        for piece in &pieces {
            assert!(units(piece) <= 1000);
            assert_well_formed(piece);
            assert!(piece.ends_with("grow."), "cut mid-paragraph: {piece:?}");
        }
        assert_eq!(
            visible(&pieces.join("\n\n")).replace(char::is_whitespace, ""),
            visible(&html).replace(char::is_whitespace, "")
        );
    }

    #[test]
    fn tags_open_at_a_cut_are_closed_and_reopened() {
        let html = format!("<i>{}</i>", "word &lt;x&gt; ".repeat(300));
        let pieces = split_html(&html, 500);
        assert!(pieces.len() > 1);
        for piece in &pieces {
            assert!(units(piece) <= 500, "{}", units(piece));
            assert!(
                piece.starts_with("<i>") && piece.ends_with("</i>"),
                "{piece}"
            );
            assert_well_formed(piece);
        }
    }

    #[test]
    fn text_without_spaces_or_with_emoji_is_cut_anywhere_safe() {
        let html = "🇰🇿".repeat(3000) + &"&amp;".repeat(2000) + &"x".repeat(10_000);
        let pieces = split_html(&html, MESSAGE_LIMIT);
        for piece in &pieces {
            assert!(units(piece) <= MESSAGE_LIMIT);
            assert_well_formed(piece);
            // No surrogate pair is split: the piece is valid UTF-8 by type, and
            // every flag stays whole.
            assert_eq!(piece.matches('🇰').count(), piece.matches('🇿').count());
        }
        assert_eq!(pieces.concat(), html);
    }
}
