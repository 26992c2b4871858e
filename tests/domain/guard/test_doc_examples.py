"""Every label and every close call in docs/listener-moves.md, plus fresh wordings of each."""

from __future__ import annotations

import pytest

from app.domain.guard import ALLOWED_LABELS, BLOCK_LABELS, NUDGE_LABELS, judge
from app.domain.guard.decide import echo_label

# The doc's own examples, label by label.
DOC_EXAMPLES = [
    ("So when I came home late you felt forgotten.", "reflection"),
    ("It sounds like the money stuff keeps you up at night.", "reflection"),
    ("You wanted me to notice how hard you worked.", "reflection"),
    ("What was that like for you?", "open_question"),
    ("Can you tell me more about that?", "open_question"),
    ("What do you need right now?", "open_question"),
    ("What do you wish I understood?", "open_question"),
    ("Did I get that right?", "check"),
    ("Is there more?", "check"),
    ("Was it the meeting that upset you?", "closed_question"),
    ("Did you feel angry?", "closed_question"),
    ("Oh you poor thing.", "sympathy"),
    ("I feel so sorry for you.", "sympathy"),
    ("You should talk to your boss.", "advice"),
    ("Have you tried going to bed earlier?", "advice"),
    ("Why don't you just tell her no?", "advice"),
    ("You're overreacting.", "judgement"),
    ("That's a bit dramatic.", "judgement"),
    ("Don't you think you're being unfair?", "judgement"),
    ("That reminds me of when my boss…", "self_focus"),
    ("Me too, my day was awful.", "self_focus"),
    ("I know exactly how you feel, I…", "self_focus"),
    ("But I did text you!", "defensiveness"),
    ("That's not what happened.", "defensiveness"),
    ("I only did that because you…", "defensiveness"),
    ("At least you still have a job.", "minimizing"),
    ("It's not a big deal.", "minimizing"),
    ("Don't worry, it'll be fine.", "minimizing"),
    ("Studies show couples fight about money most.", "information"),
]

# Each close call from the doc: both sides of the line.
CLOSE_CALLS = [
    ("You feel like you should have called your mom", "reflection"),
    ("You should call your mom.", "advice"),
    ("Have you thought about quitting?", "advice"),
    ("What would help most right now?", "open_question"),
    ("Why would you even say that?", "judgement"),
    ("Don't you think that's a bit much?", "judgement"),
    ("Why did that hurt so much?", "open_question"),
    ("That sounds so lonely", "reflection"),
    ("I'm so sorry for you", "sympathy"),
    ("I hear that you were scared", "reflection"),
    ("I was scared too", "self_focus"),
    ("It sounds like you're exhausted. You should sleep more.", "advice"),
    ("You were so proud when they called your name", "reflection"),
    ("Nice, but don't get your hopes up", "minimizing"),
    # Short presence and thanks are listening, not a move to hold.
    ("Mm, go on.", "check"),
    ("I'm listening.", "check"),
    ("Take your time.", "check"),
    ("ok", "check"),
    ("wow", "check"),
    ("Thank you for telling me.", "reflection"),
    ("That makes sense.", "reflection"),
]

# Short fixing and brushing-off are still held, however short.
SHORT_HOLDS = [
    ("Chill out.", "judgement"),
    ("Just leave then.", "advice"),
    ("Me too lol", "self_focus"),
]

# The same rules in wording the guard was never trained on.
FRESH_WORDINGS = [
    ("You felt like nobody at the table saw you.", "reflection"),
    ("It seems like the deadline has been hanging over you all week.", "reflection"),
    ("You think you ought to have been firmer with him, and it's eating at you.", "reflection"),
    ("What was going through your mind when she said that?", "open_question"),
    ("How has the waiting been for you?", "open_question"),
    ("Why does that one stay with you?", "open_question"),
    ("Have I understood that properly?", "check"),
    ("Is there anything else?", "check"),
    ("Was it the phone call that upset you?", "closed_question"),
    ("Did he apologise?", "closed_question"),
    ("Aww you poor love.", "sympathy"),
    ("You ought to ask for a raise.", "advice"),
    ("Have you considered talking to a counsellor?", "advice"),
    ("Why don't you just leave early on Fridays?", "advice"),
    ("You're being ridiculous about this.", "judgement"),
    ("Isn't that a bit over the top?", "judgement"),
    ("Me too, honestly my week has been hell.", "self_focus"),
    ("I was nervous as well, I hardly slept.", "self_focus"),
    ("That's not true, I asked you first.", "defensiveness"),
    ("At least nobody got hurt.", "minimizing"),
    ("Don't worry about it, it'll blow over.", "minimizing"),
    ("Research shows most couples argue about chores.", "information"),
]


@pytest.mark.parametrize(
    ("text", "label"), DOC_EXAMPLES + CLOSE_CALLS + SHORT_HOLDS + FRESH_WORDINGS
)
def test_label(text: str, label: str) -> None:
    assert judge(text).label == label


@pytest.mark.parametrize(("text", "label"), DOC_EXAMPLES + CLOSE_CALLS)
def test_action_follows_the_label(text: str, label: str) -> None:
    verdict = judge(text)
    expected = "allow" if label in ALLOWED_LABELS else "nudge" if label in NUDGE_LABELS else "block"
    assert verdict.action == expected


def test_label_sets_partition_the_labels() -> None:
    assert not (ALLOWED_LABELS & NUDGE_LABELS) and not (NUDGE_LABELS & BLOCK_LABELS)
    assert len(ALLOWED_LABELS | NUDGE_LABELS | BLOCK_LABELS) == 11


# Short validation and saying back the speaker's own words are listening too (the doc's close
# call "Short presence and thanks…" and the definition of a reflection), with the speaker's line.
SAID_BACK = [
    ("Fair enough.", "I hate it when plans change at the last minute.", "reflection"),
    ("That's totally fair.", "I need an evening to myself sometimes.", "reflection"),
    ("Of course.", "I just needed you to know how much it hurt.", "reflection"),
    ("Makes total sense, love.", "I froze when she started shouting.", "reflection"),
    ("Oh, sweetheart. Tuesday.", "They're taking the car back on Tuesday.", "reflection"),
    ("Oh. Eleven years.", "Eleven years I gave that company.", "reflection"),
    ("You must be thrilled to bits.", "I got the flat!", "reflection"),
    ("You must be so tired.", "The baby was up five times last night.", "reflection"),
    # The other side of each line: still held.
    ("You must apologise to her.", "My sister is furious with me.", "advice"),
    ("You must be more careful with money.", "We're overdrawn again.", "advice"),
    ("Fair enough, but you started it.", "You shouted at me in front of them.", "defensiveness"),
]


@pytest.mark.parametrize(("text", "said", "label"), SAID_BACK)
def test_short_validation_and_echoes_with_the_speakers_words(text: str, said: str,
                                                              label: str) -> None:
    assert judge(text, speaker_said=said).label == label


@pytest.mark.parametrize(("text", "said", "echo"), [
    ("Oh love. Friday.", "We have to put him down on Friday.", True),
    ("Oh no. Stage three.", "It's stage three.", True),
    ("Oh, twice?", "You've been late twice this week.", False),  # a challenge, not a saying back
    ("Oh twice!", "You've been late twice this week.", False),
    ("Love, no. Friday.", "We have to put him down on Friday.", False),  # "no" disagrees
    ("Oh, late again.", "You've been late twice this week.", False),  # "again" is the listener's
    ("Oh love, put him down on Friday then", "We have to put him down on Friday.", False),
    ("Quit.", "Should I just quit?", False),  # no presence first: maybe advice, for the models
    ("Call her.", "Should I call her?", False),
    ("Oh. Friday.", "", False),  # nothing to echo
])
def test_an_echo_is_only_the_speakers_own_words_said_plainly(text: str, said: str,
                                                             echo: bool) -> None:
    assert (echo_label(text, said) == "reflection") is echo
