//! The store on a real SQLite file in a temporary directory: migrations, WAL,
//! the question log and its retention, the bounded queue, per-chat rows,
//! damaged files, and `ksilk review` as the operator runs it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use ksilk::lang::Lang;
use ksilk::matcher::Outcome;
use ksilk::store::{self, Question, StoreConfig, StoreHandle, schema};
use rusqlite::Connection;

const WAIT: Duration = Duration::from_secs(30);
const DAY: i64 = 24 * 60 * 60;

fn config(dir: &Path) -> StoreConfig {
    StoreConfig::at(dir.join("ksilk.db"))
}

fn open(config: &StoreConfig) -> StoreHandle {
    store::open(config)
        .expect("a valid configuration")
        .expect("a usable database")
}

fn question(at: i64, text: &str, outcome: Outcome) -> Question {
    Question {
        at,
        place: "private".to_owned(),
        lang: Lang::En,
        outcome,
        nearest: Some("pillars".to_owned()),
        score: 0.25,
        text: text.to_owned(),
    }
}

fn count(path: &Path, sql: &str) -> i64 {
    Connection::open(path)
        .unwrap()
        .query_row(sql, [], |r| r.get(0))
        .unwrap()
}

#[test]
fn migrations_create_the_schema_on_an_empty_file_and_are_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path());
    assert!(open(&config).close(WAIT));
    let conn = Connection::open(&config.path).unwrap();
    assert_eq!(schema::version(&conn).unwrap(), schema::VERSION);
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(tables, vec!["chat_state", "questions"]);
    drop(conn);
    // A second start runs nothing again and keeps the data.
    let store = open(&config);
    store.log_question(question(store::now_unix(), "space?", Outcome::Fallback));
    assert!(store.close(WAIT));
    let mut conn = Connection::open(&config.path).unwrap();
    assert_eq!(schema::migrate(&mut conn).unwrap(), 0);
    assert_eq!(schema::version(&conn).unwrap(), schema::VERSION);
    assert_eq!(count(&config.path, "SELECT count(*) FROM questions"), 1);
}

#[test]
fn the_database_uses_wal_mode() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path());
    let store = open(&config);
    store.log_question(question(store::now_unix(), "space?", Outcome::Fallback));
    assert!(store.flush(WAIT));
    let mode: String = Connection::open(&config.path)
        .unwrap()
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    assert!(dir.path().join("ksilk.db-wal").exists());
    assert!(store.close(WAIT));
}

#[test]
fn unanswered_questions_are_written_and_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path());
    let store = open(&config);
    let now = store::now_unix();
    let asked = vec![
        question(now - 10, "does korea cooperate on space", Outcome::Fallback),
        Question {
            place: "supergroup".to_owned(),
            lang: Lang::Ru,
            nearest: None,
            score: 0.0,
            ..question(now - 5, "сотрудничество в космосе", Outcome::Clarify)
        },
    ];
    for q in &asked {
        store.log_question(q.clone());
    }
    assert!(store.flush(WAIT));
    let conn = store::open_read_only(&config.path).unwrap();
    assert_eq!(store::questions_since(&conn, 0).unwrap(), asked);
    assert_eq!(
        store::questions_since(&conn, now - 7).unwrap(),
        asked[1..].to_vec()
    );
    assert_eq!(store.dropped(), 0);
    assert!(store.close(WAIT));
}

#[test]
fn retention_deletes_questions_older_than_log_days_at_startup() {
    let dir = tempfile::tempdir().unwrap();
    let config = StoreConfig {
        log_days: 30,
        ..config(dir.path())
    };
    let store = open(&config);
    let now = store::now_unix();
    for (age_days, text) in [(400, "very old"), (31, "old"), (29, "recent"), (0, "today")] {
        store.log_question(question(now - age_days * DAY, text, Outcome::Fallback));
    }
    assert!(store.close(WAIT));
    assert_eq!(count(&config.path, "SELECT count(*) FROM questions"), 4);
    // The next start applies retention.
    assert!(open(&config).close(WAIT));
    let conn = store::open_read_only(&config.path).unwrap();
    let kept: Vec<String> = store::questions_since(&conn, 0)
        .unwrap()
        .into_iter()
        .map(|q| q.text)
        .collect();
    assert_eq!(kept, vec!["recent", "today"]);
}

#[test]
fn retention_also_runs_periodically_while_the_store_is_open() {
    let dir = tempfile::tempdir().unwrap();
    let config = StoreConfig {
        log_days: 1,
        prune_every: Duration::from_millis(20),
        ..config(dir.path())
    };
    let store = open(&config);
    let now = store::now_unix();
    store.log_question(question(now - 2 * DAY, "old", Outcome::Fallback));
    store.log_question(question(now, "new", Outcome::Fallback));
    assert!(store.flush(WAIT));
    // No clock in the assertion: wait (boundedly) for the writer's next turn.
    let deadline = std::time::Instant::now() + WAIT;
    while count(
        &config.path,
        "SELECT count(*) FROM questions WHERE text = 'old'",
    ) > 0
    {
        assert!(std::time::Instant::now() < deadline, "retention never ran");
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(count(&config.path, "SELECT count(*) FROM questions"), 1);
    assert!(store.close(WAIT));
}

/// A counter-only metrics recorder, to see what the store reports.
#[derive(Default)]
struct Counters(std::sync::Mutex<Vec<(String, Arc<AtomicU64>)>>);

impl Counters {
    fn get(&self, name: &str) -> u64 {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, c)| c.load(Ordering::Relaxed))
            .sum()
    }
}

impl metrics::Recorder for Counters {
    fn describe_counter(
        &self,
        _: metrics::KeyName,
        _: Option<metrics::Unit>,
        _: metrics::SharedString,
    ) {
    }
    fn describe_gauge(
        &self,
        _: metrics::KeyName,
        _: Option<metrics::Unit>,
        _: metrics::SharedString,
    ) {
    }
    fn describe_histogram(
        &self,
        _: metrics::KeyName,
        _: Option<metrics::Unit>,
        _: metrics::SharedString,
    ) {
    }
    fn register_counter(&self, key: &metrics::Key, _: &metrics::Metadata<'_>) -> metrics::Counter {
        let counter = Arc::new(AtomicU64::new(0));
        self.0
            .lock()
            .unwrap()
            .push((key.name().to_owned(), Arc::clone(&counter)));
        metrics::Counter::from_arc(counter)
    }
    fn register_gauge(&self, _: &metrics::Key, _: &metrics::Metadata<'_>) -> metrics::Gauge {
        metrics::Gauge::noop()
    }
    fn register_histogram(
        &self,
        _: &metrics::Key,
        _: &metrics::Metadata<'_>,
    ) -> metrics::Histogram {
        metrics::Histogram::noop()
    }
}

#[test]
fn a_full_queue_drops_and_counts_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let config = StoreConfig {
        queue: 8,
        ..config(dir.path())
    };
    let store = open(&config);
    // Another connection holds the write lock: the writer is stuck on its
    // first batch, as it would be behind a long backup. If sending waited
    // for room, this test would never get to release the lock.
    let locker = Connection::open(&config.path).unwrap();
    locker.execute_batch("BEGIN EXCLUSIVE").unwrap();
    const SENT: u64 = 5_000;
    let counters = Counters::default();
    metrics::with_local_recorder(&counters, || {
        for i in 0..SENT {
            store.log_question(question(
                store::now_unix(),
                &format!("q{i}"),
                Outcome::Fallback,
            ));
        }
    });
    let dropped = store.dropped();
    // At most the queue and one batch can be waiting.
    assert!(dropped >= SENT - 8 - 512, "dropped {dropped}");
    assert_eq!(counters.get("ksilk_store_dropped_total"), dropped);
    locker.execute_batch("ROLLBACK").unwrap();
    drop(locker);
    assert!(store.flush(WAIT));
    // Every entry was either written or counted: none vanished silently.
    let written = count(&config.path, "SELECT count(*) FROM questions") as u64;
    assert_eq!(written + store.dropped(), SENT);
    assert!(written > 0);
    assert!(store.close(WAIT));
}

#[test]
fn close_drains_the_queue_and_later_writes_count_as_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path());
    let store = open(&config);
    let other = store.clone();
    for i in 0..300 {
        store.log_question(question(
            store::now_unix(),
            &format!("q{i}"),
            Outcome::Clarify,
        ));
    }
    assert!(store.close(WAIT));
    assert_eq!(count(&config.path, "SELECT count(*) FROM questions"), 300);
    other.log_question(question(store::now_unix(), "too late", Outcome::Clarify));
    assert_eq!(other.dropped(), 1);
    assert!(other.close(WAIT), "closing twice is harmless");
}

#[test]
fn chat_state_has_rows_only_for_chats_with_a_setting() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path());
    let store = open(&config);
    store.save_pin(11, Lang::Ru);
    store.save_pin(22, Lang::Ko);
    store.save_pin(11, Lang::En);
    store.save_context(22, Some(r#"{"last":"pillars"}"#.to_owned()));
    store.save_context(33, Some("{}".to_owned()));
    store.save_context(33, None);
    store.delete_pin(22);
    assert!(store.flush(WAIT));
    assert_eq!(store.load_pins().unwrap(), vec![(11, Lang::En)]);
    let contexts = store.load_contexts().unwrap();
    assert_eq!(contexts.len(), 1);
    assert_eq!(
        (contexts[0].0, contexts[0].1.as_str()),
        (22, r#"{"last":"pillars"}"#)
    );
    assert!(contexts[0].2 > 0);
    // Chat 11: a pin; chat 22: a context; chat 33: nothing, so no row.
    assert_eq!(count(&config.path, "SELECT count(*) FROM chat_state"), 2);
    // Keys are full 64-bit hashes: the top bit survives SQLite's signed integers.
    store.save_pin(u64::MAX - 1, Lang::Ko);
    assert!(store.flush(WAIT));
    assert!(
        store
            .load_pins()
            .unwrap()
            .contains(&(u64::MAX - 1, Lang::Ko))
    );
    assert!(store.close(WAIT));
}

#[test]
fn a_corrupt_database_file_turns_the_store_off() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path());
    let garbage = b"this is not a database, it is a file someone overwrote".repeat(100);
    std::fs::write(&config.path, &garbage).unwrap();
    assert!(matches!(store::open(&config), Ok(None)));
    assert_eq!(
        std::fs::read(&config.path).unwrap(),
        garbage,
        "left as found"
    );
}

#[test]
fn a_database_from_a_newer_ksilk_turns_the_store_off() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path());
    Connection::open(&config.path)
        .unwrap()
        .pragma_update(None, "user_version", 99)
        .unwrap();
    assert!(matches!(store::open(&config), Ok(None)));
}

/// Makes a file read-only for as long as it lives, even for root (which
/// ignores permission bits) by marking it immutable.
pub struct ReadOnly(PathBuf);

impl ReadOnly {
    pub fn new(path: &Path) -> ReadOnly {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o444)).unwrap();
        if std::fs::OpenOptions::new().append(true).open(path).is_ok() {
            let status = Command::new("chattr").arg("+i").arg(path).status();
            assert!(
                status.is_ok_and(|s| s.success()),
                "running as root and cannot make {} immutable with chattr",
                path.display()
            );
        }
        assert!(
            std::fs::OpenOptions::new().append(true).open(path).is_err(),
            "{} is still writable",
            path.display()
        );
        ReadOnly(path.to_owned())
    }
}

impl Drop for ReadOnly {
    fn drop(&mut self) {
        use std::os::unix::fs::PermissionsExt;
        let _ = Command::new("chattr")
            .arg("-i")
            .arg(&self.0)
            .stderr(Stdio::null())
            .status();
        let _ = std::fs::set_permissions(&self.0, std::fs::Permissions::from_mode(0o644));
    }
}

#[test]
fn a_read_only_database_file_turns_the_store_off() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path());
    let store = open(&config);
    store.save_pin(1, Lang::Ru);
    assert!(store.close(WAIT));
    let before = std::fs::read(&config.path).unwrap();
    let _guard = ReadOnly::new(&config.path);
    assert!(matches!(store::open(&config), Ok(None)));
    assert_eq!(std::fs::read(&config.path).unwrap(), before);
}

// ---- `ksilk review` and startup errors, through the binary ----

fn ksilk(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ksilk"));
    command
        .args(args)
        .current_dir(dir)
        .env_remove("TELOXIDE_TOKEN")
        .env_remove("TELOXIDE_API_URL")
        .env_remove("KSILK_KB")
        .env_remove("KSILK_DB")
        .env_remove("KSILK_LOG_DAYS")
        .env_remove("KSILK_CHAT_KEY")
        .env_remove("RUST_LOG")
        .stdin(Stdio::null());
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// A database in `dir` (as `ksilk.db`, the default) with a week of questions.
fn logged_week(dir: &Path) {
    let store = open(&config(dir));
    let now = store::now_unix();
    let log = [
        (
            1,
            "does korea cooperate on space",
            Outcome::Fallback,
            Lang::En,
        ),
        (
            2,
            "space cooperation with korea?",
            Outcome::Clarify,
            Lang::En,
        ),
        (
            3,
            "Space cooperation with Korea",
            Outcome::Fallback,
            Lang::En,
        ),
        (
            4,
            "what is the capital of france",
            Outcome::Fallback,
            Lang::En,
        ),
        (
            5,
            "Сотрудничает ли Корея в космосе?",
            Outcome::Fallback,
            Lang::Ru,
        ),
        (
            6,
            "how many tourists visit uzbekistan",
            Outcome::Fallback,
            Lang::En,
        ),
        (
            7,
            "how many tourists visit uzbekistan?",
            Outcome::Fallback,
            Lang::En,
        ),
        // Older than a week: outside the default --since.
        (
            9 * DAY,
            "what is the capital of france",
            Outcome::Fallback,
            Lang::En,
        ),
    ];
    for (age, q, outcome, lang) in log {
        store.log_question(Question {
            lang,
            ..question(now - age, q, outcome)
        });
    }
    assert!(store.close(WAIT));
}

#[test]
fn review_prints_groups_most_asked_first() {
    let dir = tempfile::tempdir().unwrap();
    logged_week(dir.path());
    let out = ksilk(dir.path(), &["review"], &[]);
    assert!(out.status.success(), "{out:?}");
    let report = text(&out.stdout);
    assert!(
        report.starts_with("7 unanswered question(s) in the last 7d; 4 group(s)"),
        "{report}"
    );
    let space = report.find("asked 3×").expect(&report);
    let tourists = report.find("asked 2×").expect(&report);
    assert!(space < tourists, "{report}");
    // Wordings that differ only in case or punctuation show once.
    for example in [
        "\"does korea cooperate on space\"",
        "\"how many tourists visit uzbekistan\"",
    ] {
        assert!(report.contains(example), "{report}");
    }
    // Only the last week unless asked otherwise.
    let out = ksilk(
        dir.path(),
        &["review", "--since", "2w", "--limit", "1"],
        &[],
    );
    let report = text(&out.stdout);
    assert!(
        report.starts_with("8 unanswered question(s) in the last 2w; 1 group(s)"),
        "{report}"
    );
}

#[test]
fn review_json_prints_one_object_per_group() {
    let dir = tempfile::tempdir().unwrap();
    logged_week(dir.path());
    let out = ksilk(dir.path(), &["review", "--json"], &[]);
    assert!(out.status.success(), "{out:?}");
    let groups: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let counts: Vec<u64> = groups
        .iter()
        .map(|g| g["count"].as_u64().unwrap())
        .collect();
    assert_eq!(counts, vec![3, 2, 1, 1]);
    let first = groups[0].as_object().unwrap();
    let mut keys: Vec<&str> = first.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        vec!["count", "examples", "lang", "nearest", "outcome", "score"]
    );
    assert_eq!(first["examples"].as_array().unwrap().len(), 2, "{first:?}");
    assert_eq!(first["outcome"], "fallback");
    assert_eq!(first["nearest"], "pillars");
    assert_eq!(first["score"], 0.25);
    assert!(groups.iter().any(|g| g["lang"] == "ru"));
}

#[test]
fn review_export_writes_evaluation_cases_with_empty_intents() {
    let dir = tempfile::tempdir().unwrap();
    logged_week(dir.path());
    let out = ksilk(dir.path(), &["review", "--export", "todo.jsonl"], &[]);
    assert!(out.status.success(), "{out:?}");
    assert!(
        text(&out.stdout).contains("wrote 5 question(s) to todo.jsonl"),
        "{out:?}"
    );
    let cases = ksilk::eval::load_cases(&dir.path().join("todo.jsonl")).unwrap();
    assert_eq!(cases.len(), 5);
    assert!(
        cases
            .iter()
            .all(|c| c.intent.as_deref() == Some("") && c.category == "review")
    );
    assert!(
        cases
            .iter()
            .any(|c| c.q == "Сотрудничает ли Корея в космосе?" && c.lang.as_deref() == Some("ru"))
    );
}

#[test]
fn review_explains_a_bad_since_and_a_missing_or_disabled_database() {
    let dir = tempfile::tempdir().unwrap();
    let out = ksilk(dir.path(), &["review"], &[]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("KSILK_DB=ksilk.db: no database there yet"),
        "{out:?}"
    );
    assert!(
        !dir.path().join("ksilk.db").exists(),
        "review never creates a database"
    );
    let out = ksilk(dir.path(), &["review"], &[("KSILK_DB", "off")]);
    assert!(text(&out.stderr).contains("KSILK_DB is off"), "{out:?}");
    logged_week(dir.path());
    for bad in ["7", "7x", "0d", "-3d"] {
        let out = ksilk(dir.path(), &["review", &format!("--since={bad}")], &[]);
        assert!(!out.status.success());
        let err = text(&out.stderr);
        assert!(
            err.contains("--since") && err.contains("e.g. 30m, 12h, 7d, 2w"),
            "{err}"
        );
    }
}

#[test]
fn bad_store_settings_stop_the_bot_naming_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    let token = (
        "TELOXIDE_TOKEN",
        "7000000001:AAHmockTokenXYZ_0123456789-abcdefghi",
    );
    // Nothing listens there: the errors must come before any connection.
    let api = ("TELOXIDE_API_URL", "http://127.0.0.1:9/");
    let missing = dir.path().join("no-such-dir").join("ksilk.db");
    let cases = [
        (("KSILK_LOG_DAYS", "0"), "KSILK_LOG_DAYS=\"0\" is not valid"),
        (("KSILK_LOG_DAYS", "90d"), "from 1 to 3650"),
        (("KSILK_DB", missing.to_str().unwrap()), "KSILK_DB="),
        (("KSILK_CHAT_KEY", "secret"), "KSILK_CHAT_KEY is not valid"),
    ];
    for (var, expect) in cases {
        let out = ksilk(dir.path(), &["run"], &[token, api, var]);
        assert_eq!(out.status.code(), Some(2), "{out:?}");
        let err = text(&out.stderr);
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(err.contains(expect), "{err}");
        assert!(!err.contains("AAHmock"), "{err}");
    }
    assert!(!missing.exists());
}

#[test]
fn a_full_pin_store_forgets_the_oldest_chat_in_the_database_too() {
    use ksilk::telegram::prefs::PinStore;
    use teloxide::types::ChatId;
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path());
    let store = open(&config);
    let pins = PinStore::persistent(2, store.clone());
    pins.pin(ChatId(1), Lang::Ru);
    pins.pin(ChatId(2), Lang::Ko);
    pins.pin(ChatId(3), Lang::En);
    assert!(store.flush(WAIT));
    let mut saved = store.load_pins().unwrap();
    saved.sort_unstable();
    let mut expected = vec![
        (pins.key(ChatId(2)).value(), Lang::Ko),
        (pins.key(ChatId(3)).value(), Lang::En),
    ];
    expected.sort_unstable();
    assert_eq!(saved, expected);
    // A restart with the same key finds them; the cap holds on loading too.
    let again = PinStore::persistent(1, store.clone());
    assert_eq!(again.len(), 1);
    assert_eq!(again.key(ChatId(3)), pins.key(ChatId(3)));
    assert!(store.close(WAIT));
}
