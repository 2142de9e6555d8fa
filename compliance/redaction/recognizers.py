"""Recognisers for what phone transcripts contain, as Presidio recognisers.

Each entity type is a set of rules: a pattern for the value and, for values
that are only personal in context ("my PIN is 4417", unlike "press 4"), a
pattern that must occur shortly before it. Rules run on the original text and
on its normalised copy (see ``normalize``), so "one two three" reads as 123.
Checksums (Luhn, ABA) and SSN structure reject look-alikes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

FLAGS = re.IGNORECASE


def digits_only(text: str) -> str:
    return re.sub(r"\D", "", text)


def luhn_valid(text: str) -> bool:
    digits = digits_only(text)
    if not 13 <= len(digits) <= 19 or len(set(digits)) == 1:
        return False
    total = 0
    for position, digit in enumerate(reversed(digits)):
        value = int(digit)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def aba_valid(text: str) -> bool:
    digits = [int(digit) for digit in digits_only(text)]
    if len(digits) != 9:
        return False
    weights = (3, 7, 1) * 3
    return sum(weight * digit for weight, digit in zip(weights, digits, strict=True)) % 10 == 0


def ssn_valid(text: str) -> bool:
    digits = digits_only(text)
    if len(digits) != 9:
        return False
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    return area not in ("000", "666") and not area.startswith("9") and group != "00" and serial != "0000"


def nanp_valid(text: str) -> bool:
    digits = digits_only(text)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    return len(digits) == 10 and digits[0] not in "01" and digits[3] not in "01"


@dataclass(frozen=True)
class Rule:
    """``pattern`` finds the value (its ``value`` group, or the whole match).
    ``context``, when set, must match within ``window`` characters before
    the value, in the same sentence; ``context_after``, when set, may match
    within ``window`` characters after it instead ("…, that's my SSN")."""

    pattern: re.Pattern[str]
    score: float
    context: re.Pattern[str] | None = None
    window: int = 48
    validate: Callable[[str], bool] | None = None
    context_after: re.Pattern[str] | None = None


# Patterns bound their numbers with (?<!\w) and (?!\w), not just by digits:
# digits inside a longer token of letters and digits (a provider's SID, a
# hash) are part of an identifier, not a card, a phone or a date.
def rule(
    pattern: str, score: float, context: str | None = None, *, after: str | None = None, **options: object
) -> Rule:
    return Rule(
        re.compile(pattern, FLAGS),
        score,
        re.compile(context, FLAGS) if context else None,
        context_after=re.compile(after, FLAGS) if after else None,
        **options,
    )


# Numbers followed by these are amounts, not identifiers.
_QUANTITY_AFTER = re.compile(
    r"^\s*(dollars?|bucks|cents|percent|%|items?|units?|minutes?|hours?|days?|weeks?|months?|years?|times|pounds|"
    r"euros?|miles|people|am\b|pm\b|a\.m|p\.m|o'clock)",
    FLAGS,
)
# Context is looked for within the sentence. A question does not end it:
# "my social? it's 219…" answers itself.
_SENTENCE_END = re.compile(r"[.!]\s")


class RuleRecognizer(EntityRecognizer):
    """A Presidio recogniser for one entity type, made of ``Rule``s."""

    def __init__(self, entity: str, rules: Iterable[Rule], *, amounts_allowed: bool = False) -> None:
        self.rules = tuple(rules)
        self.amounts_allowed = amounts_allowed
        super().__init__(supported_entities=[entity], name=f"{entity.title().replace('_', '')}Recognizer")

    def load(self) -> None:
        pass

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        entity = self.supported_entities[0]
        results = []
        for current in self.rules:
            for match in current.pattern.finditer(text):
                group = "value" if "value" in current.pattern.groupindex else 0
                start, end = match.span(group)
                if start == end:
                    continue
                value = text[start:end]
                if current.validate and not current.validate(value):
                    continue
                if current.context and not (
                    self._context_before(text, start, current) or self._context_after(text, end, current)
                ):
                    continue
                if not self.amounts_allowed and (text[start - 1 : start] == "$" or _QUANTITY_AFTER.match(text[end:])):
                    continue
                results.append(RecognizerResult(entity, start, end, current.score))
        return results

    @staticmethod
    def _context_before(text: str, start: int, current: Rule) -> bool:
        before = text[max(0, start - current.window) : start]
        sentence_breaks = list(_SENTENCE_END.finditer(before))
        if sentence_breaks:
            before = before[sentence_breaks[-1].end() :]
        return bool(current.context.search(before))

    @staticmethod
    def _context_after(text: str, end: int, current: Rule) -> bool:
        if current.context_after is None:
            return False
        after = text[end : end + current.window]
        sentence_end = _SENTENCE_END.search(after)
        return bool(current.context_after.search(after[: sentence_end.start()] if sentence_end else after))


MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|"
    r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
YEAR = r"(?:19|20)\d{2}"
US_STATES = (
    r"AL|AK|AZ|AR|CA|CO|CT|DE|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|OH|OK|OR|"
    r"PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|DC"
)
US_STATE_NAMES = (
    r"alabama|alaska|arizona|arkansas|california|colorado|connecticut|delaware|florida|georgia|hawaii|idaho|illinois|"
    r"indiana|iowa|kansas|kentucky|louisiana|maine|maryland|massachusetts|michigan|minnesota|mississippi|missouri|"
    r"montana|nebraska|nevada|new hampshire|new jersey|new mexico|new york|north carolina|north dakota|ohio|oklahoma|"
    r"oregon|pennsylvania|rhode island|south carolina|south dakota|tennessee|texas|utah|vermont|virginia|washington|"
    r"west virginia|wisconsin|wyoming"
)
STREET_SUFFIX = (
    r"street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|way|place|pl|terrace|ter|circle|cir|"
    r"parkway|pkwy|highway|hwy|trail|trl|square|sq|crescent"
)
# A word of a street's name: not a word that joins a sentence together.
STREET_WORD = r"(?!(?:and|at|the|to|for|of|in|on|or|is|was|a|by|from|with|my|your|per)\b)[A-Za-z0-9]+"
IDENTIFIER = r"(?<![\w-])(?P<value>(?=[A-Z0-9-]*\d)[A-Z0-9](?:[A-Z0-9]|-(?=[A-Z0-9])){4,19})(?![\w-])"

SSN_CONTEXT = r"\bsocial\b|\bssn\b|s\.s\.n|security number|\bsocial security\b|\btax id\b"
PHONE_CONTEXT = r"phone|number|call|reach|cell|mobile|text|contact|fax|callback|dial|landline|home"
# A seven-digit number is a phone number only where a phone is named.
SHORT_PHONE_CONTEXT = r"phone|\bcall\b|reach|cell|mobile|text me|fax|dial|landline"
DOB_CONTEXT = r"\bborn\b|\bbirth|\bdob\b|d\.o\.b|birthday|birth ?date"


def recognizers() -> list[RuleRecognizer]:
    return [
        RuleRecognizer(
            "SSN",
            [
                rule(r"(?<![\d-])(?P<value>\d{3}[- ]\d{2}[- ]\d{4})(?![\d-])", 0.85, validate=ssn_valid),
                rule(r"(?<!\w)\d{9}(?!\w)", 0.9, SSN_CONTEXT, after=SSN_CONTEXT, validate=ssn_valid, window=60),
                rule(
                    r"(?<!\w)\d{4}(?!\w)",
                    0.8,
                    r"last (?:four|4)\b.{0,25}(?:social|ssn)|(?:social|ssn)\b.{0,30}last (?:four|4)",
                ),
            ],
        ),
        RuleRecognizer("CREDIT_CARD", [rule(r"(?<!\w)\d(?:[ -]?\d){12,18}(?!\w)", 0.95, validate=luhn_valid)]),
        RuleRecognizer(
            "CVV",
            [
                rule(
                    r"(?<!\w)\d{3,4}(?!\w)",
                    0.85,
                    r"\bcvv|\bcvc|\bcid\b|security code|card code|verification (?:code|number|value)|"
                    r"(?:three|3|four|4)[- ]digits?\b|code on the back|back of the card",
                    window=40,
                ),
                # "…card 4012…, expiry 11/29, and the code is 712": after card details, "the code" is the CVV.
                rule(
                    r"(?<!\w)\d{3,4}(?!\w)",
                    0.8,
                    r"(?:card|visa|mastercard|amex|discover|expir|\bexp\b)[^.!]{0,100}\bcode\b[^.!\d]{0,12}$",
                    window=140,
                ),
            ],
        ),
        RuleRecognizer(
            "CARD_EXPIRY",
            [
                rule(
                    r"(?<!\w)(?:0?[1-9]|1[0-2])\s*[/-]\s*(?:20)?\d{2}(?!\w)",
                    0.85,
                    r"expir|\bexp\b|valid (?:thru|through|until)|good (?:thru|through)",
                ),
                rule(
                    r"(?<!\w)(?:0[1-9]|1[0-2])(?:20)?\d{2}(?!\w)",
                    0.85,
                    r"expir|\bexp\b|valid (?:thru|through|until)|good (?:thru|through)",
                ),
                rule(
                    rf"\b{MONTH}\.?,?\s+(?:of\s+)?(?:20)?\d{{2}}\b",
                    0.85,
                    r"expir|\bexp\b|valid (?:thru|through|until)|good (?:thru|through)",
                ),
            ],
        ),
        RuleRecognizer(
            "ROUTING_NUMBER",
            [rule(r"(?<!\w)\d{9}(?!\w)", 0.95, r"routing|\baba\b|transit", validate=aba_valid, window=60)],
        ),
        RuleRecognizer(
            "BANK_ACCOUNT",
            [
                rule(
                    r"(?<!\w)\d{6,17}(?!\w)",
                    0.9,
                    r"checking|savings|bank account|account at|deposit|routing",
                    window=60,
                )
            ],
        ),
        RuleRecognizer(
            "PHONE",
            [
                rule(
                    r"(?<![\w+])(?:\+?1[\s.-]?)?(?:\(\d{3}\)|\d{3})[\s.-]?\d{3}[\s.-]?\d{4}(?!\w)",
                    0.75,
                    validate=nanp_valid,
                ),
                rule(
                    r"(?<![\w+])(?:\+?1[\s.-]?)?(?:\(\d{3}\)|\d{3})[\s.-]?\d{3}[\s.-]?\d{4}(?!\w)",
                    0.9,
                    PHONE_CONTEXT,
                    validate=nanp_valid,
                ),
                rule(r"(?<!\w)[2-9]\d{2}[\s.-]?\d{4}(?!\w)", 0.7, SHORT_PHONE_CONTEXT, window=30),
                rule(r"(?<![\w+])\+(?:[2-9]\d{0,2})[\s.-]?\(?\d{1,4}\)?(?:[\s.-]?\d{2,4}){2,4}(?!\w)", 0.8),
            ],
            amounts_allowed=True,
        ),
        RuleRecognizer(
            "EMAIL",
            [rule(r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b", 0.95)],
            amounts_allowed=True,
        ),
        RuleRecognizer(
            "DATE_OF_BIRTH",
            [
                rule(
                    rf"(?<!\w)(?:0?[1-9]|1[0-2])[/.-](?:0?[1-9]|[12]\d|3[01])[/.-](?:{YEAR}|\d{{2}})(?!\w)",
                    0.9,
                    DOB_CONTEXT,
                    window=60,
                ),
                rule(
                    rf"(?<!\w)(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?:{YEAR}|\d{{2}})(?!\w)",
                    0.85,
                    DOB_CONTEXT,
                    window=60,
                ),
                rule(
                    rf"\b{MONTH}\.?\s+(?:the\s+)?{DAY}(?:,?\s+(?:of\s+)?(?:{YEAR}|'?\d{{2}}))?\b",
                    0.9,
                    DOB_CONTEXT,
                    window=60,
                ),
                rule(rf"\b(?:the\s+)?{DAY}\s+(?:of\s+)?{MONTH}(?:,?\s+{YEAR})?\b", 0.9, DOB_CONTEXT, window=60),
                rule(
                    rf"(?<!\w){YEAR}(?!\w)",
                    0.8,
                    r"born in|birth year|year of birth|born (?:back )?in the year",
                    window=20,
                ),
            ],
        ),
        RuleRecognizer(
            "ADDRESS",
            [
                rule(
                    rf"(?<![\w:-])\d{{1,6}}[A-Z]?(?:\s+[NSEW]\.?)?(?:\s+{STREET_WORD}){{1,3}}?\s+(?:{STREET_SUFFIX})\b\.?"
                    r"(?:,?\s*(?:apt|apartment|unit|suite|ste|#)\.?\s*#?\w+)?",
                    0.85,
                ),
                rule(r"\bp\.?\s*o\.?\s*box\s+\d+", 0.85),
            ],
            amounts_allowed=True,
        ),
        RuleRecognizer(
            "ZIP_CODE",
            [
                rule(r"(?<!\w)\d{5}(?:-?\d{4})?(?!\w)", 0.9, r"\bzip\b|zip ?code|postal code|post code", window=30),
                rule(
                    rf"(?:\b(?-i:{US_STATES})|\b(?:{US_STATE_NAMES})),?\s+(?P<value>\d{{5}}(?:-\d{{4}})?)(?!\w)", 0.85
                ),
            ],
        ),
        RuleRecognizer(
            "ACCOUNT_ID",
            [
                rule(
                    IDENTIFIER,
                    0.8,
                    r"\b(?:member|policy|account|acct|customer|subscriber|claim|group|patient|loyalty|rewards|plan|"
                    r"certificate|contract)\b(?:\s+(?:id|number|no\.?|num|#))?",
                    window=40,
                )
            ],
        ),
        RuleRecognizer(
            "PIN",
            [
                rule(
                    r"(?<![\w-])(?P<value>(?=\S*\d)[A-Za-z0-9!@#$%^&*_-]{4,32})(?![\w-])",
                    0.85,
                    r"\bpin\b|passcode|pass code|password|pass word|access code|verification code|one[- ]time code|"
                    r"\botp\b|security pin|secret code",
                    window=40,
                )
            ],
        ),
        RuleRecognizer(
            "DRIVER_LICENSE",
            [
                rule(
                    IDENTIFIER, 0.85, r"driver'?s?\s+licen[cs]e|\bdl\b|licen[cs]e (?:number|no|#)|licen[cs]e", window=40
                )
            ],
        ),
        RuleRecognizer(
            "PASSPORT",
            [rule(r"(?<![\w-])(?P<value>[A-Z]{0,2}\d{6,9})(?![\w-])", 0.9, r"passport", window=40)],
        ),
    ]
