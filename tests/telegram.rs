//! Behaviour of the Telegram front end, end to end against the mock Bot API:
//! commands, private chats, group rules, inline mode, buttons, odd updates,
//! hostile text and panics. Each test runs the production dispatcher on a
//! plain `Bot` whose API URL points at the mock, and asserts on the requests
//! the mock received (what Telegram would have been sent).

mod support;

use std::time::Duration;

use ksilk::lang::Lang;
use serde_json::Value;
use support::fixtures::{self, group_chat, private_chat, user};
use support::mock::{BOT_USERNAME, Mock, Outcome as CallOutcome, Sent};
use support::{CLARIFY, HUGE, PANIC, PANIC_TOPIC, PATIENCE, Scripted, engine, html, shown};
use teloxide::types::{Update, UpdateKind};

const GROUP: i64 = -1_001_234_567_890;

/// Pushes a private question and returns the bot's first new message there.
async fn ask(mock: &Mock, chat: i64, text: &str) -> Sent {
    let before = mock.sent_to(chat).len();
    mock.push(fixtures::private_text(chat, text));
    mock.wait_until(&format!("an answer to {text:?}"), PATIENCE, |m| {
        m.sent_to(chat).len() > before
    })
    .await;
    mock.sent_to(chat)[before].clone()
}

/// Asserts that Telegram would have accepted everything the bot sent.
fn assert_nothing_rejected(mock: &Mock) {
    let rejected = mock.rejected();
    assert!(
        rejected.is_empty(),
        "Telegram would have refused: {rejected:#?}"
    );
}

#[test]
fn the_mock_parses_html_like_telegram() {
    assert_eq!(
        html::parse("<b>Q&amp;A</b>\nx &lt;y&gt; &quot;z&quot; &#127472;").unwrap(),
        "Q&A\nx <y> \"z\" \u{1f1f0}"
    );
    for bad in [
        "<script>x</script>",
        "<b>x",
        "x</b>",
        "<b><i>x</b></i>",
        "a & b",
        "a > b",
        "&nbsp;",
        "<b",
    ] {
        assert!(html::parse(bad).is_err(), "{bad:?} should be rejected");
    }
}

#[test]
fn fixtures_parse_as_teloxide_updates() {
    // The fixtures must be real update shapes: a fixture teloxide cannot
    // parse would make "ignored" tests pass for the wrong reason.
    let message = fixtures::bot_message(
        &Sent {
            chat_id: 1,
            message_id: 5,
            text: "hi".into(),
            raw: "hi".into(),
            parse_mode: None,
            reply_to: None,
            link_preview_disabled: true,
            buttons: vec![vec![("Pillars".into(), "a1:pillars".into())]],
            at: std::time::Instant::now(),
        },
        private_chat(1),
    );
    let fill = |mut v: Value| {
        for key in ["message", "edited_message", "channel_post"] {
            if let Some(m) = v.get_mut(key) {
                m["message_id"] = 7.into();
                m["date"] = 1_718_000_000.into();
            }
        }
        for key in ["callback_query", "inline_query"] {
            if let Some(q) = v.get_mut(key) {
                q["id"] = "42".into();
            }
        }
        v["update_id"] = 1.into();
        serde_json::from_str::<Update>(&v.to_string()).expect("an update")
    };
    let known = [
        fixtures::private_text(1, "/start pillars"),
        fixtures::group_text(GROUP, 2, "@ksilk_test_bot hi"),
        fixtures::group_reply(GROUP, 2, "and?", message.clone()),
        fixtures::callback(1, message, "a1:pillars"),
        fixtures::inline_message_callback(1, "a1:pillars"),
        fixtures::inline_query(1, "kazakhstan"),
        fixtures::sticker(private_chat(1), user(1)),
        fixtures::photo(private_chat(1), user(1), Some("cap")),
        fixtures::voice(private_chat(1), user(1)),
        fixtures::edited_private_text(1, 3, "edited"),
        fixtures::channel_post(-1_009_999_999_999, "news"),
        fixtures::poll(),
        fixtures::my_chat_member(GROUP, 2),
        fixtures::new_members(GROUP, 2, 3),
    ];
    for fixture in known {
        let update = fill(fixture.clone());
        assert!(
            !matches!(update.kind, UpdateKind::Error(_)),
            "teloxide cannot parse fixture {fixture}"
        );
    }
    assert!(matches!(
        fill(fixtures::unknown_kind()).kind,
        UpdateKind::Error(_)
    ));
    let update = fill(fixtures::group_text(GROUP, 2, "@ksilk_test_bot hi"));
    let UpdateKind::Message(msg) = update.kind else {
        unreachable!()
    };
    assert_eq!(msg.parse_entities().unwrap()[0].text(), "@ksilk_test_bot");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn startup_registers_menus_and_asks_only_for_needed_updates() {
    let (mock, running) = support::bot_with_engine().await;
    assert_eq!(mock.calls_to("getMe").len(), 1, "once, at startup");
    let menus = mock.calls_to("setMyCommands");
    // One menu per language (the default is English) and scope; the detail
    // per language is checked in tests/telegram_lang.rs.
    let scopes: Vec<(&str, &str)> = menus
        .iter()
        .map(|c| {
            (
                c.body["language_code"].as_str().unwrap_or("default"),
                c.body["scope"]["type"].as_str().unwrap_or("default"),
            )
        })
        .collect();
    assert_eq!(
        scopes,
        [
            ("default", "all_private_chats"),
            ("default", "all_group_chats"),
            ("ru", "all_private_chats"),
            ("ru", "all_group_chats"),
            ("ko", "all_private_chats"),
            ("ko", "all_group_chats"),
        ]
    );
    let private: Vec<&str> = menus[0].body["commands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["command"].as_str().unwrap())
        .collect();
    assert_eq!(
        private,
        [
            "start",
            "help",
            "ask",
            "countries",
            "country",
            "pillars",
            "summit",
            "about",
            "lang"
        ]
    );
    assert!(!menus[1].body.to_string().contains("\"start\""));
    assert_eq!(
        mock.allowed_updates().unwrap(),
        serde_json::json!(["message", "callback_query", "inline_query"])
    );
    assert!(running.stop().await < Duration::from_secs(5));
    assert_nothing_rejected(&mock);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_greets_and_offers_topic_buttons() {
    let (mock, _running) = support::bot_with_engine().await;
    let sent = ask(&mock, 1001, "/start").await;
    let welcome = engine().welcome(Lang::En);
    assert_eq!(sent.text, shown(&welcome));
    assert_eq!(sent.parse_mode.as_deref(), Some("HTML"));
    assert!(sent.link_preview_disabled);
    assert_eq!(sent.reply_to, None, "private answers do not quote");
    let ids: Vec<String> = welcome
        .related
        .iter()
        .map(|c| format!("a2:en:{}", c.id))
        .collect();
    assert!(!ids.is_empty());
    assert_eq!(sent.callback_data(), ids);
    assert!(sent.callback_data().iter().all(|d| d.len() <= 64));
    assert_nothing_rejected(&mock);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deep_link_payload_answers_that_topic() {
    let (mock, _running) = support::bot_with_engine().await;
    let e = engine();
    let sent = ask(&mock, 1002, "/start pillars").await;
    assert_eq!(
        sent.text,
        shown(&e.answer_for("pillars", Lang::En).unwrap())
    );
    let sent = ask(&mock, 1002, "/start korea-central-asia-summit").await;
    assert_eq!(
        sent.text,
        shown(&e.answer_for("korea-central-asia-summit", Lang::En).unwrap())
    );
    let sent = ask(&mock, 1002, "/start no-such-topic").await;
    assert_eq!(sent.text, shown(&e.welcome(Lang::En)));
    assert_nothing_rejected(&mock);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_answer_through_the_brain() {
    let (mock, _running) = support::bot_with_engine().await;
    let e = engine();
    let cases = [
        (
            "/pillars",
            shown(&e.answer_for("pillars", Lang::En).unwrap()),
        ),
        (
            "/countries",
            shown(&e.answer_for("countries", Lang::En).unwrap()),
        ),
        (
            "/summit",
            shown(&e.answer_for("korea-central-asia-summit", Lang::En).unwrap()),
        ),
        ("/about", shown(&e.about(Lang::En))),
        (
            "/country kyrgystan",
            shown(&e.answer_for("kyrgyzstan", Lang::En).unwrap()),
        ),
        (
            "/country Kazakhstan",
            shown(&e.answer_for("kazakhstan", Lang::En).unwrap()),
        ),
        (
            "/ask What are the four pillars?",
            shown(&e.respond("What are the four pillars?", Lang::En)),
        ),
        (
            "/Pillars",
            shown(&e.answer_for("pillars", Lang::En).unwrap()),
        ),
    ];
    for (command, expected) in cases {
        let sent = ask(&mock, 1003, command).await;
        assert_eq!(sent.text, expected, "{command}");
    }
    let help = ask(&mock, 1003, "/help").await;
    for line in [
        "/ask",
        "ask a question",
        "/country",
        "/pillars",
        "/summit",
        "/about",
    ] {
        assert!(
            help.text.contains(line),
            "help lacks {line:?}: {}",
            help.text
        );
    }
    assert_nothing_rejected(&mock);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_without_an_argument_get_a_usage_hint() {
    let (mock, _running) = support::bot_with_engine().await;
    let e = engine();
    for (command, usage) in [
        ("/ask", "ask"),
        ("/ask    ", "ask"),
        ("/country", "country"),
        ("/country \u{200B}", "country"),
    ] {
        let sent = ask(&mock, 1004, command).await;
        assert_eq!(sent.text, shown(&e.usage(usage, Lang::En)), "{command:?}");
    }
    let sent = ask(&mock, 1004, "/weather").await;
    assert!(sent.text.contains("/help"), "{}", sent.text);
    assert_nothing_rejected(&mock);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_text_is_answered() {
    let (mock, _running) = support::bot_with_engine().await;
    let e = engine();
    for question in [
        "What are the four pillars?",
        "Tell me about Kazakhstan",
        "When was the summit?",
        "What's the weather in Paris?",
    ] {
        let sent = ask(&mock, 1005, question).await;
        assert_eq!(
            sent.text,
            shown(&e.respond(question, Lang::En)),
            "{question}"
        );
        assert!(sent.link_preview_disabled);
    }
    assert_nothing_rejected(&mock);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn groups_answer_commands_mentions_and_replies_only() {
    let (mock, _running) = support::bot_with_engine().await;
    let e = engine();
    let pillars = shown(&e.answer_for("pillars", Lang::En).unwrap());

    // Answered, each as a reply to the asking message.
    let answered = [
        ("/pillars", pillars.clone()),
        ("/pillars@ksilk_test_bot", pillars.clone()),
        ("/pillars@KSILK_TEST_BOT", pillars.clone()),
        (
            "@ksilk_test_bot what are the four pillars?",
            shown(&e.respond("what are the four pillars?", Lang::En)),
        ),
        (
            "Hey @ksilk_test_bot, tell me about Kazakhstan",
            shown(&e.respond("Hey , tell me about Kazakhstan", Lang::En)),
        ),
        ("/ask", shown(&e.usage("ask", Lang::En))),
    ];
    for (text, expected) in &answered {
        let before = mock.sent_to(GROUP).len();
        let pushed = mock.push(fixtures::group_text(GROUP, 501, text));
        mock.wait_until(text, PATIENCE, |m| m.sent_to(GROUP).len() > before)
            .await;
        let sent = &mock.sent_to(GROUP)[before];
        assert_eq!(&sent.text, expected, "{text}");
        assert_eq!(sent.reply_to, pushed.message_id, "{text} is quoted");
    }

    // A reply to one of the bot's messages is a question too.
    let bot_msg = fixtures::bot_message(&mock.sent_to(GROUP)[0], group_chat(GROUP));
    let before = mock.sent_to(GROUP).len();
    let pushed = mock.push(fixtures::group_reply(
        GROUP,
        502,
        "and Kyrgyzstan?",
        bot_msg,
    ));
    mock.wait_until("reply answered", PATIENCE, |m| {
        m.sent_to(GROUP).len() > before
    })
    .await;
    let sent = &mock.sent_to(GROUP)[before];
    assert_eq!(sent.text, shown(&e.respond("and Kyrgyzstan?", Lang::En)));
    assert_eq!(sent.reply_to, pushed.message_id);

    // Ignored: other bots' commands, chatter, replies to others, media,
    // unknown commands, service messages, our own inline results.
    let before = mock.sent_to(GROUP).len();
    let someone = mock.push(fixtures::group_text(GROUP, 503, "I think so"));
    for update in [
        fixtures::group_text(GROUP, 501, "/pillars@other_bot"),
        fixtures::group_text(GROUP, 501, "/start@other_bot pillars"),
        fixtures::group_text(GROUP, 501, "what are the four pillars?"),
        fixtures::group_text(GROUP, 501, "email me at x@ksilk_test_botanist.org"),
        fixtures::group_reply(GROUP, 502, "agreed", someone.message.unwrap()),
        fixtures::sticker(group_chat(GROUP), user(501)),
        fixtures::photo(group_chat(GROUP), user(501), Some("what are the pillars?")),
        fixtures::group_text(GROUP, 501, "/weather"),
        fixtures::new_members(GROUP, 501, 504),
        {
            let mut echoed = fixtures::group_text(GROUP, 501, "Kazakhstan ...");
            echoed["message"]["via_bot"] = fixtures::bot_user();
            echoed
        },
    ] {
        mock.push(update);
    }
    // Updates from one chat are handled in order, so once this one is
    // answered every ignored update before it has been handled.
    let sentinel = mock.push(fixtures::group_text(GROUP, 501, "/summit"));
    mock.wait_until("sentinel", PATIENCE, |m| m.sent_to(GROUP).len() > before)
        .await;
    let after = mock.sent_to(GROUP);
    assert_eq!(
        after.len(),
        before + 1,
        "only the sentinel was answered: {after:#?}"
    );
    assert_eq!(after[before].reply_to, sentinel.message_id);
    assert_nothing_rejected(&mock);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_command_naming_us_in_a_group_gets_a_hint() {
    let (mock, _running) = support::bot_with_engine().await;
    let pushed = mock.push(fixtures::group_text(
        GROUP,
        501,
        &format!("/weather@{BOT_USERNAME}"),
    ));
    let sent = mock.wait_sent(1, PATIENCE).await;
    assert!(sent[0].text.contains("/help"));
    assert_eq!(sent[0].reply_to, pushed.message_id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inline_mode_returns_ranked_articles() {
    let (mock, _running) = support::bot_with_engine().await;
    let e = engine();
    for (query, expected) in [
        ("kazakhstan", e.search("kazakhstan", 10, Lang::En)),
        ("", e.search("", 10, Lang::En)),
    ] {
        let before = mock.calls_to("answerInlineQuery").len();
        let pushed = mock.push(fixtures::inline_query(601, query));
        mock.wait_until("inline answer", PATIENCE, |m| {
            m.calls_to("answerInlineQuery").len() > before
        })
        .await;
        let call = &mock.calls_to("answerInlineQuery")[before];
        assert_eq!(call.outcome, CallOutcome::Ok, "{query:?}");
        assert_eq!(
            call.body["inline_query_id"],
            pushed.query_id.unwrap().as_str()
        );
        let results = call.body["results"].as_array().unwrap();
        assert!(
            !results.is_empty() && results.len() <= 10,
            "{query:?}: {}",
            results.len()
        );
        let ids: Vec<&str> = results.iter().map(|r| r["id"].as_str().unwrap()).collect();
        let expected_ids: Vec<&str> = expected
            .iter()
            .filter_map(|r| r.intent.as_deref())
            .collect();
        assert_eq!(ids, expected_ids, "{query:?}");
        for (result, reply) in results.iter().zip(&expected) {
            assert_eq!(result["type"], "article");
            let content = &result["input_message_content"];
            assert_eq!(content["parse_mode"], "HTML");
            assert_eq!(content["link_preview_options"]["is_disabled"], true);
            let text = html::parse(content["message_text"].as_str().unwrap()).unwrap();
            assert_eq!(text, shown(reply));
        }
    }
    assert_eq!(
        mock.calls_to("answerInlineQuery")[0].body["results"][0]["id"],
        "kazakhstan"
    );
    assert_nothing_rejected(&mock);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn buttons_answer_and_always_acknowledge() {
    let (mock, _running) = support::bot_with_engine().await;
    let e = engine();

    // Private: a topic button from /start.
    let welcome = ask(&mock, 1006, "/start").await;
    let data = welcome.callback_data()[0].clone();
    let id = data.strip_prefix("a2:en:").unwrap().to_owned();
    let msg = fixtures::bot_message(&welcome, private_chat(1006));
    let before = mock.sent_to(1006).len();
    let pushed = mock.push(fixtures::callback(1006, msg, &data));
    mock.wait_until("button answer", PATIENCE, |m| {
        m.sent_to(1006).len() > before
    })
    .await;
    let acks = mock.calls_to("answerCallbackQuery");
    assert_eq!(acks.len(), 1);
    assert_eq!(acks[0].outcome, CallOutcome::Ok);
    assert_eq!(
        acks[0].body["callback_query_id"],
        pushed.query_id.unwrap().as_str()
    );
    assert!(
        acks[0].body.get("text").is_none_or(Value::is_null),
        "no toast on success"
    );
    assert_eq!(
        mock.sent_to(1006)[before].text,
        shown(&e.answer_for(&id, Lang::En).unwrap())
    );

    // Group: the answer quotes the message with the button.
    let before = mock.sent_to(GROUP).len();
    mock.push(fixtures::group_text(GROUP, 501, "/start"));
    mock.wait_until("group welcome", PATIENCE, |m| {
        m.sent_to(GROUP).len() > before
    })
    .await;
    let group_welcome = mock.sent_to(GROUP)[before].clone();
    let msg = fixtures::bot_message(&group_welcome, group_chat(GROUP));
    mock.push(fixtures::callback(502, msg, "a1:kazakhstan"));
    mock.wait_until("group button", PATIENCE, |m| {
        m.sent_to(GROUP).len() > before + 1
    })
    .await;
    let answer = &mock.sent_to(GROUP)[before + 1];
    assert_eq!(
        answer.text,
        shown(&e.answer_for("kazakhstan", Lang::En).unwrap())
    );
    assert_eq!(answer.reply_to, Some(group_welcome.message_id));

    // Stale, foreign and inline-message buttons: a polite toast, no message.
    let sent_before = mock.sent().len();
    let msg = fixtures::bot_message(&welcome, private_chat(1006));
    let cases = [
        (
            fixtures::callback(1006, msg.clone(), "a1:no-such-topic"),
            "no longer available",
        ),
        (
            fixtures::callback(1006, msg.clone(), "topic_pillars"),
            "older version",
        ),
        (fixtures::callback(1006, msg, "a1:Pillars"), "older version"),
        (
            fixtures::inline_message_callback(1006, "a1:pillars"),
            "Open a chat",
        ),
    ];
    for (update, toast) in cases {
        let before = mock.calls_to("answerCallbackQuery").len();
        mock.push(update);
        mock.wait_until("toast", PATIENCE, |m| {
            m.calls_to("answerCallbackQuery").len() > before
        })
        .await;
        let ack = &mock.calls_to("answerCallbackQuery")[before];
        assert_eq!(ack.outcome, CallOutcome::Ok);
        let text = ack.body["text"].as_str().unwrap_or("");
        assert!(text.contains(toast), "{text:?} should contain {toast:?}");
    }
    // A sentinel in the same chat proves nothing was sent for those presses.
    ask(&mock, 1006, "/pillars").await;
    assert_eq!(mock.sent().len(), sent_before + 1);
    assert_nothing_rejected(&mock);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clarify_offers_choices_as_buttons_that_work() {
    let (mock, _running) = support::bot_with_script().await;
    let sent = ask(&mock, 1007, CLARIFY).await;
    let expected = Scripted::clarify_reply();
    assert_eq!(sent.text, shown(&expected));
    assert_eq!(
        sent.button_titles(),
        expected
            .choices
            .iter()
            .map(|c| c.title.clone())
            .collect::<Vec<_>>()
    );
    // The choice answers in place of the question: the message is edited.
    let msg = fixtures::bot_message(&sent, private_chat(1007));
    let before = mock.sent_to(1007).len();
    mock.push(fixtures::callback(1007, msg, &sent.callback_data()[1]));
    mock.wait_until("choice answered", PATIENCE, |m| {
        !m.calls_to("editMessageText").is_empty()
    })
    .await;
    let edit = &mock.calls_to("editMessageText")[0];
    assert_eq!(edit.body["message_id"], sent.message_id);
    assert_eq!(
        html::parse(edit.body["text"].as_str().unwrap()).unwrap(),
        shown(&engine().answer_for("kazakhstan", Lang::En).unwrap())
    );
    assert_eq!(mock.sent_to(1007).len(), before, "no new message");
    assert_nothing_rejected(&mock);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn odd_updates_neither_crash_nor_answer() {
    let (mock, _running) = support::bot_with_engine().await;
    let chat = 1008;
    // Media in private gets one hint each.
    for update in [
        fixtures::sticker(private_chat(chat), user(chat)),
        fixtures::photo(private_chat(chat), user(chat), None),
        fixtures::voice(private_chat(chat), user(chat)),
    ] {
        mock.push(update);
    }
    let hints = mock.wait_sent(3, PATIENCE).await;
    for hint in &hints {
        assert!(hint.text.contains("only read text"), "{}", hint.text);
        assert!(hint.buttons.is_empty());
    }
    // Everything else is handled quietly.
    let asked = mock.push(fixtures::private_text(chat, "Kazakhstan"));
    mock.wait_sent(4, PATIENCE).await;
    for update in [
        fixtures::edited_private_text(chat, asked.message_id.unwrap(), "Kyrgyzstan"),
        fixtures::channel_post(-1_009_999_999_999, "What are the pillars?"),
        fixtures::poll(),
        fixtures::my_chat_member(GROUP, 501),
        fixtures::new_members(GROUP, 501, 502),
        fixtures::unknown_kind(),
        fixtures::unknown_kind(),
    ] {
        mock.push(update);
    }
    // The bot is alive and still answers the same chat afterwards, and nothing
    // else was sent (only the answer to "Kazakhstan" and the sentinel).
    let sent = ask(&mock, chat, "/pillars").await;
    assert_eq!(
        sent.text,
        shown(&engine().answer_for("pillars", Lang::En).unwrap())
    );
    tokio::time::sleep(Duration::from_millis(100)).await;
    let all = mock.sent();
    assert_eq!(all.len(), 5, "{all:#?}");
    assert!(all.iter().all(|s| s.chat_id == chat));
    // Every update, the unknown kinds included, was confirmed.
    mock.wait_until("all confirmed", PATIENCE, |m| m.pending_updates() == 0)
        .await;
    assert_nothing_rejected(&mock);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_text_never_causes_a_bad_request() {
    let (mock, _running) = support::bot_with_engine().await;
    let long_words = "kazakhstan pillars summit trade ".repeat(320);
    let texts: Vec<String> = vec![
        "a".repeat(10_000),
        long_words[..10_000].to_owned(),
        String::new(),
        "   \n\t ".into(),
        "😀🎉🇰🇿🇰🇷".into(),
        "\u{200B}\u{200C}\u{200D}\u{FEFF}".into(),
        "ما هي الركائز الأربع؟ \u{202E}evil\u{202C}".into(),
        "<b>x</b> & <script>alert(1)</script>".into(),
        "/ask <b>x</b> & <script>".into(),
        "/country <i>Kazakhstan</i> &amp;".into(),
        "&lt; &#0; &#xFFFFFF; &".into(),
        "Казахстан и Корея".into(),
        "카자흐스탄".into(),
    ];
    for (i, text) in texts.iter().enumerate() {
        mock.push(fixtures::private_text(2000 + i as i64, text));
    }
    mock.push(fixtures::group_text(
        GROUP,
        501,
        "@ksilk_test_bot <b>x</b> & <script>",
    ));
    mock.push(fixtures::group_text(GROUP, 501, "@ksilk_test_bot"));
    mock.push(fixtures::inline_query(601, "<b>x</b> & <script>"));
    mock.push(fixtures::inline_query(601, &"🇰🇿".repeat(100)));
    let expected_chats = texts.len() + 1;
    mock.wait_until("every hostile text answered", PATIENCE, |m| {
        let mut chats: Vec<i64> = m.sent().iter().map(|s| s.chat_id).collect();
        chats.dedup();
        chats.sort_unstable();
        chats.dedup();
        chats.len() == expected_chats
            && m.sent_to(GROUP).len() == 2
            && m.calls_to("answerInlineQuery").len() == 2
    })
    .await;
    assert_nothing_rejected(&mock);
    // Blank messages get the /ask usage hint rather than a fallback.
    let usage = shown(&engine().usage("ask", Lang::En));
    for chat in [2002, 2003, 2005] {
        assert_eq!(mock.sent_to(chat)[0].text, usage, "chat {chat}");
    }
    assert_eq!(
        mock.sent_to(GROUP)
            .iter()
            .filter(|s| s.text == usage)
            .count(),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn very_long_answers_are_split_at_paragraphs() {
    let (mock, _running) = support::bot_with_script().await;
    mock.push(fixtures::private_text(1009, HUGE));
    let expected = shown(&Scripted::huge_reply());
    assert!(
        html::utf16_len(&expected) > 4096,
        "the scripted answer must need a split"
    );
    mock.wait_until("the whole answer", PATIENCE, |m| {
        let parts = m.sent_to(1009);
        parts.last().is_some_and(|p| !p.buttons.is_empty())
    })
    .await;
    let parts = mock.sent_to(1009);
    assert!(parts.len() >= 3, "{} parts", parts.len());
    for part in &parts {
        assert!(html::utf16_len(&part.text) <= 4096);
        assert!(html::utf16_len(&part.raw) <= 4096);
    }
    assert!(
        parts[..parts.len() - 1]
            .iter()
            .all(|p| p.buttons.is_empty())
    );
    // Nothing lost: the parts join back into the answer, paragraph by paragraph.
    let joined: Vec<String> = parts.iter().map(|p| p.text.clone()).collect();
    assert_eq!(joined.join("\n\n"), expected);
    assert_nothing_rejected(&mock);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn panics_are_contained_and_apologised_for() {
    let (mock, _running) = support::bot_with_script().await;
    let chat = 1010;
    let sorry = ask(&mock, chat, PANIC).await;
    assert!(
        sorry.text.starts_with("Sorry, something went wrong"),
        "{}",
        sorry.text
    );
    // The same chat's worker survived: the next update from it is answered.
    let sent = ask(&mock, chat, "/pillars").await;
    assert_eq!(
        sent.text,
        shown(&engine().answer_for("pillars", Lang::En).unwrap())
    );
    let sent = ask(&mock, chat, PANIC).await;
    assert!(sent.text.starts_with("Sorry"));
    ask(&mock, chat, "/summit").await;

    // A button whose answer panics gets an apologetic toast.
    let msg = fixtures::bot_message(&sent, private_chat(chat));
    mock.push(fixtures::callback(chat, msg, &format!("a1:{PANIC_TOPIC}")));
    mock.wait_until("apology toast", PATIENCE, |m| {
        !m.calls_to("answerCallbackQuery").is_empty()
    })
    .await;
    let ack = &mock.calls_to("answerCallbackQuery")[0];
    assert!(ack.body["text"].as_str().unwrap().starts_with("Sorry"));

    // An inline query that panics gets no answer, and the next one does.
    mock.push(fixtures::inline_query(601, PANIC));
    mock.push(fixtures::inline_query(601, "pillars"));
    mock.wait_until("next inline answered", PATIENCE, |m| {
        !m.calls_to("answerInlineQuery").is_empty()
    })
    .await;
    // A group message not meant for us that panics stays silent: it never
    // reaches the brain, and a mention that panics is apologised for.
    mock.push(fixtures::group_text(GROUP, 501, PANIC));
    let pushed = mock.push(fixtures::group_text(
        GROUP,
        501,
        &format!("@{BOT_USERNAME} {PANIC}"),
    ));
    mock.wait_until("group apology", PATIENCE, |m| !m.sent_to(GROUP).is_empty())
        .await;
    assert_eq!(mock.sent_to(GROUP)[0].reply_to, pushed.message_id);
    ask(&mock, chat, "/about").await;
    assert_eq!(mock.sent_to(GROUP).len(), 1);
    assert_nothing_rejected(&mock);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mock_refuses_what_telegram_refuses() {
    // The "nothing rejected" assertions above mean something only if the
    // mock really refuses bad requests; this sends some on purpose.
    use teloxide::payloads::{AnswerCallbackQuerySetters, SendMessageSetters};
    use teloxide::prelude::Requester;
    use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup, ParseMode};
    let mock = Mock::start().await;
    mock.push(fixtures::private_text(1100, "hi"));
    let bot = mock.bot();
    let chat = teloxide::types::ChatId(1100);
    let too_long = bot.send_message(chat, "x".repeat(4097)).await;
    let bad_html = bot
        .send_message(chat, "<b>x</b> & <script>")
        .parse_mode(ParseMode::Html)
        .await;
    let unclosed = bot
        .send_message(chat, "<b>x")
        .parse_mode(ParseMode::Html)
        .await;
    let big_data = bot
        .send_message(chat, "pick")
        .reply_markup(InlineKeyboardMarkup::new([[
            InlineKeyboardButton::callback("x", "a".repeat(65)),
        ]]))
        .await;
    let unknown_chat = bot.send_message(teloxide::types::ChatId(42), "hi").await;
    let stale_query = bot
        .answer_callback_query(teloxide::types::CallbackQueryId("nope".into()))
        .text("x")
        .await;
    for (what, result) in [
        ("4097 characters", too_long.map(|_| ())),
        ("a <script> tag", bad_html.map(|_| ())),
        ("an unclosed tag", unclosed.map(|_| ())),
        ("65-byte callback_data", big_data.map(|_| ())),
        ("an unknown chat", unknown_chat.map(|_| ())),
        ("a stale query", stale_query.map(|_| ())),
    ] {
        assert!(result.is_err(), "the mock accepted {what}");
    }
    let rejected = mock.rejected();
    assert_eq!(rejected.len(), 6);
    assert!(rejected.iter().all(
        |c| matches!(&c.outcome, CallOutcome::Rejected(400, d) if d.starts_with("Bad Request: "))
    ));
    // And accepts the same message done right (4096 UTF-16 units, flags included).
    let fits = format!("{}{}", "🇰🇿".repeat(24), "x".repeat(4096 - 96));
    bot.send_message(chat, fits).await.expect("4096 units fit");
}
