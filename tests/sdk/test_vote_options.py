"""sectoken.jobs.voting.option_index: `vote cast 1 yes` and `vote cast 1 0` name the same option."""

from __future__ import annotations

import pytest

from sectoken.errors import SectokenError
from sectoken.jobs.voting import option_index

LABELS = ["Yes", "No", "Abstain"]


@pytest.mark.parametrize(
    ("choice", "index"),
    [("yes", 0), ("YES", 0), (" No ", 1), ("abstain", 2), ("0", 0), ("2", 2)],
)
def test_label_or_number(choice: str, index: int) -> None:
    assert option_index(LABELS, choice) == index


def test_a_numeric_label_wins_over_a_position() -> None:
    assert option_index(["2027", "1", "0"], "1") == 1
    assert option_index(["2027", "1", "0"], "0") == 2
    assert option_index(["2027", "1", "0"], "2027") == 0


@pytest.mark.parametrize("choice", ["maybe", "3", "-1", ""])
def test_unknown_options_list_the_choices(choice: str) -> None:
    with pytest.raises(SectokenError) as info:
        option_index(LABELS, choice)
    assert info.value.hint is not None and "0 'Yes', 1 'No', 2 'Abstain'" in info.value.hint
