"""Domain objects as control-plane JSON (`control/serialize.py`)."""

from __future__ import annotations

import dataclasses

from hypothesis import given
from hypothesis import strategies as st

from faxage_sim.control.serialize import plain
from faxage_sim.core.settings import AccountSettings, RetryPolicy, Timings

SETTINGS = st.builds(
    AccountSettings, outbound_lines=st.integers(), retry_delay_seconds=st.floats(),
    timezone=st.text(), inbound_url=st.none() | st.text(), tagname=st.text(),
    timings=st.builds(Timings, dial_seconds=st.floats(allow_nan=False),
                      page_seconds=st.dictionaries(st.integers(), st.floats(allow_nan=False))),
    callback_policy=st.builds(RetryPolicy, attempts=st.integers(),
                              timeout_seconds=st.floats(allow_nan=False)))


@given(SETTINGS)
def test_an_accounts_settings_answer_as_asdict_gives_them(settings: AccountSettings) -> None:
    """`plain` is `dataclasses.asdict` made fast for settings: the same dict, nothing shared
    with the account (changing the answer changes no setting)."""
    answer = plain(settings)
    assert answer == dataclasses.asdict(settings)
    pages = dict(settings.timings.page_seconds)
    answer["timings"]["page_seconds"][-1] = 1.0
    assert settings.timings.page_seconds == pages
