//! The Telegram front end (being written; see issue 3).

/// Runs the bot with long polling.
pub fn run(_engine: crate::engine::Engine) -> anyhow::Result<()> {
    anyhow::bail!("the Telegram front end is not built yet; use `ksilk chat`")
}
