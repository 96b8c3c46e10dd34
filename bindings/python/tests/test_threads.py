"""Threads: sessions of one model in parallel give one thread's results; misuse stays safe."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Callable, List

import numpy as np

import reclite

THREADS = 8


def run_in_threads(count: int, work: Callable[[int], object]) -> List[object]:
    """Runs work(i) on `count` threads started together; re-raises the first failure."""
    barrier = threading.Barrier(count)
    results: List[object] = [None] * count
    failures: List[BaseException] = []

    def body(index: int) -> None:
        try:
            barrier.wait()
            results[index] = work(index)
        except BaseException as error:  # reported below, on the test's thread
            failures.append(error)

    threads = [threading.Thread(target=body, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    return results


def workload(model: reclite.Model):
    """Users (known and unknown) and candidate items valid for this model."""
    users = list(range(1, 41)) + [10**9, -3]
    with model.session() as session:
        items = np.append(session.recommend(1, k=150).ids, [10**12, -1])
    return users, items


def compute(session: reclite.Session, users, items, order):
    """Per-user top-20 and score rows, visiting users in `order`, keyed by user."""
    top = {}
    for position in order:
        user = users[position]
        top[user] = session.recommend(user, k=20, exclude=items[:5])
    batch = session.score_batch(users, items)
    rows = {user: session.score(user, items) for user in users}
    return top, batch, rows


def test_eight_threads_with_their_own_sessions_match_one_thread(any_model_path: Path) -> None:
    with reclite.Model(any_model_path) as model:
        users, items = workload(model)
        with model.session() as session:
            expected_top, expected_batch, expected_rows = compute(session, users, items, range(len(users)))

        def work(index: int):
            order = np.roll(np.arange(len(users)), 5 * index)  # every thread in its own order
            with model.session() as own:
                return [compute(own, users, items, order) for _ in range(3)]

        for per_thread in run_in_threads(THREADS, work):
            for top, batch, rows in per_thread:
                assert np.array_equal(batch, expected_batch)
                for user in users:
                    assert np.array_equal(top[user].ids, expected_top[user].ids)
                    assert np.array_equal(top[user].scores, expected_top[user].scores)
                    assert np.array_equal(rows[user], expected_rows[user])


def test_a_session_shared_by_mistake_serializes_instead_of_corrupting(model: reclite.Model) -> None:
    users, items = workload(model)
    with model.session() as session:
        expected = {user: session.score(user, items) for user in users}

        def work(index: int):
            got = []
            for _ in range(20):
                for user in users:
                    got.append((user, session.score(user, items)))
            return got

        for got in run_in_threads(4, work):
            for user, scores in got:
                assert np.array_equal(scores, expected[user])


def test_closing_a_session_while_another_thread_uses_it_is_safe(model: reclite.Model) -> None:
    session = model.session()
    started = threading.Event()
    outcome = {}

    def keep_recommending() -> None:
        calls = 0
        try:
            while True:
                session.recommend(7, k=50)
                calls += 1
                started.set()
        except reclite.ClosedError as error:
            outcome["error"] = error
        finally:
            outcome["calls"] = calls
            started.set()

    thread = threading.Thread(target=keep_recommending)
    thread.start()
    started.wait(timeout=30)
    session.close()
    thread.join(timeout=30)
    assert not thread.is_alive()
    assert isinstance(outcome.get("error"), reclite.ClosedError) and outcome["calls"] > 0
