"""Threat words that threaten no one: threats quoted in order to denounce or report them, and hyperbole about the
writer themself ("mijn moeder vermoordt me als ze mijn rapport ziet lol").

Both damp a threat hit to *mogelijk* (a human still sees it in the safety digest), never to nothing: a quoted threat
can be a real one passed on, and a parent's "I'll kill you" can be abuse. Real threats keep their weight: "hij zei
dat hij me morgen komt neersteken" has a saying verb but nothing that disowns it.
"""

from __future__ import annotations

import re

from models.patterns.document import _Doc

DAMPING = 0.5  # 0.92 -> 0.46: below the flag threshold, above the *mogelijk* line

# Somebody else's words: a saying verb, a message, or quotation marks around the threat.
_SPEECH = re.compile(
    r"(?<!\w)(?:zei|zegt|zeggen|zeiden|zeg|schreef|schrijft|schreven|schrijven|riep|roept|roepen|postte|posten|"
    r"plaatste|typte|tweette|beweerde|dreigde|dreigt|dreigen|bedreigt|scandeerde|appje|app|dm|bericht|berichten|dreigement|dreigbericht|tekst|leus|"
    r"leuzen|kreet|opschrift|graffiti|gespoten|gekalkt|account|comment|reactie|reacties)(?!\w)|['\"‘“„«]"
)
# ... disowned: disgust, a report to someone, it proved fake, it was meant as a joke.
_DISOWNED = re.compile(
    r"(?<!\w)(?:walgelijk|schandalig|schandelijk|ziek|ziekelijk|triest|verschrikkelijk|hoe\s+durf|durven|"
    r"gerapporteerd|rapporteer|rapporteren|gemeld|melden|aangegeven|aangifte|"
    r"(?:bleek|was|is|blijkt)\s+(?:\w+\s+){0,3}(?:nep|vals|een\s+grap|songtekst|fake|onzin)|nep-?\w*|vals\s+alarm|"
    r"als\s+grap|kappen|stop\s+ermee|niet\s+normaal|not\s+okay|not\s+ok|screenshot|vertel\s+het|meld\s+het|"
    r"aangifte\s+gedaan|politie\s+ingeschakeld)(?!\w)"
)
# The writer as the one "killed", by family or by school work, said with a laugh or about homework.
_SELF_OBJECT = re.compile(r"(?<![\w'])(?:me|mij|ons|mn|m'n)(?![\w'])")
_FAMILY_SUBJECT = re.compile(
    r"(?<!\w)(?:mijn|m'n|mn|me|onze)\s+(?:vader|moeder|pa|ma|mam|mama|pap|papa|ouders|oma|opa|broer|zus|moeke|"
    r"vadertje)(?!\w)"
)
_FAMILY_OBJECT = re.compile(
    r"(?<!\w)(?:mijn|m'n|mn|me)\s+(?:broertje|zusje|broer|zus|kleine\s+broertje|kleine\s+zusje|hond|kat)(?!\w)"
)
_LAUGH = re.compile(r"(?<!\w)(?:lol|lool|haha\w*|hihi|xd|grapje|jk)(?!\w)|😂|🤣|💀|😅|🙈|😭")
_SCHOOL_WORK = re.compile(
    r"(?<!\w)met\s+(?:die|dat|de|het|zijn|haar|al\s+dat|al\s+die|z'n|d'r)\s+(?:\w+\s+)?(?:\w*opdracht\w*|\w*toets\w*|"
    r"huiswerk|proefwerk\w*|werkstuk\w*|vragen|tentamen\w*|code|sommen|deadline\w*|lessen|uitleg|stof)(?!\w)"
)


def disowned_quote(doc: _Doc, s: int, e: int) -> bool:
    """The sentence quotes or reports a threat in order to condemn, report or defuse it (the disowning may follow
    in the next sentence: 'er ging een bericht rond met "ik neem morgen een mes mee". Ik heb het gemeld.')."""
    after = doc.sentence(s, following=1)[1]
    return bool(_SPEECH.search(doc.f, s, e) and _DISOWNED.search(doc.f, s, after))


def hyperbole_about_self(doc: _Doc, s: int, e: int) -> bool:
    """'mijn vader vermoordt me als hij mijn rapport ziet lol', 'die docent gaat ons vermoorden met die opdracht'."""
    laughing = _LAUGH.search(doc.f, s, e)
    if laughing and _FAMILY_OBJECT.search(doc.f, s, e):  # "ik vermoord mijn broertje als hij mijn oplader pakt lol"
        return True
    if not _SELF_OBJECT.search(doc.f, s, e):
        return False
    return bool((_FAMILY_SUBJECT.search(doc.f, s, e) and laughing) or _SCHOOL_WORK.search(doc.f, s, e))
