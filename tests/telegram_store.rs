//! The bot with its store, end to end against the mock Bot API and a real
//! SQLite file: what the question log holds (and never holds), pinned
//! languages that survive a restart, and a damaged or locked database that
//! leaves the bot answering.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use ksilk::lang::Lang;
use ksilk::matcher::Outcome;
use ksilk::store::{self, StoreConfig, StoreHandle};
use ksilk::texts::texts;
use rusqlite::Connection;
use support::mock::{BOT_USERNAME, Mock};
use support::push_and_wait;
use support::{Running, engine, fast_options, fixtures};

const WAIT: Duration = Duration::from_secs(30);
/// Ids chosen to be recognisable in a byte scan.
const USER: i64 = 918_273_645;
const GROUP: i64 = -1_001_928_374_650;
const GROUP_USER: i64 = 564_738_291;

fn open(path: &Path) -> StoreHandle {
    store::open(&StoreConfig::at(path))
        .expect("a valid configuration")
        .expect("a usable database")
}

async fn start(mock: &Mock, store: Option<StoreHandle>) -> Running {
    Running::start_with_store(mock, engine(), fast_options(), store).await
}

/// Every byte pattern a user or chat identifier could be stored as.
fn identifier_patterns(ids: &[i64], names: &[&str]) -> Vec<(String, Vec<u8>)> {
    let mut patterns = Vec::new();
    for &id in ids {
        patterns.push((format!("{id} as text"), id.to_string().into_bytes()));
        patterns.push((
            format!("{id} without sign"),
            id.unsigned_abs().to_string().into_bytes(),
        ));
        patterns.push((format!("{id} as i64 LE"), id.to_le_bytes().to_vec()));
        patterns.push((format!("{id} as i64 BE"), id.to_be_bytes().to_vec()));
        // SQLite stores an integer in the fewest big-endian bytes that hold it.
        if let Ok(small) = i32::try_from(id) {
            patterns.push((format!("{id} as i32 BE"), small.to_be_bytes().to_vec()));
            patterns.push((format!("{id} as i32 LE"), small.to_le_bytes().to_vec()));
        } else {
            patterns.push((format!("{id} as i48 BE"), id.to_be_bytes()[2..].to_vec()));
        }
    }
    for name in names {
        patterns.push((format!("name {name:?}"), name.as_bytes().to_vec()));
    }
    patterns
}

/// Scans every file in `dir` (the database, its -wal and -shm, the key file).
fn assert_no_identifier_in(dir: &Path, patterns: &[(String, Vec<u8>)]) -> usize {
    let mut scanned = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        scanned += 1;
        for (what, pattern) in patterns {
            assert!(
                !bytes
                    .windows(pattern.len())
                    .any(|w| w == pattern.as_slice()),
                "{} holds {what}",
                path.display()
            );
        }
    }
    scanned
}

#[tokio::test(flavor = "multi_thread")]
async fn unanswered_questions_are_logged_with_no_user_identifier_in_any_byte() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ksilk.db");
    let store = open(&db);
    let mock = Mock::start().await;
    let running = start(&mock, Some(store.clone())).await;

    // Private chat: a fallback, a "did you mean", an answer, a /lang pin and
    // an /ask fallback. Group: a fallback addressed to the bot.
    let private = |text: &str| fixtures::private_text(USER, text);
    push_and_wait(&mock, USER, private("tell me about visas and energy")).await;
    push_and_wait(&mock, USER, private("energy")).await;
    push_and_wait(&mock, USER, private("what are the four pillars")).await;
    push_and_wait(&mock, USER, private("/lang ru")).await;
    push_and_wait(&mock, USER, private("/ask how do I bake sourdough bread")).await;
    let mention = format!("@{BOT_USERNAME} what is the capital of france");
    push_and_wait(
        &mock,
        GROUP,
        fixtures::group_text(GROUP, GROUP_USER, &mention),
    )
    .await;
    assert!(store.flush(WAIT));

    let conn = store::open_read_only(&db).unwrap();
    let logged = store::questions_since(&conn, 0).unwrap();
    let summary: Vec<(&str, Outcome, &str)> = logged
        .iter()
        .map(|q| (q.place.as_str(), q.outcome, q.text.as_str()))
        .collect();
    assert_eq!(
        summary,
        vec![
            (
                "private",
                Outcome::Fallback,
                "tell me about visas and energy"
            ),
            ("private", Outcome::Clarify, "energy"),
            (
                "private",
                Outcome::Fallback,
                "how do I bake sourdough bread"
            ),
            (
                "supergroup",
                Outcome::Fallback,
                "what is the capital of france"
            ),
        ]
    );
    // A "did you mean" names the entry it came nearest to.
    assert!(logged[1].nearest.is_some() && logged[1].score > 0.0);
    // The question's own language wins over the chat's pin.
    assert_eq!(logged[2].lang, Lang::En);
    let pins: i64 = conn
        .query_row(
            "SELECT count(*) FROM chat_state WHERE kind = 'lang'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(pins, 1);
    // Only conversations with a topic keep a context row (and those rows
    // are scanned for identifiers below like the rest).
    let contexts: Vec<String> = conn
        .prepare("SELECT value FROM chat_state WHERE kind = 'context'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(
        contexts.iter().all(|c| c.contains("\"topic\":\"")),
        "{contexts:?}"
    );
    drop(conn);

    let patterns = identifier_patterns(
        &[USER, GROUP, GROUP_USER],
        &[
            "Aigerim",
            "Timur",
            &format!("user{USER}"),
            &format!("user{GROUP_USER}"),
            "Central Asia Studies",
        ],
    );
    // While running (the -wal file holds the recent writes)...
    assert!(dir.path().join("ksilk.db-wal").exists());
    assert!(assert_no_identifier_in(dir.path(), &patterns) >= 3);
    running.stop().await;
    assert!(store.close(WAIT));
    // ...and after the last checkpoint.
    assert!(assert_no_identifier_in(dir.path(), &patterns) >= 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pinned_language_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ksilk.db");
    const PINNED: i64 = 2040;
    const OTHER: i64 = 2041;

    let store = open(&db);
    let mock = Mock::start().await;
    let running = start(&mock, Some(store.clone())).await;
    push_and_wait(&mock, PINNED, fixtures::private_text(PINNED, "/lang ko")).await;
    running.stop().await;
    assert!(store.close(WAIT));

    // A new process: a new store on the same file, a new bot.
    let store = open(&db);
    let mock = Mock::start().await;
    let running = start(&mock, Some(store.clone())).await;
    let help = push_and_wait(&mock, PINNED, fixtures::private_text(PINNED, "/help")).await;
    assert!(
        help.text.starts_with(texts(Lang::Ko).help_intro),
        "{}",
        help.text
    );
    let other = push_and_wait(&mock, OTHER, fixtures::private_text(OTHER, "/help")).await;
    assert!(
        other.text.starts_with(texts(Lang::En).help_intro),
        "{}",
        other.text
    );
    running.stop().await;
    assert!(store.close(WAIT));

    // Without the key file the rows cannot be matched to chats any more:
    // the key, not the database, is what links a row to a chat.
    std::fs::remove_file(store::chat_key::key_file_of(&db)).unwrap();
    let store = open(&db);
    let mock = Mock::start().await;
    let running = start(&mock, Some(store.clone())).await;
    let help = push_and_wait(&mock, PINNED, fixtures::private_text(PINNED, "/help")).await;
    assert!(
        help.text.starts_with(texts(Lang::En).help_intro),
        "{}",
        help.text
    );
    running.stop().await;
    assert!(store.close(WAIT));
}

#[tokio::test]
async fn a_conversation_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ksilk.db");
    const CHAT: i64 = 2060;
    const OTHER: i64 = 2061;

    let store = open(&db);
    let mock = Mock::start().await;
    let running = start(&mock, Some(store.clone())).await;
    let visits = push_and_wait(
        &mock,
        CHAT,
        fixtures::private_text(CHAT, "which countries will yoon visit on state visits"),
    )
    .await;
    assert!(
        visits.text.contains("President Yoon's state visits"),
        "{}",
        visits.text
    );
    running.stop().await;
    assert!(store.close(WAIT));
    let saved: String = Connection::open(&db)
        .unwrap()
        .query_row(
            "SELECT value FROM chat_state WHERE kind = 'context'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(saved.contains("\"state-visits\""), "{saved}");

    // A new process: "when?" still means the state visits in that chat,
    // and only there (alone it asks when the summit is held).
    let store = open(&db);
    let mock = Mock::start().await;
    let running = start(&mock, Some(store.clone())).await;
    let when = push_and_wait(&mock, CHAT, fixtures::private_text(CHAT, "when?")).await;
    assert!(
        when.text.contains("President Yoon's state visits"),
        "{}",
        when.text
    );
    let alone = push_and_wait(&mock, OTHER, fixtures::private_text(OTHER, "when?")).await;
    assert!(
        alone.text.contains("When the summit is held"),
        "{}",
        alone.text
    );
    running.stop().await;
    assert!(store.close(WAIT));
}

#[tokio::test]
async fn an_ended_conversation_costs_no_row_after_a_restart() {
    use ksilk::dialogue::Dialogue;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ksilk.db");
    let engine = ksilk::Engine::embedded().unwrap();
    let topic = engine.kb().find("state-visits").unwrap();
    let store = open(&db);
    // Saved long ago (touched at Unix time 0): idle far past the expiry.
    store.save_context(7, Some(Dialogue::about(&engine, topic, 0).to_json(&engine)));
    store.save_context(8, Some("not a conversation".to_owned()));
    assert!(store.flush(WAIT));
    let mock = Mock::start().await;
    let running = start(&mock, Some(store.clone())).await;
    running.stop().await;
    assert!(store.close(WAIT));
    let rows: i64 = Connection::open(&db)
        .unwrap()
        .query_row(
            "SELECT count(*) FROM chat_state WHERE kind = 'context'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(rows, 0);
}

async fn assert_answers_without_a_store(db: &Path) {
    let store = store::open(&StoreConfig::at(db)).expect("not a configuration error");
    assert!(store.is_none(), "the damaged file is not used");
    let mock = Mock::start().await;
    let running = start(&mock, store).await;
    let sent = push_and_wait(
        &mock,
        2050,
        fixtures::private_text(2050, "what are the four pillars"),
    )
    .await;
    assert!(
        sent.text.contains("pillar") || sent.text.contains("Pillar"),
        "{}",
        sent.text
    );
    push_and_wait(&mock, 2050, fixtures::private_text(2050, "/lang ru")).await;
    let sent = push_and_wait(&mock, 2050, fixtures::private_text(2050, "/help")).await;
    assert!(
        sent.text.starts_with(texts(Lang::Ru).help_intro),
        "pins still work in memory"
    );
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_corrupt_database_leaves_the_bot_answering() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ksilk.db");
    std::fs::write(&db, b"SQLite format 3\0 but then garbage ".repeat(200)).unwrap();
    assert_answers_without_a_store(&db).await;
}

/// Makes a file read-only while it lives, even for root (chattr +i).
struct ReadOnly(PathBuf);

impl ReadOnly {
    fn new(path: &Path) -> ReadOnly {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o444)).unwrap();
        if std::fs::OpenOptions::new().append(true).open(path).is_ok() {
            let status = Command::new("chattr").arg("+i").arg(path).status();
            assert!(
                status.is_ok_and(|s| s.success()),
                "cannot make the file immutable"
            );
        }
        assert!(std::fs::OpenOptions::new().append(true).open(path).is_err());
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

#[tokio::test(flavor = "multi_thread")]
async fn a_read_only_database_leaves_the_bot_answering() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ksilk.db");
    assert!(open(&db).close(WAIT));
    let _guard = ReadOnly::new(&db);
    assert_answers_without_a_store(&db).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_locked_database_never_delays_a_reply() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ksilk.db");
    let store = open(&db);
    let mock = Mock::start().await;
    let running = start(&mock, Some(store.clone())).await;
    // Another process holds the write lock (a long backup, a stuck tool).
    let locker = Connection::open(&db).unwrap();
    locker.execute_batch("BEGIN EXCLUSIVE").unwrap();
    for i in 0..5 {
        let text = format!("how do I bake sourdough bread number {i}");
        let sent = push_and_wait(&mock, 2060, fixtures::private_text(2060, &text)).await;
        assert!(!sent.text.is_empty());
    }
    locker.execute_batch("ROLLBACK").unwrap();
    drop(locker);
    running.stop().await;
    assert!(store.flush(WAIT));
    let written: i64 = Connection::open(&db)
        .unwrap()
        .query_row("SELECT count(*) FROM questions", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        written as u64 + store.dropped(),
        5,
        "each question written or counted"
    );
    assert!(store.close(WAIT));
}
