//! Update fixtures in Telegram's JSON shapes, for pushing into the mock.
//!
//! They are JSON, not teloxide structs, because the bot must parse what Telegram
//! sends, not what teloxide would serialize: the mock serves these objects over
//! HTTP and teloxide deserializes them exactly as it would in production. Message
//! entities (`bot_command`, `mention`) are computed with UTF-16 offsets, as
//! Telegram computes them, so entity-based parsing is exercised too.
//! `message_id`, `date` and query ids are filled in by [`super::mock::Mock::push`].

use serde_json::{Value, json};

use super::mock::{BOT_ID, BOT_USERNAME, Sent};

/// A private chat with user `id` (private chat ids equal user ids).
pub fn private_chat(id: i64) -> Value {
    json!({"id": id, "type": "private", "first_name": "Aigerim", "username": format!("user{id}")})
}

/// A supergroup (ids of the form -100…).
pub fn group_chat(id: i64) -> Value {
    assert!(id < 0, "group ids are negative");
    json!({"id": id, "type": "supergroup", "title": "Central Asia Studies"})
}

pub fn user(id: i64) -> Value {
    json!({"id": id, "is_bot": false, "first_name": "Timur", "username": format!("user{id}"), "language_code": "en"})
}

pub fn bot_user() -> Value {
    json!({"id": BOT_ID, "is_bot": true, "first_name": "K-Silk Road", "username": BOT_USERNAME})
}

/// The same update from a user whose Telegram app is set to `code` (the
/// sender's `from.language_code`, in a message, a button press or an inline
/// query).
pub fn with_language_code(mut update: Value, code: &str) -> Value {
    for key in ["message", "callback_query", "inline_query"] {
        if let Some(inner) = update.get_mut(key)
            && inner.get("from").is_some()
        {
            inner["from"]["language_code"] = json!(code);
        }
    }
    update
}

/// The entities Telegram attaches: a leading `/command` and `@mentions`.
fn entities(text: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut utf16_at = 0usize;
    let mut prev: Option<char> = None;
    for (i, c) in text.char_indices() {
        let starts_word = prev.is_none_or(|p| p.is_whitespace());
        if starts_word && (c == '@' || (c == '/' && i == 0)) {
            let word: String = text[i + 1..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || (*c == '@'))
                .collect();
            if !word.is_empty() {
                let kind = if c == '/' { "bot_command" } else { "mention" };
                let len = 1 + word.encode_utf16().count();
                out.push(json!({"type": kind, "offset": utf16_at, "length": len}));
            }
        }
        utf16_at += c.len_utf16();
        prev = Some(c);
    }
    out
}

fn text_message(chat: Value, from: Value, text: &str) -> Value {
    let mut message = json!({"chat": chat, "from": from, "text": text});
    let entities = entities(text);
    if !entities.is_empty() {
        message["entities"] = json!(entities);
    }
    message
}

/// `{"message": …}` with text from user `id` in their private chat.
pub fn private_text(id: i64, text: &str) -> Value {
    json!({"message": text_message(private_chat(id), user(id), text)})
}

/// `{"message": …}` with text from user `user_id` in group `group_id`.
pub fn group_text(group_id: i64, user_id: i64, text: &str) -> Value {
    json!({"message": text_message(group_chat(group_id), user(user_id), text)})
}

/// A group message replying to `replied` (a message object).
pub fn group_reply(group_id: i64, user_id: i64, text: &str, replied: Value) -> Value {
    let mut message = text_message(group_chat(group_id), user(user_id), text);
    message["reply_to_message"] = replied;
    json!({"message": message})
}

/// The message object of something the bot sent, as Telegram echoes it back
/// in `reply_to_message` or `callback_query.message`.
pub fn bot_message(sent: &Sent, chat: Value) -> Value {
    let mut message = json!({
        "message_id": sent.message_id,
        "from": bot_user(),
        "chat": chat,
        "date": 1_718_000_000,
        "text": sent.text,
    });
    if !sent.buttons.is_empty() {
        let rows: Vec<Value> = sent
            .buttons
            .iter()
            .map(|row| {
                row.iter()
                    .map(|(t, d)| json!({"text": t, "callback_data": d}))
                    .collect()
            })
            .collect();
        message["reply_markup"] = json!({"inline_keyboard": rows});
    }
    message
}

/// A button press on `message` (a message object) by user `user_id`.
pub fn callback(user_id: i64, message: Value, data: &str) -> Value {
    json!({"callback_query": {
        "from": user(user_id),
        "message": message,
        "chat_instance": "-5012345678901234567",
        "data": data,
    }})
}

/// A button press on a message the bot sent in inline mode (no chat known).
pub fn inline_message_callback(user_id: i64, data: &str) -> Value {
    json!({"callback_query": {
        "from": user(user_id),
        "inline_message_id": "AgAAAB2mAQBkAAAAN3R3cg",
        "chat_instance": "-5012345678901234567",
        "data": data,
    }})
}

/// `@bot <query>` typed in any chat.
pub fn inline_query(user_id: i64, query: &str) -> Value {
    json!({"inline_query": {
        "from": user(user_id),
        "query": query,
        "offset": "",
        "chat_type": "sender",
    }})
}

pub fn sticker(chat: Value, from: Value) -> Value {
    json!({"message": {"chat": chat, "from": from, "sticker": {
        "file_id": "CAACAgIAAxkBAAEBsticker", "file_unique_id": "AgADsticker",
        "type": "regular", "width": 512, "height": 512,
        "is_animated": false, "is_video": false, "emoji": "👍", "set_name": "Animals"
    }}})
}

pub fn photo(chat: Value, from: Value, caption: Option<&str>) -> Value {
    let mut message = json!({"chat": chat, "from": from, "photo": [
        {"file_id": "AgACAgIAAxkBAAEBphoto1", "file_unique_id": "AQADphoto1", "width": 90, "height": 67, "file_size": 1234},
        {"file_id": "AgACAgIAAxkBAAEBphoto2", "file_unique_id": "AQADphoto2", "width": 800, "height": 600, "file_size": 45678}
    ]});
    if let Some(caption) = caption {
        message["caption"] = json!(caption);
    }
    json!({"message": message})
}

pub fn voice(chat: Value, from: Value) -> Value {
    json!({"message": {"chat": chat, "from": from, "voice": {
        "file_id": "AwACAgIAAxkBAAEBvoice", "file_unique_id": "AgADvoice",
        "duration": 3, "mime_type": "audio/ogg", "file_size": 9000
    }}})
}

/// An edit of an earlier private text message.
pub fn edited_private_text(id: i64, message_id: i64, text: &str) -> Value {
    let mut message = text_message(private_chat(id), user(id), text);
    message["message_id"] = json!(message_id);
    message["edit_date"] = json!(1_718_000_100);
    json!({"edited_message": message})
}

pub fn channel_post(channel_id: i64, text: &str) -> Value {
    json!({"channel_post": {
        "chat": {"id": channel_id, "type": "channel", "title": "Silk Road News"},
        "sender_chat": {"id": channel_id, "type": "channel", "title": "Silk Road News"},
        "text": text,
    }})
}

pub fn poll() -> Value {
    json!({"poll": {
        "id": "5120000000000000001",
        "question": "Which pillar matters most?",
        "options": [{"text": "Trade", "voter_count": 1}, {"text": "Energy", "voter_count": 0}],
        "total_voter_count": 1,
        "is_closed": false,
        "is_anonymous": true,
        "type": "regular",
        "allows_multiple_answers": false
    }})
}

/// The bot was added to a group.
pub fn my_chat_member(group_id: i64, by: i64) -> Value {
    json!({"my_chat_member": {
        "chat": group_chat(group_id),
        "from": user(by),
        "date": 1_718_000_000,
        "old_chat_member": {"user": bot_user(), "status": "left"},
        "new_chat_member": {"user": bot_user(), "status": "member"}
    }})
}

/// A service message: someone joined the group.
pub fn new_members(group_id: i64, by: i64, joined: i64) -> Value {
    json!({"message": {
        "chat": group_chat(group_id),
        "from": user(by),
        "new_chat_members": [user(joined)]
    }})
}

/// An update kind from a future Bot API version that teloxide cannot know.
pub fn unknown_kind() -> Value {
    json!({"business_hologram": {"id": "x1", "shape": "cube", "chat": {"id": 1, "type": "private"}}})
}
