"""`Store.sharing()` (one read connection for a portal page's many reads) and `store/memo.per_request`
(answers kept for the page, dropped at any write), on both stores."""

from __future__ import annotations

import datetime as dt
import threading

from sqlalchemy import event, select

from utrex.spec import Period
from utrex.store import Store
from utrex.store import periods as P
from utrex.store.models import Submission


def _checkouts(store: Store) -> list[int]:
    n = [0]

    @event.listens_for(store.engine, "checkout")
    def _count(*_: object) -> None:
        n[0] += 1
    return n


def test_reads_inside_a_sharing_block_take_one_connection_and_outside_one_each(store: Store) -> None:
    n = _checkouts(store)
    for _ in range(5):
        with store.session() as s:
            s.scalar(select(Submission.id).limit(1))
    assert n[0] == 5
    n[0] = 0
    with store.sharing():
        for _ in range(5):
            with store.session() as s:
                s.scalar(select(Submission.id).limit(1))
        # a read opened inside another read gets a connection of its own (never two transactions on one)
        with store.session() as outer, store.session() as inner:
            outer.scalar(select(Submission.id).limit(1))
            inner.scalar(select(Submission.id).limit(1))
    assert n[0] == 2
    # another thread (not a copy of this context) is never handed the block's connection
    n[0] = 0
    with store.sharing():
        with store.session() as s:
            s.scalar(select(Submission.id).limit(1))
        def read() -> None:
            with store.session() as s:
                s.scalar(select(Submission.id).limit(1))

        t = threading.Thread(target=read)
        t.start()
        t.join()
    assert n[0] == 2


def test_a_kept_answer_is_dropped_by_a_write(store: Store) -> None:
    year = 2013
    with store.sharing():
        assert store.memo() == {}
        before = P.policy_for(store, year)
        assert P.extension_in_force(store, "14", year, Period.OCTOBER) is None
        assert len(store.memo() or {}) == 2  # the policy and the (absent) extension are kept
        n = _checkouts(store)
        assert P.policy_for(store, year) is before and n[0] == 0  # asked again: not read again
        due = P.period_dates(before, Period.OCTOBER).revise_until_date(year)
        P.grant_extension(store, "14", year, Period.OCTOBER, due + dt.timedelta(days=10), user="t")
        assert store.memo() == {}  # the write dropped them
        ext = P.extension_in_force(store, "14", year, Period.OCTOBER)
        assert ext is not None and ext.until == due + dt.timedelta(days=10)
    assert store.memo() is None  # nothing is kept outside a block
