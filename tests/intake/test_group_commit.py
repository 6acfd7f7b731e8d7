"""Concurrent single submissions share their store commands (service/submissions/group_commit.py)
and each still gets its own status: created, duplicate or conflict."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from catalogue import SubmissionStatus
from service.submissions.group_commit import GroupCommit


def test_submissions_queued_while_one_writes_are_written_together_with_their_own_statuses() -> None:
    groups = GroupCommit()
    calls: list[list[str]] = []
    first_started = threading.Event()
    release = threading.Event()

    def write_many(docs: list[dict[str, Any]]) -> list[SubmissionStatus]:
        calls.append([doc["id"] for doc in docs])
        if len(calls) == 1:
            first_started.set()
            release.wait(5)
        return [
            SubmissionStatus.DUPLICATE if doc["id"] == "b" else SubmissionStatus.CREATED
            for doc in docs
        ]

    results: dict[str, SubmissionStatus] = {}

    def submit(name: str) -> None:
        results[name] = groups.insert("round", {"id": name}, write_many)

    first = threading.Thread(target=submit, args=("a",))
    first.start()
    assert first_started.wait(5)
    others = [threading.Thread(target=submit, args=(name,)) for name in "bcd"]
    for thread in others:
        thread.start()
    time.sleep(0.2)  # all three queued behind the first write
    release.set()
    for thread in [first, *others]:
        thread.join(5)

    assert calls[0] == ["a"]
    assert sorted(calls[1]) == ["b", "c", "d"] and len(calls) == 2
    assert results == {
        "a": SubmissionStatus.CREATED,
        "b": SubmissionStatus.DUPLICATE,
        "c": SubmissionStatus.CREATED,
        "d": SubmissionStatus.CREATED,
    }


def test_a_failed_group_write_fails_every_submission_in_it_and_the_next_leads_again() -> None:
    groups = GroupCommit()

    def failing(docs: list[dict[str, Any]]) -> list[SubmissionStatus]:
        raise ConnectionError("store down")

    with pytest.raises(ConnectionError):
        groups.insert("round", {"id": "a"}, failing)

    assert groups.insert("round", {"id": "b"}, lambda docs: [SubmissionStatus.CREATED]) is (
        SubmissionStatus.CREATED
    )
