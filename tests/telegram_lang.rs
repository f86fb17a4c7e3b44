//! The reply language on Telegram, end to end against the mock Bot API: the
//! question's own language first, then the chat's pinned language (`/lang`),
//! then the user's Telegram `language_code`; buttons that carry their
//! language; toasts in the presser's language; one command menu per language.

mod support;

use ksilk::lang::Lang;
use ksilk::matcher::Outcome;
use ksilk::telegram::callback::{self, MAX_CALLBACK_DATA};
use ksilk::telegram::render;
use ksilk::texts::{fill, texts};
use serde_json::Value;
use support::fixtures::{self, private_chat, with_language_code};
use support::mock::{BOT_USERNAME, Mock, Outcome as CallOutcome, Sent};
use support::push_and_wait;
use support::{PATIENCE, engine, html, shown};

const GROUP: i64 = -1_001_777_000_111;
const RU_QUESTION: &str = "какие четыре направления у инициативы?";
const KO_QUESTION: &str = "카자흐스탄과는 어떤 분야에서 협력하나요?";

/// A private text from a user whose Telegram app is in English.
async fn ask(mock: &Mock, chat: i64, text: &str) -> Sent {
    push_and_wait(mock, chat, fixtures::private_text(chat, text)).await
}

/// A private text from a user whose Telegram app is set to `code`.
async fn ask_as(mock: &Mock, chat: i64, code: &str, text: &str) -> Sent {
    let update = with_language_code(fixtures::private_text(chat, text), code);
    push_and_wait(mock, chat, update).await
}

/// Presses a button and waits until the press is answered.
async fn press(mock: &Mock, update: Value) -> Value {
    let before = mock.calls_to("answerCallbackQuery").len();
    mock.push(update);
    mock.wait_until("the press answered", PATIENCE, |m| {
        m.calls_to("answerCallbackQuery").len() > before
    })
    .await;
    let ack = mock.calls_to("answerCallbackQuery")[before].clone();
    assert_eq!(ack.outcome, CallOutcome::Ok);
    ack.body
}

fn assert_nothing_rejected(mock: &Mock) {
    let rejected = mock.rejected();
    assert!(
        rejected.is_empty(),
        "Telegram would have refused: {rejected:#?}"
    );
}

fn pinned(lang: Lang) -> String {
    fill(texts(lang).lang_pinned, &[("language", lang.native_name())])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn questions_are_answered_in_their_own_language() {
    let (mock, _running) = support::bot_with_engine().await;
    let e = engine();

    let ru = e.respond(RU_QUESTION, Lang::Ru);
    assert_eq!((ru.outcome, ru.lang), (Outcome::Answer, Lang::Ru));
    let sent = ask(&mock, 2001, RU_QUESTION).await;
    assert_eq!(sent.text, shown(&ru));
    let title = ru.title.clone().unwrap();
    assert!(sent.text.starts_with(&title), "{}", sent.text);
    assert!(sent.text.contains("Источник:"), "{}", sent.text);

    let ko = e.respond(KO_QUESTION, Lang::Ko);
    assert_eq!((ko.outcome, ko.lang), (Outcome::Answer, Lang::Ko));
    // Even from a user whose app is in Russian: the question decides.
    let sent = ask_as(&mock, 2002, "ru", KO_QUESTION).await;
    assert_eq!(sent.text, shown(&ko));
    assert!(sent.text.starts_with(&ko.title.clone().unwrap()));
    assert!(sent.text.contains("출처:"), "{}", sent.text);
    assert_nothing_rejected(&mock);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bare_commands_follow_the_users_language_code() {
    let (mock, _running) = support::bot_with_engine().await;
    let e = engine();
    let sent = ask_as(&mock, 2003, "ko", "/pillars").await;
    assert_eq!(
        sent.text,
        shown(&e.answer_for("pillars", Lang::Ko).unwrap())
    );
    let sent = ask_as(&mock, 2003, "ko-KR", "/help").await;
    assert!(
        sent.text.starts_with(texts(Lang::Ko).help_intro),
        "{}",
        sent.text
    );
    let sent = ask_as(&mock, 2004, "ru", "Kazakhstan").await;
    assert_eq!(
        sent.text,
        shown(&e.respond("Kazakhstan", Lang::Ru)),
        "a bare name takes the user's language"
    );
    // Any other language_code means English.
    let sent = ask_as(&mock, 2005, "uz", "/pillars").await;
    assert_eq!(
        sent.text,
        shown(&e.answer_for("pillars", Lang::En).unwrap())
    );
    // A hint for a sticker is in the user's language too.
    let before = mock.sent_to(2006).len();
    mock.push(with_language_code(
        fixtures::sticker(private_chat(2006), fixtures::user(2006)),
        "ru",
    ));
    mock.wait_until("hint", PATIENCE, |m| m.sent_to(2006).len() > before)
        .await;
    assert_eq!(
        mock.sent_to(2006)[before].text,
        texts(Lang::Ru).hint_text_only
    );
    assert_nothing_rejected(&mock);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lang_pins_the_chat_language_without_leaking_to_other_chats() {
    let (mock, _running) = support::bot_with_engine().await;
    let e = engine();
    let sent = ask(&mock, 2010, "/lang ru").await;
    assert_eq!(sent.text, pinned(Lang::Ru));
    assert!(sent.text.contains("Русский"));

    let sent = ask(&mock, 2010, "Kazakhstan").await;
    assert_eq!(sent.text, shown(&e.respond("Kazakhstan", Lang::Ru)));
    assert!(sent.text.contains("Источник:"), "{}", sent.text);
    let sent = ask(&mock, 2010, "/pillars").await;
    assert_eq!(
        sent.text,
        shown(&e.answer_for("pillars", Lang::Ru).unwrap())
    );
    // The question's own language still wins over the pin.
    let sent = ask(&mock, 2010, KO_QUESTION).await;
    assert_eq!(sent.text, shown(&e.respond(KO_QUESTION, Lang::Ko)));
    let sent = ask(&mock, 2010, "what are the four pillars?").await;
    assert_eq!(
        sent.text,
        shown(&e.respond("what are the four pillars?", Lang::En))
    );

    // Another chat (same user's app language, en) is not affected.
    let sent = ask(&mock, 2011, "Kazakhstan").await;
    assert_eq!(sent.text, shown(&e.respond("Kazakhstan", Lang::En)));

    // Native names work, and the pin can change.
    let sent = ask(&mock, 2010, "/lang 한국어").await;
    assert_eq!(sent.text, pinned(Lang::Ko));
    let sent = ask(&mock, 2010, "Kazakhstan").await;
    assert_eq!(sent.text, shown(&e.respond("Kazakhstan", Lang::Ko)));

    // An unknown language gets the usage line, in the chat's language.
    let sent = ask(&mock, 2010, "/lang klingon").await;
    assert_eq!(sent.text, texts(Lang::Ko).lang_usage);
    let sent = ask(&mock, 2012, "/lang de").await;
    assert_eq!(sent.text, texts(Lang::En).lang_usage);
    assert_nothing_rejected(&mock);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lang_works_in_groups_addressed_or_not() {
    let (mock, _running) = support::bot_with_engine().await;
    let e = engine();
    let command = format!("/lang@{BOT_USERNAME} ru");
    let sent = push_and_wait(&mock, GROUP, fixtures::group_text(GROUP, 601, &command)).await;
    assert_eq!(sent.text, pinned(Lang::Ru));
    assert!(sent.reply_to.is_some(), "group replies quote the command");
    let question = format!("@{BOT_USERNAME} Kazakhstan");
    let sent = push_and_wait(&mock, GROUP, fixtures::group_text(GROUP, 602, &question)).await;
    assert_eq!(sent.text, shown(&e.respond("Kazakhstan", Lang::Ru)));

    // Addressed to another bot: not ours, nothing pinned, nothing said.
    let other = -1_001_777_000_222;
    mock.push(fixtures::group_text(other, 601, "/lang@other_bot ko"));
    let question = format!("@{BOT_USERNAME} Kazakhstan");
    let sent = push_and_wait(&mock, other, fixtures::group_text(other, 602, &question)).await;
    assert_eq!(sent.text, shown(&e.respond("Kazakhstan", Lang::En)));
    assert_eq!(mock.sent_to(other).len(), 1);
    assert_nothing_rejected(&mock);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lang_buttons_pin_the_language() {
    let (mock, _running) = support::bot_with_engine().await;
    let e = engine();
    let prompt = ask(&mock, 2020, "/lang").await;
    assert_eq!(prompt.text, texts(Lang::En).lang_prompt);
    assert_eq!(prompt.button_titles(), ["English", "Русский", "한국어"]);
    assert_eq!(prompt.callback_data(), ["l1:en", "l1:ru", "l1:ko"]);

    let msg = fixtures::bot_message(&prompt, private_chat(2020));
    let edits = mock.calls_to("editMessageText").len();
    let ack = press(&mock, fixtures::callback(2020, msg, "l1:ko")).await;
    assert!(
        ack.get("text").is_none_or(Value::is_null),
        "no toast: {ack}"
    );
    mock.wait_until("the prompt edited", PATIENCE, |m| {
        m.calls_to("editMessageText").len() > edits
    })
    .await;
    let edit = &mock.calls_to("editMessageText")[edits];
    assert_eq!(edit.outcome, CallOutcome::Ok);
    assert_eq!(edit.body["message_id"], prompt.message_id);
    assert_eq!(edit.body["text"], pinned(Lang::Ko));
    assert!(edit.body["reply_markup"].is_null(), "the buttons are gone");

    let sent = ask(&mock, 2020, "Kazakhstan").await;
    assert_eq!(sent.text, shown(&e.respond("Kazakhstan", Lang::Ko)));

    // The prompt is in the chat's language, and a prompt that can no longer
    // be edited still gets its confirmation, as a new message.
    let prompt = ask(&mock, 2020, "/lang").await;
    assert_eq!(prompt.text, texts(Lang::Ko).lang_prompt);
    let mut gone = fixtures::bot_message(&prompt, private_chat(2020));
    gone["message_id"] = 999_999.into();
    let before = mock.sent_to(2020).len();
    press(&mock, fixtures::callback(2020, gone, "l1:ru")).await;
    mock.wait_until("confirmation", PATIENCE, |m| m.sent_to(2020).len() > before)
        .await;
    assert_eq!(mock.sent_to(2020)[before].text, pinned(Lang::Ru));
    let sent = ask(&mock, 2020, "/pillars").await;
    assert_eq!(
        sent.text,
        shown(&e.answer_for("pillars", Lang::Ru).unwrap())
    );

    // On an inline-mode message there is no chat to pin: a toast says so.
    let ack = press(
        &mock,
        with_language_code(fixtures::inline_message_callback(2020, "l1:ru"), "ru"),
    )
    .await;
    assert_eq!(ack["text"], texts(Lang::Ru).toast_no_chat);
    let rejected: Vec<_> = mock
        .rejected()
        .into_iter()
        .filter(|c| c.method != "editmessagetext")
        .collect();
    assert!(rejected.is_empty(), "{rejected:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answer_buttons_carry_their_language_and_old_ones_still_work() {
    let (mock, _running) = support::bot_with_engine().await;
    let e = engine();
    // A Russian answer's buttons answer in Russian, even for an English user
    // in a chat with no pin.
    let sent = ask(&mock, 2030, RU_QUESTION).await;
    let data = sent.callback_data();
    assert!(!data.is_empty(), "a Russian answer offers related topics");
    assert!(data.iter().all(|d| d.starts_with("a2:ru:")), "{data:?}");
    let id = data[0].strip_prefix("a2:ru:").unwrap().to_owned();
    let msg = fixtures::bot_message(&sent, private_chat(2030));
    let before = mock.sent_to(2030).len();
    press(&mock, fixtures::callback(2030, msg, &data[0])).await;
    mock.wait_until("button answer", PATIENCE, |m| {
        m.sent_to(2030).len() > before
    })
    .await;
    assert_eq!(
        mock.sent_to(2030)[before].text,
        shown(&e.answer_for(&id, Lang::Ru).unwrap())
    );

    // A Korean "did you mean" from the engine encodes Korean.
    let clarify = e.respond("에너지", Lang::Ko);
    if clarify.outcome == Outcome::Clarify {
        let keyboard = render::keyboard(&clarify).unwrap();
        for button in keyboard.inline_keyboard.iter().flatten() {
            let json = serde_json::to_value(button).unwrap();
            let data = json["callback_data"].as_str().unwrap();
            assert!(data.starts_with("c1:ko:"), "{data}");
        }
    }

    // Old a1 buttons: the chat's pinned language, else the presser's.
    let old = sent.clone();
    let msg = fixtures::bot_message(&old, private_chat(2031));
    let before = mock.sent_to(2031).len();
    ask(&mock, 2031, "/lang ko").await;
    press(&mock, fixtures::callback(2031, msg, "a1:pillars")).await;
    mock.wait_until("a1 answer", PATIENCE, |m| {
        m.sent_to(2031).len() > before + 1
    })
    .await;
    assert_eq!(
        mock.sent_to(2031)[before + 1].text,
        shown(&e.answer_for("pillars", Lang::Ko).unwrap())
    );
    let msg = fixtures::bot_message(&old, private_chat(2032));
    let sent = push_and_wait(
        &mock,
        2032,
        with_language_code(fixtures::callback(2032, msg, "a1:pillars"), "ru"),
    )
    .await;
    assert_eq!(
        sent.text,
        shown(&e.answer_for("pillars", Lang::Ru).unwrap())
    );
    assert_nothing_rejected(&mock);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn toasts_are_in_the_pressers_language() {
    let (mock, _running) = support::bot_with_engine().await;
    let welcome = ask(&mock, 2040, "/start").await;
    let msg = fixtures::bot_message(&welcome, private_chat(2040));
    for (data, code, lang, toast) in [
        (
            "a2:ru:no-such-topic",
            "ko",
            Lang::Ko,
            texts(Lang::Ko).toast_stale_topic,
        ),
        (
            "a1:no-such-topic",
            "ru",
            Lang::Ru,
            texts(Lang::Ru).toast_stale_topic,
        ),
        (
            "topic_pillars",
            "ru",
            Lang::Ru,
            texts(Lang::Ru).toast_old_button,
        ),
        ("l1:xx", "ko", Lang::Ko, texts(Lang::Ko).toast_old_button),
    ] {
        let update = with_language_code(fixtures::callback(2040, msg.clone(), data), code);
        let ack = press(&mock, update).await;
        assert_eq!(ack["text"], toast, "{data} for {lang}");
    }
    assert_nothing_rejected(&mock);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inline_mode_answers_in_the_query_or_user_language() {
    let (mock, _running) = support::bot_with_engine().await;
    let e = engine();
    for (query, code, lang) in [
        ("Казахстан", "en", Lang::Ru),
        ("카자흐스탄", "ru", Lang::Ko),
        ("Kazakhstan", "ru", Lang::Ru),
        ("Kazakhstan", "ko", Lang::Ko),
        ("Kazakhstan", "de", Lang::En),
    ] {
        let before = mock.calls_to("answerInlineQuery").len();
        mock.push(with_language_code(
            fixtures::inline_query(2050, query),
            code,
        ));
        mock.wait_until("inline answer", PATIENCE, |m| {
            m.calls_to("answerInlineQuery").len() > before
        })
        .await;
        let call = &mock.calls_to("answerInlineQuery")[before];
        let first = &call.body["results"][0];
        let id = first["id"].as_str().unwrap();
        let expected = e.answer_for(id, lang).unwrap();
        assert_eq!(
            first["title"].as_str(),
            expected.title.as_deref(),
            "{query} from {code}"
        );
    }
    assert_nothing_rejected(&mock);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn command_menus_are_registered_per_language_and_scope() {
    let (mock, running) = support::bot_with_engine().await;
    let menus = mock.calls_to("setMyCommands");
    assert_eq!(menus.len(), 6, "{}", mock.describe_calls());
    let mut seen = Vec::new();
    for call in &menus {
        assert_eq!(call.outcome, CallOutcome::Ok);
        let code = call.body["language_code"].as_str();
        let lang = match code {
            None => Lang::En,
            Some(code) => code.parse::<Lang>().unwrap(),
        };
        let scope = call.body["scope"]["type"].as_str().unwrap().to_owned();
        let commands = call.body["commands"].as_array().unwrap();
        let names: Vec<&str> = commands
            .iter()
            .map(|c| c["command"].as_str().unwrap())
            .collect();
        assert_eq!(names.contains(&"start"), scope == "all_private_chats");
        assert!(names.contains(&"lang"), "{names:?}");
        for c in commands {
            let name = c["command"].as_str().unwrap();
            assert_eq!(
                c["description"].as_str(),
                texts(lang).command(name),
                "/{name} in {code:?}"
            );
        }
        seen.push((code.map(str::to_owned), scope));
    }
    seen.sort();
    let mut expected = Vec::new();
    for code in [None, Some("ko".to_owned()), Some("ru".to_owned())] {
        for scope in ["all_group_chats", "all_private_chats"] {
            expected.push((code.clone(), scope.to_owned()));
        }
    }
    assert_eq!(seen, expected);
    running.stop().await;
}

#[test]
fn every_answer_button_fits_in_every_language() {
    let e = engine();
    for entry in e.kb().entries() {
        for lang in Lang::ALL {
            let data = callback::encode_answer(&entry.id, lang)
                .unwrap_or_else(|| panic!("{} cannot be a button", entry.id));
            assert!(data.len() <= MAX_CALLBACK_DATA, "{data}");
            assert_eq!(
                callback::decode(&data),
                callback::Action::Answer {
                    id: entry.id.clone(),
                    lang: Some(lang)
                }
            );
        }
    }
    for lang in Lang::ALL {
        assert!(callback::encode_lang(lang).len() <= MAX_CALLBACK_DATA);
    }
}

#[test]
fn every_reply_is_valid_html_within_limits_in_every_language() {
    let e = engine();
    for lang in Lang::ALL {
        let mut replies: Vec<_> = e
            .kb()
            .entries()
            .iter()
            .filter_map(|entry| e.answer_for(&entry.id, lang))
            .collect();
        replies.extend([e.welcome(lang), e.about(lang), e.usage("ask", lang)]);
        for reply in &replies {
            for out in render::messages(reply) {
                let shown = html::parse(&out.html)
                    .unwrap_or_else(|err| panic!("{lang}: {err}: {}", out.html));
                assert!(html::utf16_len(&shown) <= 4096, "{lang}");
            }
        }
        let t = texts(lang);
        for text in [t.lang_prompt, t.lang_usage, &pinned(lang)] {
            assert!(html::parse(&render::note(text).html).is_ok(), "{text}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_text_stays_escaped_in_every_language() {
    let (mock, _running) = support::bot_with_engine().await;
    for (code, text) in [
        ("ru", "<b>Казахстан</b> & что <script>?"),
        ("ko", "<i>카자흐스탄</i> & 뭐야 </b>"),
        ("en", "/lang <b>ru</b>"),
        ("ru", "/lang &amp;"),
        ("ko", "Kazakhstan <a href=\"x\">"),
    ] {
        let sent = ask_as(&mock, 2070, code, text).await;
        assert!(!sent.text.is_empty());
    }
    assert_nothing_rejected(&mock);
    let prompt = ask_as(&mock, 2071, "ko", "/lang").await;
    assert_eq!(prompt.text, texts(Lang::Ko).lang_prompt);
    assert!(!prompt.raw.contains('<'));
}
