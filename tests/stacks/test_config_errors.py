"""An invalid stage in cdk.json reports every bad key at once, in one ConfigError (issue 12, item 18)."""

import re

import pytest

from stacks.config import ConfigError, StageConfig
from telegram_etl.text import normalize


def test_every_bad_setting_is_reported_at_once():
    settings = {
        "timezone": "Mars/Base",
        "etl_local_time": "25:00",
        "api_rate_limit": "fast",  # a wrong type fails its check instead of raising TypeError
        "unknown_knob": 1,
        "allowed_chat_ids": ["not-a-chat"],
        "webhook_source_cidrs": ["149.154.160.0/33"],
        "etl_memory_mb": 64,
        "model_ephemeral_mb": 20480,
    }
    with pytest.raises(ConfigError) as raised:
        StageConfig.from_context("dev", settings)
    problems = raised.value.problems
    assert len(problems) == 8, problems
    for fragment in ("unknown settings: unknown_knob", "allowed_chat_ids", "timezone 'Mars/Base'",
                     "etl_local_time '25:00'", "api_rate_limit", "'149.154.160.0/33'", "etl_memory_mb",
                     "model_ephemeral_mb"):  # fmt: skip
        assert sum(fragment in problem for problem in problems) == 1, fragment
        assert fragment in str(raised.value)
    assert str(raised.value).startswith("stage 'dev' in cdk.json: 8 invalid settings: ")


def test_one_bad_setting_is_still_one_error():
    with pytest.raises(ConfigError, match=r"^stage 'dev' in cdk\.json: 1 invalid setting: log_retention"):
        StageConfig.from_context("dev", {"log_retention": "FOREVER"})


def test_valid_settings_still_pass():
    config = StageConfig.from_context(
        "dev", {"allowed_chat_ids": ["-100123"], "timezone": "America/Sao_Paulo"}
    )
    assert config.allowed_chat_ids == (-100123,)


def test_log_retention_names_are_the_cdk_ones():
    from aws_cdk.aws_logs import RetentionDays

    from stacks.config import LOG_RETENTION_NAMES

    assert set(LOG_RETENTION_NAMES) == set(RetentionDays.__members__)


def test_conversation_settings_are_validated_together():
    with pytest.raises(ConfigError) as error:
        StageConfig.from_context(
            "dev",
            {"staff_user_ids": ["ana"], "bot_username": "@bot", "topic_rules": {"boleto": ["(?=x)", "("]},
             "feedback_resolved_values": ["x"], "feedback_unresolved_values": ["x"]},
        )  # fmt: skip
    problems = error.value.problems
    assert len(problems) == 5, problems
    assert any("lookaround" in p for p in problems) and any("not a regular expression" in p for p in problems)


def test_bot_handover_patterns_are_validated_like_topic_rules():
    with pytest.raises(ConfigError) as error:
        StageConfig.from_context(
            "dev", {"bot_handover_patterns": ["vou chamar (?!ninguem)", "(", "", "ok\\1"]}
        )
    problems = error.value.problems
    assert len(problems) == 4, problems
    assert all(p.startswith("bot_handover_patterns: ") for p in problems)
    assert sum("lookaround or backreference" in p for p in problems) == 2
    assert sum("not a regular expression" in p for p in problems) == 1
    assert sum("not a non-empty string" in p for p in problems) == 1
    with pytest.raises(ConfigError, match="bot_handover_patterns must be a list of strings"):
        StageConfig.from_context("dev", {"bot_handover_patterns": "vou chamar a equipe"})


def test_bot_handover_patterns_default_and_empty():
    from stacks.config import DEFAULT_BOT_HANDOVER_PATTERNS

    assert StageConfig.from_context("dev", {}).bot_handover_patterns == DEFAULT_BOT_HANDOVER_PATTERNS
    # The default's phrases match, under the ETL's normalization; an FAQ answer mentioning the team does not.
    either = re.compile("|".join(f"(?:{p})" for p in DEFAULT_BOT_HANDOVER_PATTERNS))
    for text in ("Não sei responder: vou chamar a equipe.", "Um atendente já vai te responder!",
                 "I'm transferring you to an agent.", "Te paso con un asesor."):  # fmt: skip
        assert either.search(normalize(text)), text
    for text in ("Nossa equipe atende das 8h às 18h.", "Our team ships orders in 2 days.", "Use /cancelar."):
        assert not either.search(normalize(text)), text
    assert StageConfig.from_context("dev", {"bot_handover_patterns": []}).bot_handover_patterns == ()
    config = StageConfig.from_context("dev", {"bot_handover_patterns": ["\\bfalar com (um )?humano\\b"]})
    assert config.bot_handover_patterns == ("\\bfalar com (um )?humano\\b",)
