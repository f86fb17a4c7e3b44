//! The `ksilk` binary: sets up logging, parses arguments, runs, and turns an
//! error into one line on stderr and a non-zero exit code.

use std::process::ExitCode;

fn main() -> ExitCode {
    // `.env` may hold RUST_LOG, the token and the knowledge-base path; a missing
    // file is normal, so its absence is not an error.
    let _ = dotenvy::dotenv();
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn"))
        .format_timestamp_secs()
        .init();
    match ksilk::cli::run(std::env::args_os()) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("ksilk: {}", ksilk::cli::describe(&err));
            ExitCode::from(2)
        }
    }
}
