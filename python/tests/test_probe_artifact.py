"""A CPU student's model card as the eval/infer dispatch reads it: a folder without a card is not a probe, a
probe card is one, and a corrupt card is a ``model.invalid`` error naming the file, never "not a probe"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from distillery_gpu.errors import DistilleryError
from distillery_gpu.probe.artifact import CARD_FILE, is_probe, load


def test_a_folder_without_a_card_is_not_a_probe(tmp_path: Path) -> None:
    assert is_probe(tmp_path) is False


def test_cards_say_which_student_they_are(tmp_path: Path) -> None:
    (tmp_path / CARD_FILE).write_text(json.dumps({"head": "lexical"}), encoding="utf-8")
    assert is_probe(tmp_path) is True
    (tmp_path / CARD_FILE).write_text(json.dumps({"head": "regression"}), encoding="utf-8")
    assert is_probe(tmp_path) is False


@pytest.mark.parametrize(
    ("content", "reason"),
    [('{"head": "probe", "form', "not JSON"), ('["probe"]', "not a JSON object"), (b"\xff\xfe{", "cannot read")],
)
def test_a_corrupt_card_is_an_error_naming_the_file(tmp_path: Path, content: str | bytes, reason: str) -> None:
    card = tmp_path / CARD_FILE
    if isinstance(content, bytes):
        card.write_bytes(content)
    else:
        card.write_text(content, encoding="utf-8")
    for read in (is_probe, load):
        with pytest.raises(DistilleryError) as raised:
            read(tmp_path)
        assert raised.value.code == "model.invalid"
        assert str(card) in raised.value.message
        assert reason in raised.value.message
