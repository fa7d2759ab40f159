from __future__ import annotations

from pathlib import Path

import pytest

from frontdesk.config import BotConfig, load_config
from frontdesk.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bot.yaml"
    path.write_text(text)
    return path


def test_a_key_set_twice_is_an_error_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "name: x\nanswer:\n  threshold: 0.4\nintents: {}\nanswer:\n  fallback: hi\n")
    with pytest.raises(ConfigError, match=r"bot.yaml:5: 'answer' is set twice"):
        load_config(path)
    path = write(tmp_path, "name: x\nanswer:\n  threshold: 0.4\n  threshold: 0.6\n")
    with pytest.raises(ConfigError, match=r"bot.yaml:4: 'threshold' is set twice"):
        load_config(path)


def test_the_out_of_scope_reply_names_the_use_cases() -> None:
    config = BotConfig(name="x", use_cases=["plans", "billing", "sign-in"])
    assert config.out_of_scope_reply() == (
        "Sorry, that's outside what I can help with here. I can help with plans, billing and sign-in."
    )
    assert BotConfig(name="x", use_cases=["plans"]).out_of_scope_reply().endswith("I can help with plans.")
    assert BotConfig(name="x").out_of_scope_reply() == "Sorry, that's outside what I can help with here."


def test_translated_wording_is_used_for_its_language_only() -> None:
    config = BotConfig.model_validate(
        {"name": "x", "languages": ["en", "fr"], "answer": {"translations": {"fr": {"fallback": "Désolé."}}}}
    )
    assert config.answer.wording("fallback", "fr") == "Désolé."
    assert config.answer.wording("fallback", "en") == config.answer.fallback
    assert config.answer.wording("clarify", "fr") == config.answer.clarify  # not translated: default language
    assert config.supported_languages == ["en", "fr"]


def test_languages_are_two_letter_codes(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"languages\.0"):
        load_config(write(tmp_path, "name: x\nlanguages: [english]\n"))


def test_the_intent_threshold_defaults_to_the_kind_of_examples() -> None:
    config = BotConfig(name="x")
    assert config.intents.threshold_for(True) == 0.35 and config.intents.threshold_for(False) == 0.0
    config = BotConfig.model_validate({"name": "x", "intents": {"threshold": 0.2}})
    assert config.intents.threshold_for(True) == 0.2 == config.intents.threshold_for(False)
