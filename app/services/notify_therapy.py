"""Reminders from therapy (#10's events): a linked therapist, a change in what is shared,
homework assigned, changed or done. Subscribed to the publisher when the app is built, so the
therapy and homework services stay unaware of notifications."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask

from app.domain import exercises as ex
from app.domain import notifications as nt
from app.extensions import db
from app.models import ConsentChange, Couple, Homework, User
from app.models.types import utcnow
from app.services import publisher
from app.services.publisher import DomainEvent

HOMEWORK_EVENTS = (publisher.HOMEWORK_ASSIGNED, publisher.HOMEWORK_CHANGED,
                   publisher.HOMEWORK_DONE)


def _name(user_id: int | None, fallback: str) -> str:
    user = db.session.get(User, user_id) if user_id is not None else None
    return user.display_name if user is not None and user.deleted_at is None else fallback


def plan_for(event: DomainEvent) -> tuple[nt.Plan, dict[int, nt.Names]]:
    """What one therapy event means for each partner, and the names its words use."""
    now = utcnow()
    partners = tuple(event.partner_ids)
    if event.name == publisher.THERAPIST_LINKED:
        therapist = nt.Names(therapist=_name(event.therapist_id, "Your therapist"))
        return (nt.for_therapist_linked(link_id=event.link_id, partner_ids=partners, now=now),
                dict.fromkeys(partners, therapist))
    if event.name == publisher.SHARING_CHANGED:
        by = event.data.get("by")
        change = db.session.scalar(sa.select(sa.func.max(ConsentChange.id)).where(
            ConsentChange.link_id == event.link_id, ConsentChange.user_id == by)) or 0
        plan = nt.for_sharing_changed(actor_id=int(by) if by is not None else 0,
                                      partner_ids=partners, change_id=change, now=now)
        return plan, dict.fromkeys(partners, nt.Names(partner=_name(by, ex.FORMER_PARTNER)))
    return _homework(event, partners)


def _homework(event: DomainEvent, partners: tuple[int, ...]
              ) -> tuple[nt.Plan, dict[int, nt.Names]]:
    from app.services.homework import items_of

    homework_id = int(event.data.get("homework_id", 0))
    hw = db.session.get(Homework, homework_id)
    couple = db.session.get(Couple, event.couple_id)
    item = None
    if hw is not None and couple is not None and hw.withdrawn_at is None:
        item = next((i for i in items_of(couple, include_finished=False)
                     if i.homework.id == homework_id), None)
    if item is None or item.progress.next_due is None:
        return nt.for_homework_done(homework_id=homework_id), {}
    # The next deadline not yet covered: a word the day before, and once after it passed.
    plan = nt.for_homework(homework_id=homework_id, partner_ids=partners,
                           due=item.progress.next_due, now=utcnow())
    return plan, dict.fromkeys(partners, nt.Names(exercise=item.title))


def on_event(event: DomainEvent) -> None:
    """Record the event's notifications (after its commit) and update the bells."""
    from app.services import notifications

    def record() -> list[int]:
        plan, names = plan_for(event)
        return notifications.record(plan, names)

    publisher.told(record, f"{event.name} (link {event.link_id})")


def subscribe_all(app: Flask) -> None:
    """Listen for the therapy events that notify partners."""
    for name in (publisher.THERAPIST_LINKED, publisher.SHARING_CHANGED, *HOMEWORK_EVENTS):
        publisher.subscribe(app, name, on_event)
