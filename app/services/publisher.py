"""The one seam between services and live connections.

Services call the functions here after they commit; they never touch a transport. The
real-time layer installs an implementation of ``Publisher`` when the app is built
(``app/realtime/publisher.py``, wired by ``register_realtime``); without one (a CLI command,
a script) publishing does nothing. Domain events also reach in-process subscribers
(``subscribe``), so features such as reminders hook in without touching the services that
raise them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from flask import Flask, current_app, has_app_context

from app.domain import exercises as ex

_KEY = "attune.publisher"
_SUBSCRIBERS = "attune.publisher.subscribers"

# Domain events services announce (subscribers may listen for any of them).
THERAPIST_LINKED = "therapist_linked"  # both partners accepted: the therapist sees the couple
SHARING_CHANGED = "sharing_changed"  # a partner changed or withdrew what they share
LINK_ENDED = "link_ended"  # a partner ended the link, unpaired or deleted their account
HOMEWORK_ASSIGNED = "homework_assigned"
HOMEWORK_CHANGED = "homework_changed"  # edited or withdrawn
HOMEWORK_DONE = "homework_done"


@dataclass(frozen=True)
class DomainEvent:
    """Something that happened between a therapist and a couple (after the commit)."""

    name: str
    couple_id: int
    therapist_id: int
    link_id: int
    partner_ids: tuple[int, ...] = ()
    data: Mapping[str, Any] = field(default_factory=dict)


class Publisher(Protocol):
    """What the real-time layer does with what services publish."""

    def exercise(self, exercise_id: int, state: ex.ExerciseState, events: list[ex.Event],
                 names: Mapping[int, str]) -> None:
        """Send an exercise's new events and view to both partners."""

    def paired(self, couple_id: int, partner_ids: tuple[int, int]) -> None:
        """Tell both partners' open screens they are now a couple."""

    def close_sessions(self, key_hashes: list[str]) -> None:
        """Close the live sockets opened from these (ended) sessions."""

    def domain_event(self, event: DomainEvent) -> None:
        """Update open screens after a therapist/couple event; a withdrawal closes the
        therapist's affected sockets."""


def install(app: Flask, publisher: Publisher) -> None:
    """Make ``publisher`` the app's implementation (the real-time layer calls this)."""
    app.extensions[_KEY] = publisher


def subscribe(app: Flask, name: str, handler: Callable[[DomainEvent], None]) -> None:
    """Call ``handler`` after each domain event called ``name`` (in the publishing process)."""
    app.extensions.setdefault(_SUBSCRIBERS, {}).setdefault(name, []).append(handler)


def _current() -> Publisher | None:
    return current_app.extensions.get(_KEY) if has_app_context() else None


def events_for(events: list[ex.Event], *, viewer: int, partners: tuple[int, int],
               names: Mapping[int, str]) -> list[dict[str, object]]:
    """The events as ``viewer`` may see them, in the shape the live screen reads."""
    shown = (ex.project(e, viewer=viewer, partners=partners, names=names) for e in events)
    return [s.as_dict() for s in shown if s is not None]


def publish(exercise_id: int, state: ex.ExerciseState, events: list[ex.Event],
            names: Mapping[int, str]) -> None:
    """Send the new events and view to both partners (call after the commit)."""
    publisher = _current()
    if publisher is not None:
        publisher.exercise(exercise_id, state, events, names)


def paired(couple: Any) -> None:
    """Tell both partners' open screens that they are now a couple (call after the commit)."""
    publisher = _current()
    if publisher is not None:
        publisher.paired(couple.id, couple.partner_ids())


def close_sessions(key_hashes: list[str]) -> None:
    """Close the live sockets of ended sessions, on whichever process holds them."""
    publisher = _current()
    if publisher is not None and key_hashes:
        publisher.close_sessions(key_hashes)


def announce(event: DomainEvent) -> None:
    """Publish a domain event (call after the commit): open screens, then subscribers."""
    publisher = _current()
    if publisher is not None:
        publisher.domain_event(event)
    if has_app_context():
        for handler in current_app.extensions.get(_SUBSCRIBERS, {}).get(event.name, []):
            handler(event)
