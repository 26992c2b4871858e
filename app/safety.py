"""Where to turn in a crisis: the resources the "Need help now?" page lists.

Each deployment sets its own in ``SAFETY_RESOURCES`` (a JSON list of ``{"name",
"description", "phone"?, "url"?}``); without it Attune lists international directories and a
few national lines. Attune never judges messages for danger: this is a link, always there.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True, slots=True)
class Resource:
    """One place to get help: who they are, what they offer, how to reach them."""

    name: str
    description: str
    phone: str = ""
    url: str = ""

    @property
    def tel(self) -> str:
        """The phone number as a ``tel:`` link target (digits and a leading +)."""
        return "".join(ch for ch in self.phone if ch.isdigit() or ch == "+")


DEFAULT_RESOURCES: tuple[Resource, ...] = (
    Resource("Find a Helpline", "Free, confidential crisis lines in many countries, by phone, "
             "text or chat.", url="https://findahelpline.com"),
    Resource("Hot Peach Pages", "Domestic abuse hotlines and shelters, listed country by country.",
             url="https://www.hotpeachpages.net"),
    Resource("National Domestic Abuse Helpline (UK)", "Free, 24 hours a day.",
             phone="0808 2000 247", url="https://www.nationaldahelpline.org.uk"),
    Resource("National Domestic Violence Hotline (US)", "24 hours a day, by phone, text or chat.",
             phone="1-800-799-7233", url="https://www.thehotline.org"),
    Resource("988 Suicide & Crisis Lifeline (US)", "Call or text 988, any time.", phone="988",
             url="https://988lifeline.org"),
)

_FIELDS = {"name", "description", "phone", "url"}


def parse_resources(raw: str | None) -> tuple[Resource, ...]:
    """Read ``SAFETY_RESOURCES``; empty means the defaults. Raises ValueError when malformed."""
    if raw is None or not raw.strip():
        return DEFAULT_RESOURCES
    try:
        items = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ValueError(f"SAFETY_RESOURCES is not valid JSON: {exc}") from None
    if not isinstance(items, list) or not items:
        raise ValueError("SAFETY_RESOURCES must be a non-empty JSON list")
    resources = []
    for i, item in enumerate(items):
        if not isinstance(item, dict) or not set(item) <= _FIELDS:
            raise ValueError(f"SAFETY_RESOURCES[{i}] must be an object with {sorted(_FIELDS)}")
        values = {k: item.get(k, "") for k in _FIELDS}
        if not all(isinstance(v, str) for v in values.values()):
            raise ValueError(f"SAFETY_RESOURCES[{i}]: every field is text")
        if not values["name"].strip() or not values["description"].strip():
            raise ValueError(f"SAFETY_RESOURCES[{i}] needs a name and a description")
        if not values["phone"] and not values["url"]:
            raise ValueError(f"SAFETY_RESOURCES[{i}] needs a phone number or a url")
        if values["url"] and urlsplit(values["url"]).scheme != "https":
            raise ValueError(f"SAFETY_RESOURCES[{i}].url must start with https://")
        resources.append(Resource(**{k: v.strip() for k, v in values.items()}))
    return tuple(resources)
