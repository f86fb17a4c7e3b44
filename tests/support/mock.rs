//! A mock Telegram Bot API server for the front-end tests and the benchmark.
//!
//! It speaks the real wire protocol (`POST /bot<TOKEN>/<Method>` with a JSON
//! body, `{"ok":true,"result":...}` or `{"ok":false,"error_code":...,
//! "description":...}` back), so the bot under test is the production code with
//! only its API URL changed. It is deliberately strict where Telegram is strict,
//! because the point is to catch what would fail in production:
//!
//! - a wrong token gets `401 Unauthorized`, an unknown method `404 Not Found`;
//! - `getUpdates` is a real long poll and honours `offset`: updates below it are
//!   confirmed and gone for good, which is what makes restart tests meaningful;
//!   a second concurrent poller gets `409 Conflict`, as on Telegram;
//! - texts go through a model of Telegram's HTML parser ([`super::html`]) and
//!   the 4096-character limit; callback_data over 64 bytes, unknown chats,
//!   replies to unknown messages, stale query ids and oversized toasts all get the
//!   `400 Bad Request` Telegram would send;
//! - faults can be injected per method (`429` with `retry_after`, `500`, `502`
//!   with an HTML body, a dropped connection), and optional flood limits answer
//!   `429` when a bot sends faster than Telegram allows.
//!
//! Calls can also be held for a while before they are answered
//! ([`Mock::delay`], a slow Telegram), which is how tests keep replies in
//! flight. setWebhook arrives as multipart/form-data (teloxide sends it so);
//! its fields are recorded as a JSON object like any other call's body.
//!
//! `allowed_updates` is recorded but not enforced: the mock delivers whatever a
//! test pushes, so the bot is tested against update kinds it did not ask for.
//! Every call is recorded with its JSON body so tests assert what was sent.

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State as AxumState};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::html;

/// A token of the real shape (`<bot id>:<35 characters>`), so the bot's own
/// shape check accepts it. Tests grep logs for it, so it is distinctive.
pub const TOKEN: &str = "7000000001:AAHmockTokenXYZ_0123456789-abcdefghi";
pub const BOT_ID: i64 = 7_000_000_001;
pub const BOT_USERNAME: &str = "ksilk_test_bot";

/// A fault the mock answers with instead of executing a call.
#[derive(Clone, Debug, PartialEq)]
pub enum Fault {
    /// `429 Too Many Requests` with `parameters.retry_after`.
    RetryAfter(u32),
    /// `500` with Telegram's JSON error body.
    ServerError,
    /// `502` with an HTML body, as a proxy in front of the API sends it.
    BadGateway,
    /// The connection is cut after the headers, so the client sees no body.
    Drop,
}

/// Flood limits as the Bot API FAQ states them. The windows are shortened by
/// `jitter` because the mock sees arrival times, and a bot that paces its sends
/// exactly one second apart can have two of them arrive 990 ms apart.
#[derive(Clone, Copy, Debug)]
pub struct FloodLimits {
    pub per_chat_per_sec: usize,
    pub per_group_per_min: usize,
    pub overall_per_sec: usize,
    pub jitter: Duration,
}

impl Default for FloodLimits {
    fn default() -> Self {
        FloodLimits {
            per_chat_per_sec: 1,
            per_group_per_min: 20,
            overall_per_sec: 30,
            jitter: Duration::from_millis(50),
        }
    }
}

/// What happened to a recorded call.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Ok,
    /// Rejected with this HTTP status and description.
    Rejected(u16, String),
    /// Answered with an injected fault.
    Faulted(Fault),
}

/// One request the bot made.
#[derive(Clone, Debug)]
pub struct Call {
    /// Lower-case method name (`sendmessage`): Telegram ignores case, and
    /// teloxide sends `SendMessage`.
    pub method: String,
    pub body: Value,
    pub outcome: Outcome,
    pub at: Instant,
}

/// One message the bot sent successfully, decoded for assertions.
#[derive(Clone, Debug)]
pub struct Sent {
    pub chat_id: i64,
    pub message_id: i64,
    /// The text as a client shows it (HTML parsed).
    pub text: String,
    /// The text as sent.
    pub raw: String,
    pub parse_mode: Option<String>,
    pub reply_to: Option<i64>,
    pub link_preview_disabled: bool,
    /// Inline keyboard rows as (button text, callback_data).
    pub buttons: Vec<Vec<(String, String)>>,
    pub at: Instant,
}

impl Sent {
    pub fn callback_data(&self) -> Vec<String> {
        self.buttons
            .iter()
            .flatten()
            .map(|(_, data)| data.clone())
            .collect()
    }

    pub fn button_titles(&self) -> Vec<String> {
        self.buttons
            .iter()
            .flatten()
            .map(|(title, _)| title.clone())
            .collect()
    }
}

/// What [`Mock::push`] assigned to an update.
#[derive(Clone, Debug)]
pub struct Pushed {
    pub update_id: i64,
    pub message_id: Option<i64>,
    pub query_id: Option<String>,
    /// The message object as delivered (for building replies to it).
    pub message: Option<Value>,
}

#[derive(Default)]
struct State {
    next_update_id: i64,
    /// Pending (unconfirmed) updates, oldest first.
    updates: VecDeque<(i64, Value)>,
    /// Every update id below this has been confirmed through `offset`.
    confirmed_below: i64,
    poll_generation: u64,
    polls_started: usize,
    allowed_updates: Option<Value>,
    calls: Vec<Call>,
    sent: Vec<Sent>,
    chats: HashMap<i64, Value>,
    messages: HashMap<i64, HashSet<i64>>,
    next_message_id: HashMap<i64, i64>,
    open_queries: HashSet<String>,
    next_query_id: u64,
    faults: Vec<(String, Fault, usize)>,
    flood: Option<FloodLimits>,
    flood_history: VecDeque<(Instant, i64)>,
    flood_rejections: usize,
    reject_token: bool,
    /// Per method: how long to hold each call before answering.
    delays: HashMap<String, Duration>,
    /// Per method: calls that arrived (answered or not yet).
    arrived: HashMap<String, usize>,
    /// The URL of the webhook set with setWebhook ("" when none).
    webhook_url: String,
}

struct Inner {
    state: Mutex<State>,
    /// Bumped when updates are pushed or a poller must give way.
    updates_tx: watch::Sender<u64>,
    /// Bumped on every recorded call, for tests that wait for the bot.
    calls_tx: watch::Sender<u64>,
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panicking test thread must not wedge every other assertion.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn record(&self, method: &str, body: &Value, outcome: Outcome) {
        self.lock().record(method, body, outcome);
        self.calls_tx.send_modify(|v| *v += 1);
    }
}

impl State {
    fn record(&mut self, method: &str, body: &Value, outcome: Outcome) {
        self.calls.push(Call {
            method: method.to_owned(),
            body: body.clone(),
            outcome,
            at: Instant::now(),
        });
    }
}

/// A running mock server. Dropping it stops the server.
pub struct Mock {
    inner: Arc<Inner>,
    addr: SocketAddr,
    server: JoinHandle<()>,
}

impl Drop for Mock {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl Mock {
    /// Starts a mock on 127.0.0.1 with an OS-assigned port.
    pub async fn start() -> Mock {
        let inner = Arc::new(Inner {
            state: Mutex::new(State {
                next_update_id: 100_000,
                ..State::default()
            }),
            updates_tx: watch::channel(0).0,
            calls_tx: watch::channel(0).0,
        });
        let app = Router::new()
            .route("/{token}/{method}", post(handle))
            .with_state(Arc::clone(&inner));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the mock");
        let addr = listener.local_addr().expect("mock address");
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Mock {
            inner,
            addr,
            server,
        }
    }

    /// The base URL to give the bot (`TELOXIDE_API_URL`).
    pub fn url(&self) -> url::Url {
        url::Url::parse(&format!("http://{}/", self.addr)).expect("mock url")
    }

    /// A plain `Bot` with the mock token, pointed at this mock.
    pub fn bot(&self) -> teloxide::Bot {
        teloxide::Bot::new(TOKEN).set_api_url(self.url())
    }

    /// Holds every later call of `method` for `delay` before answering it
    /// (a slow Telegram); `Duration::ZERO` ends that.
    pub fn delay(&self, method: &str, delay: Duration) {
        self.inner
            .lock()
            .delays
            .insert(method.to_ascii_lowercase(), delay);
    }

    /// How many calls of `method` arrived, including ones still held.
    pub fn arrived(&self, method: &str) -> usize {
        let method = method.to_ascii_lowercase();
        self.inner.lock().arrived.get(&method).copied().unwrap_or(0)
    }

    /// Drops the faults not yet used up.
    pub fn clear_faults(&self) {
        self.inner.lock().faults.clear();
    }

    /// The webhook URL set through setWebhook, or "" when none.
    pub fn webhook_url(&self) -> String {
        self.inner.lock().webhook_url.clone()
    }

    /// Makes every call answer `401 Unauthorized`, as for a revoked token.
    pub fn reject_token(&self) {
        self.inner.lock().reject_token = true;
    }

    /// Enables flood limits: sends beyond them get `429`.
    pub fn set_flood_limits(&self, limits: FloodLimits) {
        self.inner.lock().flood = Some(limits);
    }

    /// How many sends the flood limits rejected.
    pub fn flood_rejections(&self) -> usize {
        self.inner.lock().flood_rejections
    }

    /// Answers the next `times` calls of `method` (case-insensitive; `*` for
    /// any method except `getUpdates`) with `fault`.
    pub fn inject(&self, method: &str, fault: Fault, times: usize) {
        self.inner
            .lock()
            .faults
            .push((method.to_ascii_lowercase(), fault, times));
    }

    /// Queues an update. `kind` is the update object without `update_id`, such
    /// as `{"message": {...}}`; missing `message_id`, `date` and query `id`
    /// fields are filled in, as Telegram would.
    pub fn push(&self, kind: Value) -> Pushed {
        let (update, pushed) = self.prepare(kind);
        self.inner
            .lock()
            .updates
            .push_back((pushed.update_id, update));
        self.inner.updates_tx.send_modify(|v| *v += 1);
        pushed
    }

    /// Like [`Mock::push`], but returns the complete update instead of
    /// queueing it for getUpdates: what Telegram would POST to a webhook.
    pub fn prepare(&self, mut kind: Value) -> (Value, Pushed) {
        let mut state = self.inner.lock();
        let update_id = state.next_update_id;
        state.next_update_id += 1;
        let mut pushed = Pushed {
            update_id,
            message_id: None,
            query_id: None,
            message: None,
        };
        let object = kind.as_object_mut().expect("an update is an object");
        for key in [
            "message",
            "edited_message",
            "channel_post",
            "edited_channel_post",
        ] {
            if let Some(message) = object.get_mut(key) {
                let id = state.fill_message(message);
                pushed.message_id = Some(id);
                pushed.message = Some(message.clone());
            }
        }
        for key in ["callback_query", "inline_query"] {
            if let Some(query) = object.get_mut(key) {
                if query.get("id").is_none() {
                    state.next_query_id += 1;
                    query["id"] = json!(format!("{}{}", 4_000_000_000_000u64, state.next_query_id));
                }
                let id = query["id"].as_str().expect("query id").to_owned();
                if let Some(chat) = query.pointer("/message/chat").cloned() {
                    state.remember_chat(&chat);
                }
                state.open_queries.insert(id.clone());
                pushed.query_id = Some(id);
            }
        }
        object.insert("update_id".into(), json!(update_id));
        (kind, pushed)
    }

    /// Every call so far.
    pub fn calls(&self) -> Vec<Call> {
        self.inner.lock().calls.clone()
    }

    /// Calls of one method (case-insensitive).
    pub fn calls_to(&self, method: &str) -> Vec<Call> {
        let method = method.to_ascii_lowercase();
        self.calls()
            .into_iter()
            .filter(|c| c.method == method)
            .collect()
    }

    /// Calls that Telegram would have refused (4xx other than injected
    /// faults). A `409` is left out: a bot that stops abandons its long poll,
    /// and the mock (like Telegram) answers that orphan with 409 when the final
    /// `getUpdates` arrives; see [`Mock::conflicts`].
    pub fn rejected(&self) -> Vec<Call> {
        self.calls()
            .into_iter()
            .filter(|c| matches!(&c.outcome, Outcome::Rejected(code, _) if *code != 409))
            .collect()
    }

    /// How many long polls were ended by a newer `getUpdates` (409 Conflict).
    pub fn conflicts(&self) -> usize {
        self.calls()
            .iter()
            .filter(|c| matches!(&c.outcome, Outcome::Rejected(409, _)))
            .count()
    }

    /// Messages sent successfully, in order.
    pub fn sent(&self) -> Vec<Sent> {
        self.inner.lock().sent.clone()
    }

    /// Messages sent successfully to one chat.
    pub fn sent_to(&self, chat_id: i64) -> Vec<Sent> {
        self.sent()
            .into_iter()
            .filter(|s| s.chat_id == chat_id)
            .collect()
    }

    /// The lowest update id not yet confirmed by an `offset`.
    pub fn confirmed_below(&self) -> i64 {
        self.inner.lock().confirmed_below
    }

    /// How many getUpdates calls have arrived (answered or not).
    pub fn polls_started(&self) -> usize {
        self.inner.lock().polls_started
    }

    /// Updates still waiting for confirmation.
    pub fn pending_updates(&self) -> usize {
        self.inner.lock().updates.len()
    }

    /// The `allowed_updates` the bot last asked for.
    pub fn allowed_updates(&self) -> Option<Value> {
        self.inner.lock().allowed_updates.clone()
    }

    /// Waits until `check` holds for the recorded state, or panics with `what`
    /// after `timeout`. Every assertion on the bot's asynchronous behaviour goes
    /// through here, so no test sleeps for a fixed time and hopes.
    pub async fn wait_until(&self, what: &str, timeout: Duration, check: impl Fn(&Mock) -> bool) {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut rx = self.inner.calls_tx.subscribe();
        loop {
            rx.borrow_and_update();
            if check(self) {
                return;
            }
            if tokio::time::timeout_at(deadline, rx.changed())
                .await
                .is_err()
            {
                panic!(
                    "timed out after {timeout:?} waiting for {what}; calls so far:\n{}",
                    self.describe_calls()
                );
            }
        }
    }

    /// Waits until at least `n` messages were sent, and returns them all.
    pub async fn wait_sent(&self, n: usize, timeout: Duration) -> Vec<Sent> {
        self.wait_until(&format!("{n} sent messages"), timeout, |m| {
            m.sent().len() >= n
        })
        .await;
        self.sent()
    }

    /// A short listing of the calls, for failure messages.
    pub fn describe_calls(&self) -> String {
        self.calls()
            .iter()
            .filter(|c| c.method != "getupdates")
            .map(|c| {
                let mut body = c.body.to_string();
                if body.len() > 300 {
                    let mut cut = 300;
                    while !body.is_char_boundary(cut) {
                        cut -= 1;
                    }
                    body.truncate(cut);
                }
                format!("  {} {:?} {}", c.method, c.outcome, body)
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl State {
    fn remember_chat(&mut self, chat: &Value) {
        if let Some(id) = chat["id"].as_i64() {
            self.chats.insert(id, chat.clone());
        }
    }

    fn new_message_id(&mut self, chat_id: i64) -> i64 {
        let next = self.next_message_id.entry(chat_id).or_insert(1);
        let id = *next;
        *next += 1;
        self.messages.entry(chat_id).or_default().insert(id);
        id
    }

    /// Fills `message_id` and `date` and registers the chat and message.
    fn fill_message(&mut self, message: &mut Value) -> i64 {
        let chat = message["chat"].clone();
        self.remember_chat(&chat);
        let chat_id = chat["id"].as_i64().expect("message.chat.id");
        if message.get("date").is_none() {
            message["date"] = json!(unix_now());
        }
        match message["message_id"].as_i64() {
            Some(id) => {
                self.messages.entry(chat_id).or_default().insert(id);
                let next = self.next_message_id.entry(chat_id).or_insert(1);
                *next = (*next).max(id + 1);
                id
            }
            None => {
                let id = self.new_message_id(chat_id);
                message["message_id"] = json!(id);
                id
            }
        }
    }

    fn take_fault(&mut self, method: &str) -> Option<Fault> {
        let rule = self.faults.iter_mut().find(|(m, _, left)| {
            *left > 0 && (m == method || (m == "*" && method != "getupdates"))
        })?;
        rule.2 -= 1;
        Some(rule.1.clone())
    }

    /// Applies the flood limits to one send; `Err(retry_after)` when exceeded.
    fn flood_check(&mut self, chat_id: i64) -> Result<(), u32> {
        let Some(limits) = self.flood else {
            return Ok(());
        };
        let now = Instant::now();
        let second = Duration::from_secs(1) - limits.jitter;
        let minute = Duration::from_secs(60) - limits.jitter;
        while let Some((at, _)) = self.flood_history.front() {
            if now.duration_since(*at) < Duration::from_secs(60) {
                break;
            }
            self.flood_history.pop_front();
        }
        let in_window = |window: Duration, chat: Option<i64>| {
            self.flood_history
                .iter()
                .rev()
                .take_while(|(at, _)| now.duration_since(*at) < window)
                .filter(|(_, c)| chat.is_none_or(|chat| *c == chat))
                .count()
        };
        let exceeded = in_window(second, None) >= limits.overall_per_sec
            || in_window(second, Some(chat_id)) >= limits.per_chat_per_sec
            || (chat_id < 0 && in_window(minute, Some(chat_id)) >= limits.per_group_per_min);
        if exceeded {
            self.flood_rejections += 1;
            return Err(
                if chat_id < 0 && in_window(minute, Some(chat_id)) >= limits.per_group_per_min {
                    10
                } else {
                    1
                },
            );
        }
        self.flood_history.push_back((now, chat_id));
        Ok(())
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn me() -> Value {
    json!({
        "id": BOT_ID,
        "is_bot": true,
        "first_name": "K-Silk Road",
        "username": BOT_USERNAME,
        "can_join_groups": true,
        "can_read_all_group_messages": false,
        "supports_inline_queries": true,
        "can_connect_to_business": false,
        "has_main_web_app": false
    })
}

fn ok(result: Value) -> Response {
    (
        StatusCode::OK,
        axum::Json(json!({"ok": true, "result": result})),
    )
        .into_response()
}

fn error(status: u16, description: &str) -> Response {
    let mut body = json!({"ok": false, "error_code": status, "description": description});
    if status == 429 {
        // Callers put the retry_after in the description too, as Telegram does.
        let secs: u32 = description
            .rsplit(' ')
            .next()
            .and_then(|s| s.parse().ok())
            .unwrap_or(1);
        body["parameters"] = json!({"retry_after": secs});
    }
    (
        StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
        axum::Json(body),
    )
        .into_response()
}

/// Result of executing a call: the response and what to record.
type Executed = (Response, Outcome);

fn reject(status: u16, description: impl Into<String>) -> Executed {
    let description = description.into();
    (
        error(status, &description),
        Outcome::Rejected(status, description),
    )
}

fn bad_request(description: impl std::fmt::Display) -> Executed {
    reject(400, format!("Bad Request: {description}"))
}

async fn handle(
    AxumState(inner): AxumState<Arc<Inner>>,
    Path((token, method)): Path<(String, String)>,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> Response {
    let method = method.to_ascii_lowercase();
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let body: Value = if body.is_empty() {
        json!({})
    } else if let Some(boundary) = content_type
        .strip_prefix("multipart/form-data")
        .and_then(|rest| rest.split("boundary=").nth(1))
    {
        // teloxide sends setWebhook (which may carry a certificate file) as
        // multipart/form-data; its fields become the recorded JSON body.
        multipart_fields(&body, boundary.trim_matches('"'))
    } else {
        match serde_json::from_slice(&body) {
            Ok(v) => v,
            Err(_) => {
                let (response, outcome) = bad_request("request body is not JSON");
                inner.record(&method, &Value::Null, outcome);
                return response;
            }
        }
    };
    if token != format!("bot{TOKEN}") || inner.lock().reject_token {
        let (response, outcome) = reject(401, "Unauthorized");
        inner.record(&method, &body, outcome);
        return response;
    }
    let delay = {
        let mut state = inner.lock();
        *state.arrived.entry(method.clone()).or_default() += 1;
        state.delays.get(&method).copied()
    };
    inner.calls_tx.send_modify(|v| *v += 1);
    if let Some(delay) = delay.filter(|d| !d.is_zero()) {
        tokio::time::sleep(delay).await;
    }
    let fault = inner.lock().take_fault(&method);
    if let Some(fault) = fault {
        inner.record(&method, &body, Outcome::Faulted(fault.clone()));
        return match fault {
            Fault::RetryAfter(secs) => {
                error(429, &format!("Too Many Requests: retry after {secs}"))
            }
            Fault::ServerError => error(500, "Internal Server Error"),
            Fault::BadGateway => (
                StatusCode::BAD_GATEWAY,
                [(header::CONTENT_TYPE, "text/html")],
                "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>",
            )
                .into_response(),
            Fault::Drop => {
                // Headers go out, then the body stream fails: hyper aborts the
                // connection and the client gets a network error mid-response.
                let stream = futures::stream::once(async {
                    Err::<Bytes, std::io::Error>(std::io::Error::other(
                        "mock dropped the connection",
                    ))
                });
                Response::new(Body::from_stream(stream))
            }
        };
    }
    let (response, outcome) = match method.as_str() {
        "getupdates" => return get_updates(&inner, &body).await,
        "getme" => (ok(me()), Outcome::Ok),
        "getwebhookinfo" => {
            let state = inner.lock();
            let (pending, url) = (state.updates.len(), state.webhook_url.clone());
            (
                ok(
                    json!({"url": url, "has_custom_certificate": false, "pending_update_count": pending}),
                ),
                Outcome::Ok,
            )
        }
        "deletewebhook" => {
            inner.lock().webhook_url.clear();
            (ok(json!(true)), Outcome::Ok)
        }
        "setwebhook" => set_webhook(&inner, &body),
        "setmycommands" => set_my_commands(&body),
        "sendmessage" | "editmessagetext" | "answercallbackquery" | "answerinlinequery" => {
            // What a call changes and the call itself are recorded under one
            // lock: a test that sees the message sent also sees its call.
            let mut state = inner.lock();
            let (response, outcome) = match method.as_str() {
                "sendmessage" => send_message(&mut state, &body),
                "editmessagetext" => edit_message_text(&mut state, &body),
                "answercallbackquery" => answer_callback_query(&mut state, &body),
                _ => answer_inline_query(&mut state, &body),
            };
            state.record(&method, &body, outcome);
            drop(state);
            inner.calls_tx.send_modify(|v| *v += 1);
            return response;
        }
        _ => reject(404, "Not Found"),
    };
    inner.record(&method, &body, outcome);
    response
}

async fn get_updates(inner: &Inner, body: &Value) -> Response {
    let offset = body["offset"].as_i64().unwrap_or(0);
    let limit = body["limit"].as_u64().unwrap_or(100).clamp(1, 100) as usize;
    let timeout = Duration::from_secs(body["timeout"].as_u64().unwrap_or(0));
    let deadline = tokio::time::Instant::now() + timeout;
    let generation = {
        let mut state = inner.lock();
        state.poll_generation += 1;
        state.polls_started += 1;
        if !body["allowed_updates"].is_null() {
            state.allowed_updates = Some(body["allowed_updates"].clone());
        }
        state.poll_generation
    };
    // Wake an older long poll so that it answers 409, like Telegram does,
    // and tests waiting for the bot to start polling.
    inner.updates_tx.send_modify(|v| *v += 1);
    inner.calls_tx.send_modify(|v| *v += 1);
    let mut rx = inner.updates_tx.subscribe();
    loop {
        rx.borrow_and_update();
        {
            let mut state = inner.lock();
            if state.poll_generation != generation {
                drop(state);
                let (response, outcome) = reject(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
                );
                inner.record("getupdates", body, outcome);
                return response;
            }
            let pending = state.updates.len();
            if offset > 0 {
                while state.updates.front().is_some_and(|(id, _)| *id < offset) {
                    state.updates.pop_front();
                }
                state.confirmed_below = state.confirmed_below.max(offset);
            } else if offset < 0 {
                let keep = offset.unsigned_abs() as usize;
                while state.updates.len() > keep {
                    state.updates.pop_front();
                }
            }
            if state.updates.len() != pending {
                // Tests wait for confirmations; tell them now, not when this
                // long poll ends.
                inner.calls_tx.send_modify(|v| *v += 1);
            }
            let batch: Vec<Value> = state
                .updates
                .iter()
                .take(limit)
                .map(|(_, u)| u.clone())
                .collect();
            if !batch.is_empty() || tokio::time::Instant::now() >= deadline {
                drop(state);
                inner.record("getupdates", body, Outcome::Ok);
                return ok(Value::Array(batch));
            }
        }
        if tokio::time::timeout_at(deadline, rx.changed())
            .await
            .is_err()
        {
            // Loop once more to answer with an empty batch.
            continue;
        }
    }
}

/// The fields of a multipart/form-data body, as a JSON object. Values that
/// are JSON arrays or objects (`allowed_updates`) are parsed; the rest stay
/// strings.
fn multipart_fields(body: &[u8], boundary: &str) -> Value {
    let text = String::from_utf8_lossy(body);
    let mut fields = serde_json::Map::new();
    for part in text.split(&format!("--{boundary}")) {
        let Some((head, value)) = part.split_once("\r\n\r\n") else {
            continue;
        };
        let Some(name) = head
            .split("name=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
        else {
            continue;
        };
        let value = value.strip_suffix("\r\n").unwrap_or(value);
        let parsed = if value.starts_with('[') || value.starts_with('{') {
            serde_json::from_str(value).unwrap_or_else(|_| json!(value))
        } else {
            json!(value)
        };
        fields.insert(name.to_owned(), parsed);
    }
    Value::Object(fields)
}

/// setWebhook as Telegram checks it: an https URL, and a secret token of
/// 1-256 characters from A-Za-z0-9_- when one is given.
fn set_webhook(inner: &Inner, body: &Value) -> Executed {
    let url = body["url"].as_str().unwrap_or("");
    if !url.is_empty() && !url.starts_with("https://") {
        return bad_request("bad webhook: HTTPS url must be provided for webhook");
    }
    if let Some(secret) = body.get("secret_token").and_then(Value::as_str) {
        let valid = (1..=256).contains(&secret.len())
            && secret
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !valid {
            return bad_request("secret token contains unallowed characters");
        }
    }
    inner.lock().webhook_url = url.to_owned();
    (ok(json!(true)), Outcome::Ok)
}

fn set_my_commands(body: &Value) -> Executed {
    let Some(commands) = body["commands"].as_array() else {
        return bad_request("parameter \"commands\" is required");
    };
    if commands.len() > 100 {
        return bad_request("BOT_COMMANDS_TOO_MUCH");
    }
    // The language and scope are recorded with the call's body; check them
    // the way Telegram does, so a test asserting them asserts valid ones.
    if let Some(code) = body.get("language_code").filter(|v| !v.is_null()) {
        let valid = code.as_str().is_some_and(|c| {
            c.is_empty() || (c.len() == 2 && c.bytes().all(|b| b.is_ascii_lowercase()))
        });
        if !valid {
            return bad_request("LANG_CODE_INVALID");
        }
    }
    if let Some(scope) = body.get("scope").filter(|v| !v.is_null()) {
        let known = [
            "default",
            "all_private_chats",
            "all_group_chats",
            "all_chat_administrators",
            "chat",
            "chat_administrators",
            "chat_member",
        ];
        if !scope["type"].as_str().is_some_and(|t| known.contains(&t)) {
            return bad_request("BOT_COMMAND_SCOPE_INVALID");
        }
    }
    for command in commands {
        let name = command["command"].as_str().unwrap_or("");
        let valid = !name.is_empty()
            && name.len() <= 32
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !valid {
            return bad_request("BOT_COMMAND_INVALID");
        }
        let description = command["description"].as_str().unwrap_or("");
        let len = description.chars().count();
        if len == 0 || len > 256 {
            return bad_request("BOT_COMMAND_DESCRIPTION_INVALID");
        }
    }
    (ok(json!(true)), Outcome::Ok)
}

/// Checks a text the way sendMessage does; returns the text a client shows.
fn check_text(text: Option<&str>, parse_mode: Option<&str>) -> Result<String, Box<Executed>> {
    let Some(text) = text else {
        return Err(Box::new(bad_request("message text is empty")));
    };
    let shown = match parse_mode {
        None => text.to_owned(),
        Some(mode) if mode.eq_ignore_ascii_case("html") => {
            html::parse(text).map_err(|e| Box::new(bad_request(e)))?
        }
        Some(other) => {
            return Err(Box::new(bad_request(format!(
                "the mock only models HTML, got parse_mode {other:?}"
            ))));
        }
    };
    if shown.trim().is_empty() {
        return Err(Box::new(bad_request("message text is empty")));
    }
    if html::utf16_len(&shown) > 4096 {
        return Err(Box::new(bad_request("message is too long")));
    }
    Ok(shown)
}

/// Checks an inline keyboard; returns it as (text, callback_data) rows.
fn check_markup(markup: &Value) -> Result<Vec<Vec<(String, String)>>, Box<Executed>> {
    if markup.is_null() {
        return Ok(Vec::new());
    }
    let Some(rows) = markup["inline_keyboard"].as_array() else {
        return Err(Box::new(bad_request(
            "the mock only models inline keyboards",
        )));
    };
    let mut out = Vec::new();
    for row in rows {
        let mut buttons = Vec::new();
        for button in row.as_array().into_iter().flatten() {
            let text = button["text"].as_str().unwrap_or("");
            if text.trim().is_empty() {
                return Err(Box::new(bad_request("BUTTON_TEXT_INVALID")));
            }
            let data = button["callback_data"].as_str().unwrap_or("");
            if button.get("callback_data").is_some() && (data.is_empty() || data.len() > 64) {
                return Err(Box::new(bad_request("BUTTON_DATA_INVALID")));
            }
            buttons.push((text.to_owned(), data.to_owned()));
        }
        out.push(buttons);
    }
    Ok(out)
}

fn chat_id_of(body: &Value) -> Option<i64> {
    match &body["chat_id"] {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn send_message(state: &mut State, body: &Value) -> Executed {
    let Some(chat_id) = chat_id_of(body) else {
        return bad_request("chat_id is empty");
    };
    let Some(chat) = state.chats.get(&chat_id).cloned() else {
        return bad_request("chat not found");
    };
    let shown = match check_text(body["text"].as_str(), body["parse_mode"].as_str()) {
        Ok(shown) => shown,
        Err(e) => return *e,
    };
    let buttons = match check_markup(&body["reply_markup"]) {
        Ok(b) => b,
        Err(e) => return *e,
    };
    let reply_to = body["reply_parameters"]["message_id"].as_i64();
    if let Some(reply_to) = reply_to {
        let known = state
            .messages
            .get(&chat_id)
            .is_some_and(|m| m.contains(&reply_to));
        let lenient = body["reply_parameters"]["allow_sending_without_reply"]
            .as_bool()
            .unwrap_or(false);
        if !known && !lenient {
            return bad_request("message to be replied not found");
        }
    }
    if let Err(secs) = state.flood_check(chat_id) {
        return reject(429, format!("Too Many Requests: retry after {secs}"));
    }
    let message_id = state.new_message_id(chat_id);
    state.sent.push(Sent {
        chat_id,
        message_id,
        text: shown.clone(),
        raw: body["text"].as_str().unwrap_or("").to_owned(),
        parse_mode: body["parse_mode"].as_str().map(str::to_owned),
        reply_to,
        link_preview_disabled: body["link_preview_options"]["is_disabled"]
            .as_bool()
            .unwrap_or(false),
        buttons,
        at: Instant::now(),
    });
    let mut message = json!({
        "message_id": message_id,
        "from": me(),
        "chat": chat,
        "date": unix_now(),
        "text": shown,
    });
    if !body["reply_markup"].is_null() {
        message["reply_markup"] = body["reply_markup"].clone();
    }
    (ok(message), Outcome::Ok)
}

fn edit_message_text(state: &mut State, body: &Value) -> Executed {
    let Some(chat_id) = chat_id_of(body) else {
        return bad_request("chat_id is empty");
    };
    let Some(chat) = state.chats.get(&chat_id).cloned() else {
        return bad_request("chat not found");
    };
    let Some(message_id) = body["message_id"].as_i64() else {
        return bad_request("message identifier is not specified");
    };
    if !state
        .messages
        .get(&chat_id)
        .is_some_and(|m| m.contains(&message_id))
    {
        return bad_request("message to edit not found");
    }
    let shown = match check_text(body["text"].as_str(), body["parse_mode"].as_str()) {
        Ok(shown) => shown,
        Err(e) => return *e,
    };
    if let Err(e) = check_markup(&body["reply_markup"]) {
        return *e;
    }
    let message = json!({
        "message_id": message_id,
        "from": me(),
        "chat": chat,
        "date": unix_now(),
        "edit_date": unix_now(),
        "text": shown,
    });
    (ok(message), Outcome::Ok)
}

fn answer_callback_query(state: &mut State, body: &Value) -> Executed {
    let id = body["callback_query_id"].as_str().unwrap_or("");

    if !state.open_queries.remove(id) {
        return bad_request("query is too old and response timeout expired or query ID is invalid");
    }
    if body["text"]
        .as_str()
        .is_some_and(|t| t.chars().count() > 200)
    {
        state.open_queries.insert(id.to_owned());
        return bad_request("MESSAGE_TOO_LONG");
    }
    (ok(json!(true)), Outcome::Ok)
}

fn answer_inline_query(state: &mut State, body: &Value) -> Executed {
    let id = body["inline_query_id"].as_str().unwrap_or("");

    if !state.open_queries.contains(id) {
        return bad_request("query is too old and response timeout expired or query ID is invalid");
    }
    let results = body["results"].as_array().cloned().unwrap_or_default();
    if results.len() > 50 {
        return bad_request("RESULTS_TOO_MUCH");
    }
    let mut ids = HashSet::new();
    for result in &results {
        let rid = result["id"].as_str().unwrap_or("");
        if rid.is_empty() || rid.len() > 64 {
            return bad_request("RESULT_ID_INVALID");
        }
        if !ids.insert(rid.to_owned()) {
            return bad_request("RESULT_ID_DUPLICATE");
        }
        if result["type"] != "article" {
            return bad_request("the mock only models article results");
        }
        if result["title"].as_str().is_none_or(|t| t.trim().is_empty()) {
            return bad_request("RESULT_TITLE_EMPTY");
        }
        let content = &result["input_message_content"];
        if let Err(e) = check_text(
            content["message_text"].as_str(),
            content["parse_mode"].as_str(),
        ) {
            return *e;
        }
        if let Err(e) = check_markup(&result["reply_markup"]) {
            return *e;
        }
    }
    state.open_queries.remove(id);
    (ok(json!(true)), Outcome::Ok)
}
