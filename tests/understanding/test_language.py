"""Language detection on customer messages, and the "I can only help in ..." reply."""

from __future__ import annotations

from importlib import resources

import pytest
import yaml

from frontdesk.understanding.language import MAX_CHARS, Language, LanguageDetector, unsupported_language_reply

# Realistic support messages, written for these tests (the benchmark's cases are separate): short and long.
MESSAGES = {
    "en": [
        "My parcel says delivered but it is not here",
        "How long does a refund take to reach my card?",
        "I upgraded to the annual plan yesterday and I was still charged the monthly price this morning. Could"
        " someone look into it and send me a corrected invoice?",
    ],
    "de": [
        "Meine Karte wurde abgelehnt",
        "Wie lange dauert die Lieferung nach Österreich?",
        "Ich habe gestern auf den Jahrestarif gewechselt und heute Morgen trotzdem den Monatspreis bezahlt. Können"
        " Sie das bitte prüfen und mir eine korrigierte Rechnung schicken?",
    ],
    "fr": [
        "Ma carte a été refusée",
        "Combien de temps prend la livraison en Belgique ?",
        "J'ai changé d'offre hier pour l'abonnement annuel et on m'a quand même prélevé le prix mensuel ce matin."
        " Pouvez-vous vérifier et m'envoyer une facture corrigée ?",
    ],
    "es": [
        "Mi tarjeta fue rechazada",
        "¿Cuánto tarda el envío a México?",
        "Ayer me cambié al plan anual y esta mañana me cobraron igualmente el precio mensual. ¿Pueden revisarlo y"
        " enviarme una factura corregida?",
    ],
    "it": [
        "La mia carta è stata rifiutata",
        "Quanto tempo ci vuole per la spedizione in Svizzera?",
        "Ieri sono passato al piano annuale e stamattina mi è stato comunque addebitato il prezzo mensile. Potete"
        " controllare e mandarmi una fattura corretta?",
    ],
    "pt": [
        "Meu cartão foi recusado",
        "Quanto tempo demora a entrega para Portugal?",
        "Ontem mudei para o plano anual e hoje de manhã ainda fui cobrado pelo preço mensal. Vocês podem verificar"
        " e me mandar uma fatura corrigida?",
    ],
    "nl": [
        "Mijn kaart is geweigerd",
        "Hoe lang duurt de levering naar België?",
        "Ik ben gisteren overgestapt op het jaarabonnement en vanochtend is toch de maandprijs afgeschreven. Kunnen"
        " jullie dat nakijken en mij een gecorrigeerde factuur sturen?",
    ],
    "sv": [
        "Mitt kort nekades",
        "Hur lång tid tar leveransen till Finland?",
        "Jag bytte till årsabonnemanget i går men i morse drogs ändå månadspriset. Kan ni kontrollera det och"
        " skicka en rättad faktura?",
    ],
    "pl": [
        "Moja karta została odrzucona",
        "Ile trwa wysyłka do Niemiec?",
        "Wczoraj przeszedłem na plan roczny, a dziś rano i tak pobrano opłatę miesięczną. Czy możecie to sprawdzić i"
        " przesłać mi poprawioną fakturę?",
    ],
    "ru": [
        "Карту отклонили, что делать?",
        "Сколько идёт доставка в Казахстан?",
        "Вчера я перешёл на годовой тариф, а сегодня утром с меня всё равно списали месячную плату. Проверьте,"
        " пожалуйста, и пришлите исправленный счёт.",
    ],
    "tr": [
        "Kartım reddedildi",
        "Almanya'ya kargo ne kadar sürüyor?",
        "Dün yıllık plana geçtim ama bu sabah yine aylık ücret çekildi. Kontrol edip bana düzeltilmiş bir fatura"
        " gönderebilir misiniz?",
    ],
    "ar": [
        "تم رفض بطاقتي",
        "كم يستغرق الشحن إلى مصر؟",
        "انتقلت أمس إلى الخطة السنوية ومع ذلك تم خصم السعر الشهري هذا الصباح. هل يمكنكم التحقق وإرسال فاتورة مصححة؟",
    ],
    "zh": [
        "我的银行卡被拒绝了",
        "寄到上海要多久？",
        "我昨天换成了年度套餐，今天早上还是扣了月费。请帮我查一下，并重新开一张正确的发票。",
    ],
    "ja": [
        "カードが使えませんでした",
        "大阪まで配送にどれくらいかかりますか？",
        "昨日年額プランに変更したのに、今朝また月額料金が引き落とされました。確認して、正しい請求書を送っていただけますか？",
    ],
    "ko": [
        "카드 결제가 거절됐어요",
        "부산까지 배송은 얼마나 걸리나요?",
        "어제 연간 요금제로 바꿨는데 오늘 아침에 또 월 요금이 빠져나갔어요."
        " 확인하시고 수정된 청구서를 보내 주시겠어요?",
    ],
}


@pytest.fixture(scope="module")
def english_bot() -> LanguageDetector:
    return LanguageDetector(("en",))


@pytest.mark.parametrize(
    ("language", "text"), [(language, text) for language, texts in MESSAGES.items() for text in texts]
)
def test_detects_the_language_of_a_support_message(english_bot: LanguageDetector, language: str, text: str) -> None:
    detected = english_bot.detect(text)
    assert detected.code == language
    assert 0.4 <= detected.confidence <= 1.0


@pytest.mark.parametrize(
    "text", ["hi", "ok", "ok thanks", "refund?", "thx!", "yes", "no", "help", "still broken", "wrong item", "hello??"]
)
def test_short_english_messages_stay_english_for_an_english_bot(english_bot: LanguageDetector, text: str) -> None:
    assert english_bot.detect(text).code == "en"


@pytest.mark.parametrize("text", ["Bonjour", "Danke!", "Gracias", "Hola 👋", "merci"])
def test_a_one_word_message_gets_the_default_language_not_a_guess(english_bot: LanguageDetector, text: str) -> None:
    assert english_bot.detect(text) == Language("en", 0.0)


def test_the_default_language_is_the_first_configured_one() -> None:
    german_bot = LanguageDetector(("de", "en"))
    assert german_bot.detect("ok").code == "de"
    assert german_bot.detect("Hi, where is my order? It should have arrived on Monday.").code == "en"


def test_one_word_in_a_script_the_bot_does_not_write_is_undetermined(english_bot: LanguageDetector) -> None:
    assert english_bot.detect("Здравствуйте") == Language("und", 0.0)
    assert LanguageDetector(("ru", "en")).detect("Здравствуйте") == Language("ru", 0.0)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\t ",
        "👍",
        "🙏🙏🙏",
        "😡😡😡 !!!",
        "12345",
        "+49 30 1234567",
        "#A-48213",
        "???",
        "...",
        "asdfghjkl",
        "qwertyuiop",
        "jjjjjjjjjj",
        "asdf asdf asdf",
        "https://example.com/orders/48213",
        "anna@example.com",
        "(╯°□°)╯︵ ┻━┻",
    ],
)
def test_emoji_numbers_links_and_keyboard_mash_are_undetermined(english_bot: LanguageDetector, text: str) -> None:
    assert english_bot.detect(text) == Language("und", 0.0)


def test_numbers_links_and_addresses_do_not_hide_the_words_around_them(english_bot: LanguageDetector) -> None:
    text = (
        "Bestellung A-48213 vom 12.03. ist nicht angekommen, siehe https://shop.example/track/48213 (anna@example.com)"
    )
    assert english_bot.detect(text).code == "de"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Hallo, ich habe ein Problem mit meinem Konto, der Login-Button funktioniert nicht, it just says error", "de"),
        ("Hi, I ordered the blue jacket last week but it still hasn't arrived, danke", "en"),
        ("Bonjour, my order hasn't arrived yet and I need it for the weekend", "en"),
        ("Mi pedido no ha llegado todavía y el número de seguimiento no funciona, can you check please", "es"),
    ],
)
def test_mixed_language_messages_report_the_dominant_language(text: str, language: str) -> None:
    assert LanguageDetector(("en", "de")).detect(text).code == language


def test_only_the_start_of_a_very_long_message_is_read(english_bot: LanguageDetector) -> None:
    german = "Ich warte seit drei Wochen auf meine Bestellung und niemand antwortet auf meine E-Mails. " * 25
    english = "I have been waiting three weeks for my order and nobody answers my emails at all. " * 25
    assert len(german) > MAX_CHARS and len(english) > MAX_CHARS
    assert len(german + english) > 4000
    assert english_bot.detect(german + english).code == "de"
    assert english_bot.detect(english + german).code == "en"


@pytest.mark.parametrize(
    "text",
    [
        "\ud800 lone surrogate here",
        "\x00\x01\x02 control characters",
        "a" * 100_000,
        "word " * 20_000,
        "\u200f\u200e\u200d" * 50,
        "e\u0301" * 500,
        "\n" * 5000,
        "Ω" * 3000,
        "ok 👍🏽👨‍👩‍👧 thanks",
    ],
)
def test_odd_input_never_raises(english_bot: LanguageDetector, text: str) -> None:
    detected = english_bot.detect(text)
    assert detected.code == "und" or len(detected.code) == 2
    assert 0.0 <= detected.confidence <= 1.0


def test_language_as_dict_is_json_ready() -> None:
    assert Language("de", 0.98765).as_dict() == {"code": "de", "confidence": 0.988}


def test_a_bot_needs_at_least_one_language() -> None:
    with pytest.raises(ValueError):
        LanguageDetector(())


def test_the_reply_is_in_german_and_names_the_languages_in_german() -> None:
    assert (
        unsupported_language_reply("de", ["en", "de"])
        == "Entschuldigung, ich kann nur auf Englisch und Deutsch helfen."
    )


def test_the_reply_is_in_french_and_names_the_languages_in_french() -> None:
    assert (
        unsupported_language_reply("fr", ["en", "de", "es"])
        == "Désolé, je ne peux vous aider qu'en anglais, en allemand et en espagnol."
    )


def test_the_reply_is_in_japanese_and_names_the_languages_in_japanese() -> None:
    assert (
        unsupported_language_reply("ja", ["en", "de"]) == "申し訳ございませんが、英語とドイツ語のみ対応しております。"
    )


def test_spanish_says_e_before_a_name_starting_with_i() -> None:
    assert unsupported_language_reply("es", ["es", "en"]) == "Lo siento, solo puedo ayudarte en español e inglés."
    assert unsupported_language_reply("es", ["en", "de"]) == "Lo siento, solo puedo ayudarte en inglés y alemán."


@pytest.mark.parametrize("code", ["xx", "und", "hu", ""])
def test_a_language_without_a_wording_gets_the_english_reply(code: str) -> None:
    assert unsupported_language_reply(code, ["en", "de"]) == "Sorry, I can only help in English and German."


def test_a_supported_language_without_a_name_is_written_in_its_own_name() -> None:
    assert (
        unsupported_language_reply("de", ["en", "hu"]) == "Entschuldigung, ich kann nur auf Englisch und magyar helfen."
    )
    assert unsupported_language_reply("en", ["en", "xx"]) == "Sorry, I can only help in English and xx."


def test_nynorsk_gets_the_norwegian_reply() -> None:
    assert unsupported_language_reply("nn", ["en"]) == "Beklager, jeg kan bare hjelpe på engelsk."


TWENTY = "en de fr es it pt nl sv da no fi pl cs ru uk tr ar zh ja ko".split()
WORDINGS = yaml.safe_load(
    resources.files("frontdesk.understanding").joinpath("data/languages.yaml").read_text(encoding="utf-8")
)["languages"]


@pytest.mark.parametrize("code", TWENTY)
def test_every_wording_names_all_twenty_languages_in_its_own_words(code: str) -> None:
    assert sorted(WORDINGS[code]["names"]) == sorted(TWENTY)
    reply = unsupported_language_reply(code, TWENTY)
    assert "{" not in reply and "}" not in reply
    position = 0
    for language in TWENTY:  # each name, in the configured order
        position = reply.index(WORDINGS[code]["names"][language], position)
    if code != "en":
        assert "English" not in reply


def test_a_bots_own_language_is_detected_even_if_rare() -> None:
    macedonian = "Каде е мојата нарачка? Не можам да се најавам на профилот."
    assert LanguageDetector(("mk", "en")).detect(macedonian).code == "mk"
    assert LanguageDetector(("en",)).detect(macedonian).code != "mk"  # not a candidate unless configured


def test_configured_codes_are_reduced_to_the_codes_detect_reports() -> None:
    assert LanguageDetector(("en-US", "nb", "EN", "de_AT")).supported == ("en", "no", "de")
    assert LanguageDetector("de").supported == ("de",)
