"""Judging listener messages without stalling the server.

The guard's encoder is CPU work (a few milliseconds a message).  Under gevent (gunicorn's
worker) a CPU-bound call on the event loop would stall every other connection of the process,
so the judgement runs in the hub's pool of real threads while the calling greenlet waits and
the others are served.  Without gevent (the threaded development server, the CLI, tests) each
request already has its own thread, and the judgement runs in place.

The couples' corrections (slip marks and "this was a reflection") become corpus rows here, for
``flask guard slips --export``, only for couples whose two partners both opted in.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import sqlalchemy as sa

from app.domain import exercises as ex
from app.domain.guard import Verdict, judge
from app.extensions import db
from app.models import Couple, Exercise, ExerciseEvent, User


def _gevent_patched() -> bool:
    monkey = sys.modules.get("gevent.monkey")
    return monkey is not None and bool(monkey.is_module_patched("threading"))


def judge_message(text: str, *, speaker_said: str, attempt: int | None = None) -> Verdict:
    """The guard's verdict on one listener message, computed off the event loop."""
    if _gevent_patched():
        import gevent

        pool = gevent.get_hub().threadpool
        verdict: Verdict = pool.apply(
            judge, (text,), {"speaker_said": speaker_said, "attempt": attempt}
        )
        return verdict
    return judge(text, speaker_said=speaker_said, attempt=attempt)


# --- Teaching the guard: the couples' corrections as training rows ------------------------------

CORPUS_COLUMNS = ("id", "scenario", "speaker_said", "text", "label", "note")


@dataclass(frozen=True)
class SlipExport:
    """The corpus rows of every correction a consenting couple made, and what was left out."""

    rows: list[dict[str, str]]
    couples: int  # couples whose corrections are in
    left_out: int  # corrections of couples where not both partners said yes


def slip_rows() -> SlipExport:
    """Every slip mark and "this was a reflection" as a row of the listener-moves corpus
    (``id,scenario,speaker_said,text,label,note``): the speaker's last share, the listener's
    message, and the label the correction implies. Only couples whose two partners both opted
    in (Settings → Teaching the listening guard) are read; names and ids never appear."""
    consenting: set[int] = set()
    for couple in db.session.scalars(sa.select(Couple)).all():
        a, b = db.session.get(User, couple.partner_a_id), db.session.get(User, couple.partner_b_id)
        if (a is not None and b is not None and a.deleted_at is None and b.deleted_at is None
                and a.teaches_guard and b.teaches_guard):
            consenting.add(couple.id)
    corrections = db.session.execute(
        sa.select(ExerciseEvent, Exercise.couple_id, Exercise.kind)
        .join(Exercise, Exercise.id == ExerciseEvent.exercise_id)
        .where(ExerciseEvent.type.in_(("slip_marked", "reflection_claimed")))
        .order_by(Exercise.couple_id, ExerciseEvent.exercise_id, ExerciseEvent.seq)).all()
    rows: list[dict[str, str]] = []
    couple_numbers: dict[int, int] = {}
    left_out = 0
    for event, couple_id, kind in corrections:
        if couple_id not in consenting:
            left_out += 1
            continue
        of = event.payload.get("of") if isinstance(event.payload, dict) else None
        message = db.session.scalar(sa.select(ExerciseEvent).where(
            ExerciseEvent.exercise_id == event.exercise_id, ExerciseEvent.seq == of,
            ExerciseEvent.type == "listener_message"))
        if message is None:
            continue
        said = _share_answered(message)
        number = couple_numbers.setdefault(couple_id, len(couple_numbers) + 1)
        guard = f"{message.guard_action or '?'} as {message.guard_label or '?'}"
        if event.type == "slip_marked":
            slip = ex.SLIPS.get(str(event.payload.get("slip", "")))
            if slip is None:
                continue
            label, note = slip.guard_label, f"speaker marked: {slip.label.lower()}; guard: {guard}"
        else:
            label, note = ex.CLAIMED_LABEL, f"listener said it was a reflection; guard: {guard}"
        rows.append({"id": f"s{len(rows) + 1:05d}", "scenario": f"couple{number:03d}_{kind}",
                     "speaker_said": said, "text": str(message.payload.get("text", "")),
                     "label": label, "note": note})
    return SlipExport(rows=rows, couples=len(couple_numbers), left_out=left_out)


def _share_answered(message: ExerciseEvent) -> str:
    """The speaker's last share before ``message``: the one it answered."""
    where = [ExerciseEvent.exercise_id == message.exercise_id, ExerciseEvent.type == "shared"]
    where.append(ExerciseEvent.seq == message.answers_seq if message.answers_seq is not None
                 else ExerciseEvent.seq < message.seq)
    share = db.session.scalar(sa.select(ExerciseEvent).where(*where)
                              .order_by(ExerciseEvent.seq.desc()).limit(1))
    return "" if share is None else str(share.payload.get("text", ""))
