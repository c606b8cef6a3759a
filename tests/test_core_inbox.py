"""The per-account inbox: the recvid index under deletions, counts, and its order."""

from __future__ import annotations

import random

import pytest

from faxage_sim.core.inbound import FaxQuery, Inbox, ReceivedFax

START = 1767628800.0


def _fax(recvid: int, did: str = "3032974100", at: float = START) -> ReceivedFax:
    return ReceivedFax(recvid=recvid, company="1000", did=did, cid="", tsid="", sender="",
                       starttime=at - 60, recvdate=at, pagecount=1, extension="pdf")


def test_idgt_stays_exact_through_many_deletions() -> None:
    inbox = Inbox()
    for n in range(1, 501):
        inbox.add(_fax(n, at=START + n))
    rng = random.Random(4)
    kept = set(range(1, 501))
    for recvid in rng.sample(range(1, 501), 400):  # enough to compact the index
        assert inbox.delete(recvid)
        kept.discard(recvid)
        assert not inbox.delete(recvid)
    for above in (None, 0, 1, 137, 250, 499, 500):
        expected = sorted(r for r in kept if above is None or r > above)
        assert [f.recvid for f in inbox.after(above)] == expected
    assert len(inbox) == len(kept)
    inbox.add(_fax(501, at=START + 501))  # still appends after compaction
    assert [f.recvid for f in inbox.after(500)] == [501]


def test_recvids_must_grow() -> None:
    inbox = Inbox()
    inbox.add(_fax(10))
    with pytest.raises(ValueError, match="recvids must grow"):
        inbox.add(_fax(10))
    assert len(inbox) == 1


def test_handled_count_follows_marks_and_deletions() -> None:
    inbox = Inbox()
    for n in (1, 2, 3):
        inbox.add(_fax(n))
    first, second = inbox.get(1), inbox.get(2)
    assert first is not None and second is not None
    inbox.mark(first, True)
    inbox.mark(first, True)
    inbox.mark(second, True)
    assert inbox.handled_count == 2
    inbox.mark(second, False)
    assert inbox.handled_count == 1
    inbox.delete(1)
    assert (len(inbox), inbox.handled_count) == (2, 0)


def test_default_order_is_dnis_then_newest_with_recvid_breaking_ties() -> None:
    inbox = Inbox()
    inbox.add(_fax(1, "3032974101", START))
    inbox.add(_fax(2, "3032974100", START))
    inbox.add(_fax(3, "3032974100", START))  # same second as 2
    inbox.add(_fax(4, "3032974100", START - 30))  # stored later, received earlier
    assert [f.recvid for f in inbox.select(FaxQuery())] == [3, 2, 4, 1]
    assert [f.recvid for f in inbox.select(FaxQuery(ascending=True))] == [1, 2, 3, 4]
    assert inbox.select(FaxQuery(no_match=True)) == []
