"""An admin's way to a known person's pseudonym: `python -m ops.people pseudonym USER_ID`."""

from ops.people import main
from standins.pseudonym_key import KEY_FILE, local_key
from telegram_etl.privacy import pseudonym


def test_pseudonym_command_prints_the_persons_pseudonym(tmp_path, capsys):
    key = local_key(tmp_path)
    assert main(["pseudonym", "6011000101", "--dir", str(tmp_path)]) == 0
    assert capsys.readouterr().out.strip() == str(pseudonym(6011000101, key))


def test_pseudonym_command_without_a_key_says_so_and_makes_none(tmp_path, capsys):
    assert main(["pseudonym", "42", "--dir", str(tmp_path)]) == 1
    assert "no key" in capsys.readouterr().err
    assert not (tmp_path / KEY_FILE).exists()
