//! Keeping the bot token out of every log line and error message.
//!
//! The Bot API puts the token in the request path (`/bot<TOKEN>/SendMessage`),
//! and reqwest's errors print the URL they failed on. teloxide 0.17 already
//! rewrites that URL in the errors it returns (measured: `token:redacted`), but
//! the token can still reach text by other roads: a pasted API URL, a panic
//! message, a response body, a future teloxide change. So all text this front
//! end logs or returns about a request also goes through [`redact`], which
//! removes anything shaped like a token (`<digits>:<30+ url-safe chars>`),
//! known or not; `tests/telegram_logs.rs` checks both layers at TRACE level. [`describe`] turns a [`RequestError`] into one redacted line and
//! leaves out raw response bodies (they can hold users' messages).
//! [`RedactingLogger`] applies the same rule to every record of an inner logger,
//! for binaries that want a last line of defence around libraries' own logging.

use std::borrow::Cow;
use std::fmt::Write as _;

use teloxide::{ApiError, RequestError};

const MASK: &str = "<redacted-token>";

/// Shortest bot id and secret part we treat as a token. Real tokens have a
/// 8-10 digit id and a 35-character secret; the margins catch truncated ones.
const MIN_ID_DIGITS: usize = 5;
const MIN_SECRET_CHARS: usize = 30;

fn is_secret_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

/// Replaces every token-shaped substring of `text` with a mask.
pub fn redact(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        // The separator is ':' or its percent-encoding "%3A".
        let sep_len = if bytes[i] == b':' {
            1
        } else if bytes[i..].len() >= 3
            && bytes[i] == b'%'
            && bytes[i..i + 3].eq_ignore_ascii_case(b"%3a")
        {
            3
        } else {
            0
        };
        if sep_len == 0 {
            i += 1;
            continue;
        }
        let id_start = bytes[copied..i]
            .iter()
            .rposition(|b| !b.is_ascii_digit())
            .map_or(copied, |p| copied + p + 1);
        let secret_start = i + sep_len;
        // ':' may continue the run so that back-to-back tokens (whose next id
        // the first secret's run swallows) are masked as one.
        let secret_end = bytes[secret_start..]
            .iter()
            .position(|&b| !is_secret_char(b) && b != b':')
            .map_or(bytes.len(), |p| secret_start + p);
        if i - id_start >= MIN_ID_DIGITS && secret_end - secret_start >= MIN_SECRET_CHARS {
            let buf = out.get_or_insert_with(|| String::with_capacity(text.len()));
            buf.push_str(&text[copied..id_start]);
            buf.push_str(MASK);
            copied = secret_end;
            i = secret_end;
        } else {
            i += sep_len;
        }
    }
    match out {
        None => Cow::Borrowed(text),
        Some(mut buf) => {
            buf.push_str(&text[copied..]);
            Cow::Owned(buf)
        }
    }
}

/// One redacted line describing a request error, with the error's causes but
/// without raw response bodies.
pub fn describe(err: &RequestError) -> String {
    let text = match err {
        RequestError::Api(ApiError::InvalidToken) => {
            "Telegram rejected the bot token (401 Unauthorized)".to_owned()
        }
        RequestError::Api(ApiError::TerminatedByOtherGetUpdates) => {
            "another process is polling with the same token (409 Conflict)".to_owned()
        }
        RequestError::Api(api) => format!("Telegram said: {api}"),
        RequestError::RetryAfter(secs) => {
            format!(
                "flood limit hit, Telegram asks to retry after {}s",
                secs.seconds()
            )
        }
        RequestError::MigrateToChatId(id) => format!("the group moved to supergroup {id}"),
        RequestError::Network(e) => {
            let kind = if e.is_timeout() {
                "timed out"
            } else if e.is_connect() {
                "could not connect"
            } else if e.is_body() || e.is_decode() {
                "connection dropped while reading the response"
            } else {
                "request failed"
            };
            let mut line = format!("network error: {kind}");
            let mut source = std::error::Error::source(&**e);
            while let Some(cause) = source {
                let _ = write!(line, ": {cause}");
                source = cause.source();
            }
            line
        }
        RequestError::InvalidJson { source, raw } => format!(
            "Telegram's response was not valid JSON ({source}; {} bytes, starting {:?})",
            raw.len(),
            raw.chars().take(40).collect::<String>()
        ),
        RequestError::Io(e) => format!("I/O error: {e}"),
    };
    redact(&text).into_owned()
}

/// A logger that redacts tokens from every record before passing it on.
pub struct RedactingLogger<L> {
    inner: L,
}

impl<L: log::Log> RedactingLogger<L> {
    pub fn new(inner: L) -> Self {
        RedactingLogger { inner }
    }
}

impl<L: log::Log> log::Log for RedactingLogger<L> {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        self.inner.enabled(metadata)
    }

    fn log(&self, record: &log::Record<'_>) {
        if !self.inner.enabled(record.metadata()) {
            return;
        }
        let text = record.args().to_string();
        let text = redact(&text);
        self.inner.log(
            &log::Record::builder()
                .metadata(record.metadata().clone())
                .args(format_args!("{text}"))
                .module_path(record.module_path())
                .file(record.file())
                .line(record.line())
                .build(),
        );
    }

    fn flush(&self) {
        self.inner.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "123456789:AAHfake_Token-0123456789abcdefghijkl";

    #[test]
    fn masks_tokens_in_urls_and_text() {
        let url = format!(
            "error sending request for url (https://api.telegram.org/bot{TOKEN}/GetUpdates)"
        );
        let red = redact(&url);
        assert!(!red.contains("AAHfake"), "{red}");
        assert_eq!(
            red,
            "error sending request for url (https://api.telegram.org/bot<redacted-token>/GetUpdates)"
        );
        let encoded = TOKEN.replace(':', "%3A");
        assert!(!redact(&format!("x {encoded} y")).contains("AAHfake"));
        assert_eq!(redact(&format!("{TOKEN}{TOKEN}")).matches(MASK).count(), 1);
    }

    #[test]
    fn leaves_ordinary_text_alone() {
        for text in [
            "ready as @ksilk_bot: 3 sources, 40 entries",
            "12:30 meeting",
            "http://127.0.0.1:8081/",
            "ratio 100000:1",
        ] {
            assert!(matches!(redact(text), Cow::Borrowed(_)), "{text}");
        }
    }
}
