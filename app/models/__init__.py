"""Typed SQLAlchemy models: data only, workflows live in services."""

from app.models.couple import Couple, Invite, Membership
from app.models.exercise import (
    ClientAction,
    Exercise,
    ExerciseEvent,
    ExerciseRating,
    PartnerStats,
)
from app.models.mail import OutboxMessage
from app.models.presence import Presence
from app.models.prompt import CouplePrompt
from app.models.session import UserSession
from app.models.therapy import (
    AccessEntry,
    ConsentChange,
    Homework,
    HomeworkDone,
    TherapistInvite,
    TherapistProfile,
    TherapistWatch,
    TherapyLink,
)
from app.models.throttle import SignInThrottle
from app.models.user import AuditEntry, EmailToken, Passkey, User, WebAuthnChallenge

__all__ = [
    "AccessEntry",
    "AuditEntry",
    "ClientAction",
    "ConsentChange",
    "Couple",
    "CouplePrompt",
    "EmailToken",
    "Exercise",
    "ExerciseEvent",
    "ExerciseRating",
    "Homework",
    "HomeworkDone",
    "Invite",
    "Membership",
    "OutboxMessage",
    "PartnerStats",
    "Passkey",
    "Presence",
    "SignInThrottle",
    "TherapistInvite",
    "TherapistProfile",
    "TherapistWatch",
    "TherapyLink",
    "User",
    "UserSession",
    "WebAuthnChallenge",
]
