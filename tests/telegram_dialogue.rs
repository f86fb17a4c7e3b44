//! Follow-up questions on Telegram, against the mock Bot API server: context
//! per private chat and per user in a group, a reply to one of the bot's
//! answers taking its topic, "did you mean" answered in place, and
//! "related" buttons carrying the conversation on.

mod support;

use ksilk::lang::Lang;
use support::fixtures::{self, group_chat, private_chat};
use support::mock::{Mock, Sent};
use support::push_and_wait;
use support::{PATIENCE, engine, html, shown};

const GROUP: i64 = -1_001_234_567_891;

async fn ask(mock: &Mock, chat: i64, text: &str) -> Sent {
    push_and_wait(mock, chat, fixtures::private_text(chat, text)).await
}

fn answer(id: &str, lang: Lang) -> String {
    shown(&engine().answer_for(id, lang).unwrap())
}

fn assert_nothing_rejected(mock: &Mock) {
    let rejected = mock.rejected();
    assert!(rejected.is_empty(), "{rejected:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_private_chat_keeps_its_context_in_three_languages() {
    let (mock, _running) = support::bot_with_engine().await;
    let first = ask(&mock, 3001, "what will korea do with kazakhstan").await;
    assert_eq!(first.text, answer("kazakhstan", Lang::En));
    let then = ask(&mock, 3001, "and turkmenistan?").await;
    assert_eq!(then.text, answer("turkmenistan", Lang::En));
    // Another chat has its own context: "where?" there is about nothing.
    ask(&mock, 3002, "когда саммит корея центральная азия").await;
    let where_ru = ask(&mock, 3002, "а где?").await;
    assert_eq!(where_ru.text, answer("korea-central-asia-summit", Lang::Ru));
    ask(&mock, 3003, "한국이 카자흐스탄이랑 뭐 해?").await;
    let more = ask(&mock, 3003, "더 알려줘").await;
    assert!(more.text.contains("출처 기사(영문)"), "{}", more.text);
    assert_nothing_rejected(&mock);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_user_in_a_group_keeps_a_context_of_their_own() {
    let (mock, _running) = support::bot_with_engine().await;
    let mention = |text: &str| format!("@{} {text}", support::mock::BOT_USERNAME);
    push_and_wait(
        &mock,
        GROUP,
        fixtures::group_text(GROUP, 11, &mention("what will korea do with kazakhstan")),
    )
    .await;
    push_and_wait(
        &mock,
        GROUP,
        fixtures::group_text(
            GROUP,
            12,
            &mention("when is the korea-central asia summit?"),
        ),
    )
    .await;
    let eleven = push_and_wait(
        &mock,
        GROUP,
        fixtures::group_text(GROUP, 11, &mention("and turkmenistan?")),
    )
    .await;
    assert_eq!(eleven.text, answer("turkmenistan", Lang::En));
    let twelve = push_and_wait(
        &mock,
        GROUP,
        fixtures::group_text(GROUP, 12, &mention("where?")),
    )
    .await;
    assert_eq!(twelve.text, answer("korea-central-asia-summit", Lang::En));
    assert_nothing_rejected(&mock);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ask_commands_in_a_group_follow_the_askers_conversation() {
    let (mock, _running) = support::bot_with_engine().await;
    let ask_cmd = |text: &str| format!("/ask@{} {text}", support::mock::BOT_USERNAME);
    push_and_wait(
        &mock,
        GROUP,
        fixtures::group_text(
            GROUP,
            21,
            &ask_cmd("which countries will yoon visit on state visits"),
        ),
    )
    .await;
    let when = push_and_wait(
        &mock,
        GROUP,
        fixtures::group_text(GROUP, 21, &ask_cmd("when?")),
    )
    .await;
    assert_eq!(when.text, answer("state-visits", Lang::En));
    // Another member's bare "when?" has no conversation behind it.
    let other = push_and_wait(
        &mock,
        GROUP,
        fixtures::group_text(GROUP, 22, &ask_cmd("when?")),
    )
    .await;
    assert_eq!(other.text, answer("summit-date", Lang::En));
    assert_nothing_rejected(&mock);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_to_an_answer_takes_its_topic() {
    let (mock, _running) = support::bot_with_engine().await;
    let mention = format!("@{} what are the four pillars", support::mock::BOT_USERNAME);
    let pillars = push_and_wait(&mock, GROUP, fixtures::group_text(GROUP, 21, &mention)).await;
    // Meanwhile the same user asks about something else.
    let other = format!(
        "@{} what will korea do with kazakhstan",
        support::mock::BOT_USERNAME
    );
    push_and_wait(&mock, GROUP, fixtures::group_text(GROUP, 21, &other)).await;
    // Replying to the pillars answer with "tell me more" is about the pillars.
    let replied = fixtures::bot_message(&pillars, group_chat(GROUP));
    let more = push_and_wait(
        &mock,
        GROUP,
        fixtures::group_reply(GROUP, 21, "tell me more", replied),
    )
    .await;
    assert!(more.text.starts_with("The four pillars\n"), "{}", more.text);
    assert!(
        more.text.contains("In the source's own words"),
        "{}",
        more.text
    );
    assert_nothing_rejected(&mock);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_did_you_mean_choice_answers_in_place_and_becomes_the_topic() {
    let (mock, _running) = support::bot_with_engine().await;
    let chat = 3010;
    let clarify = ask(&mock, chat, "energy").await;
    let data = clarify.callback_data();
    assert!(data.len() >= 2, "{clarify:?}");
    assert!(data.iter().all(|d| d.starts_with("c1:en:")), "{data:?}");
    let id = data[0].strip_prefix("c1:en:").unwrap().to_owned();
    let before = mock.sent_to(chat).len();
    let msg = fixtures::bot_message(&clarify, private_chat(chat));
    mock.push(fixtures::callback(chat, msg, &data[0]));
    mock.wait_until("the question edited", PATIENCE, |m| {
        !m.calls_to("editMessageText").is_empty()
    })
    .await;
    let edit = &mock.calls_to("editMessageText")[0];
    assert_eq!(edit.body["message_id"], clarify.message_id);
    assert_eq!(
        html::parse(edit.body["text"].as_str().unwrap()).unwrap(),
        answer(&id, Lang::En)
    );
    // The edited message carries the answer's related topics, as buttons
    // that follow up (not choices).
    let buttons = edit.body["reply_markup"]["inline_keyboard"].to_string();
    assert!(buttons.contains("a2:en:"), "{buttons}");
    assert_eq!(mock.sent_to(chat).len(), before, "no new message");
    // The chosen topic is now the conversation's.
    let more = ask(&mock, chat, "tell me more").await;
    let title = engine().answer_for(&id, Lang::En).unwrap().title.unwrap();
    assert!(
        more.text.starts_with(&format!("{title}\n")),
        "{}",
        more.text
    );
    assert_nothing_rejected(&mock);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_related_button_carries_the_conversation_on() {
    let (mock, _running) = support::bot_with_engine().await;
    let chat = 3020;
    let kazakhstan = ask(&mock, chat, "what will korea do with kazakhstan").await;
    let data = kazakhstan
        .callback_data()
        .into_iter()
        .find(|d| d.ends_with(":state-visits"))
        .expect("a related button for the state visits");
    let msg = fixtures::bot_message(&kazakhstan, private_chat(chat));
    let visits = push_and_wait(&mock, chat, fixtures::callback(chat, msg, &data)).await;
    assert_eq!(visits.text, answer("state-visits", Lang::En));
    // "which cities?" now follows the state visits.
    let cities = ask(&mock, chat, "which cities?").await;
    assert_eq!(cities.text, answer("visit-cities", Lang::En));
    assert_nothing_rejected(&mock);
}
