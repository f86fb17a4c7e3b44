//! Reading the token and API URL, and the startup errors a user can act on.
//!
//! Startup failures are the errors people actually meet (no token yet, a token
//! pasted with a typo, a revoked token), so each is one line that says what to
//! do: where tokens come from (@BotFather) and how to use the bot without one
//! (`ksilk chat`). The token itself is never echoed: [`Token`]'s `Debug`
//! prints a mask, and no error variant carries it.

use std::fmt;

use super::redact::redact;

const HOW_TO_GET_ONE: &str = "Get a token from @BotFather (https://t.me/BotFather) and put it in .env as TELOXIDE_TOKEN=<token>, or run `ksilk chat` to use the bot offline without Telegram.";

/// Why the bot could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("TELOXIDE_TOKEN is not set. {HOW_TO_GET_ONE}")]
    MissingToken,
    #[error(
        "TELOXIDE_TOKEN does not look like a bot token (expected digits, a colon and about 35 letters, digits, '_' or '-'). {HOW_TO_GET_ONE}"
    )]
    MalformedToken,
    #[error(
        "Telegram rejected the token in TELOXIDE_TOKEN (401 Unauthorized): it was mistyped or revoked. {HOW_TO_GET_ONE}"
    )]
    Unauthorized,
    #[error("TELOXIDE_API_URL is not a usable URL: {0}")]
    BadApiUrl(String),
    #[error(
        "could not reach the Telegram Bot API ({0}); check the network, or TELOXIDE_API_URL if it is set"
    )]
    Unreachable(String),
    #[error("could not start the async runtime: {0}")]
    Runtime(String),
}

/// A bot token that has the right shape. `Debug` and `Display` mask it.
#[derive(Clone)]
pub struct Token(String);

impl Token {
    /// Checks the shape `<bot id>:<secret>` as @BotFather issues it. Spaces
    /// around it (a common `.env` slip) are forgiven.
    pub fn parse(raw: &str) -> Result<Token, StartError> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(StartError::MissingToken);
        }
        let (id, secret) = raw.split_once(':').ok_or(StartError::MalformedToken)?;
        let id_ok = (5..=16).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_digit());
        let secret_ok = (30..=64).contains(&secret.len())
            && secret
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if id_ok && secret_ok {
            Ok(Token(raw.to_owned()))
        } else {
            Err(StartError::MalformedToken)
        }
    }

    /// The token, for building the `Bot`. Nothing else should call this.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

/// Where the bot connects, read from the environment.
#[derive(Debug, Clone)]
pub struct Settings {
    pub token: Token,
    /// Another Bot API server (a local telegram-bot-api, a test mock).
    pub api_url: Option<url::Url>,
}

impl Settings {
    /// Reads `TELOXIDE_TOKEN` and `TELOXIDE_API_URL` from the process
    /// environment (the CLI loads `.env` into it first).
    pub fn from_env() -> Result<Settings, StartError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`Settings::from_env`] with any variable source, for tests.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Settings, StartError> {
        let token = Token::parse(&lookup("TELOXIDE_TOKEN").unwrap_or_default())?;
        let api_url = match lookup("TELOXIDE_API_URL") {
            Some(raw) if !raw.trim().is_empty() => Some(parse_api_url(raw.trim())?),
            _ => None,
        };
        Ok(Settings { token, api_url })
    }
}

fn parse_api_url(raw: &str) -> Result<url::Url, StartError> {
    // Someone may paste a full method URL, token included: never echo it.
    let shown = redact(raw).into_owned();
    let url =
        url::Url::parse(raw).map_err(|e| StartError::BadApiUrl(format!("{e} in {shown:?}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
        return Err(StartError::BadApiUrl(format!(
            "{shown:?} is not an http(s) base URL such as http://127.0.0.1:8081"
        )));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "123456789:AAHfake_Token-0123456789abcdefghijkl";

    #[test]
    fn accepts_botfather_shaped_tokens_only() {
        assert!(Token::parse(GOOD).is_ok());
        assert!(Token::parse(&format!("  {GOOD}\n")).is_ok());
        assert!(matches!(Token::parse(""), Err(StartError::MissingToken)));
        for bad in [
            "hello",
            "123456789",
            "123456789:short",
            "bot123456789:AAHfake_Token-0123456789abcdefghijkl",
            "123456789:AAHfake Token-0123456789abcdefghijkl",
            "\"123456789:AAHfake_Token-0123456789abcdefghijkl",
        ] {
            assert!(
                matches!(Token::parse(bad), Err(StartError::MalformedToken)),
                "{bad}"
            );
        }
    }

    #[test]
    fn errors_say_what_to_do_and_never_show_the_token() {
        let token = Token::parse(GOOD).unwrap();
        assert!(!format!("{token:?}").contains("AAH"));
        for err in [
            StartError::MissingToken,
            StartError::MalformedToken,
            StartError::Unauthorized,
        ] {
            let line = err.to_string();
            assert!(
                line.contains("@BotFather") && line.contains("ksilk chat"),
                "{line}"
            );
            assert!(!line.contains('\n'));
        }
        let err = Settings::from_lookup(|name| match name {
            "TELOXIDE_TOKEN" => Some(GOOD.to_owned()),
            _ => Some(format!("ftp://api.telegram.org/bot{GOOD}/getMe")),
        })
        .unwrap_err();
        assert!(!err.to_string().contains("AAHfake"), "{err}");
    }
}
