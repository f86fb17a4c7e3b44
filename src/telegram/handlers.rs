//! The update handlers: which updates get an answer, and how it is sent.
//!
//! The tree is small on purpose: messages, button presses and inline queries
//! each have one endpoint, and everything else (edits, channel posts, polls,
//! member updates) falls through to the runner ([`super::runner`]), which
//! only logs it at debug level. Each endpoint first *routes* the update (a pure
//! decision: ignore, hint, command, question) and then *executes* it, so the
//! rules for groups live in one readable function, [`route`].
//!
//! Two things protect the bot. Every endpoint runs inside [`guarded`], which
//! catches a panic (under teloxide's dispatcher a panic killed that chat's
//! worker; the runner also catches it, but then the user would hear nothing),
//! logs it, and still tells the user something went wrong. And every request goes
//! through [`deliver`], so a transient Telegram failure is retried rather than
//! lost, and a permanent one becomes a logged [`Failure`], never a crash.
//!
//! The handlers are generic over the [`Api`] requester: tests run them on a
//! plain `Bot` pointed at a mock server, production on `Throttle<Bot>`.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use futures::FutureExt as _;
use teloxide::RequestError;
use teloxide::dispatching::{UpdateFilterExt, UpdateHandler};
use teloxide::payloads::{
    AnswerCallbackQuerySetters, AnswerInlineQuerySetters, EditMessageTextSetters,
    SendMessageSetters,
};
use teloxide::prelude::*;
use teloxide::types::{
    CallbackQuery, Chat, InlineKeyboardButton, InlineKeyboardMarkup, InlineQuery, Me,
    MessageEntityKind, MessageId, MessageKind, ParseMode, ReplyParameters, UserId,
};

use super::brain::Brain;
use super::callback::{self, Action};
use super::commands::{self, Command, Parsed};
use super::conversations::{self, ConversationKey, Conversations};
use super::delivery::{Failure, RetryPolicy, deliver};
use super::prefs::PinStore;
use super::redact::redact;
use super::render::{self, MAX_INLINE_RESULTS, Outgoing};
use crate::lang::{Lang, LangPrefs, parse_lang_arg};
use crate::matcher::Outcome;
use crate::reply::Reply;
use crate::store::{Question, StoreHandle};
use crate::texts::{fill, texts};

/// Longest question passed to the brain. Telegram itself caps messages at
/// 4096 characters; the cap guards against anything else feeding us more.
const MAX_QUESTION_CHARS: usize = 4096;
/// Longest inline query passed to the brain (Telegram caps them at 256).
const MAX_INLINE_CHARS: usize = 256;
/// How long Telegram may cache inline results for a query. The knowledge
/// base changes only with a new release, so a few minutes is safe.
const INLINE_CACHE_SECS: u32 = 300;

/// The requester the handlers need: `Bot` or `Throttle<Bot>` (or any other
/// adaptor stack) whose requests can be held across an await.
pub trait Api:
    Requester<
        Err = RequestError,
        GetMe: Send + Sync,
        GetUpdates: Send + Sync,
        GetWebhookInfo: Send + Sync,
        DeleteWebhook: Send + Sync,
        SetWebhook: Send + Sync,
        SetMyCommands: Send + Sync,
        SendMessage: Send + Sync,
        EditMessageText: Send + Sync,
        AnswerCallbackQuery: Send + Sync,
        AnswerInlineQuery: Send + Sync,
    > + Clone
    + Send
    + Sync
    + 'static
{
}

impl<T> Api for T where
    T: Requester<
            Err = RequestError,
            GetMe: Send + Sync,
            GetUpdates: Send + Sync,
            GetWebhookInfo: Send + Sync,
            DeleteWebhook: Send + Sync,
            SetWebhook: Send + Sync,
            SetMyCommands: Send + Sync,
            SendMessage: Send + Sync,
            EditMessageText: Send + Sync,
            AnswerCallbackQuery: Send + Sync,
            AnswerInlineQuery: Send + Sync,
        > + Clone
        + Send
        + Sync
        + 'static
{
}

/// What every handler shares.
pub struct Ctx {
    pub brain: Arc<dyn Brain>,
    pub retry: RetryPolicy,
    /// Each chat's pinned reply language (`/lang`).
    pub pins: PinStore,
    /// The question log and saved settings, when `KSILK_DB` is not `off`.
    pub store: Option<StoreHandle>,
    /// Each conversation's follow-up context (per private chat, per user in
    /// a group).
    pub conversations: Conversations,
}

impl Ctx {
    /// Keeps a conversation's context for its next message, and saves it
    /// to the store (when there is one) so that it survives a restart.
    /// Never waits: the store only queues the write.
    pub fn remember(&self, key: ConversationKey, dialogue: crate::dialogue::Dialogue, now: u64) {
        if let Some(store) = &self.store {
            // A conversation with no topic yet has nothing to carry over,
            // and a chat with nothing to keep costs no row.
            let json = dialogue
                .topic()
                .and_then(|_| self.brain.save_conversation(&dialogue));
            store.save_context(key.value(), json);
        }
        self.conversations.put(key, dialogue, now);
    }

    /// Logs a question the bot did not answer (a "did you mean" or a
    /// fallback) to the store, without waiting. Only the chat *type* goes
    /// with it: never who asked or in which chat.
    pub fn log_question(&self, place: Place, text: &str, reply: &Reply) {
        let Some(store) = &self.store else { return };
        if reply.outcome == Outcome::Answer || is_blank(text) {
            return;
        }
        store.log_question(Question {
            at: crate::store::now_unix(),
            place: place.name().to_owned(),
            lang: reply.lang,
            outcome: reply.outcome,
            nearest: reply.nearest.clone(),
            score: reply.score,
            text: text.to_owned(),
        });
    }
}

pub type HandlerResult = Result<(), Failure>;

/// The handler tree. `dptree` checks its types when it is built (at startup).
pub fn schema<R: Api>() -> UpdateHandler<Failure> {
    dptree::entry()
        .branch(Update::filter_message().endpoint(message_endpoint::<R>))
        .branch(Update::filter_callback_query().endpoint(callback_endpoint::<R>))
        .branch(Update::filter_inline_query().endpoint(inline_endpoint::<R>))
}

async fn message_endpoint<R: Api>(bot: R, msg: Message, me: Me, ctx: Arc<Ctx>) -> HandlerResult {
    // Set once the message is known to be for us: a panic on a group message
    // not meant for us must stay silent, one on a question gets an apology.
    let addressed = Arc::new(AtomicBool::new(false));
    let recover = {
        let (bot, ctx, addressed) = (bot.clone(), Arc::clone(&ctx), Arc::clone(&addressed));
        let (chat, place) = (msg.chat.id, Place::of(&msg.chat));
        let reply_to = (place != Place::Private).then_some(msg.id);
        let lang = lang_prefs(&msg, &ctx.pins).for_text(msg.text().unwrap_or(""));
        async move {
            if addressed.load(Ordering::Relaxed) {
                let sorry = vec![render::note(texts(lang).sorry)];
                let _ = send(&bot, &ctx, chat, place, reply_to, sorry, "apology").await;
            }
        }
    };
    guarded("message", on_message(bot, msg, me, ctx, addressed), recover).await
}

async fn callback_endpoint<R: Api>(bot: R, query: CallbackQuery, ctx: Arc<Ctx>) -> HandlerResult {
    let recover = {
        let (bot, ctx, id) = (bot.clone(), Arc::clone(&ctx), query.id.clone());
        let lang = Lang::from_telegram(query.from.language_code.as_deref());
        async move {
            let answer = bot.answer_callback_query(id).text(texts(lang).toast_sorry);
            let _ = deliver(&ctx.retry, "answerCallbackQuery (apology)", answer).await;
        }
    };
    guarded("button", on_callback(bot, query, ctx), recover).await
}

async fn inline_endpoint<R: Api>(bot: R, query: InlineQuery, ctx: Arc<Ctx>) -> HandlerResult {
    // Nothing to recover: the user just sees no results for that query.
    guarded("inline query", on_inline(bot, query, ctx), async {}).await
}

/// Runs a handler, turning a panic into a log line and a `recover` action,
/// so one bad update never goes unanswered or takes anything else down.
pub async fn guarded<F, G>(label: &str, handler: F, recover: G) -> HandlerResult
where
    F: Future<Output = HandlerResult> + Send,
    G: Future<Output = ()> + Send,
{
    match AssertUnwindSafe(handler).catch_unwind().await {
        Ok(result) => result,
        Err(panic) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_owned());
            log::error!(
                "the {label} handler panicked: {}; the bot carries on",
                redact(&message)
            );
            recover.await;
            Ok(())
        }
    }
}

/// Where a message was sent, for group rules and for logs (the only thing
/// about a user's context that is logged).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    Private,
    Group,
    Supergroup,
    Channel,
}

impl Place {
    pub fn of(chat: &Chat) -> Place {
        if chat.is_private() {
            Place::Private
        } else if chat.is_group() {
            Place::Group
        } else if chat.is_supergroup() {
            Place::Supergroup
        } else {
            Place::Channel
        }
    }

    fn name(self) -> &'static str {
        match self {
            Place::Private => "private",
            Place::Group => "group",
            Place::Supergroup => "supergroup",
            Place::Channel => "channel",
        }
    }
}

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A fixed hint instead of an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hint {
    /// Stickers, photos, voice: ask in text.
    TextOnly,
    /// A command we do not know.
    UnknownCommand,
}

impl Hint {
    fn text(self, lang: Lang) -> &'static str {
        match self {
            Hint::TextOnly => texts(lang).hint_text_only,
            Hint::UnknownCommand => texts(lang).hint_unknown_command,
        }
    }
}

/// What to do with a message.
#[derive(Debug, PartialEq)]
pub enum Route {
    /// Not for us (or nothing to say): stay silent.
    Ignore,
    /// Reply with a fixed hint.
    Hint(Hint),
    Command(Command),
    /// A question, with our @mention removed.
    Question(String),
}

/// The rules for which messages get an answer:
///
/// - our own inline results echoed back (`via_bot` is us) are ignored;
/// - `/cmd` and `/cmd@this_bot` are commands everywhere; `/cmd@other_bot` is
///   ignored; an unknown command gets a hint in private (or when it names us);
/// - in private chats, any text is a question, and other content gets a hint;
/// - in groups, text is a question only when it mentions us or replies to one
///   of our messages; everything else, including media, is ignored.
pub fn route(msg: &Message, me: &Me) -> Route {
    if msg.via_bot.as_ref().is_some_and(|bot| bot.id == me.id) {
        return Route::Ignore;
    }
    let place = Place::of(&msg.chat);
    if place == Place::Channel {
        return Route::Ignore;
    }
    let username = me.username();
    let Some(text) = msg.text() else {
        let is_content = matches!(msg.kind, MessageKind::Common(_));
        return if place == Place::Private && is_content {
            Route::Hint(Hint::TextOnly)
        } else {
            Route::Ignore
        };
    };
    if text.starts_with('/') {
        return match commands::parse(text, username) {
            Parsed::Command(command) => Route::Command(command),
            Parsed::OtherBot => Route::Ignore,
            Parsed::Unknown => {
                let names_us = text
                    .split_whitespace()
                    .next()
                    .and_then(|w| w.split_once('@'))
                    .is_some_and(|(_, name)| name.eq_ignore_ascii_case(username));
                if place == Place::Private || names_us {
                    Route::Hint(Hint::UnknownCommand)
                } else {
                    Route::Ignore
                }
            }
        };
    }
    if place == Place::Private {
        return Route::Question(text.to_owned());
    }
    let replies_to_us = msg
        .reply_to_message()
        .and_then(|r| r.from.as_ref())
        .is_some_and(|from| from.id == me.id);
    if mentions(msg, me) || replies_to_us {
        Route::Question(strip_mention(text, username))
    } else {
        Route::Ignore
    }
}

/// True if the message mentions the bot, by `@username` or as a text mention.
fn mentions(msg: &Message, me: &Me) -> bool {
    let handle = format!("@{}", me.username());
    if let Some(entities) = msg.parse_entities() {
        return entities.iter().any(|e| match e.kind() {
            MessageEntityKind::Mention => e.text().eq_ignore_ascii_case(&handle),
            MessageEntityKind::TextMention { user } => user.id == me.id,
            _ => false,
        });
    }
    // No entities (a client that sent none): look for the handle as a word.
    msg.text()
        .is_some_and(|text| find_handle(text, me.username()).is_some())
}

/// The byte range of the first `@username` in `text` that is a whole word.
fn find_handle(text: &str, username: &str) -> Option<std::ops::Range<usize>> {
    let bytes = text.as_bytes();
    let needle_len = username.len() + 1;
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    (0..bytes.len()).find_map(|i| {
        let end = i + needle_len;
        let hit = bytes[i] == b'@'
            && end <= bytes.len()
            && bytes[i + 1..end].eq_ignore_ascii_case(username.as_bytes())
            && (end == bytes.len() || !is_word(bytes[end]))
            && (i == 0 || !is_word(bytes[i - 1]));
        hit.then_some(i..end)
    })
}

/// The text without our `@username` (the brain need not know our name).
fn strip_mention(text: &str, username: &str) -> String {
    let mut text = text.to_owned();
    while let Some(range) = find_handle(&text, username) {
        text.replace_range(range, " ");
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// True when there is nothing to ask: only whitespace and invisible
/// formatting characters (zero-width spaces, direction marks).
fn is_blank(text: &str) -> bool {
    text.chars().all(|c| {
        c.is_whitespace()
            || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}')
    })
}

fn cap(text: &str, max_chars: usize) -> &str {
    match text.char_indices().nth(max_chars) {
        Some((at, _)) => &text[..at],
        None => text,
    }
}

/// What decides a message's reply language besides its text: the chat's
/// pinned language, then the sender's own.
fn lang_prefs(msg: &Message, pins: &PinStore) -> LangPrefs {
    LangPrefs {
        pinned: pins.get(msg.chat.id),
        user: msg
            .from
            .as_ref()
            .map(|u| Lang::from_telegram(u.language_code.as_deref())),
    }
}

/// Logs what was asked about and how it went (never the text, never who),
/// and counts it in the metrics.
fn log_outcome(kind: &str, place: Place, reply: &Reply) {
    super::telemetry::count_reply(reply);
    log::info!(
        "{kind} in {place} chat: lang={} outcome={} intent={} score={:.2}",
        reply.lang,
        format!("{:?}", reply.outcome).to_lowercase(),
        reply.intent.as_deref().unwrap_or("-"),
        reply.score
    );
}

async fn on_message<R: Api>(
    bot: R,
    msg: Message,
    me: Me,
    ctx: Arc<Ctx>,
    addressed: Arc<AtomicBool>,
) -> HandlerResult {
    let place = Place::of(&msg.chat);
    let route = route(&msg, &me);
    if route == Route::Ignore {
        return Ok(());
    }
    addressed.store(true, Ordering::Relaxed);
    // In groups, answers quote the question so the thread stays readable.
    let reply_to = (place != Place::Private).then_some(msg.id);
    let chat = msg.chat.id;
    let brain = &ctx.brain;
    let prefs = lang_prefs(&msg, &ctx.pins);
    let (reply, what) = match route {
        Route::Ignore => return Ok(()),
        Route::Hint(hint) => {
            log::info!("hint in {place} chat");
            let hint = hint.text(prefs.without_text());
            return send(
                &bot,
                &ctx,
                chat,
                place,
                reply_to,
                vec![render::note(hint)],
                "hint",
            )
            .await;
        }
        Route::Question(text) => {
            let text = cap(&text, MAX_QUESTION_CHARS);
            let lang = prefs.for_text(text);
            let reply = if is_blank(text) {
                brain.usage("ask", lang)
            } else {
                converse(&ctx, &msg, &me, text, lang)
            };
            log_outcome("question", place, &reply);
            ctx.log_question(place, text, &reply);
            (reply, "answer")
        }
        Route::Command(Command::Help) => {
            log::info!("command /help in {place} chat");
            let help = render::note(&commands::help_text(prefs.without_text()));
            return send(&bot, &ctx, chat, place, reply_to, vec![help], "help").await;
        }
        Route::Command(Command::Lang(arg)) => {
            log::info!("command /lang in {place} chat");
            let out = lang_command(&ctx.pins, chat, &arg, prefs);
            return send(&bot, &ctx, chat, place, reply_to, vec![out], "lang").await;
        }
        // `/ask` (how questions are asked in a group with privacy on) is a
        // question like any other: it follows the asker's conversation.
        Route::Command(Command::Ask(question)) if !is_blank(&question) => {
            let question = cap(&question, MAX_QUESTION_CHARS);
            let reply = converse(&ctx, &msg, &me, question, prefs.for_text(question));
            log_outcome("command /ask", place, &reply);
            ctx.log_question(place, question, &reply);
            (reply, "command answer")
        }
        Route::Command(command) => {
            let reply = run_command(brain.as_ref(), &command, prefs);
            log_outcome(
                &format!("command /{}", command_name(&command)),
                place,
                &reply,
            );
            (reply, "command answer")
        }
    };
    send(
        &bot,
        &ctx,
        chat,
        place,
        reply_to,
        render::messages(&reply),
        what,
    )
    .await
}

/// The conversation a message belongs to: its private chat, or its sender
/// in a group.
fn conversation_key(
    ctx: &Ctx,
    chat: ChatId,
    place: Place,
    from: Option<UserId>,
) -> ConversationKey {
    let user = if place == Place::Private { None } else { from };
    ctx.conversations.key(chat, user)
}

/// Answers a question in the light of its conversation, and remembers the
/// conversation. A reply to one of our answers takes that answer's topic,
/// recovered from its title (the first line).
fn converse(ctx: &Ctx, msg: &Message, me: &Me, text: &str, lang: Lang) -> Reply {
    let now = conversations::now();
    let place = Place::of(&msg.chat);
    let key = conversation_key(ctx, msg.chat.id, place, msg.from.as_ref().map(|u| u.id));
    let stored = ctx.conversations.get(key, now);
    let replied = msg
        .reply_to_message()
        .filter(|r| r.from.as_ref().is_some_and(|from| from.id == me.id))
        .and_then(|r| r.text())
        .and_then(|t| t.lines().next())
        .and_then(|title| ctx.brain.conversation_about(title, now));
    let context = match (replied, stored) {
        // The same topic: keep what was already shown.
        (Some(r), Some(s)) if r.topic() == s.topic() => Some(s),
        (Some(r), _) => Some(r),
        (None, s) => s,
    };
    let turn = ctx.brain.converse(context.as_ref(), text, lang, now);
    ctx.remember(key, turn.dialogue, now);
    turn.reply
}

fn command_name(command: &Command) -> &'static str {
    match command {
        Command::Start(_) => "start",
        Command::Help => "help",
        Command::Ask(_) => "ask",
        Command::Countries => "countries",
        Command::Country(_) => "country",
        Command::Pillars => "pillars",
        Command::Summit => "summit",
        Command::About => "about",
        Command::Lang(_) => "lang",
    }
}

/// The reply to `/lang`, pinning the language when the argument names one.
/// The text is [`run_command`]'s, so the terminal and Telegram say the same;
/// without an argument the prompt gets one button per language.
fn lang_command(pins: &PinStore, chat: ChatId, arg: &str, prefs: LangPrefs) -> Outgoing {
    let parsed = parse_lang_arg(arg);
    if let Ok(Some(lang)) = parsed {
        pins.pin(chat, lang);
    }
    let reply = lang_reply(arg, prefs, true);
    let mut out = render::note(&reply.body);
    if let Ok(None) = parsed {
        out.keyboard = Some(lang_keyboard());
    }
    out
}

/// One button per language, labelled with its own name: `l1:<code>`.
pub fn lang_keyboard() -> InlineKeyboardMarkup {
    let row: Vec<InlineKeyboardButton> = Lang::ALL
        .into_iter()
        .map(|l| InlineKeyboardButton::callback(l.native_name(), callback::encode_lang(l)))
        .collect();
    InlineKeyboardMarkup::new(vec![row])
}

/// What `/lang <arg>` says: the confirmation in the new language, the prompt
/// when there is no argument (with the usage line when there are no buttons
/// to press), the usage hint for an unknown language. Pure: pinning is the
/// caller's job.
fn lang_reply(arg: &str, prefs: LangPrefs, with_buttons: bool) -> Reply {
    let current = prefs.without_text();
    let t = texts(current);
    match parse_lang_arg(arg) {
        Ok(Some(lang)) => Reply::note(Outcome::Answer, lang, pinned_text(lang)),
        Ok(None) if with_buttons => Reply::note(Outcome::Answer, current, t.lang_prompt),
        Ok(None) => Reply::note(
            Outcome::Answer,
            current,
            format!("{}\n{}", t.lang_prompt, t.lang_usage),
        ),
        Err(_) => Reply::note(Outcome::Fallback, current, t.lang_usage),
    }
}

/// "Done: in this chat I reply in Русский …", in the pinned language.
fn pinned_text(lang: Lang) -> String {
    fill(texts(lang).lang_pinned, &[("language", lang.native_name())])
}

/// The reply to a command (other than `/help`, which is not a brain reply).
/// The terminal chat calls it too, so both front ends mean the same by every
/// command. A command's argument, when it has one, decides the language like
/// any question; otherwise the chat's and the user's preferences do.
pub fn run_command(brain: &dyn Brain, command: &Command, prefs: LangPrefs) -> Reply {
    let lang = prefs.without_text();
    let topic = |id: &str| {
        brain
            .answer_for(id, lang)
            .unwrap_or_else(|| brain.respond(id, lang))
    };
    match command {
        Command::Start(payload) => {
            // Deep links (t.me/bot?start=pillars) arrive as `/start pillars`.
            let payload = payload.trim();
            if payload.is_empty() {
                brain.welcome(lang)
            } else {
                brain
                    .answer_for(payload, lang)
                    .unwrap_or_else(|| brain.welcome(lang))
            }
        }
        Command::Ask(question) => {
            let question = cap(question, MAX_QUESTION_CHARS);
            if is_blank(question) {
                brain.usage("ask", lang)
            } else {
                brain.respond(question, prefs.for_text(question))
            }
        }
        Command::Country(name) => {
            if is_blank(name) {
                brain.usage("country", lang)
            } else {
                let name = cap(name, MAX_INLINE_CHARS);
                brain.country(name, prefs.for_text(name))
            }
        }
        Command::Countries => topic("countries"),
        Command::Pillars => topic("pillars"),
        Command::Summit => topic("korea-central-asia-summit"),
        Command::About => brain.about(lang),
        Command::Help => brain.welcome(lang),
        // What `/lang` says; the front end pins the language itself.
        Command::Lang(arg) => lang_reply(arg, prefs, false),
    }
}

/// Sends messages in order; in groups the first one replies to `reply_to`.
/// `allow_sending_without_reply` keeps the answer if the question was deleted
/// meanwhile (Telegram would otherwise refuse it).
async fn send<R: Api>(
    bot: &R,
    ctx: &Ctx,
    chat: ChatId,
    place: Place,
    reply_to: Option<MessageId>,
    messages: Vec<Outgoing>,
    what: &str,
) -> HandlerResult {
    for (i, out) in messages.into_iter().enumerate() {
        let mut request = bot
            .send_message(chat, out.html)
            .parse_mode(ParseMode::Html)
            .link_preview_options(render::no_preview());
        if let (0, Some(id)) = (i, reply_to) {
            request =
                request.reply_parameters(ReplyParameters::new(id).allow_sending_without_reply());
        }
        if let Some(keyboard) = out.keyboard {
            request = request.reply_markup(keyboard);
        }
        deliver(
            &ctx.retry,
            format!("sendMessage ({what}) in a {place} chat"),
            request,
        )
        .await?;
    }
    Ok(())
}

async fn on_callback<R: Api>(bot: R, query: CallbackQuery, ctx: Arc<Ctx>) -> HandlerResult {
    let action = query
        .data
        .as_deref()
        .map_or(Action::Unknown, callback::decode);
    // Toasts are read by whoever pressed, so they are in that user's language.
    let user = Lang::from_telegram(query.from.language_code.as_deref());
    // The message the button was under; absent for inline-mode messages.
    let target = query
        .message
        .as_ref()
        .map(|m| (m.chat().id, Place::of(m.chat()), m.id()));
    if let Action::PinLang(lang) = action {
        return pin_from_button(&bot, &ctx, &query, lang, user, target).await;
    }
    // The pressed topic becomes the presser's conversation topic, so
    // "tell me more" or "when?" after a button follows it.
    if let (Action::Answer { id, .. } | Action::Choose { id, .. }, Some((chat, place, _))) =
        (&action, target)
    {
        let now = conversations::now();
        if let Some(dialogue) = ctx.brain.conversation_about(id, now) {
            let key = conversation_key(&ctx, chat, place, Some(query.from.id));
            ctx.remember(key, dialogue, now);
        }
    }
    if let (Action::Choose { id, lang }, Some(target)) = (&action, target) {
        return choose_in_place(&bot, &ctx, &query, id, *lang, user, target).await;
    }
    let reply = match &action {
        Action::Answer { id, lang } => {
            // An `a2` button says its language; an old `a1` one takes the
            // chat's pinned language, else the presser's.
            let prefs = LangPrefs {
                pinned: target.and_then(|(chat, _, _)| ctx.pins.get(chat)),
                user: Some(user),
            };
            ctx.brain
                .answer_for(id, lang.unwrap_or_else(|| prefs.without_text()))
        }
        // A choice under an inline-mode message (no chat to edit in).
        Action::Choose { id, lang } => ctx.brain.answer_for(id, *lang),
        Action::PinLang(_) | Action::Unknown => None,
    };
    let toast = match (&reply, &action, target) {
        (Some(_), _, Some(_)) => None,
        (Some(_), _, None) => Some(texts(user).toast_no_chat),
        (None, Action::Answer { .. } | Action::Choose { .. }, _) => {
            Some(texts(user).toast_stale_topic)
        }
        (None, _, _) => Some(texts(user).toast_old_button),
    };
    acknowledge(&bot, &ctx, &query, toast).await;
    match (reply, target) {
        (Some(reply), Some((chat, place, message))) => {
            log_outcome("button", place, &reply);
            let reply_to = (place != Place::Private).then_some(message);
            send(
                &bot,
                &ctx,
                chat,
                place,
                reply_to,
                render::messages(&reply),
                "button answer",
            )
            .await
        }
        _ => {
            log::info!("stale or foreign button pressed");
            Ok(())
        }
    }
}

/// A "did you mean" choice: the question message becomes the answer
/// (editMessageText), so choosing does not pile up messages. An answer too
/// long for one message, or a message that can no longer be edited, is sent
/// as new messages instead.
async fn choose_in_place<R: Api>(
    bot: &R,
    ctx: &Ctx,
    query: &CallbackQuery,
    id: &str,
    lang: Lang,
    user: Lang,
    (chat, place, message): (ChatId, Place, MessageId),
) -> HandlerResult {
    let Some(reply) = ctx.brain.answer_for(id, lang) else {
        acknowledge(bot, ctx, query, Some(texts(user).toast_stale_topic)).await;
        log::info!("stale choice pressed");
        return Ok(());
    };
    acknowledge(bot, ctx, query, None).await;
    log_outcome("choice", place, &reply);
    let mut messages = render::messages(&reply);
    if messages.len() == 1 {
        let out = messages.remove(0);
        let mut edit = bot
            .edit_message_text(chat, message, out.html.clone())
            .parse_mode(ParseMode::Html)
            .link_preview_options(render::no_preview());
        if let Some(keyboard) = out.keyboard.clone() {
            edit = edit.reply_markup(keyboard);
        }
        match deliver(
            &ctx.retry,
            format!("editMessageText (choice) in a {place} chat"),
            edit,
        )
        .await
        {
            Ok(_) => return Ok(()),
            Err(failure) => {
                log::info!("{failure}; sending the answer instead");
                messages = vec![out];
            }
        }
    }
    let reply_to = (place != Place::Private).then_some(message);
    send(bot, ctx, chat, place, reply_to, messages, "choice answer").await
}

/// Answers a button press. Always done first: it stops the button's spinner,
/// and Telegram expects it within seconds.
async fn acknowledge<R: Api>(bot: &R, ctx: &Ctx, query: &CallbackQuery, toast: Option<&str>) {
    let mut answer = bot.answer_callback_query(query.id.clone());
    if let Some(toast) = toast {
        answer = answer.text(toast);
    }
    if let Err(failure) = deliver(&ctx.retry, "answerCallbackQuery", answer).await {
        // An expired query (the bot was down) must not cost the user the answer.
        log::info!("{failure}");
    }
}

/// A `/lang` button: pins the language for the chat the prompt is in and
/// turns the prompt into the confirmation (or, if it can no longer be
/// edited, sends the confirmation).
async fn pin_from_button<R: Api>(
    bot: &R,
    ctx: &Ctx,
    query: &CallbackQuery,
    lang: Lang,
    user: Lang,
    target: Option<(ChatId, Place, MessageId)>,
) -> HandlerResult {
    let Some((chat, place, message)) = target else {
        acknowledge(bot, ctx, query, Some(texts(user).toast_no_chat)).await;
        return Ok(());
    };
    ctx.pins.pin(chat, lang);
    log::info!("language pinned by button in {place} chat: lang={lang}");
    acknowledge(bot, ctx, query, None).await;
    let done = render::note(&pinned_text(lang));
    let edit = bot
        .edit_message_text(chat, message, done.html.clone())
        .parse_mode(ParseMode::Html)
        .link_preview_options(render::no_preview());
    match deliver(
        &ctx.retry,
        format!("editMessageText (lang) in a {place} chat"),
        edit,
    )
    .await
    {
        Ok(_) => Ok(()),
        Err(failure) => {
            log::info!("{failure}; sending the confirmation instead");
            let reply_to = (place != Place::Private).then_some(message);
            send(bot, ctx, chat, place, reply_to, vec![done], "lang").await
        }
    }
}

async fn on_inline<R: Api>(bot: R, query: InlineQuery, ctx: Arc<Ctx>) -> HandlerResult {
    let text = cap(query.query.trim(), MAX_INLINE_CHARS);
    let lang = crate::lang::choose(
        text,
        None,
        Some(Lang::from_telegram(query.from.language_code.as_deref())),
    );
    let replies = ctx.brain.search(text, MAX_INLINE_RESULTS, lang);
    let results = render::inline_results(&replies);
    log::info!(
        "inline query: results={} top={} score={:.2}",
        results.len(),
        replies
            .first()
            .and_then(|r| r.intent.as_deref())
            .unwrap_or("-"),
        replies.first().map_or(0.0, |r| r.score)
    );
    let answer = bot
        .answer_inline_query(query.id, results)
        .cache_time(INLINE_CACHE_SECS);
    deliver(&ctx.retry, "answerInlineQuery", answer).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_our_handle_as_a_whole_word_only() {
        assert_eq!(find_handle("@ksilk_bot hi", "ksilk_bot"), Some(0..10));
        assert_eq!(find_handle("hi @KSILK_BOT?", "ksilk_bot"), Some(3..13));
        assert_eq!(find_handle("@ksilk_botx hi", "ksilk_bot"), None);
        assert_eq!(find_handle("me@ksilk_bot", "ksilk_bot"), None);
        assert_eq!(
            strip_mention("@ksilk_bot  what are the pillars", "ksilk_bot"),
            "what are the pillars"
        );
    }

    #[test]
    fn blank_means_nothing_visible() {
        assert!(is_blank(""));
        assert!(is_blank(" \n\t"));
        assert!(is_blank("\u{200B}\u{200F}\u{FEFF}"));
        assert!(!is_blank("🇰🇿"));
        assert!(!is_blank("كازاخستان"));
    }

    #[test]
    fn cap_counts_characters() {
        assert_eq!(cap("ąbc", 2), "ąb");
        assert_eq!(cap("ab", 5), "ab");
    }
}
