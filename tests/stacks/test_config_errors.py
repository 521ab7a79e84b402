"""An invalid stage in cdk.json reports every bad key at once, in one ConfigError (issue 12, item 18)."""

import pytest

from stacks.config import ConfigError, StageConfig


def test_every_bad_setting_is_reported_at_once():
    settings = {
        "timezone": "Mars/Base",
        "etl_local_time": "25:00",
        "api_rate_limit": "fast",  # a wrong type fails its check instead of raising TypeError
        "unknown_knob": 1,
        "allowed_chat_ids": ["not-a-chat"],
        "webhook_source_cidrs": ["149.154.160.0/33"],
        "etl_memory_mb": 64,
    }
    with pytest.raises(ConfigError) as raised:
        StageConfig.from_context("dev", settings)
    problems = raised.value.problems
    assert len(problems) == 7, problems
    for fragment in ("unknown settings: unknown_knob", "allowed_chat_ids", "timezone 'Mars/Base'",
                     "etl_local_time '25:00'", "api_rate_limit", "'149.154.160.0/33'", "etl_memory_mb"):  # fmt: skip
        assert sum(fragment in problem for problem in problems) == 1, fragment
        assert fragment in str(raised.value)
    assert str(raised.value).startswith("stage 'dev' in cdk.json: 7 invalid settings: ")


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
