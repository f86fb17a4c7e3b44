//! Every fixed sentence the bot says, in English, Russian and Korean.
//!
//! Knowledge (titles, answers) lives in the knowledge base; this module holds
//! the rest: greetings, "did you mean", fallbacks, usage hints, button labels,
//! command descriptions and the terminal's own lines. One struct per language
//! means a sentence cannot be added in one language and forgotten in another:
//! the compiler asks for every field, and a test checks that no text is empty
//! and that each placeholder survives translation.
//!
//! Placeholders are `{name}` and are filled by [`fill`]. Korean uses the polite
//! register throughout; Russian addresses the user formally («вы»).

use crate::lang::Lang;

/// The fixed texts of one language.
#[derive(Debug)]
pub struct Texts {
    /// Before 2-3 "did you mean" choices.
    pub clarify: &'static str,
    /// `/country` with a name that is none of the five; `{countries}`.
    pub unknown_country: &'static str,
    /// `/start`; `{scope}`.
    pub welcome: &'static str,
    /// `/about` title.
    pub about_title: &'static str,
    /// `/about` opening; `{scope}`.
    pub about_intro: &'static str,
    /// Before the list of facts the source does not give.
    pub not_given: &'static str,
    /// Before an answer to a question about the present ("is he still
    /// president?"): the source is from June 2024. An answer that already
    /// opens with it (the summit's status) gets no second one.
    pub as_of_source: &'static str,
    /// Before a quote when the question asks who said it and the source
    /// does not name the speaker ("a senior official").
    pub speaker_unnamed: &'static str,
    /// The label of the citation under an answer.
    pub source_label: &'static str,
    /// Label of follow-up topics under an answer.
    pub related_label: &'static str,
    /// Label of the main topics under a greeting or a fallback.
    pub topics_label: &'static str,
    /// `{countries}`.
    pub usage_country: &'static str,
    pub usage_ask: &'static str,
    /// `{command}`.
    pub usage_other: &'static str,
    /// The opening of a fallback when no off-topic entry says more.
    pub cannot_answer: &'static str,
    /// After the opening of a fallback; `{scope}`.
    pub only_know: &'static str,
    /// `{examples}`: two example questions joined by [`Texts::or`].
    pub try_asking: &'static str,
    /// Joins two example questions.
    pub or: &'static str,
    /// Quotation marks around an example question.
    pub open_quote: &'static str,
    pub close_quote: &'static str,
    /// Under numbered choices in the terminal.
    pub pick_number: &'static str,
    /// Under "did you mean" choices where nothing can be picked (`ask`).
    pub ask_again_naming: &'static str,
    /// A number outside the offered choices; `{count}`.
    pub pick_range: &'static str,
    /// A sticker, photo or voice message in a private chat.
    pub hint_text_only: &'static str,
    pub hint_unknown_command: &'static str,
    /// The terminal's reply to an unknown command; `{command}`.
    pub unknown_command_named: &'static str,
    pub toast_stale_topic: &'static str,
    pub toast_old_button: &'static str,
    pub toast_no_chat: &'static str,
    /// A reply that failed on the bot's side.
    pub sorry: &'static str,
    pub toast_sorry: &'static str,
    /// When a reply would otherwise be empty.
    pub no_answer: &'static str,
    /// `/lang` without an argument, above the language buttons.
    pub lang_prompt: &'static str,
    /// `/lang xx` done; `{language}` is the language's own name.
    pub lang_pinned: &'static str,
    /// `/lang` with an unknown code.
    pub lang_usage: &'static str,
    /// The first lines of `/help`.
    pub help_intro: &'static str,
    /// The terminal's `/help`.
    pub chat_help: &'static str,
    /// The terminal's banner under the greeting.
    pub chat_banner: &'static str,
    pub goodbye: &'static str,
    /// Command descriptions for the menu and `/help`, by command name.
    pub commands: &'static [(&'static str, &'static str)],
}

impl Texts {
    /// The description of a command, for the menu and `/help`.
    pub fn command(&self, name: &str) -> Option<&'static str> {
        self.commands
            .iter()
            .find(|(n, _)| *n == name)
            .map(|&(_, d)| d)
    }

    /// An example question in quotation marks.
    pub fn quote(&self, text: &str) -> String {
        format!("{}{text}{}", self.open_quote, self.close_quote)
    }
}

/// The texts of a language.
pub fn texts(lang: Lang) -> &'static Texts {
    match lang {
        Lang::En => &EN,
        Lang::Ru => &RU,
        Lang::Ko => &KO,
    }
}

/// Replaces each `{name}` with its value.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = template.to_owned();
    for (name, value) in values {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

/// The commands every language describes, in menu order.
pub const COMMAND_NAMES: [&str; 9] = [
    "start",
    "help",
    "ask",
    "countries",
    "country",
    "pillars",
    "summit",
    "about",
    "lang",
];

static EN: Texts = Texts {
    clarify: "I'm not sure what you mean. Did you mean one of these?",
    unknown_country: "I don't know a country by that name. The initiative covers five: {countries}.",
    welcome: "Hello! I answer questions about {scope}. I use only what my source says. Ask in your own words, in English, Russian or Korean, or pick a topic below.",
    about_title: "About this bot",
    about_intro: "I answer questions about {scope} from one source. I never make facts up: when the source is silent, I say so.",
    not_given: "It does not give:",
    as_of_source: "My source is a June 2024 article, so it cannot tell me whether this is still so. As of June 2024:",
    speaker_unnamed: "My source does not name who said this; it reports it this way:",
    source_label: "Source",
    related_label: "Related",
    topics_label: "Topics",
    usage_country: "Usage: /country <name>, for example /country Kyrgyzstan. The five countries are: {countries}.",
    usage_ask: "Usage: /ask <question>, for example /ask What are the four pillars?",
    usage_other: "Usage: /{command} <text>",
    cannot_answer: "Sorry, I can't answer that.",
    only_know: "I only know what one article says about {scope}.",
    try_asking: "Try asking {examples}.",
    or: " or ",
    open_quote: "\u{201c}",
    close_quote: "\u{201d}",
    pick_number: "Type a number to pick one, or ask again in other words.",
    ask_again_naming: "Ask again and name the one you mean.",
    pick_range: "Please pick a number from 1 to {count}, or ask a new question.",
    hint_text_only: "I can only read text. Send me your question as a message, for example: What are the four pillars? (/help lists the commands.)",
    hint_unknown_command: "I don't know that command. Send /help to see what I can do, or just ask a question.",
    unknown_command_named: "I don't know the command /{command}. Type /help to see what I understand.",
    toast_stale_topic: "That topic is no longer available. Send /start to see the current topics.",
    toast_old_button: "This button is from an older version of me. Send /start for fresh ones.",
    toast_no_chat: "Open a chat with me to read this topic.",
    sorry: "Sorry, something went wrong on my side. Please try again, or send /help.",
    toast_sorry: "Sorry, something went wrong. Please try again.",
    no_answer: "Sorry, I have no answer for that.",
    lang_prompt: "Choose the language of my replies in this chat. (I always answer in the language you write in; this is for messages that show none, like a bare name or a command.)",
    lang_pinned: "Done: in this chat I reply in {language} unless you write in another language.",
    lang_usage: "Usage: /lang en, /lang ru or /lang ko, or /lang alone to pick with buttons.",
    help_intro: "I answer questions about Korea's K-Silk Road initiative for Central Asia. Ask in your own words, in English, Russian or Korean, or use a command:",
    chat_help: "Ask any question in your own words (English, Russian or Korean), or use a command:
  /pillars      the four partnership pillars
  /countries    the five Central Asian countries
  /country <name>  one country, e.g. /country kyrgyzstan
  /summit       the Korea-Central Asia Summit
  /about        the source, its date, and what it does not say
  /lang en|ru|ko  the language for messages that show none
  /help         this text
  /quit         leave (Ctrl-D works too)
When I offer numbered choices, type the number to pick one.",
    chat_banner: "(offline mode: /help for commands, /quit to leave)",
    goodbye: "Goodbye!",
    commands: &[
        ("start", "greeting and the main topics"),
        ("help", "what I can do"),
        (
            "ask",
            "ask a question, e.g. /ask What are the four pillars?",
        ),
        ("countries", "the five Central Asian countries"),
        ("country", "one country, e.g. /country Kyrgyzstan"),
        ("pillars", "the pillars of the initiative"),
        ("summit", "the Korea–Central Asia summit"),
        ("about", "where my knowledge comes from, and its limits"),
        ("lang", "reply language: /lang en, ru or ko"),
    ],
};

static RU: Texts = Texts {
    clarify: "Я не совсем понял вопрос. Вы имели в виду одно из этого?",
    unknown_country: "Я не знаю страны с таким названием. Инициатива охватывает пять стран: {countries}.",
    welcome: "Здравствуйте! Моя тема — {scope}. Я говорю только то, что есть в моём источнике. Спрашивайте своими словами — по-русски, по-английски или по-корейски — или выберите тему ниже.",
    about_title: "Об этом боте",
    about_intro: "Моя тема — {scope}. Я отвечаю по одному источнику и никогда не выдумываю факты: если источник молчит, я так и говорю.",
    not_given: "Чего в нём нет:",
    as_of_source: "Мой источник — статья июня 2024 года, поэтому я не могу сказать, так ли это сейчас. На июнь 2024 года:",
    speaker_unnamed: "Имени автора этих слов мой источник не называет; вот как он их передаёт:",
    source_label: "Источник",
    related_label: "По теме",
    topics_label: "Темы",
    usage_country: "Использование: /country <название>, например /country Кыргызстан. Пять стран: {countries}.",
    usage_ask: "Использование: /ask <вопрос>, например /ask Какие четыре направления у инициативы?",
    usage_other: "Использование: /{command} <текст>",
    cannot_answer: "Извините, на это я ответить не могу.",
    only_know: "Я знаю только то, что сказано в одной статье. Моя тема — {scope}.",
    try_asking: "Попробуйте спросить: {examples}.",
    or: " или ",
    open_quote: "«",
    close_quote: "»",
    pick_number: "Введите номер варианта или задайте вопрос иначе.",
    ask_again_naming: "Спросите ещё раз и назовите нужную тему.",
    pick_range: "Выберите номер от 1 до {count} или задайте новый вопрос.",
    hint_text_only: "Я понимаю только текст. Напишите вопрос сообщением, например: Какие четыре направления у инициативы? (/help — список команд.)",
    hint_unknown_command: "Я не знаю такой команды. Отправьте /help, чтобы узнать, что я умею, или просто задайте вопрос.",
    unknown_command_named: "Я не знаю команды /{command}. Введите /help, чтобы увидеть, что я понимаю.",
    toast_stale_topic: "Эта тема больше недоступна. Отправьте /start, чтобы увидеть актуальные темы.",
    toast_old_button: "Это кнопка от старой версии бота. Отправьте /start, чтобы получить новые.",
    toast_no_chat: "Откройте чат со мной, чтобы прочитать эту тему.",
    sorry: "Извините, у меня что-то пошло не так. Попробуйте ещё раз или отправьте /help.",
    toast_sorry: "Извините, что-то пошло не так. Попробуйте ещё раз.",
    no_answer: "Извините, у меня нет ответа на это.",
    lang_prompt: "Выберите язык моих ответов в этом чате. (Я всегда отвечаю на языке вопроса; этот выбор — для сообщений, по которым язык не понять: голое название или команда.)",
    lang_pinned: "Готово: в этом чате я отвечаю на языке «{language}», если вы не пишете на другом.",
    lang_usage: "Использование: /lang en, /lang ru или /lang ko, либо просто /lang, чтобы выбрать кнопкой.",
    help_intro: "Я отвечаю на вопросы об инициативе Кореи «K-Шёлковый путь» для Центральной Азии. Спрашивайте своими словами — по-русски, по-английски или по-корейски — или используйте команды:",
    chat_help: "Задавайте вопросы своими словами (по-русски, по-английски или по-корейски) или используйте команды:
  /pillars      четыре направления партнёрства
  /countries    пять стран Центральной Азии
  /country <название>  одна страна, например /country киргизия
  /summit       саммит «Корея — Центральная Азия»
  /about        источник, его дата и чего в нём нет
  /lang en|ru|ko  язык для сообщений, по которым его не понять
  /help         эта справка
  /quit         выход (или Ctrl-D)
Когда я предлагаю пронумерованные варианты, введите номер.",
    chat_banner: "(офлайн-режим: /help — команды, /quit — выход)",
    goodbye: "До свидания!",
    commands: &[
        ("start", "приветствие и основные темы"),
        ("help", "что я умею"),
        ("ask", "задать вопрос, например /ask Какие четыре направления?"),
        ("countries", "пять стран Центральной Азии"),
        ("country", "одна страна, например /country Кыргызстан"),
        ("pillars", "направления инициативы"),
        ("summit", "саммит «Корея — Центральная Азия»"),
        ("about", "откуда мои знания и где их границы"),
        ("lang", "язык ответов: /lang en, ru или ko"),
    ],
};

static KO: Texts = Texts {
    clarify: "질문을 정확히 이해하지 못했습니다. 혹시 다음 중 하나를 찾으시나요?",
    unknown_country: "그런 이름의 나라는 모릅니다. 이 구상에 포함된 나라는 다섯 곳입니다: {countries}.",
    welcome: "안녕하세요! 제 주제는 {scope}입니다. 출처에 있는 내용만 말씀드립니다. 한국어, 영어, 러시아어로 편하게 물어보시거나 아래에서 주제를 골라 주세요.",
    about_title: "이 봇에 대하여",
    about_intro: "제 주제는 {scope}입니다. 하나의 출처만을 바탕으로 답합니다. 사실을 지어내지 않으며, 출처에 없는 내용은 없다고 말씀드립니다.",
    not_given: "출처에 없는 내용:",
    as_of_source: "제 출처는 2024년 6월 기사라서 지금도 그런지는 알 수 없습니다. 2024년 6월 기준으로는:",
    speaker_unnamed: "제 출처는 이 말을 한 사람의 이름을 밝히지 않고, 다음과 같이 전합니다:",
    source_label: "출처",
    related_label: "관련 주제",
    topics_label: "주제",
    usage_country: "사용법: /country <나라 이름>, 예: /country 키르기스스탄. 다섯 나라는 다음과 같습니다: {countries}.",
    usage_ask: "사용법: /ask <질문>, 예: /ask 네 가지 협력 축은 무엇인가요?",
    usage_other: "사용법: /{command} <내용>",
    cannot_answer: "죄송하지만 그 질문에는 답할 수 없습니다.",
    only_know: "저는 기사 한 편의 내용만 알고 있습니다. 제 주제는 {scope}입니다.",
    try_asking: "{examples} 같은 질문을 해 보세요.",
    or: " 또는 ",
    open_quote: "\u{201c}",
    close_quote: "\u{201d}",
    pick_number: "번호를 입력해 고르시거나 다른 말로 다시 물어봐 주세요.",
    ask_again_naming: "원하시는 주제를 넣어 다시 물어봐 주세요.",
    pick_range: "1부터 {count} 사이의 번호를 고르시거나 새 질문을 해 주세요.",
    hint_text_only: "저는 글만 읽을 수 있습니다. 질문을 메시지로 보내 주세요. 예: 네 가지 협력 축은 무엇인가요? (/help에서 명령어를 볼 수 있습니다.)",
    hint_unknown_command: "모르는 명령어입니다. /help를 보내 제가 할 수 있는 일을 확인하시거나 그냥 질문해 주세요.",
    unknown_command_named: "/{command} 명령어는 모릅니다. /help를 입력하시면 제가 이해하는 명령어를 볼 수 있습니다.",
    toast_stale_topic: "이 주제는 더 이상 없습니다. /start를 보내 현재 주제를 확인해 주세요.",
    toast_old_button: "이전 버전의 버튼입니다. /start를 보내 새 버튼을 받아 주세요.",
    toast_no_chat: "이 주제를 보시려면 저와의 대화창을 열어 주세요.",
    sorry: "죄송합니다. 제 쪽에서 문제가 생겼습니다. 다시 시도하시거나 /help를 보내 주세요.",
    toast_sorry: "죄송합니다. 문제가 생겼습니다. 다시 시도해 주세요.",
    no_answer: "죄송하지만 그에 대한 답이 없습니다.",
    lang_prompt: "이 대화방에서 제가 답할 언어를 골라 주세요. (질문하신 언어로는 늘 그 언어로 답합니다. 이 설정은 이름만 있거나 명령어처럼 언어를 알 수 없는 메시지에 쓰입니다.)",
    lang_pinned: "설정했습니다. 다른 언어로 쓰지 않으시면 이 대화방에서는 {language}로 답합니다.",
    lang_usage: "사용법: /lang en, /lang ru, /lang ko 또는 /lang만 보내 버튼으로 고르세요.",
    help_intro: "한국의 중앙아시아 'K-실크로드' 구상에 관한 질문에 답해 드립니다. 한국어, 영어, 러시아어로 편하게 물어보시거나 명령어를 써 주세요:",
    chat_help: "한국어, 영어, 러시아어로 편하게 물어보시거나 명령어를 써 주세요:
  /pillars      네 가지 협력 축
  /countries    중앙아시아 다섯 나라
  /country <이름>  한 나라, 예: /country 키르기스스탄
  /summit       한-중앙아시아 정상회의
  /about        출처와 날짜, 출처에 없는 내용
  /lang en|ru|ko  언어를 알 수 없는 메시지에 쓸 언어
  /help         이 도움말
  /quit         종료 (Ctrl-D도 됩니다)
번호가 붙은 선택지를 드리면 번호를 입력해 고르세요.",
    chat_banner: "(오프라인 모드: /help 명령어, /quit 종료)",
    goodbye: "안녕히 가세요!",
    commands: &[
        ("start", "인사와 주요 주제"),
        ("help", "제가 할 수 있는 일"),
        ("ask", "질문하기, 예: /ask 네 가지 협력 축은?"),
        ("countries", "중앙아시아 다섯 나라"),
        ("country", "한 나라, 예: /country 키르기스스탄"),
        ("pillars", "구상의 협력 축"),
        ("summit", "한-중앙아시아 정상회의"),
        ("about", "제 지식의 출처와 한계"),
        ("lang", "답변 언어: /lang en, ru, ko"),
    ],
};

/// The fixed texts of follow-up questions ([`crate::dialogue`]), kept apart
/// from [`Texts`] so the conversation's sentences read together.
#[derive(Debug)]
pub struct DialogueTexts {
    /// "Tell me more": a source quote of the topic not shown yet; `{quote}`
    /// (the source is in English, which the Russian and Korean say).
    pub more_quote: &'static str,
    /// "Tell me more" once every detail of the topic was shown; `{topic}`.
    pub more_exhausted: &'static str,
    /// "Tell me more" with no topic to go on (none yet, or the last reply
    /// did not answer).
    pub more_no_topic: &'static str,
}

/// The follow-up texts of a language.
pub fn dialogue_texts(lang: Lang) -> &'static DialogueTexts {
    match lang {
        Lang::En => &DIALOGUE_EN,
        Lang::Ru => &DIALOGUE_RU,
        Lang::Ko => &DIALOGUE_KO,
    }
}

static DIALOGUE_EN: DialogueTexts = DialogueTexts {
    more_quote: "In the source's own words: \u{201c}{quote}\u{201d}",
    more_exhausted: "That is all my source says about \u{201c}{topic}\u{201d}. You could ask about one of these related topics:",
    more_no_topic: "More about what? Please ask about a topic, or pick one below.",
};

static DIALOGUE_RU: DialogueTexts = DialogueTexts {
    more_quote: "Вот как об этом сказано в источнике (по-английски): «{quote}»",
    more_exhausted: "Это всё, что мой источник говорит о теме «{topic}». Можете спросить об одной из связанных тем:",
    more_no_topic: "Подробнее о чём? Спросите о какой-нибудь теме или выберите её ниже.",
};

static DIALOGUE_KO: DialogueTexts = DialogueTexts {
    more_quote: "출처 기사(영문)에는 이렇게 나와 있습니다: \u{201c}{quote}\u{201d}",
    more_exhausted: "\u{201c}{topic}\u{201d}에 대해 제 출처가 전하는 내용은 여기까지입니다. 관련된 다음 주제에 대해 물어보실 수 있습니다:",
    more_no_topic: "무엇에 대해 더 알려 드릴까요? 궁금한 주제를 물어보시거나 아래에서 골라 주세요.",
};

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(t: &Texts) -> Vec<(&'static str, &'static str)> {
        vec![
            ("clarify", t.clarify),
            ("unknown_country", t.unknown_country),
            ("welcome", t.welcome),
            ("about_title", t.about_title),
            ("about_intro", t.about_intro),
            ("not_given", t.not_given),
            ("as_of_source", t.as_of_source),
            ("speaker_unnamed", t.speaker_unnamed),
            ("source_label", t.source_label),
            ("related_label", t.related_label),
            ("topics_label", t.topics_label),
            ("usage_country", t.usage_country),
            ("usage_ask", t.usage_ask),
            ("usage_other", t.usage_other),
            ("cannot_answer", t.cannot_answer),
            ("only_know", t.only_know),
            ("try_asking", t.try_asking),
            ("pick_number", t.pick_number),
            ("ask_again_naming", t.ask_again_naming),
            ("pick_range", t.pick_range),
            ("hint_text_only", t.hint_text_only),
            ("hint_unknown_command", t.hint_unknown_command),
            ("unknown_command_named", t.unknown_command_named),
            ("toast_stale_topic", t.toast_stale_topic),
            ("toast_old_button", t.toast_old_button),
            ("toast_no_chat", t.toast_no_chat),
            ("sorry", t.sorry),
            ("toast_sorry", t.toast_sorry),
            ("no_answer", t.no_answer),
            ("lang_prompt", t.lang_prompt),
            ("lang_pinned", t.lang_pinned),
            ("lang_usage", t.lang_usage),
            ("help_intro", t.help_intro),
            ("chat_help", t.chat_help),
            ("chat_banner", t.chat_banner),
            ("goodbye", t.goodbye),
        ]
    }

    fn placeholders(text: &str) -> Vec<&str> {
        let mut found: Vec<&str> = text
            .split('{')
            .skip(1)
            .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
            .collect();
        found.sort_unstable();
        found
    }

    #[test]
    fn every_text_exists_in_every_language_with_the_same_placeholders() {
        let en = fields(texts(Lang::En));
        for lang in [Lang::Ru, Lang::Ko] {
            for ((name, english), (_, other)) in en.iter().zip(fields(texts(lang))) {
                assert!(!other.trim().is_empty(), "{lang}: {name} is empty");
                assert_eq!(
                    placeholders(english),
                    placeholders(other),
                    "{lang}: {name} has other placeholders than English"
                );
                if *name != "source_label" && *name != "about_title" {
                    assert_ne!(*english, other, "{lang}: {name} is not translated");
                }
            }
        }
    }

    #[test]
    fn every_command_is_described_in_every_language_within_telegram_limits() {
        for lang in Lang::ALL {
            let t = texts(lang);
            assert_eq!(t.commands.len(), COMMAND_NAMES.len(), "{lang}");
            for name in COMMAND_NAMES {
                let d = t.command(name).unwrap_or_else(|| panic!("{lang}: /{name}"));
                assert!((3..=256).contains(&d.chars().count()), "{lang}: /{name}");
            }
        }
    }

    #[test]
    fn commands_stay_commands_in_every_language() {
        for lang in Lang::ALL {
            let t = texts(lang);
            for text in [t.usage_ask, t.hint_text_only, t.lang_usage] {
                assert!(text.contains('/'), "{lang}: {text}");
            }
            assert!(t.usage_country.contains("/country"), "{lang}");
        }
    }

    #[test]
    fn follow_up_texts_exist_in_every_language_with_the_same_placeholders() {
        let fields = |t: &DialogueTexts| [t.more_quote, t.more_exhausted, t.more_no_topic];
        let en = fields(dialogue_texts(Lang::En));
        for lang in [Lang::Ru, Lang::Ko] {
            for (english, other) in en.iter().zip(fields(dialogue_texts(lang))) {
                assert!(!other.trim().is_empty(), "{lang}");
                assert_eq!(
                    placeholders(english),
                    placeholders(other),
                    "{lang}: {other}"
                );
                assert_ne!(*english, other, "{lang}: not translated");
            }
        }
    }

    #[test]
    fn fill_replaces_every_placeholder() {
        assert_eq!(
            fill("a {x} b {y} {x}", &[("x", "1"), ("y", "2")]),
            "a 1 b 2 1"
        );
        assert_eq!(texts(Lang::Ru).quote("вопрос"), "«вопрос»");
    }
}
