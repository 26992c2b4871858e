"""Linguistic cues for listener moves, and the few decisive rules built from the product doc.

Every cue is a regular expression over one sentence's lower-case tokens joined by spaces
(punctuation other than '?' and '!' is gone; apostrophes stay).  All cues feed the model as
features; the ``DECISIVE`` ones also settle a message on their own, because the doc names them
outright ("at least", "you poor thing", "me too", "why don't you just ...").
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final

from app.domain.guard.labels import Label

_FEEL = (
    r"(?:scared|afraid|frightened|terrified|anxious|nervous|worried|hurt|sad|lonely|alone|angry"
    r"|mad|furious|frustrated|annoyed|upset|ashamed|embarrassed|guilty|jealous|insecure"
    r"|invisible|unseen|ignored|forgotten|left out|rejected|unwanted|unloved|abandoned"
    r"|exhausted|tired|drained|overwhelmed|stuck|trapped|lost|torn|confused|proud|happy"
    r"|excited|thrilled|relieved|grateful|glad|nervous|heartbroken|crushed|gutted|devastated"
    r"|betrayed|humiliated|small|useless|stupid|judged|blamed|criticised|criticized|dismissed"
    r"|unappreciated|taken for granted|shut out|pushed aside|on your own|by yourself|let down"
    r"|disappointed|helpless|powerless|resentful|bitter|numb|empty|broken|worn out|burnt out"
    r"|burned out|done|fed up|hopeless|desperate|panicked|uneasy|unsure|uncertain|stressed"
    r"|pressured|responsible|alive|seen|heard|loved|wanted|close|safe|free|lighter|buzzing"
    r"|over the moon|on edge|homesick|grieving|missing)"
)
_TRAIT = (
    r"(?:overreacting|over-reacting|dramatic|selfish|lazy|sensitive|oversensitive|childish|petty"
    r"|needy|naive|paranoid|crazy|ridiculous|unfair|unreasonable|irrational|immature|stubborn"
    r"|spoiled|spoilt|ungrateful|pushover|hypocrite|hypocritical|rude|mean|cold|obsessed"
    r"|addicted|weak|cowardly|coward|negative|pessimistic|difficult|impossible|hysterical"
    r"|silly|stupid|dumb|wallowing|whining|whinging|moody|cranky|controlling|clingy|lame"
    r"|pathetic|useless|a baby|drama queen|a mess|a cop-out|cop-out|an excuse|excuses|too much"
    r"|being a bit|being so|being really|being too|being ridiculous|in denial|denial|jealous type"
    r"|insecurity|a martyr|martyr|nagging|paranoia|lazy|a snob|snobby|entitled|judgy|judgmental"
    r"|harsh|bossy|defensive|touchy|precious|a princess|a diva|extra|obsessive|the problem)"
)
_AUX = (
    r"(?:do|does|did|is|are|was|were|have|has|had|can|could|would|will|am|should|shall|isn't"
    r"|aren't|wasn't|weren't|don't|didn't|doesn't|haven't|hasn't|won't|wouldn't|can't"
    r"|couldn't|shouldn't|you're|you|u|it's|that's|maybe|any|anything|more|as|so)"
)
_IMPERATIVE = (
    r"(?:go|get|try|stop|call|ring|phone|take|make|give|tell (?:her|him|them|your|the)|ask"
    r"|book|put|leave|send|delete|turn|drink|eat|sleep|quit|write|buy|cut|join|sign|focus"
    r"|relax|breathe|ignore|block|unfollow|move|find|text|email|say no|let it go|let go"
    r"|speak|report|see a|see your|see the|look into|check|apply|ditch|dump|forget|skip|use"
    r"|set|start|keep|pick|hire|cancel|sell|pay|save|switch|put|chill|calm|walk away|journal"
    r"|schedule|plan|download|install|have a|do some|do the|be more|be less|don't (?:go|do|let"
    r"|buy|text|call|answer|reply|respond|bother|tell|pay|lend|give|say|read|look|check|sign|eat"
    r"|drink|spend)|just (?:go|get|try|stop|tell|ask|say|do|leave|ignore|call|text|put|take"
    r"|make|give|buy|quit|delete|block|unfollow|book|pick|send|let|talk|leave))"
)

CUES: Final[dict[str, re.Pattern[str]]] = {
    name: re.compile(rx)
    for name, rx in {
        # --- reflection --------------------------------------------------------------
        "frame_sounds": r"^(?:so |and )?(?:it |that |this )?(?:sounds|seems|feels|looks) like\b",
        "frame_sounds_any": r"\b(?:sounds|sounding|seems|seeming) (?:like|as if|so|really|pretty|kind of)?\b",
        "that_sounds_feel": r"\b(?:sounds|sound|seems|must be|must've been|must have been|must feel)"
        r" (?:so |really |pretty |incredibly |very |awfully |kind of |a bit )?" + _FEEL,
        "you_feel": r"\byou(?:'re| are| were|'ve been| have been)? ?(?:feel|felt|feeling|still feel)\b",
        "you_emotion": r"\byou(?:'re| are| were| was|'ve been| have been| seem| sound| look)"
        r" (?:so |really |just |still |kind of |kinda |a bit |pretty |quite |also |both |feeling )*"
        + _FEEL
        + r"\b",
        "feel_word": r"\b" + _FEEL + r"\b",
        "you_want": r"\byou (?:want|wanted|need|needed|wish|wished|miss|missed|hope|hoped|love"
        r"|loved|hate|hated|care|cared|worry|worried|fear|feared|can't|couldn't|don't want)\b",
        "i_hear": r"^i (?:hear|can hear|get|can see|see|understand|imagine|can imagine|can tell"
        r"|sense|notice|noticed|heard|get that|really hear)(?: that| how| what| you| it|$)",
        "must_have": r"\b(?:must|must've|must have) (?:been|felt|be|feel|hurt|sting)\b",
        "makes_sense": r"\b(?:makes sense|made sense|no wonder|of course you(?:'d| would| felt)"
        r"|understandable|anyone would|that's huge|so real|is real|are real)\b",
        "hearing": r"^(?:so )?what i(?:'m| am) (?:hearing|getting)\b",
        "so_you": r"^(?:so |and )(?:you|your|it's|there's|the|being|part)\b",
        "part_of_you": r"\b(?:part of you|underneath|deep down|inside you|for you)\b",
        "your_np": r"^(?:your|all that|all those|all of|every|months|weeks|years|days|being|having"
        r"|even|on top|seeing|knowing|needing|standing|watching|losing|waiting)\b",
        # --- check -------------------------------------------------------------------
        "check_me": r"\b(?:did|have|do) i (?:get|got|understand|understood|catch|caught|hear"
        r"|heard|miss|missed|capture|captured|follow|followed|have|read|sum|summed)\b",
        "check_am_i": r"\bam i (?:right|close|closer|off|getting|missing|on track|with you"
        r"|understanding|hearing)\b|\bis that (?:right|it|what you|how you|close)\b",
        "check_more": r"^(?:is there|was there|are there|anything|something) (?:more|else)\b"
        r"|^(?:anything|something) (?:i missed|i've missed|i'm missing)\b"
        r"|\bwhat (?:part|bit|did) (?:did )?i (?:get wrong|miss|missed)\b",
        # --- questions ---------------------------------------------------------------
        "q_end": r"\?\s*(?:!\s*)?$",
        "q_any": r"\?",
        "wh_start": r"^(?:and |but )?(?:what|what's|whats|how|how's|when|where|who|whose|which"
        r"|why)\b",
        "why_start": r"^(?:and |but |so )?(?:why|how come)\b",
        "aux_start": r"^(?:and |but |so )?" + _AUX + r"\b",
        "either_or": r"\bor\b[^?]*\?|\bor (?:not|no|something|what)\b",
        "invite": r"^(?:tell me|walk me|talk me|talk to me|say more|can you (?:tell|say|talk|walk"
        r"|share|help me understand|describe)|could you (?:tell|say|talk|share|walk|describe)"
        r"|would you (?:want to|like to|be willing to|mind) (?:tell|say|talk|share|walk)"
        r"|i'm curious|i am curious|i'd love to hear|i'd like to hear|i wonder (?:what|how|where"
        r"|if you'd|whether you)|help me understand|fill me in|catch me up|go on|keep going"
        r"|take your time|i'm listening|what else)",
        "tell_more": r"\b(?:tell me more|say more|more about|tell me about|talk about|walk me"
        r" through)\b",
        "ask_feel": r"\b(?:how|what) (?:did|does|do|was|is|has|would|will|'s|s)? ?(?:that|it|this"
        r"|you) ?(?:feel|felt|like|make you feel|made you feel|been like|was like|be like)\b",
        "ask_need": r"\bwhat (?:do|would|did) you (?:need|want|wish|hope|miss|fear)\b",
        # --- advice ------------------------------------------------------------------
        "you_should": r"(?<!like )(?<!that )(?<!think )(?<!felt )(?<!feel )\byou (?:should|shouldn't"
        r"|ought to|need to|have to|gotta|must|might want to|could always|can always|better|just"
        r" need to|really need to|really should|should really|should probably)\b(?! have| of|'ve)",
        "you_could": r"\b(?:you|we|u) (?:could|can|might|may) (?:just |always |try |maybe )?"
        r"(?!not\b|be\b|have\b|feel\b|tell\b|see\b|hear\b|still\b)\w+",
        "suggest_q": r"^(?:why don't you|why not|why don't we|how about|what about (?:you|we|trying"
        r"|just|getting|talking|asking|calling)|what if you|what if we|what if i|have you (?:tried"
        r"|thought about|considered|looked|checked|asked|talked|spoken|been to|seen a)|did you"
        r" (?:try|think about|consider)|would it help (?:if|to)|wouldn't it be|shouldn't (?:you"
        r"|we)|could you (?:just|try|maybe)|can't you just|couldn't you|you could|you might"
        r"|maybe (?:you|we|try|just|talk|get|cut|go|ask|call|see|take|look|stop|it's time|it would"
        r"|it'd)|perhaps (?:you|we)|i think you should|i think you need|if i were you|if i was you"
        r"|i'd (?:just|try|tell|go|talk|call|get|stop|ask)|i would (?:just|try|tell|go|talk|call)"
        r"|the best thing|make sure|don't forget|remember to|try to|you need|next time|have you"
        r" ever tried|ever thought about|any chance you could|is it worth|it might help|it would"
        r" help|it'd help|it might be worth|it could help|it's worth)",
        # "You must be thrilled" guesses a feeling (a reflection); "you must" otherwise fixes.
        "advice_strict": r"^(?:but |so |and |honestly |really |i think |maybe |seriously )?"
        r"(?!you must(?:'ve| have)? be(?:en)? (?:so |really |very |pretty |incredibly |absolutely"
        r" |just |feeling )?" + _FEEL + r"\b)you"
        r" (?:should|shouldn't|ought to|need to|must|have to|gotta|'d better|better|really need"
        r" to|really should|just need to)\b(?! have\b|'ve\b| be (?:able|proud|feeling))"
        r"|^(?:why don't you(?! (?:tell me|start by|fill me|talk me|walk me|say more|share"
        r"|talk about|describe))|why not just|why don't we just|have you (?:tried|thought about"
        r"|considered)|have you ever tried|did you try|what if you (?:just|tried)|if i were you"
        r"|if i was you|i think you should|i think you need to|the best thing (?:you|to)|make sure"
        r" you|you could always|you can always|maybe you should|maybe try|maybe just|just try)\b",
        "lets": r"^(?:let's|lets|we should|we could|we need to|we'll|i'll (?:just|book|sort|call"
        r"|do|take|get|fix|handle|talk|deal)|i can (?:just|book|sort|call|do|take|get|fix|handle"
        r"|talk))\b",
        "imperative": r"^(?!take your time|take a moment)(?:just |maybe |honestly |seriously )?"
        + _IMPERATIVE
        + r"\b",
        "maybe": r"\b(?:maybe|perhaps|might help|could help|try|trying|tried|instead|option"
        r"|options|idea|suggest|recommend|should|shouldn't|better off|worth)\b",
        # --- judgement ---------------------------------------------------------------
        "you_trait": r"\b(?:you're|you are|you were|you're being|you are being|you've been|ur"
        r"|your|you sound|you seem|you're acting|you act|you're just|you're such|such a|you"
        r" always|you're way|you're a bit|you're so|that's|that is|it's|this is|you're kind of"
        r"|you take|you get)\b.*\b" + _TRAIT + r"\b",
        "judge_q": r"^(?:and |but |so )?(?:don't you think (?:you|that|it|this)|isn't (?:that|it"
        r"|this) (?:a bit|kind of|a little|rather|pretty|too|so)|why would you (?:even|ever|do|say"
        r"|think|care|let)|why would anyone|how could you (?:be|not|do|say|think|forget|let|even"
        r"|possibly)|how can you (?:be|think|not|say)|what kind of (?:person|partner|mother|father"
        r"|friend|idiot|parent)|why do you always|why can't you (?:just|ever)|why are you (?:so"
        r"|being|always|making such)|who (?:forgets|cares|does that)|what's wrong with you"
        r"|are you (?:serious|kidding|for real|joking)|what did you expect|do you (?:really|even)"
        r" (?:think|care|listen)|why (?:did|do) you even|isn't it obvious|seriously \?)",
        "you_always": r"\byou (?:always|never|constantly|literally always|keep)\b",
        "you_always_this": r"\byou (?:always|constantly|literally always) (?:do|say|pull|make)"
        r" (?:this|that)\b|\byou do this every (?:time|single time)\b|^classic you\b"
        r"|\bthat's so (?:typical of|like) you\b",
        "typical": r"^(?:typical|classic|ok miss|okay miss|ok mr|okay mr|calm down|grow up"
        r"|get over it|oh please|here we go again|chill out|get a grip|man up|toughen up|suck it"
        r" up)\b|\b(?:smh|jeez|ffs)$|\b(?!(?:too|so|very|how|as|that|this|thanks"
        r"|you|not|that|pretty|really)\b)[a-z]+ much(?: \?)?$|\b(?:no offen[cs]e"
        r"|stop being (?:so|such|dramatic|silly|ridiculous|a baby)|to be honest you're"
        r"|honestly you're|sounds like (?:an excuse|excuses|denial|a you problem|you're (?:just"
        r" being|being (?:so|a bit|dramatic|silly)))|it's your own fault)\b",
        # --- self focus --------------------------------------------------------------
        "me_too": r"^(?:me too|me neither|same(?: here| tbh| honestly| lol| for me| with me|$| !)|samee"
        r"|ugh same|i know (?:exactly )?(?:how"
        r" (?:you feel|that is|it feels|that feels)|the feeling|what you mean)|that reminds me"
        r"|this reminds me|reminds me of|i remember when|when i was (?:a kid|younger|little|your age|at|in|pregnant"
        r"|a teenager|a student|growing up)|i've been there|i had the same"
        r"|i'm the same|i do that too|tell me about it|been there|i'm worse|mine too|mine was"
        r"|my (?:day|week|boss|mum|mom|dad|sister|brother|friend|ex)\b|i had a|i once|one time i"
        r"|i used to|that happened to me|that's like when|that's like my|it's like when i)",
        "i_too": r"\b(?:i|i'm|i've|i was|i am|i feel|i felt|me|i'd|i do|i did|i have|i had"
        r"|my)\b[^?]*\b(?:too|either|as well|also|myself)\b(?!\s+(?:much|many|hard|far|long"
        r"|late|soon|big|bad|often))",
        "i_story": r"\b(?:i remember|i used to|i once|my (?:own|old|first)|happened to me"
        r"|i went through|i've had|i've been|i had|i was so|i got|to me|for me|my day|my week"
        r"|i need|i want|what about me|my thing|about me|i'm (?:so |really )?(?:tired|wrecked"
        r"|exhausted|stressed|scared|sad|worried)|i'm such a|now i feel|i feel (?:so |really )?"
        r"(?:terrible|awful|bad|guilty|horrible|useless|stupid))\b",
        # --- defensiveness -----------------------------------------------------------
        "but_i": r"^(?:but|okay but|ok but|yeah but|well but|well i|but i|i mean)\b|\bbut i\b",
        "i_did": r"^(?:i|we) (?:did|didn't|never|only|just|always|asked|told|tried|said|meant"
        r"|thought|was (?:just|only|trying|being|dealing|busy|working|going|going to|happy|there"
        r"|planning)|wasn't|had to|literally|do|do do|have|haven't|already|was)\b",
        "not_true": r"\b(?:that's not|that is not|it's not|it wasn't|that wasn't|it was not)"
        r" (?:true|fair|what happened|what i said|how it happened|what i meant|my fault|how it"
        r" went|accurate|the point)\b|\bnot my fault\b|\bnot fair\b|\bthat's unfair\b",
        "counter": r"\b(?:you told me|because you|cause you|'cause you|you said|you were the one"
        r"|it was (?:just |only )?a joke|you agreed|now you know how|you were fine with"
        r"|you wanted (?:this|it|to move|to go)|i was joking|just joking|i've been (?:doing|trying)"
        r"|i've done|i did my|i've backed|i've always"
        r"|what more do you want|i said|i never said|how can you say|oh sure|yeah right|well now"
        r" you know|so are you|so do you|you do it too|you're one to talk|you do the same|you did"
        r" too|look who's talking|at least i|you also|you're the one|someone had to|i had no"
        r" choice|what was i supposed to|it's not like i|i'm not the one|you know that|to be fair"
        r"|in my defen[cs]e|for the record|literally right now|you weren't|excuse me|because i"
        r" never|i do everything|i always|i never|that's rich|i work|i was only|i was just|i'm"
        r" trying|i try|don't blame me|blame me)\b",
        # --- minimizing --------------------------------------------------------------
        "at_least": r"^(?:but |and |well |still |hey )?at least\b|\bat least (?:you|we|it|he|she|they"
        r"|that|this|there|now|the|your|nobody|no one|you've|it's|he's|she's|they're|you're)\b",
        "dont_worry": r"\b(?:don't worry|dont worry|no need to (?:worry|stress|be)|don't stress"
        r"|don't be (?:sad|upset|silly|scared|nervous|worried)|don't take it personally|cheer up"
        r"|chin up|stop worrying|stop stressing|don't overthink|don't get your hopes up|don't"
        r" beat yourself up|try not to worry|shake it off|don't cry)\b|^(?:just relax|let it go"
        r"|stop it"
        r"|you'll be fine|you'll be ok|you'll be okay|you'll get over|you'll forget)\b",
        "not_big": r"\b(?:not (?:a |that |such a )?big deal|no big deal|not that bad|not so bad"
        r"|could (?:be|have been) (?:way |much |a lot |so much )?worse|it's (?:only|just|nothing"
        r"|fine|not the end)|that's (?:only|just|nothing)|it was (?:only|just|nothing)|only (?:a"
        r" |\d)|just a (?:few|bit|little|couple|phase|joke)|it happens|happens to everyone"
        r"|everyone (?:does|feels|goes|gets|has)|nobody (?:will|even|cares|remembers|noticed"
        r"|notices)|no one (?:will|even|cares|remembers|noticed)|doesn't matter|don't matter"
        r"|silver lining|bright side|look on the|think of the|dodged a bullet|better place"
        r"|blessing in disguise|worse things|could be worse|other people have it|first world"
        r"|you'll (?:forget|be over|get over|laugh)|in a week|by tomorrow|next week|it's all good"
        r"|all good|it'll (?:all )?(?:be|work out|blow over|pass|sort itself)|everything"
        r" (?:will|happens)|things (?:will|happen)|i'm sure (?:it's|it'll|it will|you'll|you will"
        r"|they|she|he|it|that|everything|nothing)|of course (?:they|people|she|he|we|i)"
        r"|you're (?:gorgeous|beautiful|amazing|fine|perfect|overthinking)|long life|it is what"
        r" it is|move on|get over it|not worth)\b",
        "though": r"\b(?:though|but still|anyway|anyways|besides|on the plus side|the good news"
        r"|luckily|lucky you|you're lucky|good thing|thank god)\b",
        # --- sympathy ----------------------------------------------------------------
        "poor_you": r"\b(?:poor (?:thing|you|baby|darling|love|sweetheart|kid|babe|bub|dear|hun)"
        r"|you poor|bless you|bless your heart)\b",
        "aww": r"(?<![\w-])(?:aww*|oh no|oh dear|nooo*)(?![\w-])",
        "sorry": r"\b(?:i'm|i am|im|i feel|i'm just|i'm really|i'm so|so|really|very) (?:so |really"
        r" |very |just |truly |sooo )*sorry\b|\bsorry (?:babe|hun|love|that|to hear|for you)\b"
        r"|^sorry\b",
        "sorry_for_you": r"\b(?:so|really|very|truly|terribly|sooo) sorry(?: babe| hun| love| hon"
        r"| sweetheart| darling| that happened| to hear| for you| you had to| you're going"
        r"| about that| about your)?(?: \S+)?$|^sorry(?: babe| hun| love| hon)?$"
        r"|\bsorry that happened\b|\bsorry to hear\b|\bsorry for your loss\b",
        "feel_for": r"\bi feel (?:so |really |very |just )*(?:bad|sorry|awful|terrible) for you\b"
        r"|\bi feel for you\b|\bmy heart (?:goes out|breaks) for you\b|\bhow (?:awful|terrible|sad"
        r"|horrible) for you\b|\bthat (?:sucks|blows)\b|\bthat's (?:so |really |just )*(?:awful"
        r"|terrible|sad|horrible|rough|rubbish|crap|shit)\b|\bthat's a shame\b|\bwhat a shame\b",
        # --- information -------------------------------------------------------------
        "number": r"\b\d+(?:\.\d+)?\b|\bpercent\b|\bper cent\b|\bhalf of\b|\bmost (?:people"
        r"|couples|women|men|kids|children)\b",
        "info": r"\b(?:studies|study|research|researchers|science|scientists|statistically"
        r"|on average|average|most common|really common|very common|pretty common|super common"
        r"|is common|are common|it's common|usually|typically|generally|known (?:for|as|to)"
        r"|it's called|there's a name|designed to|doctors say|experts|in general|actually"
        r"|technically|according to|did you know|fun fact|apparently|i read|i heard that|evidence"
        r"|shows|showed|tend to|the thing is|basically|the way it works|that's how|is how|is a"
        r" (?:type|kind|sign|symptom|side effect)|side effect|symptom|normal (?:at|for|in)|is normal"
        r"|it's normal|there are|there is|there's|can cause|causes|because of the|it means|which"
        r" means|in fact|the law|legally|by law|the rule)\b",
    }.items()
}

# The doc's outright patterns: when one fires in a sentence it names that sentence's move.
DECISIVE: Final[tuple[tuple[str, Label], ...]] = (
    ("poor_you", "sympathy"),
    ("feel_for", "sympathy"),
    ("sorry_for_you", "sympathy"),
    ("judge_q", "judgement"),
    ("you_always_this", "judgement"),
    ("typical", "judgement"),
    ("me_too", "self_focus"),
    ("not_true", "defensiveness"),
    ("at_least", "minimizing"),
    ("dont_worry", "minimizing"),
    ("advice_strict", "advice"),
    ("check_me", "check"),
    ("check_am_i", "check"),
    ("check_more", "check"),
)


# Short presence and thanks are listening (docs/listener-moves.md, close calls): a message made
# only of these is let through whatever the model thinks, since a couple meets it in the first
# minute.  Matched against the whole message's words ("?" and "!" dropped).
_PRESENCE_UNIT = (
    r"(?:m+|m+h+m+|mm-hmm|mm hmm|hmm+|uh-huh|uh huh|ok+|okay+|o-okay|yeah+|yes|yep|right|oh+|ah+"
    r"|wow+|whoa|woah|oof|ooh|omg|oh my (?:god|gosh)|gosh|god|damn|oh no|oh man|i see|got it"
    r"|gotcha|go on|go ahead|go slow|keep going|keep talking|tell me(?: more)?|say more|and then"
    r"|(?:i'm|im|i am) (?:(?:right|still) )?(?:here|listening|with you)(?: with you| for you| to you)?"
    r"|i hear you|i'm not going anywhere|take (?:your|all the) time(?: you need)?|no rush"
    r"|there's no rush|whenever you're ready|i want to hear (?:it|more|all of it)|love|babe|hun"
    r"|honey|sweetheart|baby)"
)
PRESENCE: Final = re.compile(rf"^{_PRESENCE_UNIT}(?: {_PRESENCE_UNIT})*$")
THANKS: Final = re.compile(
    r"^(?:(?:oh|ok|okay|hey|love|babe|honestly|really|just) )*(?:thank you|thanks|thank u|ty)"
    r"(?: so much| for (?:telling|sharing|saying|trusting|being honest|being so honest|letting"
    r" me|opening up|explaining|talking|coming to me)\b.*)?$"
)
# Short validation is listening too ("That makes sense." → reflection, the same close call):
# a message made only of these says the speaker's feeling is fair, and nothing else.
VALIDATION: Final = re.compile(
    r"^(?:(?:oh|ok|okay|yeah|yes|honestly|totally|completely|so|and|mm|hmm|love|babe) )*"
    r"(?:(?:that's|that is|thats|it's|that's totally|that's completely) )?"
    r"(?:fair|fair enough|(?:that |it )?makes (?:(?:total|complete|perfect|so much) )?sense"
    r"|of course|understandable|i understand|i get that|i can see that|no wonder)"
    r"(?: (?:love|babe|hun|honey|too|then))?$"
)
# Saying back the speaker's own words, in a fragment: "Oh love. Friday." after "…on Friday."
# It opens with presence ("oh", "oh no", "love"…), so a bare "Quit." or "Call her." after
# "Should I quit and call her?" stays with the models; inside it only these small words may
# sit beside the speaker's own.
ECHO_OPENERS: Final = frozenset(
    {"oh", "ah", "mm", "wow", "god", "gosh", "oof", "love", "babe", "hun", "honey",
     "sweetheart", "baby"}
)
ECHO_FRAME: Final = ECHO_OPENERS | {"the", "a", "an", "your", "of"}
ECHO_MAX_WORDS: Final = 4
# Emoji that scorn or shrug off what was said; any other emoji on its own is presence.
DISMISSIVE_EMOJI: Final[dict[str, Label]] = {
    "\U0001f644": "judgement",  # face with rolling eyes
    "\U0001f612": "judgement",  # unamused face
    "\U0001f971": "judgement",  # yawning face
    "\U0001f634": "judgement",  # sleeping face
    "\U0001f937": "minimizing",  # person shrugging
    "\U0001f602": "judgement",  # face with tears of joy: laughing at it
    "\U0001f923": "judgement",  # rolling on the floor laughing
}


@lru_cache(maxsize=2048)
def cues(sentence: str) -> frozenset[str]:
    """Names of the cues found in one sentence (its tokens joined by single spaces)."""
    # Cached: one judgement reads each sentence up to three times (message, rules, sentence).
    return frozenset(name for name, rx in CUES.items() if rx.search(sentence))
