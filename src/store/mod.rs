//! Persistence: the question log and per-chat settings, in one SQLite file.
//!
//! What it is for: to learn what people ask that the bot cannot answer
//! (`ksilk review` reads the log), and to keep each chat's `/lang` choice (and
//! later its conversation context) across restarts. What shaped it:
//!
//! - **Never on a reply's critical path.** Handlers call [`StoreHandle`]
//!   methods that only `try_send` to a bounded queue ([`StoreConfig::queue`]
//!   entries) and return at once. One writer thread owns the connection and
//!   writes whatever has queued up in one transaction. When the queue is full
//!   the entry is dropped and counted ([`StoreHandle::dropped`] and the
//!   `ksilk_store_dropped_total` metric); a reply never waits for a disk.
//! - **Never a reason to stop answering.** A bad *setting* (`KSILK_DB` in a
//!   missing directory, a bad `KSILK_LOG_DAYS`) stops the bot at startup with
//!   a message naming the variable ([`ConfigError`]). A bad *database* (a
//!   corrupt file, a read-only file, a lock held by another process, a
//!   schema from a newer ksilk) is logged at warn and the bot runs without a
//!   store for that run ([`open`] returns `None`; a lock is waited on for up
//!   to 5 s first). A failure while running (a
//!   full disk, a lock) is logged once, its batch is dropped and counted, and
//!   the writer retries with the next batch after a backoff (1 s doubling to
//!   1 min), so a transient problem heals itself and a lasting one costs only
//!   the entries, never the replies. Errors are logged without user data:
//!   SQLite's messages hold no bound values.
//! - **No user identifier in any byte.** The question log has no column that
//!   could hold a user id, username, chat id or name; per-chat rows are keyed
//!   by a keyed hash ([`chat_key`]) whose key is not in the database. The
//!   question *text* is stored as asked (it is what the operator needs to
//!   read); if someone types their own name into a question, it is there.
//! - **Only the Telegram bot logs.** `ksilk chat` and `ksilk ask` are the
//!   operator's own tools and write nothing.
//! - **SQLite through rusqlite's `bundled` feature**: nothing to install, one
//!   file to back up, WAL mode so that `ksilk review` (and `sqlite3 .backup`)
//!   read while the bot writes. Schema changes are migrations ([`schema`]).
//! - **Retention** (`KSILK_LOG_DAYS`, default 90): questions older than that
//!   are deleted at startup and then once a day by the writer.
//! - **Shutdown** calls [`StoreHandle::close`], which lets the writer drain
//!   the queue for up to a given time and closes the database.

pub mod chat_key;
pub mod config;
pub mod review;
pub mod schema;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, OpenFlags, params};

pub use chat_key::ChatKeyer;
pub use config::{ConfigError, StoreConfig};

use crate::lang::Lang;
use crate::matcher::Outcome;

/// The `chat_state` kind of a chat's pinned reply language.
pub const KIND_LANG: &str = "lang";
/// The `chat_state` kind of a chat's conversation context (an opaque JSON
/// string owned by the conversation code).
pub const KIND_CONTEXT: &str = "context";

/// Most entries written in one transaction.
const MAX_BATCH: usize = 512;
/// How long a write waits for a lock held by another connection (a backup,
/// `ksilk review`) before its batch counts as failed.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
const SECONDS_PER_DAY: i64 = 24 * 60 * 60;

/// One question the bot did not answer, as logged. Holds no user identifier.
#[derive(Debug, Clone, PartialEq)]
pub struct Question {
    /// Unix time, seconds.
    pub at: i64,
    /// The chat type: `private`, `group`, `supergroup`.
    pub place: String,
    /// The reply language.
    pub lang: Lang,
    pub outcome: Outcome,
    /// The entry the question came nearest to, if any.
    pub nearest: Option<String>,
    pub score: f32,
    pub text: String,
}

/// The seconds since the Unix epoch, now.
pub fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// An outcome as stored: `answer`, `clarify`, `fallback`.
pub fn outcome_name(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Answer => "answer",
        Outcome::Clarify => "clarify",
        Outcome::Fallback => "fallback",
    }
}

fn outcome_from_name(name: &str) -> Option<Outcome> {
    match name {
        "answer" => Some(Outcome::Answer),
        "clarify" => Some(Outcome::Clarify),
        "fallback" => Some(Outcome::Fallback),
        _ => None,
    }
}

/// What the writer is asked to do.
enum Op {
    Question(Question),
    /// Sets (`Some`) or deletes (`None`) one kind of state for a chat.
    ChatState {
        key: u64,
        kind: &'static str,
        value: Option<String>,
        at: i64,
    },
    /// Acknowledged once everything queued before it is written.
    Flush(mpsc::Sender<()>),
    /// Write what is queued, then stop.
    Close,
}

struct Shared {
    tx: SyncSender<Op>,
    path: PathBuf,
    keyer: ChatKeyer,
    dropped: AtomicU64,
    closing: AtomicBool,
    /// Signalled (by being dropped) when the writer thread ends.
    done: Mutex<Option<Receiver<()>>>,
}

/// The bot's side of the store: cheap to clone, every write non-blocking.
#[derive(Clone)]
pub struct StoreHandle {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for StoreHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreHandle")
            .field("path", &self.shared.path)
            .field("dropped", &self.dropped())
            .finish()
    }
}

/// Opens (creating and migrating) the database and starts its writer.
///
/// `Err` for a bad setting the operator must fix (see [`ConfigError`]);
/// `Ok(None)`, after a warning, when the file is there but unusable (corrupt,
/// read-only, locked, too new): the bot then runs without a store.
pub fn open(config: &StoreConfig) -> Result<Option<StoreHandle>, ConfigError> {
    config::check_location(&config.path)?;
    let keyer = chat_key::load_or_create(&config.path, config.chat_key)?;
    let conn = match prepare(&config.path, config.log_days) {
        Ok(conn) => conn,
        Err(why) => {
            log::warn!(
                "the database {} cannot be used ({why}); running without the question log and saved chat settings",
                config.path.display()
            );
            return Ok(None);
        }
    };
    let (tx, rx) = mpsc::sync_channel(config.queue.max(1));
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let shared = Arc::new(Shared {
        tx,
        path: config.path.clone(),
        keyer,
        dropped: AtomicU64::new(0),
        closing: AtomicBool::new(false),
        done: Mutex::new(Some(done_rx)),
    });
    let writer = Writer {
        conn,
        rx,
        shared: Arc::clone(&shared),
        log_days: config.log_days,
        prune_every: config.prune_every.max(Duration::from_millis(1)),
        failing: false,
    };
    let spawned = std::thread::Builder::new()
        .name("ksilk-store".to_owned())
        .spawn(move || {
            let _done = done_tx;
            writer.run();
        });
    if let Err(e) = spawned {
        log::warn!("cannot start the store's writer thread ({e}); running without a store");
        return Ok(None);
    }
    // Info comes later, in the bot's own log, once Telegram accepted the
    // token: a startup that fails should say one thing only.
    log::debug!(
        "store at {} (questions kept {} days)",
        config.path.display(),
        config.log_days
    );
    Ok(Some(StoreHandle { shared }))
}

/// Opens the file, turns on WAL, migrates, proves it can write, and applies
/// retention. Any failure means the file is unusable for this run.
fn prepare(path: &Path, log_days: u32) -> Result<Connection, String> {
    let mut conn = Connection::open(path).map_err(|e| e.to_string())?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(|e| e.to_string())?;
    let mode: String = conn
        .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
        .map_err(|e| e.to_string())?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(format!("it cannot use WAL mode (journal_mode is {mode})"));
    }
    // In WAL mode NORMAL is durable against a crash of the process and
    // loses at most the last transactions on a power cut: fine for a log.
    conn.pragma_update(None, "synchronous", "NORMAL")
        .map_err(|e| e.to_string())?;
    schema::migrate(&mut conn).map_err(|e| e.to_string())?;
    // A read-only file can pass everything above when it is up to date.
    conn.execute_batch("BEGIN IMMEDIATE; COMMIT;")
        .map_err(|e| e.to_string())?;
    prune(&conn, log_days).map_err(|e| e.to_string())?;
    Ok(conn)
}

/// Deletes questions older than `log_days`; returns how many.
fn prune(conn: &Connection, log_days: u32) -> rusqlite::Result<usize> {
    let cutoff = now_unix() - i64::from(log_days) * SECONDS_PER_DAY;
    conn.execute("DELETE FROM questions WHERE at < ?1", params![cutoff])
}

impl StoreHandle {
    /// The database file.
    pub fn path(&self) -> &Path {
        &self.shared.path
    }

    /// The keyer per-chat rows are keyed with.
    pub fn keyer(&self) -> &ChatKeyer {
        &self.shared.keyer
    }

    /// Entries lost so far: dropped because the queue was full or the store
    /// closed, or in a batch that could not be written.
    pub fn dropped(&self) -> u64 {
        self.shared.dropped.load(Ordering::Relaxed)
    }

    fn count_dropped(&self, n: u64) {
        count_dropped(&self.shared, n);
    }

    fn send(&self, op: Op) {
        match self.shared.tx.try_send(op) {
            Ok(()) => {}
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => self.count_dropped(1),
        }
    }

    /// Logs a question the bot did not answer. Never blocks.
    pub fn log_question(&self, question: Question) {
        self.send(Op::Question(question));
    }

    /// Saves a chat's pinned language under its hashed key. Never blocks.
    pub fn save_pin(&self, key: u64, lang: Lang) {
        self.save_state(key, KIND_LANG, Some(lang.code().to_owned()));
    }

    /// Forgets a chat's pinned language. Never blocks.
    pub fn delete_pin(&self, key: u64) {
        self.save_state(key, KIND_LANG, None);
    }

    /// Saves a chat's conversation context (opaque JSON), or deletes it with
    /// `None` (so a chat with no context costs no row). Never blocks.
    pub fn save_context(&self, key: u64, json: Option<String>) {
        self.save_state(key, KIND_CONTEXT, json);
    }

    fn save_state(&self, key: u64, kind: &'static str, value: Option<String>) {
        self.send(Op::ChatState {
            key,
            kind,
            value,
            at: now_unix(),
        });
    }

    /// Every saved pin, by hashed key. Reads the file on a connection of its
    /// own: for startup, never for a reply. Values that are no longer a
    /// language are skipped.
    pub fn load_pins(&self) -> rusqlite::Result<Vec<(u64, Lang)>> {
        Ok(self
            .load_state(KIND_LANG)?
            .into_iter()
            .filter_map(|(key, code, _)| Lang::from_code(&code).map(|lang| (key, lang)))
            .collect())
    }

    /// Every saved conversation context: hashed key, JSON, and when it was
    /// saved (Unix seconds). For startup only, like [`StoreHandle::load_pins`].
    pub fn load_contexts(&self) -> rusqlite::Result<Vec<(u64, String, i64)>> {
        self.load_state(KIND_CONTEXT)
    }

    fn load_state(&self, kind: &str) -> rusqlite::Result<Vec<(u64, String, i64)>> {
        let conn =
            Connection::open_with_flags(&self.shared.path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        let mut stmt = conn.prepare(
            "SELECT chat_key, value, updated_at FROM chat_state WHERE kind = ?1 ORDER BY updated_at",
        )?;
        let rows = stmt.query_map(params![kind], |r| {
            Ok((r.get::<_, i64>(0)? as u64, r.get(1)?, r.get(2)?))
        })?;
        rows.collect()
    }

    /// Waits until everything queued so far has been processed (written, or
    /// counted in [`StoreHandle::dropped`] if its batch failed), up to
    /// `timeout`. Returns false if it was not (the writer is stuck on a lock,
    /// or gone).
    pub fn flush(&self, timeout: Duration) -> bool {
        let (ack, acked) = mpsc::channel();
        if !self.send_within(Op::Flush(ack), timeout) {
            return false;
        }
        acked.recv_timeout(timeout).is_ok()
    }

    /// Drains the queue and closes the database, waiting up to `timeout`;
    /// for graceful shutdown. Returns true if the writer finished in time.
    /// Entries sent after this (by other clones) are dropped and counted.
    pub fn close(self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let done = self
            .shared
            .done
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        let Some(done) = done else {
            // Another clone already closed it.
            return true;
        };
        self.shared.closing.store(true, Ordering::Relaxed);
        let sent = self.send_within(Op::Close, timeout);
        let finished = matches!(
            done.recv_timeout(deadline.saturating_duration_since(Instant::now())),
            Err(RecvTimeoutError::Disconnected)
        );
        if !(sent && finished) {
            log::warn!(
                "the store did not finish writing within {} ms; the last entries may be lost",
                timeout.as_millis()
            );
        }
        sent && finished
    }

    /// Sends a control message, waiting for room in the queue until `timeout`.
    fn send_within(&self, mut op: Op, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            match self.shared.tx.try_send(op) {
                Ok(()) => return true,
                Err(TrySendError::Disconnected(_)) => return false,
                Err(TrySendError::Full(back)) => {
                    if Instant::now() >= deadline {
                        return false;
                    }
                    op = back;
                    std::thread::sleep(Duration::from_millis(5));
                }
            }
        }
    }
}

fn count_dropped(shared: &Shared, n: u64) {
    shared.dropped.fetch_add(n, Ordering::Relaxed);
    metrics::counter!("ksilk_store_dropped_total").increment(n);
}

/// The one thread that writes.
struct Writer {
    conn: Connection,
    rx: Receiver<Op>,
    shared: Arc<Shared>,
    log_days: u32,
    prune_every: Duration,
    /// The last batch failed (so the next failure is not logged again).
    failing: bool,
}

impl Writer {
    fn run(mut self) {
        let mut next_prune = Instant::now() + self.prune_every;
        let mut backoff = Duration::from_secs(1);
        loop {
            // Checked on every turn, so a queue that is never empty cannot
            // postpone retention.
            if Instant::now() >= next_prune {
                next_prune = Instant::now() + self.prune_every;
                match prune(&self.conn, self.log_days) {
                    Ok(n) if n > 0 => log::info!("retention: deleted {n} old questions"),
                    Ok(_) => {}
                    Err(e) => log::warn!("retention failed: {e}"),
                }
            }
            let wait = next_prune.saturating_duration_since(Instant::now());
            let first = match self.rx.recv_timeout(wait) {
                Ok(op) => op,
                Err(RecvTimeoutError::Timeout) => continue,
                Err(RecvTimeoutError::Disconnected) => break,
            };
            let mut batch = vec![first];
            while batch.len() < MAX_BATCH {
                match self.rx.try_recv() {
                    Ok(op) => batch.push(op),
                    Err(_) => break,
                }
            }
            let mut acks = Vec::new();
            let mut close = false;
            let mut writes = Vec::with_capacity(batch.len());
            for op in batch {
                match op {
                    Op::Flush(ack) => acks.push(ack),
                    Op::Close => close = true,
                    write => writes.push(write),
                }
            }
            if !writes.is_empty() {
                match write_batch(&mut self.conn, &writes) {
                    Ok(()) => {
                        if self.failing {
                            log::info!("the store writes again");
                        }
                        self.failing = false;
                        backoff = Duration::from_secs(1);
                    }
                    Err(e) => {
                        count_dropped(&self.shared, writes.len() as u64);
                        if !self.failing {
                            log::warn!(
                                "the store cannot write ({e}); dropping entries and retrying, the bot keeps answering"
                            );
                        }
                        self.failing = true;
                        if !close {
                            self.pause(backoff);
                            backoff = (backoff * 2).min(Duration::from_secs(60));
                        }
                    }
                }
            }
            for ack in acks {
                let _ = ack.send(());
            }
            if close {
                break;
            }
        }
    }

    /// Sleeps after a failure, cut short by shutdown.
    fn pause(&self, total: Duration) {
        let until = Instant::now() + total;
        while Instant::now() < until && !self.shared.closing.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn write_batch(conn: &mut Connection, writes: &[Op]) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    {
        let mut insert = tx.prepare_cached(
            "INSERT INTO questions (at, place, lang, outcome, nearest, score, text)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        let mut upsert = tx.prepare_cached(
            "INSERT INTO chat_state (chat_key, kind, value, updated_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (chat_key, kind) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        )?;
        let mut delete =
            tx.prepare_cached("DELETE FROM chat_state WHERE chat_key = ?1 AND kind = ?2")?;
        for op in writes {
            match op {
                Op::Question(q) => {
                    insert.execute(params![
                        q.at,
                        q.place,
                        q.lang.code(),
                        outcome_name(q.outcome),
                        q.nearest,
                        f64::from(q.score),
                        q.text
                    ])?;
                }
                Op::ChatState {
                    key,
                    kind,
                    value: Some(value),
                    at,
                } => {
                    upsert.execute(params![*key as i64, kind, value, at])?;
                }
                Op::ChatState {
                    key,
                    kind,
                    value: None,
                    ..
                } => {
                    delete.execute(params![*key as i64, kind])?;
                }
                Op::Flush(_) | Op::Close => {}
            }
        }
    }
    tx.commit()
}

/// Opens a database read-only, for `ksilk review`.
pub fn open_read_only(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    Ok(conn)
}

/// The logged questions asked at or after `since` (Unix seconds), oldest
/// first. Rows whose language or outcome this build does not know are skipped.
pub fn questions_since(conn: &Connection, since: i64) -> rusqlite::Result<Vec<Question>> {
    let mut stmt = conn.prepare(
        "SELECT at, place, lang, outcome, nearest, score, text FROM questions
         WHERE at >= ?1 ORDER BY at, id",
    )?;
    let rows = stmt.query_map(params![since], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, Option<String>>(4)?,
            r.get::<_, f64>(5)?,
            r.get::<_, String>(6)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (at, place, lang, outcome, nearest, score, text) = row?;
        let (Some(lang), Some(outcome)) = (Lang::from_code(&lang), outcome_from_name(&outcome))
        else {
            continue;
        };
        out.push(Question {
            at,
            place,
            lang,
            outcome,
            nearest,
            score: score as f32,
            text,
        });
    }
    Ok(out)
}
