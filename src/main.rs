//! The `ksilk` binary: sets up logging, parses arguments, runs, and turns an
//! error into one line on stderr and a non-zero exit code.

use std::ffi::OsString;
use std::process::ExitCode;

use ksilk::telegram::redact::RedactingLogger;

fn main() -> ExitCode {
    // `.env` may hold RUST_LOG, the token and the knowledge-base path; a missing
    // file is normal, so its absence is not an error.
    let _ = dotenvy::dotenv();
    let args: Vec<OsString> = std::env::args_os().collect();
    init_logging(ksilk::cli::default_log_filter(&args));
    match ksilk::cli::run(args) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("ksilk: {}", ksilk::cli::describe(&err));
            ExitCode::from(2)
        }
    }
}

/// env_logger behind a filter that masks anything shaped like a bot token, so
/// that no dependency's log line can leak it.
fn init_logging(default_filter: &str) {
    let logger =
        env_logger::Builder::from_env(env_logger::Env::default().default_filter_or(default_filter))
            .format_timestamp_secs()
            .build();
    let max_level = logger.filter();
    if log::set_boxed_logger(Box::new(RedactingLogger::new(logger))).is_ok() {
        log::set_max_level(max_level);
    }
}
