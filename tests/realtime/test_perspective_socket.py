"""Step into my shoes over Socket.IO: the sealed guess never reaches the speaker early."""

from __future__ import annotations

import json
from typing import Any

from tests.realtime.test_exercise_socket import propose

FELT = "Embarrassed in front of your mum"
NEEDED = "Me to stand up for you"


def leaks(value: Any) -> bool:
    """Whether the guess's words appear anywhere in ``value``."""
    text = json.dumps(value, ensure_ascii=False)
    return FELT in text or NEEDED in text


def test_the_guess_is_sealed_from_the_speaker_until_revealed(sockets: Any) -> None:
    alex, _blair, a, b, _c = sockets
    ex_id = propose(alex, kind="step_into_my_shoes", topic="")
    for s in (a, b):
        assert s.emit("join", {"exercise_id": ex_id, "after_seq": 0})["ok"]
    assert b.act(ex_id, "accept")["ok"]
    refused = a.act(ex_id, "say", {"text": "It was awful."})
    assert refused["ok"] is False and refused["error"]["code"] == "wrong_step"
    assert a.act(ex_id, "name_moment", {"text": "Tuesday's dinner with my parents"})["ok"]
    early = b.act(ex_id, "say", {"text": "So you felt small?"})
    assert early["error"]["code"] == "wrong_step"

    a.received(), b.received()
    sealed = b.act(ex_id, "guess", {"felt": FELT, "needed": NEEDED})
    assert sealed["ok"] and sealed["events"][0]["type"] == "guess_sealed"
    assert sealed["events"][0]["payload"]["felt"] == FELT
    assert b.act(ex_id, "guess", {"felt": "x", "needed": "y"})["error"]["code"] == (
        "already_guessed")
    pushed_to_alex = a.received()
    assert pushed_to_alex and not leaks(pushed_to_alex)
    assert [e["type"] for m in pushed_to_alex for e in m["args"][0]["events"]] == ["hidden"]
    assert pushed_to_alex[-1]["args"][0]["view"]["perspective"]["guess_sealed"] is True

    assert a.act(ex_id, "say", {"text": "My dad joked about my job again."})["ok"]
    assert b.act(ex_id, "say", {"text": "It sounds like that stung."})["ok"]
    # A replay from the start, as after a reconnect, and the transcript page: still sealed.
    replay = a.emit("join", {"exercise_id": ex_id, "after_seq": 0})
    assert replay["ok"] and not leaks(replay)
    for path in (f"/history/{ex_id}", f"/exercises/{ex_id}"):
        page = alex.http.get(path)
        assert page.status_code == 200, path  # a leak check on an error page proves nothing
        assert not leaks(page.get_data(as_text=True)), path
    assert "My dad joked about my job again." in alex.http.get(
        f"/history/{ex_id}").get_data(as_text=True)  # the transcript does show what was said
    assert b.act(ex_id, "reveal")["error"]["code"] == "wrong_role"

    a.received()
    opened = a.act(ex_id, "reveal")
    assert opened["ok"] and leaks(opened)
    assert a.act(ex_id, "reveal")["error"]["code"] == "already_revealed"
    assert b.act(ex_id, "mark_accuracy", {"score": 3})["error"]["code"] == "wrong_role"
    marked = a.act(ex_id, "mark_accuracy", {"score": 6, "missed": "More lonely than angry"})
    assert marked["ok"]
    assert a.act(ex_id, "mark_accuracy", {"score": 7})["error"]["code"] == "already_marked"
    blair_saw = [e for e in b.pushed_events() if e["type"] == "accuracy_marked"]
    assert [e["payload"]["score"] for e in blair_saw] == [6]

    replay = a.emit("join", {"exercise_id": ex_id, "after_seq": 0})
    revealed = [e for e in replay["events"] if e["type"] == "guess_revealed"]
    assert len(revealed) == 1 and revealed[0]["payload"]["felt"] == FELT
    assert [e["type"] for e in replay["events"]].count("hidden") == 1
    view = replay["view"]
    assert view["perspective"]["guess"]["needed"] == NEEDED
    assert view["perspective"]["step"] == "reflect_miss"
    assert view["perspective_texts"]["accuracy_label"] == "How close did the guess come?"
    transcript = alex.http.get(f"/history/{ex_id}").get_data(as_text=True)
    assert "You marked the guess 6/10." in transcript and leaks(transcript)
