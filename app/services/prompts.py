"""Prompts: the decks, a couple's own prompts, what they used, and "surprise me"."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import sqlalchemy as sa

from app.domain import exercises as ex
from app.domain.errors import DomainError
from app.domain.exercises import prompts as deck
from app.extensions import db
from app.models import Couple, CouplePrompt, Exercise
from app.services import audit

OWN_PROMPTS_MAX = 200  # per couple; plenty for years of evenings
NOT_USED_PHASES = ("declined", "cancelled")  # a proposal nobody started did not use its prompt
OWN_DECK = "Your own prompts"


@dataclass(frozen=True)
class Choice:
    """One prompt as the proposal form and the API offer it."""

    ref: str
    text: str
    deck: str
    used: bool
    last: bool
    suits: frozenset[str]


@dataclass(frozen=True)
class Usage:
    """Which prompts a couple has talked about, and the most recent one."""

    used: frozenset[str]
    last: str | None


def usage(couple_id: int) -> Usage:
    """The prompt references of the couple's exercises that were not declined or cancelled."""
    refs = db.session.scalars(sa.select(Exercise.prompt_ref).where(
        Exercise.couple_id == couple_id, Exercise.prompt_ref.is_not(None),
        Exercise.phase.not_in(NOT_USED_PHASES)).order_by(Exercise.id.desc())).all()
    return Usage(used=frozenset(r for r in refs if r), last=refs[0] if refs else None)


def own_prompts(couple_id: int) -> list[CouplePrompt]:
    """The couple's own prompts, oldest first."""
    return list(db.session.scalars(sa.select(CouplePrompt).where(
        CouplePrompt.couple_id == couple_id).order_by(CouplePrompt.id)).all())


def choices(couple: Couple, kind: str | None = None) -> list[Choice]:
    """Every prompt that suits ``kind`` (all of them for None): the decks', then the couple's."""
    if kind is not None:
        ex.get_kind(kind)
    seen = usage(couple.id)
    every_kind = frozenset(ex.CATALOG)

    def choice(ref: str, text: str, deck_title: str, suits: frozenset[str]) -> Choice:
        return Choice(ref=ref, text=text, deck=deck_title, used=ref in seen.used,
                      last=ref == seen.last, suits=suits)

    out = [choice(p.id, p.text, deck.DECK_TITLES[p.deck], p.suits) for p in deck.PROMPTS]
    # A couple's own prompts suit every exercise.
    out += [choice(deck.own_ref(p.id), p.text, OWN_DECK, every_kind)
            for p in own_prompts(couple.id)]
    return [c for c in out if kind is None or kind in c.suits]


def surprise(couple: Couple, kind: str) -> Choice:
    """A prompt for ``kind``: never the one used last time, and unused ones first."""
    offered = choices(couple, kind)
    seen = usage(couple.id)
    ref = deck.surprise([c.ref for c in offered], used=seen.used, last=seen.last,
                        pick=secrets.randbelow)
    return next(c for c in offered if c.ref == ref)


def _own_for(couple: Couple, user_id: int, prompt_id: object) -> CouplePrompt:
    """The couple's own prompt, or 'not found' for anyone else's (no hints either way)."""
    prompt = (db.session.get(CouplePrompt, prompt_id)
              if isinstance(prompt_id, int) and not isinstance(prompt_id, bool) else None)
    if prompt is None or prompt.couple_id != couple.id:
        audit.record("forbidden", user_id=user_id, detail=f"prompt {prompt_id!r}"[:200])
        raise DomainError("We couldn't find that prompt.", code="not_found")
    return prompt


def resolve(couple: Couple, user_id: int, proposal: ex.Proposal) -> tuple[str, str]:
    """The words and reference of the proposal's prompt, checked; ``("", "")`` for none."""
    if proposal.prompt_id is not None:
        prompt = deck.get_prompt(proposal.prompt_id)
        deck.check_suits(prompt, proposal.kind)
        text, ref = prompt.text, prompt.id
    elif proposal.own_prompt_id is not None:
        own = _own_for(couple, user_id, proposal.own_prompt_id)
        text, ref = own.text, deck.own_ref(own.id)
    else:
        return "", ""
    deck.check_not_repeated(ref, last=usage(couple.id).last)
    return text, ref


def add_own(couple: Couple, user_id: int, text: object) -> CouplePrompt:
    """Keep a prompt the couple wrote; only the two of them will ever see it."""
    words = deck.clean_own_prompt(text)
    kept = own_prompts(couple.id)
    if any(p.text.casefold() == words.casefold() for p in kept):
        raise DomainError("You already have this prompt.", code="duplicate_prompt")
    if len(kept) >= OWN_PROMPTS_MAX:
        raise DomainError(f"You've written {OWN_PROMPTS_MAX} prompts; remove one to add another.",
                          code="too_many_prompts")
    prompt = CouplePrompt(couple_id=couple.id, author_id=user_id, text=words)
    db.session.add(prompt)
    db.session.commit()
    return prompt


def remove_own(couple: Couple, user_id: int, prompt_id: object) -> None:
    """Remove one of the couple's own prompts (exercises that used it keep its words)."""
    prompt = _own_for(couple, user_id, prompt_id)
    db.session.delete(prompt)
    db.session.commit()
