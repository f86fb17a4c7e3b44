//! Reading the token, the API URL and the service settings (webhook or long
//! polling, listen addresses), and the startup errors a user can act on.
//!
//! Startup failures are the errors people actually meet (no token yet, a token
//! pasted with a typo, a revoked token), so each is one line that says what to
//! do: where tokens come from (@BotFather) and how to use the bot without one
//! (`ksilk chat`). The token itself is never echoed: [`Token`]'s `Debug`
//! prints a mask, and no error variant carries it. The same holds for the
//! webhook secret ([`WebhookSecret`]): a bad one is reported by the rule it
//! breaks, never by its value.

use std::fmt;
use std::net::SocketAddr;

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
    #[error(
        "KSILK_WEBHOOK_URL must be an https URL with a path, such as https://bot.example.org/tg: {0}"
    )]
    BadWebhookUrl(String),
    #[error(
        "KSILK_WEBHOOK_SECRET {0}: with KSILK_WEBHOOK_URL set it must be 1-256 characters from A-Z, a-z, 0-9, '_' and '-' (e.g. the output of `openssl rand -hex 32`)"
    )]
    BadWebhookSecret(&'static str),
    #[error("{var} is not an address to listen on such as 127.0.0.1:8080: {why}")]
    BadListenAddress { var: &'static str, why: String },
    #[error("could not listen on {addr} ({var}): {why}")]
    Listen {
        var: &'static str,
        addr: SocketAddr,
        why: String,
    },
    #[error("Telegram refused the webhook (setWebhook): {0}")]
    Webhook(String),
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

/// The secret token Telegram sends with each webhook request
/// (`X-Telegram-Bot-Api-Secret-Token`). `Debug` masks it.
#[derive(Clone)]
pub struct WebhookSecret(String);

impl WebhookSecret {
    /// Telegram's rule: 1-256 characters from `A-Za-z0-9_-`. The error never
    /// contains the value.
    pub fn parse(raw: Option<&str>) -> Result<WebhookSecret, StartError> {
        let raw = raw.map(str::trim).unwrap_or("");
        if raw.is_empty() {
            return Err(StartError::BadWebhookSecret("is not set"));
        }
        if raw.len() > 256 {
            return Err(StartError::BadWebhookSecret("is too long"));
        }
        if !raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return Err(StartError::BadWebhookSecret(
                "has a character Telegram does not allow",
            ));
        }
        Ok(WebhookSecret(raw.to_owned()))
    }

    /// The secret, for setWebhook. Nothing else should call this.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Compares with a received header value in constant time (for equal
    /// lengths), so response timing does not reveal a matching prefix.
    pub fn matches(&self, given: &[u8]) -> bool {
        let ours = self.0.as_bytes();
        if ours.len() != given.len() {
            return false;
        }
        let diff = ours
            .iter()
            .zip(given)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b));
        std::hint::black_box(diff) == 0
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret(<redacted>)")
    }
}

/// Where `KSILK_LISTEN` listens when it is not set.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// How updates arrive.
#[derive(Debug, Clone)]
pub enum Mode {
    /// Long polling; `/healthz` and `/metrics` on `metrics_listen` if set
    /// (`KSILK_METRICS_LISTEN`).
    Polling { metrics_listen: Option<SocketAddr> },
    /// Telegram POSTs updates to `url`; we listen on `listen`
    /// (`KSILK_LISTEN`) at the URL's path, with `/healthz` and `/metrics`.
    Webhook {
        url: url::Url,
        secret: WebhookSecret,
        listen: SocketAddr,
    },
}

/// Where the bot connects, read from the environment.
#[derive(Debug, Clone)]
pub struct Settings {
    pub token: Token,
    /// Another Bot API server (a local telegram-bot-api, a test mock).
    pub api_url: Option<url::Url>,
    pub mode: Mode,
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
        let set = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let mode = match set("KSILK_WEBHOOK_URL") {
            Some(raw) => {
                if set("KSILK_METRICS_LISTEN").is_some() {
                    log::warn!(
                        "KSILK_METRICS_LISTEN is ignored in webhook mode: /healthz and /metrics are served on KSILK_LISTEN"
                    );
                }
                Mode::Webhook {
                    url: parse_webhook_url(raw.trim())?,
                    secret: WebhookSecret::parse(lookup("KSILK_WEBHOOK_SECRET").as_deref())?,
                    listen: parse_listen(
                        "KSILK_LISTEN",
                        set("KSILK_LISTEN").as_deref().unwrap_or(DEFAULT_LISTEN),
                    )?,
                }
            }
            None => Mode::Polling {
                metrics_listen: set("KSILK_METRICS_LISTEN")
                    .map(|raw| parse_listen("KSILK_METRICS_LISTEN", &raw))
                    .transpose()?,
            },
        };
        Ok(Settings {
            token,
            api_url,
            mode,
        })
    }
}

fn parse_listen(var: &'static str, raw: &str) -> Result<SocketAddr, StartError> {
    raw.trim()
        .parse()
        .map_err(|e| StartError::BadListenAddress {
            var,
            why: format!("{raw:?}: {e}"),
        })
}

/// An https URL whose path is where Telegram will POST (not `/`, and not one
/// of the listener's own routes).
pub fn parse_webhook_url(raw: &str) -> Result<url::Url, StartError> {
    let shown = redact(raw).into_owned();
    let url =
        url::Url::parse(raw).map_err(|e| StartError::BadWebhookUrl(format!("{e} in {shown:?}")))?;
    let why = if url.scheme() != "https" {
        Some("Telegram sends webhooks over https only")
    } else if url.host_str().is_none_or(str::is_empty) {
        Some("it has no host")
    } else if matches!(url.path(), "" | "/") {
        Some("it has no path (the path is where the bot takes updates)")
    } else if matches!(url.path(), "/healthz" | "/metrics") {
        Some("its path is one the bot serves itself")
    } else if url.fragment().is_some() {
        Some("it has a #fragment")
    } else {
        None
    };
    match why {
        Some(why) => Err(StartError::BadWebhookUrl(format!("{shown:?}: {why}"))),
        None => Ok(url),
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

    fn webhook_env(vars: &[(&str, &str)]) -> Result<Settings, StartError> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_lookup(move |name| {
            if name == "TELOXIDE_TOKEN" {
                return Some(GOOD.to_owned());
            }
            vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn polling_is_the_default_and_metrics_listen_is_optional() {
        let settings = webhook_env(&[]).unwrap();
        assert!(matches!(
            settings.mode,
            Mode::Polling {
                metrics_listen: None
            }
        ));
        let settings = webhook_env(&[("KSILK_METRICS_LISTEN", "127.0.0.1:9100")]).unwrap();
        assert!(matches!(
            settings.mode,
            Mode::Polling { metrics_listen: Some(addr) } if addr.port() == 9100
        ));
        let err = webhook_env(&[("KSILK_METRICS_LISTEN", "localhost")]).unwrap_err();
        assert!(err.to_string().contains("KSILK_METRICS_LISTEN"), "{err}");
    }

    #[test]
    fn webhook_mode_listens_on_127_0_0_1_8080_by_default() {
        let settings = webhook_env(&[
            ("KSILK_WEBHOOK_URL", "https://bot.example.org/tg"),
            ("KSILK_WEBHOOK_SECRET", "s3cret_-X"),
        ])
        .unwrap();
        let Mode::Webhook {
            url,
            secret,
            listen,
        } = settings.mode
        else {
            panic!("webhook mode expected");
        };
        assert_eq!(url.path(), "/tg");
        assert_eq!(listen, DEFAULT_LISTEN.parse().unwrap());
        assert!(secret.matches(b"s3cret_-X"));
        assert!(!secret.matches(b"s3cret_-Y"));
        assert!(!secret.matches(b"s3cret_-"));
        assert!(!format!("{secret:?}").contains("s3cret"));
    }

    #[test]
    fn webhook_secret_must_be_1_to_256_telegram_characters_and_is_never_echoed() {
        let long = "a".repeat(257);
        for (bad, why) in [
            (None, "is not set"),
            (Some(""), "is not set"),
            (Some(long.as_str()), "is too long"),
            (Some("has space"), "character"),
            (Some("bad!token"), "character"),
            (Some("ключ"), "character"),
        ] {
            let mut vars = vec![("KSILK_WEBHOOK_URL", "https://bot.example.org/tg")];
            if let Some(secret) = bad {
                vars.push(("KSILK_WEBHOOK_SECRET", secret));
            }
            let err = webhook_env(&vars).unwrap_err();
            assert!(matches!(err, StartError::BadWebhookSecret(_)), "{err:?}");
            let line = err.to_string();
            assert!(
                line.contains("KSILK_WEBHOOK_SECRET") && line.contains(why),
                "{line}"
            );
            assert!(line.contains("1-256") && line.contains("A-Z"), "{line}");
            if let Some(secret) = bad.filter(|s| s.len() > 3) {
                assert!(!line.contains(secret), "{line}");
            }
        }
        assert!(WebhookSecret::parse(Some(&"a".repeat(256))).is_ok());
        assert!(WebhookSecret::parse(Some("x")).is_ok());
    }

    #[test]
    fn webhook_url_must_be_https_with_a_path() {
        for bad in [
            "http://bot.example.org/tg",
            "https://bot.example.org",
            "https://bot.example.org/",
            "https://bot.example.org/healthz",
            "bot.example.org/tg",
            "https://bot.example.org/tg#x",
        ] {
            let err = webhook_env(&[
                ("KSILK_WEBHOOK_URL", bad),
                ("KSILK_WEBHOOK_SECRET", "secret"),
            ])
            .unwrap_err();
            assert!(
                matches!(err, StartError::BadWebhookUrl(_)),
                "{bad}: {err:?}"
            );
            assert!(err.to_string().contains("KSILK_WEBHOOK_URL"), "{err}");
        }
        let err = webhook_env(&[
            ("KSILK_WEBHOOK_URL", "https://bot.example.org/tg"),
            ("KSILK_WEBHOOK_SECRET", "secret"),
            ("KSILK_LISTEN", "8080"),
        ])
        .unwrap_err();
        assert!(err.to_string().contains("KSILK_LISTEN"), "{err}");
    }
}
