"""Issue 22, item 7: raw ids and usernames reaching the analysts' table. Bots put user ids in their buttons'
data ("ban:401234567", "rate:5:5012345678"), and "/cmd@marcos_souza" addresses a command to a person. With
pseudonyms on, an id in callback_data becomes the person's pseudonym (the number user_id holds for them),
and a person's username after a command becomes [mention] in command_target and text; the configured
feedback values and bots' usernames stay. Both ETL paths (flatten, flatten_values) give the same row."""

import copy
from collections import Counter

import pytest

from stacks.config import ConfigError, StageConfig
from telegram_etl.flatten import COLUMN_NAMES, epoch_ms, flatten, flatten_values
from telegram_etl.privacy import People, command_target, pseudonym, pseudonymize_ids, redact_command_mentions
from tests.helpers import load_fixture

KEY = b"stage-key-from-secrets-manager"
CLICKER = 19179842  # fagottino, who clicks in fixture 30


def click(data: str) -> dict:
    update = load_fixture("30_callback_query_message.json")
    update["callback_query"]["data"] = data
    return update


def both_paths(update: dict, people: People | None) -> dict:
    """The row, after checking that the columnar path (the ETL's) gives the same values."""
    counts, columnar_counts = Counter(), Counter()
    row = flatten(copy.deepcopy(update), None, people=people, redactions=counts)
    values = flatten_values(copy.deepcopy(update), epoch_ms(None), people=people, redactions=columnar_counts)
    assert (
        dict(zip(COLUMN_NAMES, values, strict=True)) | {"date": row["date"], "edit_date": row["edit_date"]}
        == row
    )
    assert counts == columnar_counts
    row["redactions"] = counts
    return row


@pytest.mark.parametrize(
    ("data", "ids"),
    [
        ("ban:401234567", [401234567]),
        ("rate:5:5012345678", [5012345678]),
        (f"promote:{CLICKER}:admin", [CLICKER]),
        ("kick:401234567,5012345678", [401234567, 5012345678]),
    ],
)
def test_a_user_id_in_button_data_becomes_the_pseudonym_user_id_holds(data, ids):
    row = both_paths(click(data), People(KEY))
    expected = data
    for user_id in ids:
        expected = expected.replace(str(user_id), str(pseudonym(user_id, KEY)))
    assert row["callback_data"] == expected
    assert not any(str(user_id) in row["callback_data"] for user_id in ids)
    # The clicker's own id in the data is the same number as their user_id.
    assert row["user_id"] == pseudonym(CLICKER, KEY)


def test_feedback_values_and_short_numbers_stay_and_pseudonyms_off_change_nothing():
    config = StageConfig(stage="t")
    for value in (
        *config.feedback_resolved_values,
        *config.feedback_unresolved_values,
        "rate:5",
        "page:12345",
    ):
        assert both_paths(click(value), People(KEY))["callback_data"] == value
    assert both_paths(click("ban:401234567"), People(None))["callback_data"] == "ban:401234567"
    assert both_paths(click("ban:401234567"), None)["callback_data"] == "ban:401234567"
    # Telegram's own accounts are no people: their ids stay, as in user_id.
    assert pseudonymize_ids("from:777000:1087968824", People(KEY)) == "from:777000:1087968824"


def command(text: str, length: int) -> dict:
    update = load_fixture("03_supergroup_reply_bot_command.json")
    update["message"]["text"] = text
    update["message"]["entities"] = [{"offset": 0, "length": length, "type": "bot_command"}]
    return update


@pytest.mark.parametrize("people", [People(KEY), People(None), None])
def test_a_command_addressed_to_a_person_keeps_the_command_not_their_username(people):
    row = both_paths(command("/ajuda@marcos_souza meu pedido não chegou", 19), people)
    assert (row["command"], row["command_target"]) == ("/ajuda", "[mention]")
    assert row["text"] == "/ajuda[mention] meu pedido não chegou"
    assert row["redactions"]["mention"] == 1
    assert row["intent"] is None  # a command, as before
    # Later in a text, and without entities (an older payload): the same.
    row = both_paths(command("use o /rastreio@Marcos_Souza amanhã", 6), people)
    assert row["text"] == "use o /rastreio[mention] amanhã"
    bare = command("/ajuda@marcos_souza", 19)
    del bare["message"]["entities"]
    row = both_paths(bare, people)
    assert (row["command_target"], row["text"]) == ("[mention]", "/ajuda[mention]")


def test_a_command_addressed_to_a_bot_keeps_the_bots_username():
    row = both_paths(command("/start@SuporteBot", 17), People(KEY))
    assert (row["command"], row["command_target"], row["text"]) == (
        "/start",
        "suportebot",
        "/start@SuporteBot",
    )
    assert command_target("teknologiumumbot") == "teknologiumumbot" and command_target(None) is None
    # An e-mail address is the e-mail's redaction, not a command's target.
    assert (
        redact_command_mentions("https://exemplo.com.br/contato@loja")
        == "https://exemplo.com.br/contato@loja"
    )


def test_a_feedback_value_the_etl_would_pseudonymise_is_refused():
    with pytest.raises(ConfigError, match="6\\+ digits in a row"):
        StageConfig(stage="t", feedback_resolved_values=("feedback:resolved:2024061501",))
    StageConfig(
        stage="t", feedback_resolved_values=("feedback:5",), feedback_unresolved_values=("feedback:1",)
    )
