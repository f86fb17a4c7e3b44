//! The database schema, as a list of migrations applied in order at startup.
//!
//! SQLite's `user_version` pragma records how many have run, so each runs
//! once, in one transaction with the version bump: a crash half-way leaves
//! the old schema, never half of the new one. A database written by a newer
//! ksilk (a higher version) is refused rather than guessed at.
//!
//! Tables:
//!
//! - `questions`: the question log (what the bot could not answer). Time,
//!   chat type, language, outcome, nearest entry, score and text; no column
//!   can hold who asked or in which chat.
//! - `chat_state`: per-chat settings, one row per chat *and kind* (`lang` for
//!   the `/lang` pin, `context` for a conversation's follow-up context), keyed
//!   by a keyed hash of the chat id (see [`super::chat_key`]). A chat with no
//!   setting has no row; a new kind of setting is a new `kind` value, not a
//!   new table or column.

use rusqlite::{Connection, Transaction};

/// The migrations, oldest first. Append only: never edit a released one.
const MIGRATIONS: &[&str] = &[
    // 1: the question log and per-chat state.
    "CREATE TABLE questions (
         id      INTEGER PRIMARY KEY,
         at      INTEGER NOT NULL,
         place   TEXT NOT NULL,
         lang    TEXT NOT NULL,
         outcome TEXT NOT NULL,
         nearest TEXT,
         score   REAL NOT NULL,
         text    TEXT NOT NULL
     );
     CREATE INDEX questions_at ON questions (at);
     CREATE TABLE chat_state (
         chat_key   INTEGER NOT NULL,
         kind       TEXT NOT NULL,
         value      TEXT NOT NULL,
         updated_at INTEGER NOT NULL,
         PRIMARY KEY (chat_key, kind)
     ) WITHOUT ROWID;",
];

/// The schema version this build writes.
pub const VERSION: i64 = MIGRATIONS.len() as i64;

/// Why the schema could not be brought up to date.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    #[error("the database has schema version {found}, newer than this ksilk's {VERSION}")]
    TooNew { found: i64 },
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
}

/// Applies the migrations the database has not seen; returns how many ran.
pub fn migrate(conn: &mut Connection) -> Result<usize, SchemaError> {
    let found: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if found > VERSION {
        return Err(SchemaError::TooNew { found });
    }
    let mut ran = 0;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(found.max(0) as usize) {
        let tx: Transaction<'_> = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
        ran += 1;
    }
    Ok(ran)
}

/// The schema version recorded in the database.
pub fn version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.pragma_query_value(None, "user_version", |r| r.get(0))
}
