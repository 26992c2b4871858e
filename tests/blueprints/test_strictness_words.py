"""The two strictness settings are named by what they hold back, on the form and the invitation."""

from __future__ import annotations

import html
from typing import Any

import sqlalchemy as sa

from app.domain.exercises.catalog import STRICTNESS_LABELS
from app.extensions import db
from app.models import Exercise


def test_the_form_says_what_each_setting_holds_back(couple: Any) -> None:
    alex, _blair, _c = couple
    page = html.unescape(alex.get("/exercises").get_data(as_text=True))
    assert "What should the listening guard hold back?" in page
    for words in STRICTNESS_LABELS.values():
        assert "holds back" in words
        assert words in page
    assert "it suggests, you decide" not in page  # gentle never let a block through


def test_the_invitation_says_what_the_chosen_setting_holds_back(couple: Any) -> None:
    alex, blair, _c = couple
    resp = alex.post("/exercises", {"kind": "speaker_listener", "first_speaker": "me",
                                    "topic": "", "strictness": "strict"})
    assert resp.status_code == 302
    exercise = db.session.scalar(sa.select(Exercise))
    assert exercise is not None
    page = html.unescape(blair.get(f"/exercises/{exercise.id}").get_data(as_text=True))
    assert STRICTNESS_LABELS["strict"] in page
    assert STRICTNESS_LABELS["gentle"] not in page
