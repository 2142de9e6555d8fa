"""Person names: found from what introduces them ("my name is …", "this is
… calling", "Mrs …") and from the names the caller of the engine already
knows to be on the call."""

from __future__ import annotations

import re
from collections.abc import Iterable

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

ENTITY = "PERSON"

# Capitalised words that follow "this is", "I'm" or "it's" without being names.
NOT_NAMES = frozenset(
    """
    i a an the and or but is was am are be been calling here just not sure great fine good yes no okay ok thanks
    thank regarding about customer support billing sales service from with your my our their his her hello hi
    hey really very so well still also actually happy glad sorry back looking trying going having done ready right
    correct everything nothing that this it what who how why where when there calling speaking again today tomorrow
    yesterday monday tuesday wednesday thursday friday saturday sunday january february march april may june july
    august september october november december one two three four five six seven eight nine ten
    """.split()
)
# A capitalised word, but not a title: "this is Dr. Anand" names Anand.
NAME_WORD = r"(?!(?:Dr|Mr|Mrs|Ms|Miss|Doctor|Mister)\b)[A-Z][a-z]+(?:[-'’][A-Z]?[a-z]+)?"
# Phrases after which a capitalised word is a name.
INTRODUCTIONS = (
    r"my name is|my name's|name is|name's|names is|last name is|first name is|full name is|surname is|this is|"
    r"i'm|i am|it's|speak with|speak to|speaking with|speaking to|talk to|talking to|talking with|spoke with|spoke to|"
    r"ask for|asking for|spell(?:ed|s)? it|"
    r"mr\.?|mrs\.?|ms\.?|miss|dr\.?|mister|doctor"
)
# After these, a name may come in lower case too (speech-to-text does not always capitalise).
EXPLICIT = r"my name is|my name's|name is|name's|last name is|first name is|full name is|surname is"

_CAPITALISED = re.compile(rf"\b(?i:{INTRODUCTIONS})\s+(?P<value>{NAME_WORD}(?:\s+{NAME_WORD}){{0,2}})")
_ANY_CASE = re.compile(rf"\b(?i:{EXPLICIT})\s+(?P<value>[a-z][a-z'-]+(?:\s+[a-z][a-z'-]+)?)")


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Drop words that are not names from the end, and reject if the first is not one."""
    words = list(re.finditer(r"\S+", text[start:end]))
    while words and words[-1].group().lower() in NOT_NAMES:
        words.pop()
    if not words or words[0].group().lower() in NOT_NAMES:
        return None
    return start + words[0].start(), start + words[-1].end()


class PersonRecognizer(EntityRecognizer):
    def __init__(self) -> None:
        super().__init__(supported_entities=[ENTITY], name="IntroducedPersonRecognizer")

    def load(self) -> None:
        pass

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        results = []
        for pattern, score in ((_CAPITALISED, 0.85), (_ANY_CASE, 0.7)):
            for match in pattern.finditer(text):
                span = _trim(text, *match.span("value"))
                if span:
                    results.append(RecognizerResult(ENTITY, span[0], span[1], score))
        return results


class KnownNamesRecognizer(EntityRecognizer):
    """The call's party names, whole or in parts, in any case."""

    def __init__(self, names: Iterable[str]) -> None:
        parts = set()
        for name in names:
            name = " ".join(name.split())
            if name:
                parts.add(name)
                parts.update(word for word in name.split() if len(word) > 1 and word.lower() not in NOT_NAMES)
        alternatives = sorted(parts, key=len, reverse=True)
        self.pattern = (
            re.compile(r"(?<!\w)(?:" + "|".join(re.escape(part) for part in alternatives) + r")(?!\w)", re.IGNORECASE)
            if alternatives
            else None
        )
        super().__init__(supported_entities=[ENTITY], name="KnownNamesRecognizer")

    def load(self) -> None:
        pass

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        if self.pattern is None:
            return []
        return [RecognizerResult(ENTITY, match.start(), match.end(), 0.9) for match in self.pattern.finditer(text)]
