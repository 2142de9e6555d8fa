"""Recognisers for what phone transcripts contain, as Presidio recognisers.

Each entity type is a set of rules: a pattern for the value and, for values
that are only personal in context ("my PIN is 4417", unlike "press 4"), a
topic that must be mentioned shortly before it, or have just been asked
about (see ``dialogue``). Rules read a text through its normalised copy
(see ``normalize``), so "one two three" reads as 123. Checksums (Luhn, ABA)
and SSN structure reject look-alikes.

Beyond single values, a transcript is read as a sequence:

- a card number is followed by its expiry and security code, said bare
  ("Card's 4111 …. Um, 12/27. 861."), or run together with it in speech;
- "ends in …", "the last four are …" give part of a card, an account or a
  social, typed by what the sentence is about;
- a value abandoned in a correction ("45019… sorry, 4501 …") and the value
  that restates it are typed alike, and so is a value said again;
- a ZIP code follows an address, a city or a state, or comes before a town;
  five digits that nothing marks as an order, a ticket or an amount are one;
- an identifier's characters said apart from it ("e as in echo", "three")
  belong to it; a code begun and said again ("95… 958") is typed whole;
- after an expiry, the code; after a date of birth, the dates that restate
  or correct it; a date said in labelled pieces ("the year is 1982");
- a value read back with its other reading ("did you say 45019 or 45091?"),
  a phone number with its extension, an e-mail address's parts said apart
  from it ("J underscore Lee"), the answer to a "last four" question said
  sentences later;
- a full date with a year in the range of birth years, a long digit string
  or a spelled code, standing where nothing says it is harmless, is personal.

The whole text is read once (``scan``, cached while its callers ask, then
forgotten); each recogniser returns the findings of its type.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from . import lexicon, places
from .dialogue import (
    BARE_WORDS,
    CONTEXT_CHARACTERS,
    HARMLESS_IDENTIFIERS,
    REQUEST,
    TOPICS,
    Dialogue,
    dialogue,
    turn_window,
)
from .normalize import FILLER_WORDS, MONTH, UNITS, is_copy, normalize
from .normalize import forget as forget_copies

FLAGS = re.IGNORECASE


_NON_DIGITS = re.compile(r"\D+")


def digits_only(text: str) -> str:
    return _NON_DIGITS.sub("", text)


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


FIRST_BIRTH_YEAR, LAST_BIRTH_YEAR = 1920, 2015


def _full_year(year: str) -> int:
    value = int(year)
    if len(year) == 2:
        return 1900 + value if value > 25 else 2000 + value
    return value


def spoken_date_valid(text: str) -> bool:
    """A date said as a run of digits: "3151985" (3/15/1985), "031585"."""
    digits = digits_only(text)
    for month_length in (1, 2):
        for day_length in (1, 2):
            year = digits[month_length + day_length :]
            if len(year) not in (2, 4):
                continue
            month, day = int(digits[:month_length]), int(digits[month_length : month_length + day_length])
            if 1 <= month <= 12 and 1 <= day <= 31 and 1900 <= _full_year(year) <= 2030:
                return True
    return False


def birth_year_in(text: str) -> bool:
    """The date's year is one people calling today were born in."""
    years = re.findall(r"(?<!\d)(?:19|20)\d\d(?!\d)|(?<=')\d\d\b|(?<=[a-z] )\d\d$|(?<=/)\d\d$", text)
    if not years:
        digits = digits_only(text)
        if len(digits) in (7, 8) and spoken_date_valid(digits):
            years = [digits[-4:]]
    return bool(years) and FIRST_BIRTH_YEAR <= _full_year(years[-1]) <= LAST_BIRTH_YEAR


def expiry_valid(text: str) -> bool:
    digits = digits_only(text)
    return len(digits) in (4, 6) and 1 <= int(digits[:2]) <= 12


def counted(said: str) -> bool:
    """ "1, 2, 3", "one, two, three": numbers counted out, one by one with
    pauses, not a code said digit by digit."""
    if "," not in said:
        return False
    digits = digits_only(normalize(said).text)
    return len(digits) >= 3 and all(int(b) - int(a) == 1 for a, b in zip(digits, digits[1:], strict=False))


@dataclass(frozen=True)
class Rule:
    """``pattern`` finds the value (its ``value`` group, or the whole match).
    ``topic``, when set, must be mentioned within ``window`` characters
    before the value, in the same sentence, or after it when ``after`` is
    set ("…, that's my SSN"), or have been asked about just before when
    ``carry`` is set. ``standalone`` rules need no topic but a value that
    nothing marks as harmless. ``lead`` says where a value can start: at a
    token holding a digit, at a word (a month's name, "building"…), at
    any word, at a word that may start a name, or around an "@"."""

    pattern: re.Pattern[str]
    score: float
    topic: str | None = None
    window: int = 48
    validate: Callable[[str], bool] | None = None
    after: bool = False
    carry: bool = True
    standalone: bool = False
    bare: bool = False
    also: tuple[str, int] | None = None
    # A topic that, mentioned within so many characters before, says the value is something else's.
    unless: tuple[str, int] | None = None
    guarded: bool = False
    lead: str = "digit"
    # A date said alone answers the question just asked: not a birth date
    # where that question asked for another date ("What's the date on the letter?").
    birth: bool = False
    # Nor a card's expiry where it asked for an event's date and nothing of a card's
    # ("Say the date you'd like to check in." / "December 26.").
    event: bool = False


def rule(pattern: str, score: float, topic: str | None = None, **options: object) -> Rule:
    return Rule(re.compile(pattern, FLAGS), score, topic, **options)


# Numbers followed by these are amounts, not identifiers.
QUANTITY_AFTER = re.compile(
    r"\s*(?:dollars?|bucks|cents|percent|%|items?|units?|minutes?|hours?|days?|weeks?|months?|years?|times|pounds|"
    r"euros?|miles|people|am\b|pm\b|a\.m|p\.m|o'clock|degrees|gigs?|kilowatts?|lines|kids|bags|digits|points|"
    r"credits|calls|messages|emails|texts|orders|tickets|packages|boxes|bottles|pages|steps|feet|square feet|"
    r"bedrooms?|bathrooms?|baths|rooms|properties|houses|homes|floors|stories|blocks|buildings|acres|cars|"
    r"vehicles|accounts|cards|phones|moments?|secs?|seconds)"
    # A whole word: "United States" after a passport number is no count of units.
    r"(?![a-z])",
    FLAGS,
)

DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
YEAR = r"(?:19|20)\d{2}"
# Between a date's parts: a comma, spaces, or a pause ("August 17th... 1983").
DATE_GAP = r"(?:\s*(?:,|\.{2,}|…)\s*|\s+)(?:(?:uh|um|er)\b,?\s+)?"
# A pause inside a date: "the fifteenth uh march", "the thirtieth of uh october".
PAUSE = r"(?:(?:uh|um|er)\b,?\s+)?"
# Between the pieces of a date said slowly, where the talk is of a birth: "the, um, the twenty third… of
# June… eighty one", "Eighth… of, um… hang on… January".
SLOW_GAP = r"(?:[\s,.…]+(?:(?:uh|um|er|erm|hmm|hang on|hold on|what's it|let me think|the)\b[\s,.…]*)*)"
# "the 5th of the 8th": a month said by its number.
MONTH_BY_NUMBER = r"the\s+(?:[1-9]|1[0-2])(?:st|nd|rd|th)\b"
# A month said, a pause, and the date begun again: "june uh june the third".
MONTH_AGAIN = rf"(?:{MONTH},?\s+(?:(?:uh|um|er),?\s+)?)?"
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
    r"parkway|pkwy|highway|hwy|trail|trl|square|sq|crescent|close|row|alley|plaza|loop|cove|mews|pike|crossing|"
    r"expressway|freeway|turnpike|causeway|"
    # The Postal Service's other kinds that name a street only: "Magnolia Bend", "Fox Run", "Eagle Ridge".
    # Not those ordinary talk says after a number ("Every 2 weeks we run…", "Flight 452 should be landing",
    # "Invoice 5521 Cedar Grove"), nor towns' ("Colorado Springs", "Sioux Falls").
    r"bend|ridge|hollow|glen|knoll|manor|meadows?|trace|bluff|crest|orchard"
)
DIRECTION = r"(?:north|south|east|west|northeast|northwest|southeast|southwest|ne|nw|se|sw|n|s|e|w)\b\.?"
# A word of a street's name: not a word that joins a sentence together.
STREET_WORD = (
    r"(?!(?:and|at|the|to|for|of|in|on|or|is|was|a|by|from|with|my|your|our|his|her|their|this|that|same|other|per|"
    r"um|uh)\b)"
    r"(?:(?:jr|sr|st|mt|ft)\.|[A-Za-z0-9]+(?:['’]s\b)?)"
)
# A street's name where no street kind follows to end it: not "no", "not", "that's"….
NAMING_WORD = (
    r"(?!(?:no|not|that's|thats|it's|its|but|so|then|just|like|yeah|yes|sorry|years?|months?|weeks?|days?|hours?|"
    r"minutes?|dollars?|bucks|cents|percent|times|people|items?|units?|am|pm|o'clock)\b"
    # "in five to seven business days"
    r"|(?:business|working|calendar|school)\s+days?\b)(?=\w\w)"
) + STREET_WORD
# A street's name in lowercase after an article or a possessive is a way or a place talked of:
# "the best way", "the tennis court", "my new place", "down the main road"; in capitals it names
# one ("on the Kingsley Avenue").
_NOT_AFTER_AN_ARTICLE = (
    r"(?:(?<!\bthe )(?<!\ba )(?<!\ban )(?<!\bmy )(?<!\bhis )(?<!\bher )(?<!\bour )(?<!\btheir )(?<!\byour )"
    r"(?<!\bthis )(?<!\bthat )|(?=(?-i:[A-Z])))"
)
# Words that say which way or place with no article, not a street's name: "best way is to text
# me", "it's pretty close", "any place", "sisters place", and after an article and a word: "the big
# town square", "a long dirt road".
_NOT_A_STREET_NAME = re.compile(
    r"\b(?:best|easiest|fastest|quickest|simplest|same|other|whole|wrong|right|only|usual|normal|own|one|another|"
    r"any|every|each|some|pretty|very|really|quite|big|long|little|small|dirt|gravel|back|side|private|busy|"
    r"quiet|tennis|food|family|"
    r"(?:sister|brother|mom|mum|mother|dad|father|parents|friend|neighbou?r|aunt|uncle|cousin|grandma|grandpa|son|"
    r"daughter|boyfriend|girlfriend|husband|wife|partner|boss)['’]?s?)(?!\w)",
)


_DIRECTION_OR_PAUSE = re.compile(rf"{DIRECTION}|uh|um|er|like", re.IGNORECASE)


# The kinds a way or a place talked of ends in: "the best way", "pretty close", "the food court";
# a street named so ends in another ("big bear lane", "long beach boulevard").
_GENERIC_KIND = re.compile(r"(?:way|place|close|court|square|circle|road|street)\.?$", re.IGNORECASE)


def _names_a_street(said: str) -> bool:
    """A street named by words that could name one: not "best way", "pretty close" (capitalised,
    such a word names one: "Pretty Brook Lane"), and all of them in capitals or none ("Kingsley
    Avenue", "maple avenue"; not "We came full circle")."""
    naming = [word for word in re.findall(r"\w+", said)[:-1] if not _DIRECTION_OR_PAUSE.fullmatch(word)]
    if naming and naming[0].lower() in ("what", "which", "whose"):
        return False  # "What road?"
    capitals = [word[0].isupper() or word[0].isdigit() for word in naming]
    talked_of = _GENERIC_KIND.search(said) is not None and _NOT_A_STREET_NAME.search(said) is not None
    return not talked_of and (all(capitals) or not any(capitals))


# Between the parts of an address: a space or a comma, a pause (even into the next turn:
# "it's 3318…" / "…Saddleback Crossing"), and a hesitation. A line break only where no sentence
# ended before it ("…Valadouro 81\n Apt. 305", written on two lines): a read-back's "Unit 5" is
# not the end of the address said in the turn before ("…88 Harbor View Drive.\nUnit 5, 88…"), but
# for a street's kind cut short ("1427 Main St.\n#5").
_NO_SENTENCE_ENDED = (
    r"(?:(?<![.!?])|"
    + "|".join(rf"(?<=\b{kind}\.)" for kind in "st dr ave rd ln blvd ct pl cir ter hwy pkwy sq".split())
    + ")"
)
ADDRESS_GAP = rf"(?:(?:,?(?:[^\S\n]+|{_NO_SENTENCE_ENDED}\s+)|,?(?:\s*(?:…|\.{{2,}}))+\s*)(?:(?:uh|um|er|like),?\s+)?)"
# A kind that is also a street's name, before its own kind: "Heron Ridge Drive", "Orchard Hill Drive",
# "Cobalt Ridge... uh, Parkway"; not after a sentence's end ("2714 Chase Street. Chase like the bank").
KIND_AFTER_KIND = rf"(?:(?<!\.)(?:{ADDRESS_GAP}{STREET_WORD})?{ADDRESS_GAP}(?:{STREET_SUFFIX})\b(?:\.(?!\.))?)?"
UNIT = (
    # A unit's number may come in the next turn after a pause ("apartment" / "Um, 12.", "apartment B" /
    # "12."), a house number never: "apartment b" ends where the turn does, not in "b\n1405 North".
    r"(?:(?:apt|apartment|unit|suite|ste|number|no|lot|space|trailer)\b|#)\.?,?\s*(?:(?:uh|um),?\s+)?#?"
    r"(?:(?-i:[A-Z])(?:[^\S\n]|\n(?=\d{1,3}\b))?|[a-z](?:[^\S\n]|\n(?=\d{1,3}\b))){0,2}\d\w*(?:[ -]?[A-Za-z]\b)?"
    r"(?:\s+(?:north|south|east|west|rear|front)\b)?"
    r"|(?:apt|apartment|unit|suite|lot|space)\.?\s*[A-Za-z]\b"
    r"|\d{1,3}(?:st|nd|rd|th)\s+floor\b|floor\s+\d{1,3}\b|penthouse(?:\s+\d\w*)?"
    r"|(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth)\s+floor\b"
    # A unit named by where it is: "1412 1/2 North Kinnickinnic Avenue, Rear Unit".
    r"|(?:rear|front|back|upper|lower|basement|garden|top|bottom|side)\s+(?:unit|apartment|apt|suite|flat)\b"
    # A flat said by its number and letter alone, after the street: "88 Orchard Street, 4F".
    r"|\d{1,4}(?-i:[A-Z])(?![\w'])"
)
HALF = r"(?:\s+1/2|\s*½|\s+and\s+a\s+half)"  # "221 1/2", "two twenty one and a half"
# A house number: "1427", "74-5605" (Hawaii), "N7845" (Wisconsin's grid), "19 1/2", "1204 ½", "222 and a half".
HOUSE_NUMBER = rf"(?:(?-i:[NSEW])\d{{2,6}}|\d{{1,6}}(?:-\d{{1,4}})?(?-i:[A-Z])?){HALF}?"
# A road's number after its kind: "County Road 12", "Old Route 9".
_ROAD_NUMBER = r"(?:(?:(?<=road)|(?<=rd)|(?<=route)|(?<=highway)|(?<=hwy))\s+\d{1,4}(?-i:[A-Z])?\b)?"
# A street's name and its kind, without a house number: "Kingsley Avenue", "north old mill road 12".
_STREET_WITH_KIND = (
    rf"(?:{DIRECTION}{ADDRESS_GAP})?(?:{NAMING_WORD}{ADDRESS_GAP}){{1,4}}?(?:{STREET_SUFFIX})\b(?:\.(?!\.))?"
    rf"{KIND_AFTER_KIND}{_ROAD_NUMBER}"
)
# A suite that is a product's or a hotel's ("the software suite 365"), a box that is a thing's
# ("check box 2", "the set top box 4", "the jury box").
_NOT_A_PRODUCT_S = "".join(
    rf"(?<!\b{word} )" for word in "software office adobe product hotel presidential honeymoon bridal executive".split()
)
_NOT_A_YEAR = r"(?!(?:19|20)\d\d\b)"
_NOT_A_THING_S = "".join(rf"(?<!\b{word} )" for word in "the a check tick top jury this that".split())
# A box number's letter: "Box 42A", "box forty two a" (a letter that ends the box, not "box 12 a week").
_BOX_LETTER = r"(?:-?[A-Za-z]\b|\s(?-i:[A-Za-z])(?![\w'])(?!\s+[a-z]))?"
# A numbered road in place of a street name: "County Road 22", "Highway 71 South",
# "State Route 207", "FM 1960", "IH 10 West", "County Highway K", "Old Route 66".
ROUTE = (
    r"(?:road|rd|highway|hwy|route|rte|interstate)\.?\s*-?\s*(?:\d{1,4}(?-i:[A-Z])?\b|(?-i:[A-Z]{1,2})\b)"
    r"|(?:fm|rm|i\s?h|sr|us|(?:farm|ranch) to market(?: road)?)\.?\s*-?\s*\d{1,4}\b"
)
# Streets whose kind comes first: "15 Rue Royale", "1420 Via Del Oro", "Calle Ocho".
STREET_PREFIX = r"rue|calle|camino|avenida|rua|(?-i:Via)"
IDENTIFIER = (
    r"(?<![\w-])(?!\d+-(?:day|week|month|year|hour|minute|second|mile|inch|foot|pound|page|step|point|digit)s?\b)"
    # A small number joined to a word: "six-character", "a three-man crew", "seven-business-day",
    # "first-time"; not "774129-Auto", "48213-smith".
    r"(?!\d{1,2}(?:st|nd|rd|th)?-(?-i:[a-z]{3,})\b)"
    r"(?P<value>(?=[A-Z0-9-]*\d)[A-Z0-9](?:[A-Z0-9]|-(?=[A-Z0-9])){4,19})(?![\w-])"
)
# A code of letters and digits, or digits alone, long enough to identify someone.
# Capitals only: a lower-case run of letters and digits is a machine's id (a
# hash, a provider's SID), not something a person reads out.
# Not an ISO date or timestamp ("2026-12-01T10:24").
LONG_CODE = (
    r"(?<![\w$.,-])(?P<value>(?-i:(?!\d{4}-\d{2}-\d{2}(?:T\d|\b))(?=(?:[A-Z-]*\d){6})"
    r"[A-Z0-9](?:[A-Z0-9]|-(?=[A-Z0-9])){5,19}))(?![\w-])"
)
LEADING_ZERO_CODE = r"(?<![\w$.,:/-])(?P<value>0\d{2,7})(?![\w:/-])"

# Where a ZIP code is said without the word "zip": after a street (and a city
# or state), after a known city, or after a state.
_AFTER_STREET = re.compile(
    rf"(?:\b(?:{STREET_SUFFIX})\b\.?|\b{UNIT})"
    r"(?:[,.]?\s+(?!(?:and|the|is|was|for|to|i|it|it's|my|we|that|but|or|so|paid|pay|costs?|about|around|since|"
    r"last|this|next|on|at)\b)[A-Za-z][A-Za-z'.-]*){0,4}[,.]?\s*$",
    FLAGS,
)
STATE_ABBREVIATIONS = frozenset(US_STATES.split("|"))
STATE_NAMES = frozenset(US_STATE_NAMES.split("|"))
# The last few words before a number, with nothing but commas between.
_PLACE_TAIL = re.compile(r"(?:[A-Za-z][A-Za-z.'-]*,?\s+){1,4}$")
_AFTER_LIVING_IN = re.compile(r"\b(?:i'm|i am|we're|we are|i live|we live|located|based|living) in\s*$", FLAGS)
# "It's Bellevue, 98004", "…, Raleigh, 27605": a capitalised place, then a comma.
_AFTER_PLACE = re.compile(
    r"(?:^|[,:]|\b(?:it's|in|to|from|near|at|is))\s*"
    r"(?!(?:Yes|No|Okay|OK|Sure|Thanks|Thank|Right|Um|Uh|So|Well|Correct|Great|Perfect|Alright|Yeah|Hi|Hello|"
    r"And|Then|Actually|Sorry|Wait|Oh|Mine|Order|Account|Total|Number|Plan|Model|Room|Flight|Case|Ticket|"
    r"Extension|Invoice|Item|Unit|Apartment|Suite|Option|Step|Press|Code|Pin|Zip)\b)"
    r"(?-i:[A-Z][a-z]+(?:[ -][A-Z][a-z]+)?),\s*$",
    FLAGS,
)

# The score of a code said alone ("714.", "Four one five two."): a finding
# only when its digits were said as digits, not as an amount ("forty nine
# ninety nine"); see ``said_as_digits``.
BARE_DIGITS = 0.61
_AMOUNT_WORDS = re.compile(
    r"\b(?:ten|eleven|twelve|\w+teen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand)\b", FLAGS
)


def said_as_digits(original: str) -> bool:
    """Whether a number was said digit by digit ("four one five two"), not as an amount."""
    return _AMOUNT_WORDS.search(original) is None


# A password's symbols, said: "exclamation point", "at sign".
_SYMBOL_NAMES = r"exclamation (?:point|mark)|at sign|hashtag|hash|pound sign|dollar sign|asterisk|underscore|dash"

# Findings: (type, start, end, score).
Finding = tuple[str, int, int, float]


def _names_a_place(said: str) -> bool:
    """``said`` may name a street, said alone: no word of it is talk ("Thank you.", "Main
    menu.", "One sec.": ``_secret``), a word is more than a street's kind ("county road"), no
    word is a business's ("Gas Station."), and it counts no things ("3 Bedrooms.")."""
    words = _PLACE_WORD.findall(said)
    if not words or not _secret(said, alone=False):
        return False
    if all(_STREET_KIND.fullmatch(word) or word.lower() in _ROAD_WORDS for word in words):
        return False  # "county road", "Rural route."
    if _BUSINESS_WORD.search(said):
        return False  # "Seven Eleven Gas Station.", "5 Guys Parking Lot."
    return not QUANTITY_AFTER.match(said, _LEADING_NUMBER.match(said).end())


_PLACE_WORD = re.compile(r"[^\W\d_][\w'’-]*")
_ROAD_WORDS = frozenset("county state rural route old us highway interstate farm market".split())
_BUSINESS_WORD = re.compile(rf"{TOPICS['BUSINESS']}|\b(?:parking|gas|lot|plaza|center|centre)\b", FLAGS)
_STREET_KIND = re.compile(rf"(?:{STREET_SUFFIX})\.?", re.IGNORECASE)
_LEADING_NUMBER = re.compile(r"[\d/½-]*")


RULES: dict[str, tuple[list[Rule], bool]] = {
    # type: (rules, whether a value followed by an amount's unit is allowed)
    "SSN": (
        [
            rule(r"(?<![\d-])(?P<value>\d{3}[- ]\d{2}[- ]\d{4})(?![\d-])", 0.85, validate=ssn_valid),
            rule(
                r"(?<![\w-])\d{3}(?P<dash>-?)\d{2}(?P=dash)\d{4}(?![\w-])",
                0.9,
                "SSN",
                after=True,
                validate=ssn_valid,
                window=60,
            ),
        ],
        False,
    ),
    "CREDIT_CARD": ([rule(r"(?<!\w)\d(?:[ -]?\d){12,18}(?!\w)", 0.95, validate=luhn_valid)], False),
    "CVV": (
        [
            rule(r"(?<!\w)\d{3,4}(?!\w)", 0.85, "CVV", window=40),
            rule(r"(?<![\w-])\d(?:[ -]\d){2,3}(?![\w-])", 0.85, "CVV", window=40),
            rule(r"(?<!\w)\d{3,4}(?!\w)", 0.8, "CVV", window=30, after=True, carry=False),
            # "…card 4012…, expiry 11/29, and the code is 712": in a payment, "the code" is the CVV.
            rule(r"(?<![\w-])(?:\d{3,4}|\d(?:[ -]\d){2,3})(?![\w-])", 0.8, "CODE", window=30, also=("CARD", 160)),
            rule(r"(?<![\w-])(?:\d{3,4}|\d(?:[ -]\d){2,3})(?![\w-])", 0.8, "CODE", window=30, also=("EXPIRY", 160)),
            rule(r"(?<![\w-])(?:\d{3}|\d(?:[ -]\d){2})(?![\w-])", 0.7, "CODE", window=30, guarded=True),
            # Three digits said alone answer a question this text doesn't hold:
            # in a contact centre, most often the card's security code.
            rule(
                r"(?<![\w$])(?:\d{3}|\d(?: \d){2})(?![\w])",
                BARE_DIGITS,
                standalone=True,
                bare=True,
            ),
        ],
        False,
    ),
    "CARD_EXPIRY": (
        [
            rule(r"(?<!\w)(?:0?[1-9]|1[0-2])\s*[/-]\s*(?:20)?\d{2}(?!\w)", 0.85, "EXPIRY"),
            rule(r"(?<!\w)(?:0[1-9]|1[0-2])(?:20)?\d{2}(?!\w)", 0.85, "EXPIRY"),
            rule(r"(?<!\w)(?:[1-9]|1[0-2])(?:2\d|3\d)(?!\w)", 0.8, "EXPIRY", carry=False),
            # "good through eleven of twenty nine"
            rule(r"(?<!\w)(?:0?[1-9]|1[0-2])\s+of\s+(?:20)?\d\d(?!\w)", 0.85, "EXPIRY"),
            rule(rf"\b{MONTH}\.?,?\s+(?:of\s+)?(?:20\d\d|'?\d\d)\b", 0.85, "EXPIRY", lead="word", after=True),
            # Part of an expiry is still the card's: "expires in August", "the end of 2026",
            # "um, May? … and the year's '29"; a month said alone, or by its number, answers
            # the question for it ("What month does the card expire?" "December.", "Oh nine.").
            *(
                rule(
                    pattern,
                    score,
                    "EXPIRY",
                    window=window,
                    lead=lead,
                    carry=carry,
                    bare=bare,
                    guarded=True,
                    unless=("NOT_CARD", 200),
                )
                for pattern, score, window, lead, carry, bare in (
                    (rf"\b{MONTH}\b(?!\s+\d)", 0.75, 30, "word", False, False),
                    (rf"\b{MONTH}\b(?!\s+\d)", 0.75, 0, "word", True, True),
                    (r"(?<![\w'])(?:0[1-9]|1[0-2])(?![\w'])", 0.75, 0, "digit", True, True),
                    (r"\b(?:the\s+)?end\s+of\s+(?:20[2-4]\d|'?[2-4]\d)\b", 0.8, 40, "word", False, False),
                    (r"(?<![\w'])(?:20[2-4]\d|'[2-4]\d)(?!\w)", 0.75, 48, "digit", False, False),
                    # The year alone answers the question for it: "And the expiration year?" "2028."
                    (r"(?<![\w'])(?:20[2-4]\d|'?[2-4]\d)(?!\w)", 0.75, 0, "digit", True, True),
                )
            ),
            rule(r"\b(?:the\s+)?end\s+of\s+20[2-4]\d\b", 0.6, standalone=True, bare=True, lead="word"),
            # An utterance that is nothing but an expiry answers a question
            # asked in a turn this text doesn't hold ("12/27.", "April 2028.").
            rule(r"(?<!\w)(?:0?[1-9]|1[0-2])\s*/\s*(?:20)?\d{2}(?!\w)", 0.6, standalone=True, bare=True, event=True),
            rule(
                rf"\b{MONTH}\.?,?\s+(?:of\s+)?(?:20|')?\d\d\b", 0.6, standalone=True, bare=True, lead="word", event=True
            ),
        ],
        False,
    ),
    "ROUTING_NUMBER": (
        [rule(r"(?<!\w)\d{9}(?!\w)", 0.95, "ROUTING", validate=aba_valid, window=60)],
        False,
    ),
    "BANK_ACCOUNT": (
        [
            rule(r"(?<!\w)\d{6,17}(?!\w)", 0.9, "BANK", window=60),
            # "Checking account Four four one oh.": the last four of an account, named by its kind.
            rule(
                r"\b(?:checking|savings)(?:\s+account)?(?:\s+(?:number|ending|ends|in|is|with))*,?\s+"
                r"(?P<value>\d(?:[ -]?\d){3})(?![\w-])",
                0.75,
                lead="word",
            ),
        ],
        False,
    ),
    "PHONE": (
        [
            rule(
                r"(?<![\w+])(?:\+?1[\s.-]?)?(?:\(\d{3}\)|\d{3})[\s.-]?\d{3}[\s.-]?\d{4}(?!\w)",
                0.75,
                validate=nanp_valid,
            ),
            rule(
                r"(?<![\w+])(?:\+?1[\s.-]?)?(?:\(\d{3}\)|\d{3})[\s.-]?\d{3}[\s.-]?\d{4}(?!\w)",
                0.9,
                "PHONE",
                validate=nanp_valid,
                carry=False,
            ),
            rule(r"(?<!\w)[2-9]\d{2}[\s.-]?\d{4}(?!\w)", 0.7, "SHORT_PHONE", window=30),
            rule(r"(?<![\w+])\+(?:[2-9]\d{0,2})[\s.-]?\(?\d{1,4}\)?(?:[\s.-]?\d{2,4}){2,4}(?!\w)", 0.8),
            # "plus 1, 708, 555, 0163", "Plus 234 803 555 0147": a country code said as a word.
            rule(r"\bplus\s+[1-9]\d{0,2}(?:,?\s+\d{1,4}){2,5}(?![\w,])", 0.8, lead="word"),
            rule(r"\bplus\s+[1-9]\d{7,14}(?![\w,])", 0.8, lead="word"),
            # "area code 404", "with the 312 area code": an area code belongs to a number.
            rule(r"(?<![\w$])[2-9]\d{2}(?![\w])", 0.8, "AREA_CODE", window=20, after=True, carry=False),
            rule(r"(?<![\w$])[2-9] ?\d ?\d(?![\w])", 0.8, "AREA_CODE", window=20, after=True, carry=False),
        ],
        True,
    ),
    "EMAIL": (
        [
            rule(
                r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b",
                0.95,
                lead="email",
            )
        ],
        True,
    ),
    "DATE_OF_BIRTH": (
        [
            rule(
                rf"(?<!\w)(?:0?[1-9]|1[0-2])[/.-](?:0?[1-9]|[12]\d|3[01])[/.-](?:{YEAR}|\d{{2}})(?!\w)",
                0.9,
                "DOB",
                window=60,
            ),
            rule(rf"(?<![\w-]){YEAR}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])(?![\w-])", 0.9, "DOB", window=60),
            rule(r"(?<!\w)\d{4,8}(?!\w)", 0.85, "DOB", window=60, validate=spoken_date_valid),
            rule(
                rf"\b{MONTH_AGAIN}{MONTH}\.?{SLOW_GAP}(?:{DAY},?\s+(?:(?:uh|um|er),?\s+)?)?{DAY}"
                rf"(?:(?:{DATE_GAP}|\.\s+)(?:of\s+)?(?:{YEAR}|'?\d{{2}}))?\b"
                rf"|\b{MONTH},?\s+(?:of\s+)?(?:{YEAR}|'\d\d)\b|\b{MONTH}\s+of\s+\d\d\b",
                0.9,
                "DOB",
                window=60,
                lead="word",
            ),
            rule(
                rf"\b(?:the\s+)?{DAY}{SLOW_GAP}(?:of{SLOW_GAP}){{0,2}}(?:{MONTH}|{MONTH_BY_NUMBER})"
                rf"(?:(?:{DATE_GAP}|\.\s+|{SLOW_GAP})(?:{YEAR}|'?\d{{2}}))?\b",
                0.9,
                "DOB",
                window=60,
            ),
            rule(rf"(?<![\w']){YEAR}(?!\w)|'\d\d\b", 0.8, "BIRTH_YEAR", window=32, carry=False),
            rule(r"(?<![\w'])(?:19|20)?\d\d(?!\w)|'\d\d\b", 0.8, "BIRTH_YEAR", window=32, carry=False),
            rule(rf"(?<![\w']){YEAR}(?!\w)|'?\d\d\b", 0.8, "BIRTH_YEAR", bare=True),
            # A date of birth said in pieces, a sentence each, after the question
            # or the topic: "My birthday is the twenty-third. January. '99."
            rule(rf"(?<![\w']){YEAR}(?!\w)|'\d\d\b", 0.8, "DOB", bare=True),
            rule(rf"\b{MONTH}\b", 0.8, "DOB", bare=True, lead="word"),
            rule(
                # Not "one second", "give me a second", "year first": a moment, an order.
                r"(?<![\w'])(?<!\b1 )(?<!\ba )(?<!\byear )(?:the\s+)?(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)\b",
                0.8,
                "DOB",
                window=30,
            ),
            # A day of a month said alone answers a question this text doesn't hold ("May 9th.").
            rule(rf"\b{MONTH}\.?\s+(?:the\s+)?{DAY}\b", 0.6, standalone=True, bare=True, lead="word", birth=True),
            # "I'm a 1962 baby", "a ninety nine baby".
            rule(r"(?<![\w'$])(?:(?:19|20)\d\d|'?\d\d)(?=\s+baby\b)", 0.8),
            # A year of birth said alone, the whole answer ("Nineteen eighty two."):
            # years before 2010, which a car's or an event's seldom are said alone.
            rule(r"(?<![\w'$])(?:19[2-9]\d|200\d)(?![\w-])", 0.6, standalone=True, bare=True, birth=True),
            # A whole date in the years people calling were born in, that
            # nothing around marks as an appointment, an order or an event;
            # the year said as two numbers too ("october seventeenth sixty six").
            rule(
                rf"\b{MONTH_AGAIN}{MONTH}\.?,?\s+(?:(?:uh|um|er),?\s+)?(?:the\s+)?{DAY}{DATE_GAP}(?:of\s+)?(?:{YEAR}|'?\d\d)\b",
                0.6,
                standalone=True,
                validate=birth_year_in,
                lead="word",
                birth=True,
            ),
            rule(
                rf"\b(?:the\s+)?{DAY},?\s+{PAUSE}(?:of\s+{PAUSE})?{MONTH}{DATE_GAP}(?:{YEAR}|'?\d{{2}})\b"
                # The year first: "nineteen seventy the first of march".
                rf"|(?<![\w'$]){YEAR}{DATE_GAP}(?:the\s+{DAY}\s+of\s+{MONTH}|{MONTH}\s+(?:the\s+)?{DAY})\b"
                rf"|(?<!\w)(?:0?[1-9]|1[0-2])[/.-](?:0?[1-9]|[12]\d|3[01])[/.-]{YEAR}(?!\w)"
                # The year in two digits where it can only be the last century's: "05/17/63".
                r"|(?<!\w)(?:0?[1-9]|1[0-2])/(?:0?[1-9]|[12]\d|3[01])/[3-9]\d(?![\w/])"
                rf"|(?<![\w-]){YEAR}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])(?![\w-])"
                r"|(?<!\w)\d{7,8}(?!\w)",
                0.6,
                standalone=True,
                validate=birth_year_in,
                birth=True,
            ),
        ],
        False,
    ),
    "ADDRESS": (
        [
            rule(
                rf"(?<![\w:/-]){HOUSE_NUMBER}(?:{ADDRESS_GAP}{DIRECTION})?"
                rf"(?:(?:{ADDRESS_GAP}{STREET_WORD}){{0,3}}?{ADDRESS_GAP}(?:{ROUTE})"
                rf"|(?:{ADDRESS_GAP}{STREET_WORD}){{1,4}}?{ADDRESS_GAP}(?:{STREET_SUFFIX})\b(?:\.(?!\.))?{KIND_AFTER_KIND}"
                # "Avenida de la Estrella", "Rue du Bac", "Calle Ocho"
                rf"|\s+(?:{STREET_PREFIX})\s+{STREET_WORD}(?:\s+(?:(?:de|del|la|las|los|el|du|des|le)\s+)*(?-i:[A-Z])[a-z]+){{0,2}})"
                rf"(?:\s+{DIRECTION})?(?:{ADDRESS_GAP}(?:{UNIT})){{0,2}}",
                0.85,
            ),
            # A house number and a street said without its kind, where the talk is of an address:
            # "my address is 1200 Kessler", "i live on 888 elm".
            rule(
                # Within its turn: "zip is oh three one one oh" / "Great." is no street.
                rf"(?<![\w:/-]){HOUSE_NUMBER}(?:{ADDRESS_GAP}{DIRECTION})?[^\S\n]+{NAMING_WORD}"
                rf"(?:[^\S\n]+{NAMING_WORD}){{0,2}}",
                0.75,
                "ADDRESS",
                window=40,
                carry=False,
            ),
            rule(r"(?<![\w:/-])\d{1,6}(?-i:[A-Z])?(?![\w/])", 0.75, "HOUSE_NUMBER", window=24, carry=False),
            # The same as the answer of its own to a question for an address: "What's the service
            # address?" "twenty four fifteen tchoupitoulas", "It's 2415 Tchoupitoulas."
            *(
                rule(
                    rf"(?<![\w:/-]){HOUSE_NUMBER}(?:[^\S\n]+{DIRECTION})?(?:[^\S\n]+{NAMING_WORD}){{1,3}}"
                    r"(?=[^\S\n]*[.!]?[^\S\n]*(?:\n|$))",
                    0.85,
                    topic,
                    bare=True,
                    unless=("BUSINESS", 60),  # not a store's or a branch's
                    validate=_names_a_place,
                )
                for topic in ("ADDRESS", "HOUSE_NUMBER", "STREET")
            ),
            # An address asked for in pieces, each answered alone: "What's the house number?"
            # "nineteen oh four"; "What's the address?" "forty seven twelve"; "And the unit
            # number?" "twelve b"; "Please say the street name." "Kingsbury Avenue."
            *(
                rule(
                    rf"(?<![\w:/-])(?:\d{{2,3}}-\d{{2}}|\d{{1,6}}){HALF}?(?:[ -]?(?-i:[A-Za-z]))?(?![\w/']|-\d)",
                    0.75,
                    topic,
                    bare=True,
                )
                for topic in ("HOUSE_NUMBER", "ADDRESS", "UNIT")
            ),
            rule(r"(?<![\w'])(?-i:[A-HJ-Z])(?![\w'])", 0.7, "UNIT", bare=True, lead="any"),  # not "I think it's 4"
            *(
                rule(
                    _NOT_AFTER_AN_ARTICLE + _STREET_WITH_KIND,
                    0.75,
                    topic,
                    window=0,
                    lead="name",
                    validate=_names_a_street,
                )
                for topic in ("STREET", "ADDRESS")
            ),
            # A street without a house number where its sentence says someone lives there or it is
            # their address: "I live on Harlow Crescent.", "we moved to quillfeather lane", "Is your
            # mailing address still the one on Carrollwood Terrace?"; not a business's ("the address
            # of the bank on Main Street", "our store on Maple Avenue"), nor a place an address is
            # asked for ("the street address for Palm Court?").
            rule(
                r"(?:(?<=\bon )|(?<=\bto )|(?<=\bat )|(?<=\bis )|(?<=\bwas )|(?<=\bof )|(?<=\boff )|(?<=\bonto )"
                r"|(?<=\binto ))" + _STREET_WITH_KIND,
                0.75,
                "RESIDENCE",
                # Close after it, not at the far end of its sentence ("My billing address is correct
                # and the Target on Kingsley Avenue charged me twice").
                window=40,
                carry=False,
                lead="name",
                unless=("BUSINESS", 60),
                validate=_names_a_street,
            ),
            # A street's name said alone, without its kind, as the answer to a question for it:
            # "Please say the street name." "Saint Charles."
            rule(
                rf"{_NOT_AFTER_AN_ARTICLE}(?:{NAMING_WORD}\s+){{0,2}}{NAMING_WORD}(?=[^\S\n]*[.!]?[^\S\n]*(?:\n|$))",
                0.7,
                "STREET",
                bare=True,
                unless=("BUSINESS", 60),
                lead="name",
                validate=_names_a_place,
            ),
            # A numbered road said alone where a street is asked for: "And the road?" "Old Route 9."
            *(
                rule(
                    rf"{_NOT_AFTER_AN_ARTICLE}(?:(?:old|state|county|us)\s+)?(?:{ROUTE})(?:\s+{DIRECTION})?",
                    0.75,
                    topic,
                    window=0,
                    lead="name",
                )
                for topic in ("STREET", "ADDRESS")
            ),
            # A street said without its kind, its flat after it: "twenty two ten north lamar apartment three oh five".
            rule(
                rf"(?<![\w:/-]){HOUSE_NUMBER}(?:{ADDRESS_GAP}{DIRECTION})?(?:\s+{NAMING_WORD}){{1,2}}"
                rf"{ADDRESS_GAP}(?:apartment|apt|unit|suite)\.?\s+#?\d{{1,5}}(?:[ -]?[A-Za-z]\b)?",
                0.75,
            ),
            rule(r"\b(?:rural route|r\.?\s?r\.?|star route)\s+\d+\b", 0.8, lead="word"),
            rule(
                rf"\b(?:the\s+)?(?:street|road)(?:'s| is)\s+"
                rf"(?P<value>(?:{STREET_WORD}\s+){{1,2}}(?:{STREET_SUFFIX})\b{KIND_AFTER_KIND})",
                0.75,
                lead="word",
            ),
            rule(
                # Not across a sentence's end: "…on the back of the unit." / "5 5 0 1."
                r"(?<![\w-])(?:(?:apartment|apt\.?|unit)(?:[^\S\n]+|[^\S\n]*\n[^\S\n]*)(?:is\s+|number\s+)?"
                r"(?:[A-Za-z][ -]?(?=\d))?|"
                r"(?-i:Lot|Space)\s+)#?\d+(?:[ -]?[A-Za-z]\b)?",
                0.7,
                lead="word",
            ),
            # A suite where an address or a unit is talked of: "And the suite number?" "Suite 310.";
            # not a business's floor and suite ("We're on the second floor, Suite 200").
            *(
                rule(
                    rf"(?<![\w-]){_NOT_A_PRODUCT_S}suite\.?\s+(?:number\s+)?#?{_NOT_A_YEAR}\d+(?:[ -]?[A-Za-z]\b)?",
                    0.7,
                    topic,
                    lead="word",
                )
                for topic in ("ADDRESS", "UNIT")
            ),
            # A lot or a space in lowercase only where the talk is of an address: "no lot forty one
            # not fourteen", not "I bought lot 5 of the stock".
            *(
                rule(r"(?<![\w-])(?:lot|space)\s+#?\d+(?:[ -]?[A-Za-z]\b)?", 0.7, topic, lead="word")
                for topic in ("ADDRESS", "UNIT")
            ),
            # A lot or a space one lives in: "i live in lot forty one", "my trailer is in space 12";
            # not "I parked in space 14", "lot 2231 of the recall".
            rule(
                r"(?:(?<=\blive in )|(?<=\blives in )|(?<=\bliving in )|(?<=\bwe're in )|(?<=\bi'm in )|"
                r"(?<=\btrailer is in )|(?<=\bhome is in )|(?<=\bhouse is in ))"
                r"(?:lot|space)\s+#?\d+(?:[ -]?[A-Za-z]\b)?",
                0.7,
                lead="word",
            ),
            rule(rf"\b(?:p\.?\s*o\.?|post office)\s*box\s+\d+{_BOX_LETTER}", 0.85, lead="word"),
            rule(
                r"\b(?:(?:rural |star |highway contract )?route|r\.?\s?r\.?|h\.?\s?c\.?)\s+\d+,?\s+box\s+\d+"
                + _BOX_LETTER,
                0.85,
                lead="word",
            ),
            # A box said without "P.O." where an address, a box number or a P.O. box is talked of:
            # "What's the box number?" "Box 1142."; not "the box 12 of the order", "check box 2".
            *(
                rule(
                    rf"(?<![\w-]){_NOT_A_THING_S}box\s+(?:number\s+)?#?\d+{_BOX_LETTER}(?=\s*(?:[.,;!?]|$|(?:at|in)\b))",
                    0.75,
                    topic,
                    lead="word",
                )
                for topic in ("ADDRESS", "HOUSE_NUMBER", "PO_BOX")
            ),
            rule(r"\b(?:apartment|apt|unit|suite)\.?\s+(?-i:[A-Z])(?![\w'])", 0.7, lead="word"),
            # In lowercase, where a unit or an address is asked for, the letter ending what is said
            # of it: "Any apartment number?" "apartment c its the bottom floor"; not "apartment a
            # few blocks down", "unit i think".
            *(
                rule(
                    r"\b(?:apartment|apt|unit|suite|lot|space)\s+(?!a\b|i\b)(?-i:[a-z])"
                    r"(?=[^\S\n]*(?:$|\n|[.,!]|(?:its|it's|it is|thats|that's|like|as in)\b))",
                    0.7,
                    topic,
                    lead="word",
                )
                for topic in ("UNIT", "ADDRESS")
            ),
            rule(rf"\b(?:building|bldg)\.?\s+\w{{1,4}},?\s+(?:{UNIT})", 0.8, lead="word"),
            # A unit's letter spelled "as in" a word, after its number or alone, where a unit is
            # talked of or asked for: "The apartment is 3 E as in Edward.", "what's the unit
            # letter" "f as in frank".
            rule(
                r"(?<![\w:/-])(?:\d{1,5}[ -]?)?(?-i:[A-Za-z])\s+(?:as\s+in|like)\s+(?!the\b|no\b)[A-Za-z][\w'’-]*\b"
                r"(?!\s*\?)",
                0.7,
                "UNIT",
                lead="any",
            ),
        ],
        True,
    ),
    "ZIP_CODE": (
        [
            rule(r"(?<!\w)\d{5}(?:-?\d{4})?(?!\w)", 0.9, "ZIP", window=30),
            rule(r"(?<![\w$.,-])\d{5}(?:-\d{4})?(?![\w-])", 0.85, standalone=True, bare=True),
        ],
        False,
    ),
    "ACCOUNT_ID": (
        [
            rule(IDENTIFIER, 0.8, "ACCOUNT", window=40),
            rule(LONG_CODE, 0.6, standalone=True),
            # Letters and digits said alone: an identifier read out ("CLM88120.").
            rule(
                r"(?<![\w-])(?<!the )(?-i:(?=[A-Z-]*\d)(?=\d*[A-Z])[A-Z0-9](?:[A-Z0-9]|-(?=[A-Z0-9])){4,19})(?![\w-])",
                0.6,
                standalone=True,
                bare=True,
            ),
        ],
        False,
    ),
    "PIN": (
        [
            rule(
                r"(?<![\w-])(?P<value>(?=(?:[^\s\d]*\d){2})[A-Za-z0-9!@#$%^&*_-]{4,32})(?![\w-])",
                0.85,
                "PIN",
                window=40,
                after=True,
            ),
            rule(r"(?<!\w)(?P<value>\d(?: \d){3,7})(?!\w)", 0.85, "PIN", window=40),
            # A password of a word and digits, said where passwords are talked of: "my old one
            # was Sunflower2019!" (not a code in capitals, "ORD12345", a product, "iPhone15", or
            # after a harmless word, "the tracking is abc12345"); or said by its parts: "Make it
            # Bluejay, uh, 4477.", "It's Kolkata, capital K, 2024, exclamation point."
            rule(
                r"(?<![\w@.-])(?-i:[A-Za-z][a-z]{2,})\d{2,}[!@#$%^&*?]*(?![\w@-])",
                0.8,
                also=("PIN", 240),
                guarded=True,
            ),
            rule(
                rf"(?P<value>[A-Za-z][a-z'’-]{{2,}},\s+(?:(?:uh|um),?\s+)?(?:capital\s+[a-z],\s+)?\d{{2,}}"
                rf"(?:,?\s+(?:{_SYMBOL_NAMES}))*)(?![\w-])",
                0.8,
                "PIN",
                window=60,
                lead="any",
                validate=lambda said: _secret(said.split()[0].rstrip(","), alone=False),
            ),
            rule(LEADING_ZERO_CODE, 0.6, standalone=True, bare=True),
            # Four digits said alone, not a year: a PIN, or the last four of something.
            rule(
                r"(?<![\w$])(?!(?:19|20)\d\d(?!\w))(?:\d{4}|\d(?:[ -]\d){3})(?![\w-])",
                BARE_DIGITS,
                standalone=True,
                bare=True,
            ),
        ],
        False,
    ),
    "DRIVER_LICENSE": (
        [
            rule(IDENTIFIER, 0.85, "DRIVER_LICENSE", window=40),
            rule(IDENTIFIER, 0.8, "NUMBER_REFERENCE", window=20, carry=False, also=("DRIVER_LICENSE", 200)),
        ],
        False,
    ),
    "PASSPORT": (
        [
            rule(r"(?<![\w-])(?P<value>[A-Z]{0,2}\d{6,9})(?![\w-])", 0.9, "PASSPORT", window=40),
            rule(IDENTIFIER, 0.85, "PASSPORT", window=40),
            # "I used my passport when I opened the account. The number's A03918274."
            rule(
                r"(?<![\w-])(?P<value>[A-Z]{0,2}\d{6,9})(?![\w-])",
                0.8,
                "NUMBER_REFERENCE",
                window=20,
                carry=False,
                also=("PASSPORT", 200),
            ),
        ],
        False,
    ),
}
ENTITY_TYPES = tuple(RULES)


# Where values can start. Each rule is tried only there, rather than over the
# whole text: a long transcript is searched three times, not once per rule.
_VALUE_TOKEN = re.compile(r"[+(']?[A-Za-z0-9!@#%^&*_-]*\d")
# "$" inside a token: a password such as "Maple$treet77" starts at its first letter.
_SIGNED_TOKEN = re.compile(r"(?<![\w$])[A-Za-z0-9!@#%^&*_-]+\$[A-Za-z0-9!@#%^&*_$-]*\d")
_WORD_LEAD = re.compile(
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|p\.? ?o\b|building|bldg|apartment|apt|unit|"
    r"plus|rural|r\.? ?r\b|star|highway|hc\b|h c\b|suite|lot|space|route|post office|the street|street|"
    r"the road|road|box|checking|savings|the end of|end of)"
)

_ANY_WORD = re.compile(r"(?<![\w'’])[a-z0-9]")


def _name_starts(text: str, talk: Dialogue) -> list[int]:
    """Where a name can start: at a capital in a sentence written with capitals, at any word in
    one written without ("maple street.", said by speech recognition). The words that leave a
    value standing alone do not count ("Um, maple street."), nor a capital on a street's kind
    alone ("maple Avenue")."""
    starts = []
    bounds = [*talk.sentence_starts, len(text)]
    for start, end in zip(bounds, bounds[1:], strict=False):
        words = _NOT_A_KIND.findall(text, start, end)
        while words and words[0].lower() in BARE_WORDS:
            words.pop(0)
        raw = not any(word[0].isupper() for word in words)
        starts += [
            match.start()
            for match in _ANY_WORD.finditer(talk.lowered, start, end)
            if raw or not text[match.start()].islower()
        ]
    return starts


_NOT_A_KIND = re.compile(rf"\b(?!(?:{STREET_SUFFIX})\b)[\w'’]+", re.IGNORECASE)


def _starts(text: str, lowered: str) -> dict[str, list[int]]:
    tokens: list[int] = []
    for match in _VALUE_TOKEN.finditer(text):
        start = match.start()
        if lowered.startswith("the ", start - 4):
            tokens.append(start - 4)  # "the 2nd of February"
        tokens.append(start)
        if text[start] in "+('":
            tokens.append(start + 1)
    if "$" in text:
        tokens = sorted({*tokens, *(match.start() for match in _SIGNED_TOKEN.finditer(text))})
    return {
        "digit": tokens,
        "word": [match.start() for match in _WORD_LEAD.finditer(lowered)],
        "email": [0] if "@" in text else [],
        "any": [match.start() for match in _ANY_WORD.finditer(lowered)],
    }


def _rule_findings(text: str, talk: Dialogue) -> list[Finding]:
    findings: list[Finding] = []
    starts = _starts(text, talk.lowered)
    sentences = {lead: [talk.sentence_index(position) for position in positions] for lead, positions in starts.items()}
    topical: dict[tuple[str, str], list[int]] = {}
    for entity, (rules, amounts_allowed) in RULES.items():
        for current in rules:
            group = "value" if "value" in current.pattern.groupindex else 0
            if current.lead == "email":
                matches = (
                    [m for m in current.pattern.finditer(text) if _valid(current, m, group)] if starts["email"] else []
                )
            else:
                # A rule that needs a topic is tried only where it is talked about.
                active = talk.may_apply(current.topic) if current.topic and not current.standalone else None
                if active is not None and not active:
                    continue
                if current.lead not in starts:  # read only where a rule needs it: "name"
                    starts[current.lead] = _name_starts(text, talk)
                    sentences[current.lead] = [talk.sentence_index(position) for position in starts[current.lead]]
                positions = starts[current.lead]
                if active is not None:
                    # The same for every rule of a topic and a lead: worked out once.
                    key = (current.lead, current.topic)
                    if key not in topical:
                        topical[key] = [
                            position
                            for position, sentence in zip(positions, sentences[current.lead], strict=True)
                            if sentence in active
                        ]
                    positions = topical[key]
                matches, reached = [], -1
                match_at = current.pattern.match
                for position in positions:
                    if position >= reached:
                        found = match_at(text, position)
                        # One that fails its check leaves the words after its start to be read again:
                        # "I believe Kingsley Avenue" is no street from "I", and is one from "Kingsley".
                        if found and _valid(current, found, group):
                            matches.append(found)
                            reached = found.end()
            for match in matches:
                start, end = match.span(group)
                if not amounts_allowed and (text[start - 1 : start] == "$" or QUANTITY_AFTER.match(text, end)):
                    continue
                if (
                    entity == "DATE_OF_BIRTH"
                    and _AN_AGE.fullmatch(text, start, end)
                    and _AGE_BEFORE.search(text, max(0, start - 16), start)
                ):
                    continue  # "born in '79, so I'm 45 now": an age, not a year ("I'm November 30th" is a date)
                if not _in_context(current, talk, start, end):
                    continue
                findings.append((entity, start, end, current.score))
    return findings


def _valid(current: Rule, match: re.Match[str], group: int | str) -> bool:
    said = match.group(group)
    return bool(said) and (current.validate is None or current.validate(said))


def _in_context(current: Rule, talk: Dialogue, start: int, end: int) -> bool:
    bare = talk.is_bare(start, end) if (current.bare or current.carry or current.standalone) else False
    if current.bare and not bare:
        return False
    if current.also and not talk.mentioned_within(current.also[0], start, current.also[1]):
        return False
    if current.unless and talk.mentioned_within(current.unless[0], start, current.unless[1]):
        return False
    if current.standalone and (talk.harmless_near(start) or _ONE_AFTER.match(talk.text, end)):
        if not _birth_asked(current, talk, start, end):
            return False  # "…the 149 one": one of several things, named by a number
    if current.birth and _other_date_asked(talk, start, end):
        return False
    if (
        current.event
        and "EVENT_DATE" in (carried := talk.carried(start, bare=bare))
        and _CARD_TOPICS.isdisjoint(carried)
        and not talk.card_said_before(start)
    ):
        return False  # "Say the date you'd like to check in." / "December 26."; not a card's said before
    if current.guarded and talk.harmless_before(start) and not _birth_asked(current, talk, start, end):
        return False
    if current.standalone:
        return True
    if current.topic is None:
        return True
    if not current.bare and talk.before(current.topic, start, current.window):
        return True
    if current.after and talk.after(current.topic, end, current.window):
        return True
    if current.carry and (not talk.harmless_before(start) or _birth_asked(current, talk, start, end)):
        return current.topic in talk.carried(start, bare=bare)
    return False


def _birth_asked(current: Rule, talk: Dialogue, start: int, end: int) -> bool:
    """A date of birth was asked for and ``current`` reads one: talk of an event said before the
    answer leaves it a birth's ("What's your date of birth?" / "I just paid the balance, it's March
    3rd, 1961."), unless its year is no birth's."""
    if not (current.birth or current.topic in _BIRTH_TOPICS) or not _BIRTH_TOPICS & talk.carried(start, bare=True):
        return False
    said = talk.text[start:end]
    return not _HAS_A_YEAR.search(said) or birth_year_in(said)


_ONE_AFTER = re.compile(r"\s+ones?\b", FLAGS)
_CARD_TOPICS = frozenset({"CARD", "EXPIRY", "CVV", "CODE"})
_BIRTH_TOPICS = frozenset({"DOB", "BIRTH_YEAR"})
# A number that may be an age: "I'm 45", "she's, um, 42"; not a date ("They're 5/5/2015.").
_AN_AGE = re.compile(r"'?\d{1,3}")
_AGE_BEFORE = re.compile(
    r"\b(?:i am|i'm|im|he's|she's|hes|shes|he is|she is|they're|theyre|they are|i'll be|i will be|turned|turning|"
    r"aged?)[,\s]+(?:(?:uh|um|like),?\s+)?$",
    FLAGS,
)


def _other_date_asked(talk: Dialogue, start: int, end: int) -> bool:
    """The question just asked is for a date that is no birth's ("What year did you buy the
    washer?", "Please say a new date."), and nothing of a birth or an age was said in the turns
    before it ("Please say your date of birth. Sorry, I didn't understand. Please say a new
    date.") or is said in the answer's own turn ("1962. Oh wait, that's my birth year."); nor
    is the date one to come said with a year long past ("Please say a new date." / "01/15/1983.")."""
    carried = talk.carried(start, bare=True)
    if "EVENT_DATE" not in carried or "DOB" in carried or "BIRTH_YEAR" in carried:
        return False
    said = talk.text[start:end]
    if (
        birth_year_in(said)
        and not _MONTH_AND_DAY.fullmatch(said)
        and _DATE_TO_COME.search(talk.lowered, max(0, start - 160), start)
    ):
        return False
    _, turn_end = talk.turn(start)
    since = max(0, start - _BIRTH_LOOKBACK)
    # A birth's words ("born", "birthday"), not a year's ("what year?"), which the question itself may say.
    return not (
        talk.mentioned_within("DOB", turn_end, turn_end - since)
        or _AGE_SAID.search(talk.lowered, since, turn_end)
        # Not one to come: "…we want to book the barn for October 18th of next year."
        or (
            _A_LIFE_S_DATE.search(talk.lowered, since, turn_end)
            and not _DATE_TO_COME.search(talk.lowered, since, start)
        )
    )


# A month and a number that may be its day, which a date to come is: "December 26".
_MONTH_AND_DAY = re.compile(rf"{MONTH}\.?\s+(?:the\s+)?{DAY}", FLAGS)
# A date asked for that is still to come: a year long past is no answer to it.
_DATE_TO_COME = re.compile(
    r"\b(?:would|should|will|can|could|new|preferred|like|want|schedule|reschedule|book|next|delivery|appointment)\b"
)
# A date of a life's event, which names the person as a birth does: "my husband's date of death",
# "our wedding date", "the anniversary of my surgery"; not a wedding to come, booked or asked about.
_A_LIFE_S_DATE = re.compile(
    r"\b(?:death|died|passed away|wedding|married|anniversary|surgery|admitted|discharged|diagnosed)\b"
)
# How far back a birth or an age said before keeps a date the answer to it.
_BIRTH_LOOKBACK = 300
# An age asked or said, before the date or after it: "And your age?", "I'm 39 years old", "I just turned forty".
_AGE_SAID = re.compile(
    r"\bhow old\b|\bages?\b|\baged\b|\byears? old\b|\d+[- ]years?[- ]old\b|\bturn(?:ed|ing|s)? \d+\b|"
    r"\b(?:i'm|i am|im|he's|she's|he is|she is) \d+\b"
)


# --- Sequences ------------------------------------------------------------------------------

_DIGIT_RUN = re.compile(r"(?<![\w$])\d+(?![\w])")
# IIN prefixes and the lengths of the cards they start.
_CARD_LENGTHS = ((re.compile(r"3[47]"), (15,)), (re.compile(r"4"), (16, 13, 19)), (re.compile(r"[2-6]"), (16,)))


# Letters (alone, or "as in" a word) and digits read out one by one, at least
# five of them: "M as in Mary, X as in X-ray, 7, 4, Q, 9", "H-P, 4-4-7, 1-9-0-2".
# A letter said with the word it is "as in", in either case ("d as in delta").
_AS_IN = r"[A-Za-z],?\s+as\s+in\s+[A-Za-z][\w-]*"
# A letter said alone (a capital, or a lowercase one other than "a" and "i"),
# or a group of digits (which the normalised copy joins: "8 8 3, um, 0 2 1" is 883021).
# Capitals and then a digit in one group: "K7M29X", "TE5".
_CAPITALS_THEN_DIGITS = r"[A-Z]{1,4}\d[A-Z\d]*"
_SPELLED_CHARACTER = rf"(?:{_AS_IN}|(?-i:{_CAPITALS_THEN_DIGITS})|(?-i:[A-Z])|(?-i:[b-hj-z])|\d+)"
# Not a line break: a spelling ends with its turn ("…nine x" / "I have K7M29X").
_SPELLED_SEPARATOR = r"(?:,[^\S\n]*|[^\S\n]+|-)(?:(?:uh|um),?[^\S\n]+)?"
# Where a spelling ends: not inside a word, nor at the "I" of "I'm" ("K's" is the letter K).
_SPELLING_ENDS = r"(?![\w-]|['’](?:m|ll|ve|re|d)\b)"
_SPELLED_IDENTIFIER = re.compile(
    rf"(?<![\w'’-]){_SPELLED_CHARACTER}(?:{_SPELLED_SEPARATOR}{_SPELLED_CHARACTER})+{_SPELLING_ENDS}",
    re.IGNORECASE,
)
_SPELLED_UNIT = re.compile(rf"{_AS_IN}|[A-Za-z](?=[A-Za-z]*\d)|\b[A-Za-z]\b|\d+", re.IGNORECASE)


def _spelled_characters(spelled: str) -> tuple[int, int, bool]:
    """Letters and digits a spelling says, and whether a letter was said "as in" a word.
    A lone "A" or "I" is not counted: it is as often the word."""
    letters = digits = 0
    as_in = False
    for unit in _SPELLED_UNIT.finditer(spelled):
        said = unit.group()
        if said[0].isdigit():
            digits += len(said)
        elif len(said) > 1:
            letters, as_in = letters + 1, True
        elif said not in "AIai":
            letters += 1
    return letters, digits, as_in


_SPELLED_LETTER = re.compile(r"\b([A-Za-z])\s+as\s+in\s+[A-Za-z][\w-]*", FLAGS)
_CHARACTER_WORDS = re.compile(r"[A-Za-z]+|\d")


def _characters(said: str) -> str:
    """The letters and digits a code is said with, whichever way: "D as in David, 7 7 3 0 9",
    "D77309" and "d seven seven three oh nine" are all "D77309". Other words count for nothing."""
    out = []
    for word in _CHARACTER_WORDS.findall(_SPELLED_LETTER.sub(r"\1", said)):
        folded = word.lower()
        if folded in UNITS:
            out.append(str(UNITS[folded]))
        elif folded == "oh":
            out.append("0")
        elif len(word) == 1:
            out.append(word.upper())
        elif word.isupper():
            out.append(word)
    return "".join(out)


def _spelled_identifiers(text: str, talk: Dialogue, harmless: list[tuple[int, int]]) -> list[Finding]:
    """An identifier read out character by character, with both letters and
    digits: "M as in Mary, 4 0 0, D as in David, 7 1 8 2", "W, uh, 2 6 6 …".
    One letter and a few digits ("B, 4417") only where an identifier is asked for; none of
    the ``harmless`` codes, a business's (``_harmless_codes``)."""
    found = []
    for match in _SPELLED_IDENTIFIER.finditer(text):
        if match.span() in harmless:
            continue
        letters, digits, as_in = _spelled_characters(match.group())
        if (
            letters
            and digits
            and letters + digits >= 5
            and (
                as_in
                or letters >= 2
                or digits >= 6
                or any(talk.before(topic, match.start(), 60) for topic in _IDENTIFIER_TOPICS)
            )
        ):
            found.append(("ACCOUNT_ID", match.start(), match.end(), 0.75))
    return found


def _named_harmless(text: str, talk: Dialogue, start: int, end: int) -> bool:
    """What is said from ``start`` to ``end`` was just named a business's code, and no identifier
    of a person was asked for just before nor is named as it right after: "Your confirmation
    number is W as in water, 4 4 0 2 9.", "Order number: L W 7 7 2…"; not "What's your license
    number?" "Reference number D as in…", nor "The reference is K as in kilo, 2 1 6 6 7 4, it's
    my member number."."""
    return (
        _HARMLESS_CODE_NAMED.search(text, max(0, start - 48), start) is not None
        and not any(talk.mentioned_within(topic, start, 80) for topic in (*_IDENTIFIER_TOPICS, "PIN"))
        and not _NAMED_AS_ONE_S_OWN.match(text, end)
    )


# A person's identifier named right after a value: "…, it's my member number", "…. That's my plate
# number.", "…? No wait, that's my Medicare number.".
_NAMED_AS_ONE_S_OWN = re.compile(
    r"[\s,.?!-]*(?:(?:no|wait|sorry|oh|actually)[\s,.]+)*(?:(?:that's|thats|that is|it's|its|it is|which is)\s+)?"
    r"(?:my|his|her|our|their)\s+"
    r"(?:[\w-]+\s+){0,2}(?:id|number|no|#)\b",
    FLAGS,
)


def _harmless_codes(text: str, talk: Dialogue) -> list[tuple[int, int]]:
    """Codes spelled in letters and digits where they were just named a business's, or given
    as the answer to a question for one: nothing inside them is a value. Letters with the digits
    are never a social, a phone or a card said in the wrong place."""
    spans = []
    for match in _SPELLED_IDENTIFIER.finditer(text):
        letters, digits, _ = _spelled_characters(match.group())
        if letters and digits and (_named_harmless(text, talk, *match.span()) or talk.code_asked(match.start())):
            spans.append(match.span())
    # Said as one word, or spelled and joined in the normalised copy: "HLT940".
    spans += [match.span() for match in _JOINED_CODE.finditer(text) if talk.code_asked(match.start())]
    return spans


_JOINED_CODE = re.compile(
    r"(?<![\w-])(?-i:(?=[A-Z-]*\d)(?=[\d-]*[A-Z])[A-Z0-9](?:[A-Z0-9]|-(?=[A-Z0-9])){3,19})(?![\w-])"
)


_HARMLESS_CODE_NAMED = re.compile(
    rf"\b(?:(?:{HARMLESS_IDENTIFIERS}|ref|receipt|transaction)\s+(?:number|code|no\.?|#)|"
    r"(?:the|your|our)\s+(?:[\w-]+\s+)?reference(?=\s+(?:is|was)\b)|"
    # "Confirmation is R as in Robert, 44 91 07." opening its sentence ("Your confirmation is …, is that
    # right?" confirms what was said; "Password confirmation is …" a secret).
    r"(?:^|(?<=[.!?]\s)|(?<=\n))confirmation(?=\s+(?:is|was)\b))"
    r"(?:\s+(?:is|was|will be|for (?:this|that|the|your) \w+ is))?[\s,:]*(?:it's\s+)?$",
    FLAGS,
)


_IDENTIFIER_TYPES = frozenset({"ACCOUNT_ID", "DRIVER_LICENSE", "PASSPORT"})
_IDENTIFIER_TOPICS = ("ACCOUNT", "DRIVER_LICENSE", "PASSPORT")
# Characters said just before or after an identifier that belong to it: "e as in echo [K933021]",
# "three [HW7KP2CX91]", "AC [44781903]", "[L0093371], K".
# Capitals that are a word said before a number, not letters of it: "member ID W992318".
_WORD_CAPITALS = "ID|US|OK|AM|PM|TV|IT|HR|ER|DL|PO|CD|IS|NO|MY|IN|ON|AT|TO|OR|SO|DOB|SSN|MRN|DMV"
# Three capitals with no vowel, a prefix no word is spelled with: "XGJ, uh, 9 0 4 4 …".
_NO_VOWELS = r"[B-DF-HJ-NP-TV-XZ]{3}\b"
# A group of capitals and digits together, either first: "TE5", "1EG4" (Medicare's numbers begin so).
_LETTERS_AND_DIGITS = rf"(?-i:{_CAPITALS_THEN_DIGITS}|\d{{1,2}}[A-Z][A-Z\d]*)"
_SPELLED_BEFORE = re.compile(
    rf"(?:(?<![\w'’-])(?:{_AS_IN}|{_LETTERS_AND_DIGITS}|(?-i:(?!(?:{_WORD_CAPITALS})\b)(?:[A-Z]{{1,2}}|{_NO_VOWELS}))"
    r"|(?-i:[b-hj-z])|\d+)"
    rf"{_SPELLED_SEPARATOR})+$",
    re.IGNORECASE,
)
_SPELLED_AFTER = re.compile(
    rf"(?:{_SPELLED_SEPARATOR}(?:{_AS_IN}|{_LETTERS_AND_DIGITS}|(?-i:[B-HJ-Z])|(?-i:[b-hj-z])|\d+|"
    rf"(?-i:[AI])(?=[.?!]?$|[.?!]\s))(?![\w'’-]))+",
    re.IGNORECASE,
)


_LONG_DIGITS = re.compile(r"[\d -]+")


def _identifier_edges(text: str, findings: list[Finding]) -> list[Finding]:
    """An identifier's characters said on either side of what was recognised,
    apart from it: the same identifier, typed alike."""
    found: list[Finding] = []
    for entity, start, end, score in findings:
        # Digits said alone may be a card's, with its expiry and code next to them.
        if entity not in _IDENTIFIER_TYPES or (score <= 0.6 and _LONG_DIGITS.fullmatch(text, start, end)):
            continue
        before = _SPELLED_BEFORE.search(text, max(0, start - 60), start)
        after = _SPELLED_AFTER.match(text, end)
        if before or after:
            found.append((entity, before.start() if before else start, after.end() if after else end, score))
    return found


# A secret spelled out says a letter's case (or the key pressed) before it and its symbols after
# it, by name: "capital m a n g o seven seven exclamation point", "K-I-W-I, 4-4, hashtag", "star
# one nine nine oh".
_CASE_BEFORE = re.compile(r"\b(?:capital|upper ?case|lower ?case|small|pound|star|hash)\s+$", FLAGS)
_SYMBOLS_AFTER = re.compile(
    rf"(?:,?\s+(?:{_SYMBOL_NAMES}|pound|star|ampersand|percent sign)\b)+(?=\s*(?:[.?!,;]|$))", FLAGS
)


def _secret_edges(text: str, findings: list[Finding]) -> list[Finding]:
    """A secret's case word before it and the names of its symbols after it ("capital m a n g o
    seven seven exclamation point"), and the parts it is said in, joined by "then": "Chase,
    C-H-A-S-E, then 1987, then an exclamation point"."""
    found: list[Finding] = []
    for entity, start, end, score in findings:
        if entity != "PIN":
            continue
        case = _CASE_BEFORE.search(text, max(0, start - 12), start)
        symbols = _SYMBOLS_AFTER.match(text, end)
        if case or symbols:
            found.append((entity, case.start() if case else start, symbols.end() if symbols else end, score))
        parts_after = _PARTS_AFTER.match(text, end)
        if parts_after and not _secret(_JOINING_WORDS.sub("", parts_after.group()), alone=False):
            parts_after = None  # "4419, then what?"
        parts_before = _PARTS_BEFORE.search(text, max(0, start - 48), start)
        if parts_before and not _secret(_JOINING_WORDS.sub("", parts_before.group("parts")), alone=False):
            parts_before = None
        if parts_after or parts_before:
            first = parts_before.start("parts") if parts_before else start
            found.append((entity, first, parts_after.end() if parts_after else end, score))
    return found


# Words between a secret's parts, none of them talk: "Georgia, capital G, then 2-0-1-9".
_JOINING_WORDS = re.compile(r"\b(?:and|then|an?|capital)\b", FLAGS)
# A secret said in parts joined by "then", after and before one of them found.
_PART = rf"(?:{_SYMBOL_NAMES}|pound|star|capital\s+[a-z]\b|[A-Za-z0-9][\w-]*)"
_PARTS_AFTER = re.compile(rf"(?:,?\s+(?:and\s+)?then\s+(?:an?\s+)?{_PART})+(?=\s*(?:[.?!;]|$))", FLAGS)
_PARTS_BEFORE = re.compile(
    r"(?<![\w'’-])(?P<parts>(?:(?:capital\s+)?[A-Za-z0-9][\w-]*,?\s+){1,2})(?:and\s+)?then\s+$", FLAGS
)


def _card_runs(text: str) -> list[Finding]:
    """A card number said together with its expiry and code, as one run of
    digits ("four one one one … one two two seven eight six one")."""
    found: list[Finding] = []
    for match in _DIGIT_RUN.finditer(text):
        digits = match.group()
        if not 17 <= len(digits) <= 27:
            continue
        for prefix, lengths in _CARD_LENGTHS:
            if not prefix.match(digits):
                continue
            for length in lengths:
                if length < len(digits) and luhn_valid(digits[:length]):
                    start = match.start()
                    found.append(("CREDIT_CARD", start, start + length, 0.9))
                    found.extend(_expiry_and_code(start + length, digits[length:]))
                    break
            else:
                continue
            break
    return found


def _expiry_and_code(start: int, digits: str) -> list[Finding]:
    if len(digits) in (7, 8) and expiry_valid(digits[:4]):
        return [("CARD_EXPIRY", start, start + 4, 0.85), ("CVV", start + 4, start + len(digits), 0.85)]
    if len(digits) in (3, 4):
        return [("CVV", start, start + len(digits), 0.85)]
    return [("CVV", start, start + len(digits), 0.7)]


# After a card number: the expiry and code, said bare.
_FLOW_VALUE = re.compile(
    rf"(?P<expiry>(?:0?[1-9]|1[0-2])\s*(?:/|\bof\b)\s*(?:20)?\d\d(?!\d)|{MONTH}\.?,?\s+(?:of\s+)?(?:20\d\d|'?\d\d)\b)"
    r"|(?P<code>\d{3,8}(?![\d-]))|(?P<spaced>\d(?:[ -]\d){2,3}(?![\d-]))",
    FLAGS,
)
_FLOW_SKIP = re.compile(
    r"(?:[\s,.;:…!?-]|\b(?:um+|uh+|er|erm|ah|hmm|and|then|the|is|it's|its|that's|expires?|expiring|expiry|"
    r"expiration|exp|date|security|code|cvv|cvc|on the back|okay|ok|so|yeah|yes)\b)*",
    FLAGS,
)


# An expiry and a code said alone together: "uh twelve twenty seven and eight six one".
_EXPIRY_AND_CODE = re.compile(r"(?P<expiry>\d{3,4})\s*,?\s+(?:and\s+)?(?P<code>\d{3,4})(?![\w-])")
_EXPIRY_SHAPE = re.compile(r"(?:0?[1-9]|1[0-2])(?:2[4-9]|3\d)")


def _expiry_with_code(text: str, talk: Dialogue) -> list[Finding]:
    found: list[Finding] = []
    for match in _EXPIRY_AND_CODE.finditer(text):
        if text[match.start() - 1 : match.start()] not in ("", " ", ",", "\n"):
            continue  # inside a longer number or word
        if not _EXPIRY_SHAPE.fullmatch(match.group("expiry")):
            continue
        if talk.is_bare(match.start(), match.end()) and not talk.harmless_near(match.start()):
            found.append(("CARD_EXPIRY", *match.span("expiry"), 0.7))
            found.append(("CVV", *match.span("code"), 0.7))
    return found


def _payment_flow(text: str, findings: list[Finding]) -> list[Finding]:
    found: list[Finding] = []
    for entity, _, end, _ in findings:
        if entity not in ("CREDIT_CARD", "CARD_EXPIRY"):
            continue
        # After the card, its expiry and code; after the expiry, the code.
        position, values = end, 0 if entity == "CREDIT_CARD" else 1
        while values < 2 and position - end < 90:
            skip = _FLOW_SKIP.match(text, position)
            position = skip.end() if skip else position
            value = _FLOW_VALUE.match(text, position)
            if not value or QUANTITY_AFTER.match(text, value.end()):
                break
            if entity == "CARD_EXPIRY" and (value.lastgroup == "expiry" or len(digits_only(value.group())) > 4):
                break
            if value.lastgroup == "code" and len(value.group()) > 6:
                found.extend(_expiry_and_code(value.start(), value.group()))  # said together: 1227861
            elif value.lastgroup == "expiry" or (values == 0 and expiry_valid(value.group())):
                found.append(("CARD_EXPIRY", value.start(), value.end(), 0.8))
            else:
                found.append(("CVV", value.start(), value.end(), 0.8))
            position, values = value.end(), values + 1
    return found


_PARTIAL_VALUE = re.compile(r"[^\d.!\n]{0,40}?(?<![\w$])(?P<value>\d(?:[ -]?\d){1,5})(?![\w])")
_YEAR_VALUE = re.compile(r"(?:19|20)\d\d")
# Said of one as what the sentence is about: "Your order number ends in …", not "The card I
# used for the order ends in …".
_HARMLESS_ENDING = re.compile(
    r"(?:^|[.,;:?!]\s*|\b(?:so|and|yes|yeah|okay|ok|says|said)\s+)(?:the|your|my|that|this|its)\s+(?:[\w-]+\s+)?"
    rf"{HARMLESS_IDENTIFIERS}(?:\s+(?:number|no\.?|#|code|id))?(?:['’]s)?\s*$",
    FLAGS | re.MULTILINE,
)
_PARTIAL_TYPES = (("SSN", "SSN"), ("BANK", "BANK_ACCOUNT"), ("ACCOUNT", "BANK_ACCOUNT"), ("CARD", "CREDIT_CARD"))


# "I have 7764 as the last four", "four four seven one, those are the last four of my social".
_VALUE_BEFORE_PARTIAL = re.compile(r"(?<![\w$])(?P<value>\d(?:[ -]?\d){3})(?![\w])[^\d.!?\n]{0,30}$")


def _partial_identifiers(text: str, talk: Dialogue) -> list[Finding]:
    """ "ends in 8 0 1 5", "the last four of my social are …": part of a
    card, an account or a social, typed by what the sentence is about, a
    card when nothing says."""
    found: list[Finding] = []
    for mention_start, end in talk.mentions["PARTIAL"]:
        value = _PARTIAL_VALUE.match(text, end)
        if not value or QUANTITY_AFTER.match(text, value.end()):
            continue
        if _HARMLESS_ENDING.search(text, max(0, mention_start - 40), mention_start):
            continue  # "the tracking number ends in 4471": a business's
        value_start, value_end = value.span("value")
        topics = tuple(topic for topic, _ in _PARTIAL_TYPES)
        topic = talk.nearest_before(topics, value_start, 80)
        if topic is None:
            _, sentence_end = talk.sentence(value_start)
            following = [t for t in topics if talk.after(t, value_end, max(0, sentence_end - value_end))]
            carried = talk.carried(value_start, bare=True)
            topic = next(iter(following), None) or next((t for t in topics if t in carried), None)
        if _YEAR_VALUE.fullmatch(text[value_start:value_end]) and (
            topic is None or text.startswith(("ended", "Ended"), mention_start)
        ):
            continue  # "the promotion ends in 2027", "the gift card program ended in 2006"
        entity = dict(_PARTIAL_TYPES).get(topic or "CARD", "CREDIT_CARD")
        found.append((entity, value_start, value_end, 0.85))
    for start, end in talk.mentions["PARTIAL"]:
        if not text[start:end].lower().startswith("last"):
            continue
        before = _VALUE_BEFORE_PARTIAL.search(text, max(0, start - 40), start)
        if not before or _YEAR_VALUE.fullmatch(before.group("value")):
            continue
        _, sentence_end = talk.sentence(end)
        topics = tuple(topic for topic, _ in _PARTIAL_TYPES)
        following = [topic for topic in topics if talk.after(topic, end, max(0, sentence_end - end))]
        topic = next(iter(following), None) or talk.nearest_before(topics, before.start(), 80)
        entity = dict(_PARTIAL_TYPES).get(topic or "CARD", "CREDIT_CARD")
        found.append((entity, before.start("value"), before.end("value"), 0.8))
    # "Can you verify the last four of your social? … Thank you, I have 8 8 1 2.":
    # the question asked, the answer in a later sentence.
    for start, end in talk.mentions["PARTIAL"]:
        if not text[start:end].lower().startswith("last"):
            continue
        question_start, question_end = talk.sentence(end)
        # Asked with "?", or as a turn of its own in raw speech: "last four of the account".
        asked = text[max(0, question_end - 3) : question_end].rstrip()
        if not asked.endswith("?") and not (
            text.startswith("\n", question_end - 1)
            and _PROMPT.fullmatch(text, question_start, question_end - 1)
            and not talk.mentioned_within("HARMLESS", question_end, question_end - question_start)
        ):
            continue
        answer = _ANSWER_VALUE.search(text, question_end, min(len(text), question_end + 100))
        if (
            not answer
            or talk.before("HARMLESS", answer.start(), answer.start() - question_end)
            or QUANTITY_AFTER.match(text, answer.end())
        ):
            continue
        if talk.partial_of_harmless(start, end) and talk.turn_is_bare(answer.start()):
            continue  # "What are the last four of the tracking number?" "6621."; not "4412. Wait, that's my debit."
        topics = tuple(topic for topic, _ in _PARTIAL_TYPES)
        following = [topic for topic in topics if talk.after(topic, end, max(0, question_end - end))]
        topic = next(iter(following), None) or talk.nearest_before(topics, start, 80)
        entity = dict(_PARTIAL_TYPES).get(topic or "CARD", "CREDIT_CARD")
        found.append((entity, answer.start(), answer.end(), 0.8))
    return found


# A turn that is only a prompt: "Last four of the account", "and the last 4 of your social".
_PROMPT = re.compile(r"[^\S\n]*(?:(?:and|ok|okay|now)\b[,\s]+)*(?:the\s+)?last\s+\w+[^\d\n?.!]{0,40}", FLAGS)
# The first value after a question: four digits, with nothing but words before it.
_ANSWER_VALUE = re.compile(r"(?<![\w$])(?<!\d[ -])\d(?:[ -]?\d){3}(?![\w-]|[ -]\d)")


_CORRECTION = re.compile(
    r"\b(?:sorry|no|not|nope|wait|actually|i mean|correction|rather|or|scratch that|let me (?:start over|try again|"
    r"say that again|repeat)|my (?:bad|mistake)|oops|not that|that's wrong|i don't think|hold on|hang on)\b",
    FLAGS,
)
# A value as the recognisers see it: digits, with a spelled code's letters.
_VALUE_RUN = re.compile(r"(?<![\w$])[A-Z]{0,4}\d(?:[\d/-]*\d)?[A-Z]?(?![\w])")
_NUMERIC_TYPES = {
    "SSN", "CREDIT_CARD", "CVV", "CARD_EXPIRY", "ROUTING_NUMBER", "BANK_ACCOUNT", "PHONE", "DATE_OF_BIRTH",
    "ZIP_CODE", "ACCOUNT_ID", "PIN", "DRIVER_LICENSE", "PASSPORT", "ADDRESS",
}  # fmt: skip


# "two six seven no wait let me start over two five six …": what came before was abandoned.
_START_OVER = re.compile(
    r"\b(?:start(?:ing)? (?:over|again)|from the (?:top|beginning)|let me (?:try|say it) again)\b", FLAGS
)
_SUFFIXED_TYPES = frozenset({"CREDIT_CARD", "BANK_ACCOUNT", "ACCOUNT_ID"})
_RESTART_GAP = re.compile(r"(?:[\s,…-]|\.{2,}|\b(?:uh|um|er|sorry)\b)+", FLAGS)


# An identifier begun, a pause or a correction, and the same said again from
# the start: "K 9 9… sorry, it's K99420175", "ZX-4… uh, it's ZX-440-918-3".
_PAUSED_AFTER = re.compile(
    rf"[\s,]*(?:(?:uh|um|er|erm)\b[\s,]*)*(?:…|\.\.|{_CORRECTION.pattern}|{_START_OVER.pattern})", FLAGS
)
_PAUSE_OR_CORRECTION = re.compile(rf"…|\.\.|{_CORRECTION.pattern}|{_START_OVER.pattern}", FLAGS)
_PIECE = re.compile(r"[A-Za-z0-9]+(?:'[a-z]+)?")
_BEGUN_TYPES = _NUMERIC_TYPES - {"DATE_OF_BIRTH", "ADDRESS"}
_BEGUN_WITHIN = 60


def _begun_again(text: str, findings: list[Finding]) -> list[Finding]:
    """The start of an identifier said, abandoned and said again whole: short
    pieces said shortly before it, with a pause or a correction after them,
    that spell the value's own start ("c oh three sorry c oh three four five
    five one two nine", "Y 7 7… hang on, it's in my wallet… Y770 2211 8845")."""
    found: list[Finding] = []
    for entity, start, end, score in findings:
        # Read only where a pause or a correction is said just before it.
        if entity not in _BEGUN_TYPES or not _PAUSE_OR_CORRECTION.search(text, max(0, start - _BEGUN_WITHIN), start):
            continue
        # "O" and zero compared alike: a spelled "o" may have been read as either.
        value = "".join(_PIECE.findall(text[start:end])).upper().replace("O", "0")
        pieces = list(_PIECE.finditer(text, max(0, start - _BEGUN_WITHIN), start))
        # A value written in capitals is not begun by a word in lowercase: "ME, wait, let me start
        # over, ME0000000" (a letter is: "c oh three sorry C034551229" in the normalised copy).
        capitals = any(character.isupper() for character in text[start:end])
        # The nearest run of pieces that spells the value's start, and the longest such run there.
        for last in range(len(pieces) - 1, -1, -1):
            if pieces[last].group() in FILLER_WORDS:
                continue  # "U H uh no UH0000000": the "uh" is a pause, the "U H" the start
            said, first = "", None
            for candidate in range(last, max(-1, last - 8), -1):
                word = pieces[candidate].group()
                lowercase_word = capitals and word.isalpha() and len(word) > 1
                if not word.isupper() and (_CORRECTION.fullmatch(word) or lowercase_word):
                    break  # "no, N0458…": the correction is no start of the value ("OR…, OR0000000" is)
                piece = pieces[candidate].group().upper().replace("O", "0")
                said = piece + said
                if len(piece) > 4 or len(said) >= len(value):
                    break
                if len(said) >= 2 and (
                    value.startswith(said) or _misread_start(text, pieces[candidate : last + 1], said, value, start)
                ):
                    first = candidate
            # The pause or correction straight after the pieces: "MY… hang on, it's in my wallet… MY0000000".
            if first is not None and _PAUSED_AFTER.match(text, pieces[last].end(), start):
                found.append((entity, pieces[first].start(), pieces[last].end(), score - 0.05))
                break
    return found


def _month_before(text: str, start: int, entity: str) -> int:
    """Where an expiry's or a birth date's year said again or corrected starts, its month said
    just before it: "No, wait, 8 of 29", "Great, September 2028.", "Two... twenty-eight"."""
    if entity not in ("CARD_EXPIRY", "DATE_OF_BIRTH"):
        return start
    month = _MONTH_JUST_BEFORE.search(text, max(0, start - 16), start)
    return month.start() if month else start


_MONTH_JUST_BEFORE = re.compile(
    rf"(?<![\w/.-])(?:0?[1-9]|1[0-2]|{MONTH})(?:\s+of\s+|\s*[/-]\s*|(?:\.{{2,3}}|…)\s*|\s+)\Z", FLAGS
)


def _misread_start(text: str, pieces: list[re.Match[str]], said: str, value: str, start: int) -> bool:
    """Pieces broken off before a value, in its turn, that are a misread of it, not its start:
    its first letter and another, spelled ("L-A… no, sorry, it's L-B-4-8-2-0-4-7"), or four
    digits or more ("2 7 8 1… hold on, I'm reading it upside down. 4 7 1 9 6 2 0 3"); not a
    word ("Oh, no, it's 0 9 / 2 8"), nor the end of a number before them."""
    if "\n" in text[pieces[0].start() : start] or text[pieces[0].start() - 1 : pieces[0].start()].isalnum():
        return False
    if _NO_START_BEFORE.search(text, max(0, pieces[0].start() - 24), pieces[0].start()):
        return False  # "Order 5 5 1 2... no wait, that's the order number", "since 2019… hold on"
    # Letters said one by one, or with digits: not a word in capitals ("I called the DMV… sorry, …").
    spelled = all(
        len(piece.group()) == 1 or any(character.isdigit() for character in piece.group()) for piece in pieces
    )
    year = said.isdigit() and len(said) == 4 and said[:2] in ("19", "20")
    return spelled and (said[0] == value[0] or (said.isdigit() and len(said) >= 4 and not year))


# What a number broken off is, said before it: a business's number, a room, an amount, a time.
_NO_START_BEFORE = re.compile(
    rf"\b(?:{HARMLESS_IDENTIFIERS}|room|suite|since|in|paid|pay|about|around|like|at|until|number|\$)"
    r"[^\S\n]*[,:#]?[^\S\n]*(?:(?:uh|um)[^\S\n,]*,?[^\S\n]*)?\Z",
    FLAGS,
)


def _restart(text: str, left: tuple[int, int], right: tuple[int, int], gap: str) -> bool:
    """A value begun and, after a pause, said again from the start: "95… 958"."""
    said, again = digits_only(text[left[0] : left[1]]), digits_only(text[right[0] : right[1]])
    return (
        len(gap) <= 12 and _RESTART_GAP.fullmatch(gap) is not None and len(again) > len(said) and again.startswith(said)
    )


_STREET_NAME_AFTER = re.compile(rf"(?:\s+(?-i:[A-Z])?{NAMING_WORD}){{1,2}}", FLAGS)


def _street_end(text: str, end: int, entity: str) -> int:
    """An address's house number said again, or abandoned, keeps the street
    name said with it: "it's 61 oak, no, 61 elm court", "123 Maple, like the tree"."""
    if entity != "ADDRESS":
        return end
    name = _STREET_NAME_AFTER.match(text, end)
    return name.end() if name else end


def _corrections_and_repeats(text: str, findings: list[Finding]) -> list[Finding]:
    """A value abandoned in a correction, its restatement ("45019… sorry,
    4501 …", "0612 or, uh, 0621"), and a value said again, take the type of
    the one that was recognised."""
    runs = [
        match.span()
        for match in _VALUE_RUN.finditer(text)
        if len(digits_only(match.group())) >= 2 and not QUANTITY_AFTER.match(text, match.end())
    ]
    if len(runs) < 2:
        return []
    typed: list[tuple[str, int, int, float] | None] = [None] * len(runs)
    ordered = sorted((finding for finding in findings if finding[0] in _NUMERIC_TYPES), key=lambda item: item[1])
    following, active = 0, []
    for index, (start, end) in enumerate(runs):
        while following < len(ordered) and ordered[following][1] < end:
            active.append(ordered[following])
            following += 1
        active = [finding for finding in active if finding[2] > start]
        if active:
            typed[index] = active[0]
    by_digits: dict[str, Finding] = {}
    for index, finding in enumerate(typed):
        if finding:
            digits = digits_only(text[runs[index][0] : runs[index][1]])
            if len(digits) >= 3:
                by_digits.setdefault(digits, finding)
            if len(digits) >= 12 and finding[0] in _SUFFIXED_TYPES:
                # "…8282 8210. Wait, did I say 8210? Yeah, 8210 at the end.": its last four said again.
                by_digits.setdefault(digits[-4:], finding)
    found: list[Finding] = []
    # A value said again is the same value, and a correction after it corrects that value:
    # "Yes it's 2024 pound." / "I heard 2024. Is that right?" / "No, 2042.".
    for index, (start, end) in enumerate(runs):
        if typed[index] is None:
            repeated = by_digits.get(digits_only(text[start:end]))
            if repeated:
                start = _month_before(text, start, repeated[0])
                typed[index] = (repeated[0], start, _street_end(text, end, repeated[0]), repeated[3])
                found.append(typed[index])
    changed = True
    while changed:
        changed = False
        for index in range(len(runs) - 1):
            left, right = typed[index], typed[index + 1]
            gap = text[runs[index][1] : runs[index + 1][0]]
            if left is None and right is None or len(gap) > 80:
                continue
            if not _CORRECTION.search(gap) and not _restart(text, runs[index], runs[index + 1], gap):
                continue
            if left and right:
                # Typed differently on either side of a correction: the weaker
                # reading gives way ("45019…", read as a ZIP code, is the
                # start of the card number said again after "sorry").
                if left[0] == right[0] or len(gap) > 16 or abs(left[3] - right[3]) < 0.05:
                    continue
                source, target = (left, index + 1) if left[3] > right[3] else (right, index)
            else:
                source = left or right
                target = index + 1 if left else index
            target_digits = digits_only(text[runs[target][0] : runs[target][1]])
            source_digits = digits_only(text[source[1] : source[2]])
            similar = (
                target_digits in source_digits
                or source_digits in target_digits
                or abs(len(target_digits) - len(source_digits)) <= 1
            )
            if len(gap) > 16 and not similar and not _START_OVER.search(gap):
                continue
            if source[0] == "DATE_OF_BIRTH" and _YEAR_VALUE.fullmatch(target_digits):
                if not FIRST_BIRTH_YEAR <= int(target_digits) <= LAST_BIRTH_YEAR:
                    continue  # "Nineteen sixty-six, not 2066"
            finding = (
                source[0],
                _month_before(text, runs[target][0], source[0]),
                _street_end(text, runs[target][1], source[0]),
                source[3],
            )
            typed[target] = finding
            found.append(finding)
            changed = True
    return found


# --- ZIP codes by position ------------------------------------------------------------------

_FIVE_DIGITS = re.compile(r"(?<![\w$.,-])\d{5}(?:-\d{4})?(?![\w-])")


def _zip_by_position(text: str) -> list[Finding]:
    found: list[Finding] = []
    for match in _FIVE_DIGITS.finditer(text):
        start = match.start()
        if QUANTITY_AFTER.match(text, match.end()):
            continue
        score = _after_place(text, start) or (0.75 if _before_place(text, match.end()) else 0.0)
        if score:
            found.append(("ZIP_CODE", start, match.end(), score))
    return found


_OTHER_DATE = re.compile(
    rf"\b{MONTH}\.?\s+(?:the\s+)?{DAY}(?:{DATE_GAP}(?:of\s+)?(?:{YEAR}|'?\d\d))?\b"
    rf"|\b(?:the\s+)?{DAY}\s+of\s+{MONTH}\b|(?<![\w'])'\d\d\b|(?<![\w$.,]){YEAR}(?![\w-])"
    # The year said after the day: "born on the 28th in 73", "may fifth i think forty nine".
    r"|\b(?:in|i think|i guess|maybe|probably)\s+\d\d(?![\w-])",
    FLAGS,
)
# A month begun and abandoned just before a date of birth: "uh july no sorry june 21st 1970".
_MONTH_ABANDONED = re.compile(
    # A day begun and abandoned too: "uh it is seventh sorry the seventeenth of may…", "january hang on january…".
    rf"\b(?P<value>{MONTH}|(?:the\s+)?(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)(?:\s+of)?)\b"
    r"(?:[\s,.…-]|\b(?:no|sorry|wait|actually|i mean|uh|um)\b)*\b(?:no|sorry|wait|actually|i mean|hang on|hold on)\b"
    r"(?:[\s,.…-]|\b(?:uh|um)\b)*$",
    FLAGS,
)


# A birthday on a holiday: "I was born on Christmas Day, 1959".
_HOLIDAY = re.compile(
    r"\b(?:christmas(?: day| eve)?|new year's (?:day|eve)|valentine's day|halloween|thanksgiving(?: day)?|"
    r"independence day|the (?:fourth|4th) of july|(?:st\.?|saint) patrick's day|easter(?: sunday)?)"
    rf"(?:{DATE_GAP}(?:of\s+)?(?:{YEAR}|'?\d\d)\b)?",
    FLAGS,
)


def _holiday_births(text: str, talk: Dialogue) -> list[Finding]:
    """A holiday one was born on, said where birth is talked of, or alone as the answer that
    starts a turn: "born on christmas day, 1959"; "When's your birthday?" "Christmas Eve."; not
    a remark after the date ("DOB, 12/25/1973. Christmas, yeah.")."""
    return [
        ("DATE_OF_BIRTH", *match.span(), 0.75)
        for match in _HOLIDAY.finditer(talk.lowered)
        if talk.before("DOB", match.start(), 30)
        or (
            talk.is_bare(*match.span())
            and not text[text.rfind("\n", 0, match.start()) + 1 : talk.sentence(match.start())[0]].strip()
            and "DOB" in talk.carried(match.start(), bare=True)
        )
    ]


# A date named a birthday after it: "Oh, 4/3 is his birthday.", "march fourth is my birthday";
# not "Friday is my birthday" (no date) or "June 3rd is the day after my birthday".
_NAMED_A_BIRTHDAY = re.compile(
    r"(?:,?\s+(?:which|that)|,\s+that)?\s+(?:is|was|'s)\s+(?:my|his|her|their|your)\s+(?:\w+['’]s\s+)?"
    r"(?:birthday|date of birth|birth ?date|dob|d\.o\.b)\b(?=\s*(?:[.,;!?]|$|\n|(?:and|so|but|too|actually)\b))",
    FLAGS,
)
_DATE_BEFORE = re.compile(
    rf"(?:\b{MONTH}\.?\s+(?:the\s+)?{DAY}(?:,?\s+{YEAR})?|\b(?:the\s+)?{DAY}\s+of\s+{MONTH}|"
    r"(?<![\w/])(?:0?[1-9]|1[0-2])/(?:0?[1-9]|[12]\d|3[01])(?:/(?:\d\d){1,2})?(?![\w/]))$",
    FLAGS,
)


def _birthdays_named(text: str) -> list[Finding]:
    """Read from where the birthday is named, back to the date before it."""
    found: list[Finding] = []
    for named in _NAMED_A_BIRTHDAY.finditer(text):
        date = _DATE_BEFORE.search(text, max(0, named.start() - 40), named.start())
        if date:
            found.append(("DATE_OF_BIRTH", *date.span(), 0.8))
    return found


_INDEPENDENCE_DAY = re.compile(r"(?:the\s+)?4th\s+of\s+july\b", FLAGS)


def _dates_beside_birth(text: str, findings: list[Finding], talk: Dialogue) -> list[Finding]:
    """Another date said just after a date of birth is that date corrected,
    compared or said again: "It's December 11th. December 1st, not January
    12th.", "the system has 7/15, but you said July 5th.", "August 19th. '67."
    Not where something marks it as an event's ("moved in", "the appointment")."""
    found: list[Finding] = []
    for entity, start, end, _ in findings:
        if entity != "DATE_OF_BIRTH":
            continue
        for match in _OTHER_DATE.finditer(text, end, min(len(text), end + 90)):
            year = _YEAR_VALUE.fullmatch(match.group())
            if (
                not talk.harmless_before(match.start())
                and _same_date_talked_of(text, (start, end), match)
                and not (year and not FIRST_BIRTH_YEAR <= int(match.group()) <= LAST_BIRTH_YEAR)
                and not QUANTITY_AFTER.match(text, match.end())
                and not text[max(0, match.start() - 4) : match.start()].lower().endswith("not ")
                and not _INDEPENDENCE_DAY.match(text, match.start())
            ):
                found.append(("DATE_OF_BIRTH", match.start(), match.end(), 0.75))
    for entity, start, end, _ in findings:
        if entity == "DATE_OF_BIRTH":
            abandoned = _MONTH_ABANDONED.search(text, max(0, start - 40), start)
            if abandoned:
                found.append(("DATE_OF_BIRTH", *abandoned.span("value"), 0.75))
            day = _DAY_FIRST.search(text, max(0, start - 24), start)
            if day and not talk.harmless_before(day.start()):
                found.append(("DATE_OF_BIRTH", *day.span("day"), 0.75))
            # The question for the piece in the turn straight after the date's.
            asked = _PIECE_ASKED.search(text, end, min(len(text), end + 200))
            if asked and text.count("\n", end, asked.start()) <= 1 and not talk.harmless_before(asked.start("value")):
                found.append(("DATE_OF_BIRTH", *asked.span("value"), 0.75))
                corrected = _PIECE_CORRECTED.match(text, asked.end("value"))
                if corrected:
                    found.append(("DATE_OF_BIRTH", *corrected.span("value"), 0.75))
            # The year first, where a birth date was asked for and the date has no year of its own.
            year = _YEAR_FIRST.search(text, max(0, start - 32), start)
            said = year and digits_only(year["year"])
            if (
                said
                and (len(said) == 2 or FIRST_BIRTH_YEAR <= int(said) <= LAST_BIRTH_YEAR)
                and not _HAS_A_YEAR.search(text, start, talk.sentence(start)[1])
                and (talk.before("DOB", year.start(), 60) or {"DOB", "BIRTH_YEAR"} & talk.carried(start, bare=True))
            ):
                found.append(("DATE_OF_BIRTH", *year.span("year"), 0.75))
    return found


_WORD_OR_DIGIT = re.compile(r"\w")
# A date's pieces: a month's name or number, a day, a year.
_DATE_PIECE = re.compile(rf"{MONTH}|\d+", FLAGS)
# What corrects the date said before: "No, the 14th.", "Actually, it's June 4th."
# Not ``_CORRECTION``, whose "or" offers another date as often as it corrects one ("Tuesday or June 30th?").
_DATE_CORRECTED = re.compile(
    r"\b(?:no|nope|not|actually|sorry|wrong|wait|i mean|rather|heard|said|say|confirm|confirming)\b", FLAGS
)
_DATE_CHECKED_AFTER = re.compile(r"[^\n]{0,30}?\b(?:correct|right)\b", FLAGS)


def _date_pieces(said: str) -> set[str]:
    """A date's month (its name's first three letters), day and year, a year in two digits too."""
    pieces = set()
    for piece in _DATE_PIECE.findall(said):
        pieces.add(piece.lower()[:3] if piece[0].isalpha() else piece.lstrip("0"))
        if len(piece) == 4 and piece.isdigit():
            pieces.add(piece[2:])
    return pieces


def _same_date_talked_of(text: str, birth: tuple[int, int], other: re.Match[str]) -> bool:
    """``other``, a date said after the date of birth at ``birth``, is talked of as the same
    date: in the same turn, or in a later one that corrects it, checks it or shares a piece of it
    ("1944." / "I heard 1954. Is that correct?"; "…4/7/79?" / "No, July 4th."); not a date a later
    turn talks of for itself ("July 4th 1979." / "…a license expiring June 30th.")."""
    if "\n" not in text[birth[1] : other.start()]:
        return True
    line_start = text.rfind("\n", 0, other.start()) + 1
    line_end = text.find("\n", other.end())
    said_alone = not _WORD_OR_DIGIT.search(text, other.end(), len(text) if line_end == -1 else line_end)
    if text[birth[1] : line_start - 1].rstrip().endswith("?") or (
        said_alone and not _WORD_OR_DIGIT.search(text, line_start, other.start())
    ):
        # The answer to a question asked after it, or a date said alone: "…nineteen eighty eight" /
        # "And Chidinma's?" / …; "…And your son Liam, he's on the plan too." / "November 17th, 2019."
        return True
    return bool(
        _DATE_CORRECTED.search(text, line_start, other.start())
        or _DATE_CHECKED_AFTER.match(text, other.end())
        or _date_pieces(other.group()) & _date_pieces(text[birth[0] : birth[1]])
    )


# A piece of the birth date asked for after part of it, and said alone as the next turn: "march" /
# "And the day?" / "the fourteenth"; "…born January 5th this year." / "And the year, just to be sure?" / "2024.".
_PIECE_ASKED = re.compile(
    r"\b(?:the|what|which) (?:day|year|month)"
    r"(?:,?\s+(?:just to (?:be sure|confirm|check)|again|please|of (?:it|that)))?"
    r"[^\S\n]*\??[^\S\n]*\n[^\S\n]*(?:(?:uh|um|it's|its|it is|that's)[,\s]+)*"
    # Ending the turn, or corrected: "The 9th. Wait, sorry, the 19th."
    rf"(?P<value>(?:the\s+)?{DAY}|{YEAR}|'?\d\d|{MONTH})[.!,]?[^\S\n]*(?=\n|$|(?:no|wait|sorry|actually|i mean)\b)",
    FLAGS,
)
# The piece said again, corrected: "The 9th. Wait, sorry, the 19th."
_PIECE_CORRECTED = re.compile(
    r"[.,!]?[^\S\n]*(?:(?:no|wait|sorry|actually|i mean)\b[,.]?[^\S\n]*)+(?:it's\s+|it is\s+)?"
    rf"(?P<value>(?:the\s+)?{DAY}|{YEAR}|'?\d\d|{MONTH})\b",
    FLAGS,
)
# A day said just before the birth date it is the day of, in a sentence of its own: "No, sorry,
# it's the 13th. November 13th."
_DAY_FIRST = re.compile(rf"(?P<day>\b(?:the\s+{DAY}|(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)))[.!]\s+$", FLAGS)
# A birth date said year first, the year where the answer starts: "'82, June 3rd", "eighty two june third".
_YEAR_FIRST = re.compile(
    r"(?:^|[\n.?!:]\s*|\b(?:uh|um|it's|its|it is|yeah|yes|so|okay|ok|oh|that's|year is|the year's)\b[,\s]+)"
    r"(?P<year>['’]\d{2}|\d{2}|\d{4})\s*[,.?]?\s+(?:(?:uh|um|er)\b,?\s+)?$",
    FLAGS,
)
_HAS_A_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)|['’]\d\d\b")


# "Did you say 45019 or 45091?", "was that 0419 or 0491": a value read back
# with the other way it may have been heard. Both are the caller's.
# What the agent reads a value back with: "I heard 7 2 7 1", "did you say 4417 or 4471?".
_HEARD_LEAD = r"\b(?:i heard|i have|i've got|i'm seeing|i see|i show|i'm showing|you said|did you say|did i hear)"
_READ_BACK = re.compile(
    rf"(?:{_HEARD_LEAD}|\b(?:was that|was it|is that|is it))\s+(?:(?:uh|um),?\s+)?"
    r"(?P<first>\d[\d /-]*\d)\s*,?\s+or\s+(?:(?:uh|um),?\s+)?(?:was it\s+|is it\s+)?(?P<second>\d[\d /-]*\d)(?![\w-])",
    FLAGS,
)
_TOLL_FREE_PREFIX = re.compile(r"1[- ]8(?:00|33|44|55|66|77|88)")
_READ_BACK_LEAD = re.compile(r"\d,? or (?:(?:uh|um),? |was it |is it )?\d", FLAGS)


def _read_back(text: str, talk: Dialogue) -> list[Finding]:
    found: list[Finding] = []
    reached = 0
    for lead in _READ_BACK_LEAD.finditer(text):
        match = None
        for match in _READ_BACK.finditer(text, max(reached, lead.start() - 80), min(len(text), lead.end() + 40)):
            if match.start() <= lead.start() < match.end():
                break
        else:
            continue
        reached = match.end()
        if talk.harmless_before(match.start()) or QUANTITY_AFTER.match(text, match.end()):
            continue
        if min(len(digits_only(match.group("first"))), len(digits_only(match.group("second")))) < 4:
            continue  # "is that 100 or 200?": amounts and counts, most often
        if _TOLL_FREE_PREFIX.fullmatch(match.group("first")) or _TOLL_FREE_PREFIX.fullmatch(match.group("second")):
            continue  # "Is it 1-800 or 1-888?": which business line
        kind = "PIN"
        for group in ("first", "second"):
            start, end = match.span(group)
            value = match.group(group)
            kind = "CARD_EXPIRY" if "/" in value and expiry_valid(value) else _type_by_shape(digits_only(value))
            found.append((kind, start, end, 0.75))
        # The reply that settles it, said alone: "…08/28 or 08/27? Caller: Twenty-seven."
        answer = _READ_BACK_ANSWER.match(text, match.end())
        if answer:
            found.append((kind, *answer.span("value"), 0.75))
    return found


_READ_BACK_ANSWER = re.compile(
    r"\s*\?\s*(?:(?:agent|caller|customer)\s*:\s*)?(?:(?:uh|um|no|yes|yeah|sorry|it's|its|it was|the)[,\s]+)*"
    r"(?P<value>\d[\d /-]*\d|\d)\s*(?:[.!]|$)",
    FLAGS,
)


# Two dates heard back to be told apart: "Was that October 17th or October 7th?", "Did you say
# November 12th or November 2nd?". A date heard from a caller and checked is most often a birth date.
_DATES_READ_BACK = re.compile(
    rf"(?:{_HEARD_LEAD}|\b(?:was that|is that|was it|is it))\s+(?:(?:uh|um),?\s+)?"
    rf"(?P<first>{MONTH}\s+(?:the\s+)?{DAY})\s*,?\s+or\s+(?:(?:uh|um),?\s+)?"
    rf"(?P<second>(?:{MONTH}\s+)?(?:the\s+)?{DAY})\s*\?",
    FLAGS,
)


def _dates_read_back(text: str, talk: Dialogue) -> list[Finding]:
    if "?" not in text:
        return []
    return [
        ("DATE_OF_BIRTH", *match.span(group), 0.7)
        for match in _DATES_READ_BACK.finditer(text)
        if not talk.harmless_before(match.start())
        for group in ("first", "second")
    ]


# A value the agent reads back: "Okay, I'll read it back: 4 4 7."
_READ_IT_BACK = re.compile(
    r"\bread(?:ing)?\s+(?:it|that|this|them|those)?\s*back\b(?:\s+to\s+you)?[:,]?\s+"
    r"(?P<value>\d(?:[ -]?\d){2,})(?![\w-])",
    FLAGS,
)


# A value the agent heard or has on file, read out to be checked: "I heard 7 2 7 1. Is that
# correct?", "I'm seeing 1 0 0 2 5 on the account. You said 1 0 0 5 2?".
_HEARD = re.compile(
    rf"{_HEARD_LEAD}\s+(?:(?:uh|um),?\s+)?"
    r"(?P<value>\d(?:[ -]?\d){2,})(?![\w-])"
    # "Just to confirm, that's 4 5 0 9 1?"
    r"|\b(?:just )?to confirm,?\s+(?:that's|that is|it's|i have)\s+(?P<confirmed>\d(?:[ -]?\d){3,})(?![\w-])",
    FLAGS,
)


def _read_it_back(text: str, talk: Dialogue) -> list[Finding]:
    said = list(_READ_IT_BACK.finditer(talk.lowered)) if "back" in talk.lowered else []
    said += [
        match
        for match in _HEARD.finditer(talk.lowered)
        # A year heard is a year, unless it is on file: "I have 1949 on file" is a date of birth's.
        if not (
            _YEAR_VALUE.fullmatch(digits_only(match.group(match.lastgroup)))
            and "on file" not in text[match.end() : match.end() + 20]
        )
    ]
    return [
        (_type_by_shape(digits_only(match.group(match.lastgroup))), *match.span(match.lastgroup), 0.75)
        for match in said
        if not talk.harmless_before(match.start()) and not QUANTITY_AFTER.match(text, match.end())
    ]


def _type_by_shape(digits: str) -> str:
    """What a value read back alone most likely is, by its length."""
    if len(digits) == 9 and ssn_valid(digits):
        return "SSN"
    if nanp_valid(digits):
        return "PHONE"
    return {3: "CVV", 4: "PIN", 5: "ZIP_CODE"}.get(len(digits), "ACCOUNT_ID")


# --- Secrets said as words ------------------------------------------------------------------

# The questions secrets are set up with, and the secret's own name, said by
# either side: "high school mascot the ravens", "the city where i was born is cebu".
_SPEAKER = r"(?:caller|customer|agent|rep|representative)\b:?"
_MEMORABLE = (
    r"\bmaiden name\b|\b(?:first|1st) (?:pet|dog|cat|car|school|job|teacher|boss|street|concert)(?:'?s)?\b|"
    r"\bgr[eo]w up on\b|"
    r"\b(?:city|town|hospital|country)\s+(?:(?:that|where|which)\s+)?(?:i|you|we|he|she)\s+(?:was|were)\s+born"
    r"(?:\s+in)?\b|\b(?:city|town|hospital|country)\s+(?:was|were)\s+(?:i|you|we|he|she|"
    r"(?:my|your) (?:mother|father|mom|dad|parents))\s+born(?:\s+in)?\b|"
    r"\b(?:what|which) (?:elementary |high |middle |primary |grade )?school did (?:you|i) (?:attend|go to)\b|"
    r"\b(?:city|town) (?:where )?(?:my|your|our) parents met\b|\b(?:city|town) did (?:my|your|our) parents meet\b|"
    r"\bmascot\b|"
    # "your favorite teacher", "your mother's favorite flower"; not "my favorite way to pay", "favorite
    # payment method", "my favorite is pepperoni".
    r"\bfavou?rite (?:teacher|food|colou?r|book|movie|film|band|team|sports team|singer|song|animal|place|flower|"
    r"drink|fruit|vegetable|season|holiday|sport|city|vacation spot|candy|dessert|author|cartoon|character|"
    r"subject|toy|cereal|uncle|aunt|cousin|actor|actress|musician|artist|player|car)\b|"
    r"\bchildhood (?:nickname|friend|best friend|hero|street|home|pet)\b|"
    r"\bbest friend in (?:high|elementary|middle|grade) school\b|"
    r"\bname of (?:my|your|the) (?:elementary|high|middle|primary|grade) school\b|"
    # "the name of your first gaming console", "the name of your favorite aunt"
    r"\bname of (?:my|your) (?:first|1st|favou?rite|childhood|oldest|eldest|youngest)(?: [a-z]+)?? [a-z]+(?=\s*[?.,:])|"
    r"\bverbal password\b|\bsecurity (?:answer|word|question)\b|\bsecret word\b"
)
# Read first by the letters its ways of naming a secret start with (as ``_SECRET_ASKED``).
_MEMORABLE_NAMED = re.compile(rf"\b(?=[mf1gcthwnbvs])(?:{_MEMORABLE})", FLAGS)
# Before the secret, after its name: "is", "was", "a dog named", a pause, or nothing ("verbal password tangerine").
_MEMORABLE_THEN = re.compile(
    r"[^.!?\n]{0,30}?\s(?:named|called)\b|[^.!?\n]{0,30}?\s(?:is|was|(?:would|might|could|may|should) be)\b|"
    r"[^\S\n]*[?.:,…]+|(?=\s)",
    FLAGS,
)
# The start of a turn or a sentence, a speaker, a pause or "my" aside.
_TURN_START = re.compile(
    rf"(?:^|[.?!\n]|\b{_SPEAKER})[^\S\n]*"
    r"(?:(?:uh|um|so|and|okay|ok|oh|well|i|we|my|the|your|our|his|her|high school|school|name of|"
    r"(?:security |secret )?question (?:is|was))\b[,\s]*)*$",
    FLAGS,
)
# What asks for a secret: a password or passcode, a PIN, a security question
# or word, and the questions such answers are set up with.
_SECRET_ASKED = re.compile(
    # Every way of asking starts a word with one of these letters: read first, it spares
    # trying each way at every other place of a long transcript (four times faster).
    r"\b(?=[svcpmf1gthwnb])(?:"
    r"\b(?:security|secret|verbal|challenge) (?:questions?|words?|answers?|phrases?)\b|"
    r"\bpass ?(?:word|code|phrase)s?\b|"
    # Not the placeholder of a PIN already hidden ("[PIN]").
    rf"(?<!\[)\bpin\b|{_MEMORABLE})",
    FLAGS,
)
# The question closes with "?", or the other speaker answers it ("... first school caller saint mary's"),
# or its turn ends: raw speech has no "?", and a prompt may ask with "Please say the city you were born in."
# A title's period ends no question: "What was your first pet's name, Mr. Okafor?"
_QUESTION_END = re.compile(
    r"(?:[^.!?\n]|\b(?:mr|mrs|ms|mx|dr|prof|st|jr|sr)\.){0,80}?"
    r"(?:\?|[.!]?(?=\s(?:caller|customer)\b)|[.!]?(?=[^\S\n]*\n))",
    FLAGS,
)
# A prompt that tells the caller to say the secret, with what it must be after it, its turn's
# last words: "Please say your new password. It must have at least 8 characters."
_PROMPTED = re.compile(
    r"[^\S\n]*(?:(?:and|now|okay|ok|next|then)\b[,\s]+)*(?:please\s+)?(?:say|enter|tell me|give me|state|"
    r"provide|spell|create|choose|pick|type|key in)\b",
    FLAGS,
)
_PROMPT_GOES_ON = re.compile(r"[^.!?\n]{0,40}[.!][^\S\n]+[^?\n]{0,160}?[.!]?(?=[^\S\n]*\n)", FLAGS)
# A yes-or-no question about a secret ("Do you remember your password?", "Is the PIN working?")
# asks for no secret, unless it asks to be given one ("Can you tell me the passcode?").
_YES_OR_NO = re.compile(
    rf"\W*(?:{_SPEAKER}\s*)?(?:(?:and|so|okay|ok|great|thanks|thank you|alright|now)\b[,.]?\s+)*"
    r"(?:do|does|did|is|are|was|were|have|has|had|would|should|will|shall|can|could|may|want)\b",
    FLAGS,
)
# The next turn asks what the secret just spoken of should be: "Sure. What would you like it to be?"
_ASKED_OF_IT = re.compile(
    r"[^\S\n]*\n[^\n?]{0,40}?\b(?:what|which)\b[^\n?]{0,40}\b(?:it|that|the new one|yours)\b[^\S\n]+"
    r"(?:to be|be|changed to|change(?:d)? (?:it|that) to|set to)\b[^\S\n]*(?:\?|(?=\n))",
    FLAGS,
)
# The secret said with its name, a number after it: "…, and the PIN is 3 9 3 9." asks nothing.
_SAID_WITH_IT = re.compile(
    r"\s+(?:is|was)\s+(?:\d|(?:zero|oh|one|two|three|four|five|six|seven|eight|nine|double|triple)\b)", FLAGS
)
# The secret named in one sentence and asked of in the next, in the same turn: "…, we use a pickup
# password. What would you like it to be?"
_ASKED_OF_IT_NEXT = re.compile(
    r"[^\n.?!]{0,60}[.!][^\S\n]+[^\n.?!]{0,40}?\b(?:what|which)\b[^\n.?!]{0,40}"
    r"\b(?:it|that|the new one|yours)\b[^\S\n]+"
    r"(?:to be|be|changed to|change(?:d)? (?:it|that) to|set to)\b[^\S\n]*\?",
    FLAGS,
)
# "Yes" opening the answer; what follows it ("it's", "i think", "it should be") is any answer's lead.
_YES = re.compile(rf"\s*(?:{_SPEAKER}\s*)?(?:yes|yeah|yep|yup|sure(?: do| is)?|uh huh)\b", FLAGS)
_GIVE_IT = re.compile(
    r"\b(?:give|tell|say|read|provide|confirm|verify|spell|share|answer|repeat|go ahead with)\b|"
    r"\b(?:can|could|may)\s+i\s+(?:have|get)\b",
    FLAGS,
)
# What comes before the answer itself: the speaker, a pause, "I think it's", "my dog's name…".
_ANSWER_LEAD = re.compile(
    rf"(?:\s+|[,.…:-]+|{_SPEAKER}|"
    r"(?:uh|um|er|erm|oh|ooh|ah|eh|hmm|mm|mmm|gosh|well|so|okay|ok|sure|yeah|yes|yep|right|alright|let's see|no|ha|"
    r"haha|jeez|geez|god|wow|whoa|man|boy|shoot)\b|"
    r"(?:i think|i believe|i guess|maybe|probably|pretty sure|try|let's try|can you try|then|just|"
    r"(?:i think )?i (?:put|used|set|picked|chose)(?: down)?(?: it as| it to)?)\b|"
    r"(?:it's|its|it is|it was|that's|that would be|that'd be|it should be|it might be|it'd be|it may be|it's probably|"
    r"i want to say|i wanna say|i'd say|i'd have to say|"
    r"it could be|could be|might be|maybe it's)\b|"
    # The thing the answer names: "it's my dog's name... Biscuit", "the street I grew up on, Maple".
    # "the first school one, that's…": the question it answers named.
    r"(?:my|our|the|a|an) (?:[a-z]+'?s |first |1st |old |childhood )?(?:name|street|school|city|town|pet|dog|cat)\b"
    r"(?:\s+(?:one|1)\b)?(?:,?\s+(?:is|was)\b)?)*",
    FLAGS,
)
# A sentence of hedging before the answer, in the same turn: "Ha. Good question.", "Oh, wow, I
# forgot about that.", "Hmm, let me think." (not "I never had a pet.").
_HEDGE = re.compile(
    r"\s*(?:[^.?!…\n]*\b(?:forgot|forget|remember|question|wow|gosh|man|hmm+|think|let me see|let's see|ha|"
    r"haha|good one|tough one|hard one|been a while|long time|oh boy)\b[^.?!…\n]*)[.?!…]+",
    FLAGS,
)
# Words an answer never starts with or is made of: it is talk, not a secret.
_NOT_SECRET = frozenset(
    """a an the and or but so of to in on at for with from by about as is are was were be been am i i'm i've i'd i'll
    me my mine you your yours we our us he she it it's its they them their this that that's these those there here
    what which who how when where why do does did don't doesn't didn't can can't could couldn't would wouldn't
    should will won't have has had not no yes yeah yep nope sure okay ok right well oh uh um er hmm sorry wait
    hold hang one second sec minute moment let let's think know remember forgot forget recall idea clue never set
    up try again please thanks thank just also too all any some none nothing something anything same other another
    new last next go ahead thing course good great fine got get check look give need want like says said say
    tell told ask asked question questions answer answers password passcode pin code word words security secret
    account absolutely definitely certainly actually honestly probably really totally basically literally exactly
    usually normally obviously seriously verified correct confirmed matches perfect wonderful awesome later now
    today tonight tomorrow yesterday soon before after already yet still ever always sometimes perhaps expired
    locked reset changed change update updated wrong incorrect field hint number numbers digits recovery manager
    requirements god ooh wow geez jeez huh ugh first third name names pet pet's cat dog car school yikes shoot
    dang man boy middle problem problems worries caller customer agent lowercase uppercase mother's father's
    maiden favorite favourite printed visit saved accepted going gonna might must shall capital small together
    name's dunno skip pass operator representative human story memory tough hard whatever nevermind you're welcome
    bye goodbye understood noted gotcha excellent fantastic brilliant lovely cheers pleasure super hello hi hey
    cool nice yup mhm bingo indeed sweet help fair enough figures bummer negative lol whoops oops ago quiet
    complicated long short written sensitive working active enabled disabled fast tricky menu cancel billing support
    technical spanish english kids start over back service below unnamed unpaved""".split()
)
_SECRET_WORD = re.compile(r"[^\W_][\w'’-]*")  # any script's letters: "Kraków", "Zoë"
# How a secret is spelled, said after it: "all one word", "two words", "no spaces", "all lowercase"
# (the copy the rules read writes "one" as "1").
_SPELLED_AS = r"(?:(?:all\s+)?(?:one|two|three|[123])\s+words?\b|no spaces\b|all (?:lower ?case|caps|capitals)\b)"
# After the answer: the end of the turn, or what closes a secret's spelling ("all one word").
_ANSWER_CLOSE = re.compile(
    rf"\s*(?:[.?!,;…]|$|\n)|\s+(?:{_SPEAKER}|{_SPELLED_AS}|that's\b|or\b|no\b|like\b|as in\b|"
    # A tag of talk after it, in raw speech: "the saints who else", "rocky i think".
    r"(?:who else|i think|i guess|i believe|for sure)\b|"
    # How it is written: "biscuit with a capital b", "rover, capital R".
    r"(?:with\s+)?(?:a\s+)?(?:capital|uppercase|upper case|lowercase|lower case)\s+\w\b)",
    FLAGS,
)
# A second try after the first answer: "Springfield? No, Shelbyville.", "tigerlily. Or tigerlily7."
_TRY_LEAD = r"[?.,…]*\s+(?:(?:no|or|sorry|wait|actually|maybe|yeah)\b[,.…]*\s+)+"
_TRY_WORDS = (
    r"(?:(?:it's|it was|was it|try|it might be|just|i (?:put|used|typed|set it to|made it)|"
    # "No, wait, that was my sister's. Mine was Captain Whiskers."
    r"mine was)\s+)?"
)
_ANOTHER_TRY = re.compile(_TRY_LEAD + _TRY_WORDS, FLAGS)
# The same, the first taken back in a sentence of its own: "Wait, I changed it. It's bluebird 42."
_ANOTHER_TRY_TAKEN_BACK = re.compile(_TRY_LEAD + r"[^.?!\n]{0,30}[.?!…]+\s+" + _TRY_WORDS, FLAGS)
_MOST_WORDS = 5
# A secret after its name, in the same sentence: "the password is sunflower twenty two", "I set the
# passcode to blue giraffe", "security word lighthouse, one word". Never across a placeholder: what
# it hid is the value, not a lead to the next word. Its words run until talk ("…is tiger and it…").
_SECRET_SAID = re.compile(
    r"\b(?:pass ?(?:word|code|phrase)|security (?:word|answer|question)|secret (?:word|question))s?\b"
    r"[^.!?\n\[]{0,32}?(?:\bis\b|\bit's\b|\bwas\b|:|'s\b|\bas\b|\bto\b|\b(?:will|might|could|may) be\b)"
    r"(?:\s+(?:caller|customer|uh|um|it's|its|is|now|literally|probably|actually|just|definitely|like|"
    r"going to be|gonna be)\b:?)*\s+"
    r"|\b(?P<word>security|secret) word,?\s+(?=[a-z])"
    # One given in the sentence after it, digits or dashes in it: "…a temporary password for the portal.
    # It's Blue-Fox-41, and…"; not "I'll send a reset password link. It's valid for 24 hours.".
    r"|\b(?:temporary|temp|new|one-time|default|reset)\s+(?:pass ?(?:word|code|phrase)|pin)\b[^.!?\n\[]{0,60}"
    r"[.!]\s+(?:it's|it is|that's|that is)\s+(?=\S*[\d-])",
    FLAGS,
)
_MOST_SAID_WORDS = 4
# A secret's spelling said straight after it: "sunflower eighty eight all one word",
# "it's purple monkey two words", "grandma's house i think all one word".
_SPELLING_NOTE = re.compile(rf"\b(?=[aont123]){_SPELLED_AS}", FLAGS)
# Before the note, what it is set apart from the secret with: ", i think, all one word".
_BEFORE_SPELLING_NOTE = re.compile(r"(?:,?\s+(?:i think|i guess|probably))?,?\s+$", FLAGS)
_WORD_BEFORE = re.compile(r"([^\W_][\w'’-]*)\s*$")
_POINTER = re.compile(
    r"(?:(?:the )?name of (?:my|our) (?:first |old |childhood )?(?:dog|cat|pet|school|street|teacher),?\s+)?", FLAGS
)
_ARTICLE = re.compile(r"(?:the|a|an)\s+(?=[A-Za-z0-9])", FLAGS)
_LETTERS = re.compile(r"[a-z]{3}")
# A secret read back as it is checked ("the passcode Mango matches"), or named
# with nothing else in the turn ("passcode mango").
_SECRET_CHECKED = re.compile(
    r"\b(?:pass ?(?:word|code|phrase)|answer|security (?:answer|word)|secret word)"
    r",?\s+(?P<value>[a-z0-9][\w'.-]*(?:\s+[a-z0-9][\w'.-]*)?),?"
    r"\s+(?:matches|is correct|checks out|is right|is verified|doesn't match|does not match|didn't match|"
    r"has been saved|was saved|is saved|has been set|was accepted|is accepted|is wrong|is incorrect|isn't right|"
    r"has been updated|was updated|has been changed|was changed)\b"
    r"|(?:^|\n)[^\S\n]*(?:the\s+)?pass ?(?:word|code|phrase)\s+(?P<alone>[a-z0-9][\w'-]*(?:\s+[a-z0-9][\w'-]*){0,2})"
    r"[^\S\n]*[.!]?[^\S\n]*(?=\n|$)",
    FLAGS,
)
# A pet's name said where a secret is talked of: "it's my cat's name pickles, that's the secret word".
_PET_NAME = re.compile(
    r"\b(?:my|our|his|her) (?:first |old )?(?:dog|cat|pet|puppy|kitten|horse|hamster|bird)'s name\b"
    r"(?:,|\s+is|\s+was)?\s+",
    FLAGS,
)


def _secret_answers(text: str, talk: Dialogue) -> list[Finding]:
    """The answer to a question for a secret, in words: "What's the answer to
    your security question? Caller: Biscuit.", "agent what was the name of
    your first school caller saint mary's". The answer is the words said
    first after the question, a pause and "I think it's" aside, up to three,
    ending the turn; talk ("I don't remember", "Sure, go ahead") is none.
    A second try after it is one too, and the answer said again elsewhere."""
    found: list[Finding] = []
    for asked in _SECRET_ASKED.finditer(talk.lowered):
        question = (
            _QUESTION_END.match(talk.lowered, asked.end())
            or _ASKED_OF_IT_NEXT.match(talk.lowered, asked.end())
            or (
                _PROMPTED.match(talk.lowered, talk.sentence(asked.start())[0], asked.start())
                and _PROMPT_GOES_ON.match(talk.lowered, asked.end())
            )
        )
        if question is None or _SAID_WITH_IT.match(talk.lowered, asked.end()):
            continue  # no question, or the secret said with its name: "…, and the PIN is 3 9 3 9." / "Added."
        asking = talk.lowered[talk.sentence(asked.start())[0] : question.end()]
        # The secret spoken of, and the turn after asks what it is to be: "Can I change my
        # passcode." / "Sure. What would you like it to be?"
        asked_of_it = _ASKED_OF_IT.match(talk.lowered, question.end())
        if asked_of_it:
            tries = _hedged_tries(text, asked_of_it.end())
        elif _YES_OR_NO.match(asking) and not _GIVE_IT.search(asking):
            # Answered only with "yes" and what it is: "Is there a verbal password on the
            # account?" "yeah its georgia peach"; not "Yes, there is.".
            said = _YES.match(text, question.end())
            tries = _tries(text, said.end()) if said else []
        else:
            tries = _hedged_tries(text, question.end()) or _tries_turns_later(text, talk, question.end())
        tries = tries or _set_to(text, asked_of_it.end() if asked_of_it else question.end())
        tries += _tried_again(text, talk, tries)
        found += [("PIN", *answer, 0.7) for answer in tries]
    # The secret said after its name, with no question: "my first pet was a dog named biscuit".
    for named in _MEMORABLE_NAMED.finditer(talk.lowered):
        then = _MEMORABLE_THEN.match(talk.lowered, named.end())
        if then is None:
            continue
        # Without "is" or "named", only where the name begins the turn: "First car, ha, a Honda
        # Civic." answers; "It's my first car, a 2019 Honda Civic, and the insurance…" talks.
        said = then.group().strip()
        if not said.endswith(("is", "was", "be", "named", "called")) and not _TURN_START.search(
            talk.lowered, 0, named.start()
        ):
            continue
        found += [("PIN", *answer, 0.7) for answer in _tries(text, then.end())]
    for named in _SECRET_SAID.finditer(text):
        # What the secret is, aside: "my passcode is the name of my dog rocky".
        start = named.end() if named.group("word") else _POINTER.match(text, named.end()).end()
        words = _secret_words(text, start, 1 if named.group("word") else _MOST_SAID_WORDS)
        if words is not None:
            found.append(("PIN", *words, 0.7))
    asked_for = [*_PHRASE_ASKED.finditer(talk.lowered), *_PHRASE_ASKED_OF_YOU.finditer(talk.lowered)]
    for again in _PHRASE_AGAIN.finditer(talk.lowered):
        said_before = talk.lowered[talk.lowered.rfind("\n", 0, again.start()) + 1 : again.start()]
        if _PHRASE_WORD.search(said_before) and "?" not in said_before:
            asked_for.append(again)
    for asked in asked_for:
        phrase = _phrase_said(text, asked.end())
        if phrase is not None:
            found.append(("PIN", *phrase, 0.7))
    for spelled in _SPELLING_NOTE.finditer(text):
        note = _BEFORE_SPELLING_NOTE.search(text, max(0, spelled.start() - 24), spelled.start())
        if note is None:
            continue
        start = note.start()
        for _ in range(_MOST_SAID_WORDS):
            word = _WORD_BEFORE.search(text, max(0, start - 40), start)
            if word is None or not _secret(word.group(1), alone=False):
                break
            start = word.start(1)
        if start < note.start() and _secret(text[start : note.start()]):
            found.append(("PIN", start, note.start(), 0.7))
    for checked in _SECRET_CHECKED.finditer(text):
        group = "value" if checked.group("value") else "alone"
        if _secret(checked.group(group)):
            found.append(("PIN", *checked.span(group), 0.7))
    for pet in _PET_NAME.finditer(text):
        if _SECRET_ASKED.search(talk.lowered, max(0, pet.start() - 120), min(len(text), pet.end() + 120)):
            answer = _secret_at(text, pet.end())
            if answer is not None:
                found.append(("PIN", *answer, 0.7))
    # Said again, with or without its article: "the Wildcats. Go Wildcats."
    said_again = set()
    for _, start, end, _ in found:
        value = text[start:end].lower()
        article = _ARTICLE.match(value)
        bare = value[article.end() :] if article else value
        said_again.update(form for form in (value, bare) if _LETTERS.search(form))
    for value in said_again:
        for match in re.finditer(rf"(?<![\w'-]){re.escape(value)}(?![\w'-])", text, FLAGS):
            # Said again whole: "Okay, Magnolia. Magnolia Lane.", "Washington. Washington Elementary."
            longer = _SAID_LONGER.match(text, match.end())
            found.append(("PIN", match.start(), longer.end() if longer else match.end(), 0.7))
    return found


def _set_to(text: str, position: int) -> list[tuple[int, int]]:
    """What the answer after ``position`` says a secret was set to, put down as or is to be, past
    talk before it that no pause or stop ends ("oh man um that was a long time ago i think i put
    pushok", "Yes, make it harbor light.", "h s nine nine two… and the word is uh i think my wife
    set it to bluebonnet"): the words after it, ending the turn ("make it quick please, I'm on my
    lunch break" is talk)."""
    answer_start = _skip_space(text, position)
    if text.startswith("\n", answer_start):
        answer_start += 1
    answer_end = text.find("\n", answer_start)
    answer_end = len(text) if answer_end == -1 else answer_end
    for said in _SET_TO.finditer(text, answer_start, answer_end):
        if "[" in text[answer_start : said.start()]:
            break  # an answer hidden before it: "[PIN]. Oh wait, did I put Ibadan?"
        article = _ARTICLE.match(text, said.end())
        words = _secret_words(text, article.end() if article else said.end(), _MOST_WORDS)
        if (
            words is not None
            and words[1] <= answer_end
            and _CHOSEN_ENDS.match(text, words[1])
            and _secret(text[words[0] : words[1]])
            and not _NOT_CHOSEN & set(text[words[0] : words[1]].lower().split())
        ):
            return [(said.end(), words[1])]
    return []


# What a secret is said to have been set to or to be: "i put", "we made it", "set it to", "make it",
# "let's do"; not "I set it years ago", "I picked the teacher question", "go with voice ID".
_SET_TO = re.compile(
    r"\b(?:(?:i|we|she|he|they)\s+put(?:\s+down)?|(?:set|changed|change)\s+it\s+(?:to|as)|(?:made|make)\s+it"
    r"(?:\s+(?:to|as))?|(?:let's|lets|let us)\s+(?:do|make it)),?\s+(?:(?:uh|um|er),?\s+)?",
    FLAGS,
)
# What ends the words chosen with the turn: "…harbor light.", "…bluebonnet"; not "…text verification
# instead", "make it quick please, I'm on my lunch break".
_CHOSEN_ENDS = re.compile(r"[^\S\n]*[.!…]*[^\S\n]*(?:\n|$)")
_NOT_CHOSEN = frozenset("instead though then now later today quick simple easy short fast default".split())


def _tried_again(text: str, talk: Dialogue, tries: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The answers tried after the last one was refused in the next turn: "Try Rex?" / "That
    doesn't match." / "Try Cookie." (twice at most)."""
    again: list[tuple[int, int]] = []
    last = tries[-1][1] if tries else None
    for _ in range(2):
        if last is None:
            break
        refused_start = text.find("\n", last) + 1
        refused_end = text.find("\n", refused_start)
        if (
            not refused_start
            or refused_end == -1
            or not _REFUSED.search(talk.lowered, refused_start, refused_end)
            # Not a refusal of another value: "Your zip doesn't match, though."
            or any(talk.mentioned_within(topic, refused_end, refused_end - refused_start) for topic in _OTHER_VALUES)
        ):
            break
        # Tried as another answer, asked for one, or the last said longer ("Baptist I think." / "That
        # answer does not match." / "Baptist Memorial Hospital."): not "Weird." after a refusal.
        answer_end = text.find("\n", refused_end + 1)
        answer = talk.lowered[refused_end + 1 : len(text) if answer_end == -1 else answer_end]
        tried_before = talk.lowered[tries[-1][0] : tries[-1][1]].split() if not again else []
        longer = bool(tried_before) and answer.lstrip(" ,.").startswith(tried_before[0])
        if not (_TRIED.match(answer) or longer or _TRY_AGAIN.search(talk.lowered, refused_start, refused_end)):
            break
        more = _hedged_tries(text, refused_end)
        again += more
        last = more[-1][1] if more else None
    return again


# Another answer tried: "Try Cookie.", "Then it's the cat. Mittens.", "Maybe Rocky?", "How about Pepper?"
_TRIED = re.compile(
    r"\W*(?:(?:um|uh|oh|okay|ok|hmm|well|so)\b\W*)*(?:try|then|maybe|how about|what about|could it be|is it|it might|"
    r"it must|it could|or)\b"
)
_TRY_AGAIN = re.compile(r"\btry again\b|\banother\b|\banything else\b|\bany other\b")
# A secret's answer refused: "That doesn't match.", "Hmm, that's not what I have.", "Not quite."
_REFUSED = re.compile(
    r"\b(?:doesn't|does not|didn't|did not) match|\bnot (?:what (?:i|we) (?:have|show)|quite|matching|correct|right)\b|"
    r"\bthat's not (?:it|right|correct)\b|\bincorrect\b",
    FLAGS,
)


def _hedged_tries(text: str, position: int) -> list[tuple[int, int]]:
    """``_tries`` from ``position``, or after a sentence or two of hedging there ("Oh, wow, I
    forgot about that. Um, Amélie?")."""
    tries = _tries(text, position)
    for _ in range(2):
        hedge = None if tries else _HEDGE.match(text, position)
        if hedge is None:
            break
        position = hedge.end()
        tries = _tries(text, position)
    return tries


def _tries_turns_later(text: str, talk: Dialogue, position: int) -> list[tuple[int, int]]:
    """The answer to a question for a secret that ends at ``position``, given a few turns later,
    after turns of talk that give none: "is it the dog or the cat" / "I can only say it's your
    first pet." / "try biscuit"; "Baptist I think." / "That answer does not match. Please try
    again." / "Baptist Memorial Hospital.". Not past a turn that talks of another value ("And
    your date of birth?") or asks for a secret again (that question's answer is its own)."""
    line_end = text.find("\n", position)
    for _ in range(_LATER_TURNS):
        if line_end == -1:
            return []
        start = line_end + 1
        line_end = text.find("\n", start)
        end = len(text) if line_end == -1 else line_end
        if (
            _SECRET_ASKED.search(talk.lowered, start, end)
            or _MOVED_ON.search(talk.lowered, start, end)
            or any(talk.mentioned_within(topic, end, end - start) for topic in _OTHER_VALUES)
        ):
            return []
        tries = _hedged_tries(text, start)
        if tries:
            return tries
    return []


_PHRASE_NAMED = (
    r"(?:say|repeat|speak|state)\s+(?:(?:your|the|a)(?:\s+new)?(?:\s+(?:voice|account|spoken|verbal|personal|secret))?\s+)?"
    r"(?:pass ?phrase|voice ?(?:print )?phrase|security phrase|new phrase)\b"
)
# A voice passphrase asked for: "Please say your voice passphrase after the tone.", "You'll need
# to say a new phrase three times."
_PHRASE_ASKED = re.compile(
    # Asked for, not explained: "Please say…", "After the tone, say…", "You'll need to say…"; not "you'd say…".
    r"(?:^|(?<=[.!?,:\n])\s*|\b(?:please|now|need to|have to|the tone|the beep)\s+)"
    rf"{_PHRASE_NAMED}"
    # The prompt ends its turn, asking nothing else: "…after the tone.", "…of at least five words.",
    # "…once more, in a normal voice."
    r"[^\n?]{0,60}(?=\n)",
    FLAGS,
)
# The same asked of the listener: "Can you please say your voice passphrase?"; not "Do I need to say
# the voice passphrase?".
_PHRASE_ASKED_OF_YOU = re.compile(
    rf"\b(?:can|could|would) you\s+(?:please\s+)?{_PHRASE_NAMED}[^\n?]{{0,40}}\?[^\S\n]*(?=\n)", FLAGS
)
# Asked for again, where the same turn talks of a passphrase and asks nothing else: "Your
# passphrase is the phrase you chose at enrollment. Please say it now." (A phrase said again to
# confirm it is found as any secret said again is.)
_PHRASE_AGAIN = re.compile(
    r"(?:^|(?<=[.!?,:\n])\s*|\b(?:please|now)\s+)(?:say|repeat) it\b[^\n?]{0,40}(?=\n)", FLAGS | re.MULTILINE
)
# Words in capitals that go on with a secret said again, to the end of their sentence.
_SAID_LONGER = re.compile(r"(?:[^\S\n]+(?-i:[A-Z])[\w'’-]*){1,3}(?=[^\S\n]*(?:[.!,;]|$|\n))")
_PHRASE_WORD = re.compile(r"pass ?phrase|voice ?(?:print )?phrase|security phrase|new phrase", FLAGS)
# A turn of three to twelve words, after "okay" or "um": the passphrase said whole.
_PHRASE_TURN = re.compile(
    r"[^\S\n]*(?:(?:ok|okay|um|uh|sure|alright|yes)\b[,.]?[^\S\n]*)*"
    r"(?P<phrase>[^\W_][\w'’-]*(?:[^\S\n]*,?[^\S\n]+[\w'’-]+){2,11})[^\S\n]*[.!?]?[^\S\n]*(?=\n|$)",
    FLAGS,
)
# What starts talk, not a passphrase: "i never set up a passphrase", "Operator.", "Sorry, what?".
_TALK_START = re.compile(
    r"(?:i|i'm|im|i've|i'd|i'll|we|what|sorry|hold|hang|wait|can|could|do|does|did|is|are|which|how|why|operator|"
    r"representative|agent|help|hello|hi|no|nope|never|yeah|please|one|just|let|repeat|again|me|that|this|it|huh|"
    r"pardon|speak|talk|reset|cancel|goodbye|bye|not|ugh|there's|you're|you|don't|transfer|set|"
    # What a caller asks an IVR for instead: "Pay my bill.", "Report a lost card.", "Internet is down."
    r"pay|make|report|order|dispute|upgrade|refill|schedule|file|track|activate|check|change|update|lost|"
    r"where's|internet|billing|"
    r"my (?:husband|wife|son|daughter|mom|dad|mother|father|partner))\b",
    FLAGS,
)
# A turn that closes the question: the answer was taken, or the talk has moved on ("Thanks,
# you're verified. How can I help today?"); not "That answer does not match.".
_MOVED_ON = re.compile(
    r"\b(?:you're verified|you are verified|you've been verified|that's correct|that is correct|that matches|"
    r"that's a match|that's right|perfect|great|got it|how can i help|what can i do|anything else|"
    r"instead|another way|other way|different way)\b"
    # Or asks about something else: "What color is the modem light?", "What was your last payment?"
    r"|\b(?:what|which|when|where|how)\b(?![^?\n]*\b(?:answer|question|name|spell|pet|school|street|city|car|"
    r"teacher|team|movie|book|password|passcode|word|phrase|one)\b)[^?\n]*\?",
    FLAGS,
)
# How many turns after its question a secret may still be answered.
_LATER_TURNS = 4
# Talk of these is about another value than the secret asked for.
_OTHER_VALUES = (
    "SSN CARD CVV EXPIRY DOB BIRTH_YEAR ZIP ADDRESS HOUSE_NUMBER ACCOUNT DRIVER_LICENSE PASSPORT BANK ROUTING".split()
)


def _phrase_said(text: str, position: int) -> tuple[int, int] | None:
    """The voice passphrase asked for before ``position``: the whole of the next turn, talk
    words and all ("blue river under the moon", "At Sterling Bank, my voice confirms me."),
    unless that turn is talk ("i never set up a passphrase", "Operator.", "Sorry, which one?")."""
    turn_end = text.find("\n", position)
    if turn_end == -1:
        return None
    said = _PHRASE_TURN.match(text, turn_end + 1)
    if said is None or _TALK_START.match(said.group("phrase")) or "?" in said.group():
        return None
    # Mostly words of talk, and some that only talk says: "Not sure what that is.", "The phrase is
    # on my other phone.", "Customer service please."; a passphrase may be all everyday words ("My
    # voice is my password.", "my voice opens the door at summit").
    words = [word.lower().rstrip("'’") for word in _SECRET_WORD.findall(said.group("phrase"))]
    talk = sum(word in _NOT_SECRET for word in words) * 2
    if "voice" not in words and (talk > len(words) or (talk == len(words) and _TALK_ABOUT_IT.intersection(words))):
        return None
    return said.span("phrase")


# Words of talk about a passphrase rather than one said.
_TALK_ABOUT_IT = frozenset(
    """not no never don't doesn't didn't can't cannot forgot forget remember recall know sure idea which what how why
    other another phone app card help agent representative operator repeat again sorry hold wait set setup option
    menu please second sec minute moment while same pin correct thing actually system service support balance
    billing checking account oh boy yes yeah okay ok whatever works honestly long question ahead send here goes
    nothing""".split()
)


def _tries(text: str, start: int) -> list[tuple[int, int]]:
    """The secret said after ``start``, a hedge or a pause aside, and each further try
    said straight after it with "no" or "or" ("Kilimanjaro? Or Serengeti?"): "that's
    the garage" explains the first."""
    tries = []
    answer = _secret_at(text, _ANSWER_LEAD.match(text, start).end())
    while answer is not None:
        tries.append(answer)
        again = _ANOTHER_TRY.match(text, answer[1])
        answer = _secret_at(text, again.end()) if again else None
        if answer is None and again:
            again = _ANOTHER_TRY_TAKEN_BACK.match(text, tries[-1][1])
            answer = _secret_at(text, again.end()) if again else None
    restated = _restated(text, tries[-1]) if tries else None
    return tries + [restated] if restated else tries


def _restated(text: str, answer: tuple[int, int]) -> tuple[int, int] | None:
    """The answer said again in full in the next sentence, beginning as it did: "Whittier.
    Whittier Elementary in Omaha."."""
    said = text[answer[0] : answer[1]].split()
    again = _SAID_AGAIN.match(text, answer[1])
    words = _secret_words(text, again.end(), _MOST_WORDS) if again and said else None
    if words is None:
        return None
    longer = text[words[0] : words[1]].split()
    if len(longer) > len(said) and [word.lower() for word in longer[: len(said)]] == [word.lower() for word in said]:
        return words
    return None


_SAID_AGAIN = re.compile(r"[.,…!]*[^\S\n]+")


def _secret_at(text: str, start: int) -> tuple[int, int] | None:
    """The secret said from ``start``: up to five words, none of them talk, that end the turn,
    with the article before them ("the ravens", "the princess bride")."""
    article = _ARTICLE.match(text, start)
    words = _secret_words(text, article.end() if article else start, _MOST_WORDS)
    if words is None or not _ANSWER_CLOSE.match(text, words[1]) or not _secret(text[words[0] : words[1]]):
        return None
    return start, words[1]


def _secret_words(text: str, start: int, most: int) -> tuple[int, int] | None:
    """The words from ``start`` up to the first that is talk, at most ``most`` of them."""
    end, count = start, 0
    while count < most:
        word = _SECRET_WORD.match(text, end if count == 0 else _skip_space(text, end))
        if word is None or (count and word.start() == end) or not _secret(word.group(), alone=False):
            break
        end, count = word.end(), count + 1
    return (start, end) if count else None


def _secret(said: str, *, alone: bool = True) -> bool:
    """No word of ``said`` is talk ("sure", "really", "remember"), and, said
    alone, it has a word of three letters or four digits or more."""
    words = [word.lower().rstrip("'’") for word in said.split()]
    if any(word in _NOT_SECRET for word in words):
        return False
    return not alone or re.search(r"[A-Za-z]{3}|\d{4}", said) is not None


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position] == " ":
        position += 1
    return position


# A phone number's extension is part of it: "(312) 555-0147, extension 22", "…0106, ext. 4".
_EXTENSION = re.compile(r",?\s*(?:extension|ext\.?|x)\s*(?:number\s+)?\d{1,6}(?![\w-])", FLAGS)


def _streets_before_units(text: str, talk: Dialogue, findings: list[Finding]) -> list[Finding]:
    """A house number and a street without its kind, said straight before a unit found as an
    address where an address is talked of, are the address's start: "Can you tell me your
    residential address?" / "twenty eight fifteen south el camino real apartment one twelve" (a
    street said alone must end its turn: ``RULES``); not "Channel 45 Fox keeps freezing apartment 3"."""
    found: list[Finding] = []
    for entity, start, end, score in findings:
        if entity != "ADDRESS" or not _UNIT_KIND.match(text, start):
            continue
        if not any(talk.mentioned_within(topic, start, CONTEXT_CHARACTERS) for topic in ("ADDRESS", "RESIDENCE")):
            continue
        street = _STREET_BEFORE_UNIT.search(text, max(0, start - 60), start)
        # A house number of two digits or more: not "i have 2 dogs apartment 4 allows them".
        if street and len(digits_only(street.group("number"))) >= 2 and _names_a_place(street.group()):
            found.append(("ADDRESS", street.start(), end, score))
    return found


_STREET_BEFORE_UNIT = re.compile(
    rf"(?<![\w:/.-])(?P<number>{HOUSE_NUMBER})(?:[^\S\n]+{DIRECTION})?(?:[^\S\n]+{NAMING_WORD}){{1,3}},?[^\S\n]+\Z",
    FLAGS,
)


def _units_after(text: str, findings: list[Finding]) -> list[Finding]:
    """The unit said straight after an address is part of it, whatever rule found the street:
    "2718 Avenida de la Estrella, Suite 110", "…Kinnickinnic Avenue, Rear Unit". A box, a
    suite, a unit or a lot of an address said again with another number corrects it: "I heard
    Rural Route 3, Box 118…" / "Box 181."."""
    found: list[Finding] = []
    for entity, start, end, score in findings:
        if entity != "ADDRESS":
            continue
        unit = _UNIT_AFTER.match(text, end)
        if unit:
            found.append(("ADDRESS", start, unit.end(), score))
        kinds = {match.group().lower() for match in _UNIT_KIND.finditer(text, start, end)}
        if kinds:
            for again in _UNIT_AGAIN.finditer(text, end, end + _SAID_AGAIN_WITHIN):
                # Opening its turn as an answer ("Box 181.", "no sorry it's lot forty one my wife just
                # corrected me"), not "I received box 2 but box 3 is missing".
                turn_start = text.rfind("\n", 0, again.start()) + 1
                if again.group("kind").lower() in kinds and all(
                    word.lower() in BARE_WORDS for word in _SECRET_WORD.findall(text, turn_start, again.start())
                ):
                    found.append(("ADDRESS", *again.span(), 0.7))
    return found


# After a street, a room is a unit too: "2100 San Antonio Street, Room 418" (a dormitory, an office).
_UNIT_AFTER = re.compile(rf"(?:{ADDRESS_GAP}(?:{UNIT}|room\s+#?\d{{1,4}}(?:[ -]?[A-Za-z]\b)?)){{1,2}}", FLAGS)
_UNIT_KINDS = r"\b(?:box|apartment|apt|unit|suite|lot|space|trailer)\b"
_UNIT_KIND = re.compile(_UNIT_KINDS, FLAGS)
_UNIT_AGAIN = re.compile(rf"(?P<kind>{_UNIT_KINDS})\s+#?\d+(?:[ -]?[A-Za-z]\b)?", FLAGS)
_SAID_AGAIN_WITHIN = 300


def _towns_after(text: str, findings: list[Finding]) -> list[Finding]:
    """The town said straight after a street address, and its state, are part of it where the
    address ends with them: "…, Unit 12, Boston, 02110", "77 Chase Lane Springfield Illinois
    62704", "…Avenue unit 1407 Honolulu."; not "…, Mobile number is the same". The town is
    a city or town the place lists hold, or one or two words before a state or a ZIP code
    (``_town_before_state_or_zip``: "…, Kaneohe, Hawaii", "…in marfa 79843"). With the
    street, the town narrows a person down to a household; HIPAA's Safe Harbor counts a town
    among the identifiers, as it does the ZIP code."""
    found: list[Finding] = []
    zip_starts = {start for entity, start, _, _ in findings if entity == "ZIP_CODE"}
    for entity, start, end, score in findings:
        if entity != "ADDRESS":
            continue
        gap = _BEFORE_TOWN.match(text, end)
        if gap is None or text[end - 1] == ".":  # "12 Oak Street. Boston is great."
            continue
        words = list(_PLACE_WORDS.finditer(text, gap.end(), min(len(text), gap.end() + 60)))[:3]
        # The words of one name: a space between each, or an abbreviation's full stop ("St. Louis").
        while len(words) > 1 and not _IN_ONE_NAME.fullmatch(text, words[-2].start(), words[-1].start()):
            words.pop()
        folded = [lexicon.fold(word.group()) for word in words]
        listed = max(places.longest_at(folded, 0, places.load().cities), places.longest_at(folded, 0, _STATE_WORDS))
        town_end = words[listed - 1].end() if listed else None
        if town_end is None or not (
            _STATE_AFTER.match(text, town_end)
            or _ADDRESS_ENDS.match(text, town_end)
            or _zip_next(text, town_end, zip_starts)
        ):
            # Not a listed town's name alone: "Hickory Flat, Mississippi" ("Hickory" is listed).
            town_end = _town_before_state_or_zip(text, words, zip_starts)
        if town_end is None:
            continue
        state = _STATE_AFTER.match(text, town_end)
        end_of_town = state.end() if state else town_end
        # Where the address ends, and nothing goes on from the town: not "…, Mobile number is
        # the same", "…, Orange is the colour of the door".
        if _ADDRESS_ENDS.match(text, end_of_town) or _zip_next(text, end_of_town, zip_starts):
            found.append(("ADDRESS", start, end_of_town, score))
    return found


def _town_before_state_or_zip(text: str, words: list[re.Match[str]], zip_starts: set[int]) -> int | None:
    """Where a town of one or two words ends, if a state follows it (the town in capitals where
    the text has them, or no ordinary word), or a ZIP code does (the town no ordinary word:
    not "…, Ground Floor, 30318")."""
    names = lexicon.load()
    for count in (3, 2, 1):
        said = words[:count]
        if len(said) < count or any(word.group().lower() in _NO_TOWN for word in said):
            continue
        if _AN_ADDRESS_PART.search(text, said[0].start(), said[-1].end()):
            continue  # a floor or a unit: "…, Ground Floor, 30318"
        unlisted = all(names.sense(word.group()) != "WORD" for word in said)
        lowercase = text[slice(*turn_window(text, said[0].start()))].islower()
        capitalised = not lowercase and all(word.group()[0].isupper() for word in said)
        if _STATE_AFTER.match(text, said[-1].end()) and (unlisted or capitalised):
            return said[-1].end()
        # Before a ZIP code, a town in capitals set off by commas, whatever its words: "…Drive,
        # Fairview, 37062."
        set_off = capitalised and text[said[-1].end() : said[-1].end() + 1] == ","
        if (
            count < 3
            and _zip_next(text, said[-1].end(), zip_starts)
            and ((unlisted and (capitalised or lowercase)) or set_off)
        ):
            return said[-1].end()
        # Ending the sentence, a town in capitals of words no list holds, set off by a comma: "809
        # Larkspur Court, Springdale."; not a person spoken to ("I live at 12 Oak Lane, Jennifer.").
        if (
            count < 3
            and capitalised
            and all(names.sense(word.group()) == "UNK" for word in said)
            and text[max(0, said[0].start() - 3) : said[0].start()].rstrip().endswith(",")
            and _SENTENCE_ENDS_HERE.match(text, said[-1].end())
        ):
            return said[-1].end()
    return None


_SENTENCE_ENDS_HERE = re.compile(r"[^\S\n]*(?:[.!]|\n|$)")


def _zip_next(text: str, position: int, zip_starts: set[int]) -> bool:
    return _ZIP_GAP.match(text, position).end() in zip_starts


_ZIP_GAP = re.compile(r",?[^\S\n]*(?:(?:uh|um|er),?[^\S\n]+)?")
# Where the address ends, a word of when aside ("I'm at …, Oxford, Mississippi now."), asked to be
# checked ("Is 45 Prospect Street, Apartment 3, Cambridge still correct?"), or before the next.
_ADDRESS_ENDS = re.compile(
    r"(?:[^\S\n]+(?:now|currently|these days|nowadays|right now))?[^\S\n]*(?:[.,;:?!…]|\n|$)"
    r"|[^\S\n]+(?:still[^\S\n]+)?(?:correct|right|current|accurate|good|valid)[^\S\n]*\?"
    # Or the next address is said: "from … apartment four oh six raleigh to three oh nine cliff view lane".
    r"|[^\S\n]+to[^\S\n]+(?=\d|(?:one|two|three|four|five|six|seven|eight|nine)\b)"
    # Or raw speech goes on to another clause: "…brook hollow road west hartford it's a house".
    r"|[^\S\n]+(?=(?:it's|its|it is|that's|thats|there's|theres)\b)",
    FLAGS,
)
# Words said between an address and its ZIP code that are no town: "…, Unit C, ZIP 30306".
_NO_TOWN = BARE_WORDS | {
    "zip", "zipcode", "postal", "postcode", "code", "attn", "yup", "ya", "mhm", "lemme", "gonna",
    # Talk said between them: "45 Elm Drive, Great, 30318", "…, uh, Perfect, 30318".
    "great", "awesome", "perfect", "thanks", "thank", "honestly", "cool", "please", "god", "dear", "wow", "nope",
    "hello", "hi",
}  # fmt: skip
_BEFORE_TOWN = re.compile(r",?[^\S\n]+(?:(?:uh|um|er),?[^\S\n]+)?(?:in[^\S\n]+)?|,", FLAGS)
_IN_ONE_NAME = re.compile(r"(?:st|ste|ft|mt)\.?[^\S\n]|[^\W\d_][\w'’-]*[^\S\n]", FLAGS)
# Words of an address that are no town: "…, Ground Floor, 30318", "…, Rear Building, …".
_AN_ADDRESS_PART = re.compile(
    r"\b(?:floor|ground|level|building|bldg|rear|front|back|upper|lower|basement|suite|unit|apartment|apt|box|"
    r"lot|space|room|side|wing|tower|house|cottage|trailer|attn|care)\b",
    FLAGS,
)
_PLACE_WORDS = re.compile(r"[^\W\d_](?:[^\W\d_]|['’-])*")  # any script's letters: "San José"
_STATE_WORDS = frozenset(tuple(name.split()) for name in STATE_NAMES)
# A state's abbreviation only before its ZIP code: "Boston, OK?" asks.
_STATE_AFTER = re.compile(rf",?[^\S\n]+(?:{US_STATE_NAMES}|(?-i:{US_STATES})(?=,?[^\S\n]*\d))\b", FLAGS)


def _phone_extensions(text: str, findings: list[Finding]) -> list[Finding]:
    found: list[Finding] = []
    for entity, start, end, score in findings:
        if entity == "PHONE":
            extension = _EXTENSION.match(text, end)
            if extension:
                found.append(("PHONE", start, extension.end(), score))
    return found


# An e-mail address's part said apart from it, with its separators as words:
# "It's j_lee@patelcpa.com. J underscore Lee.", "was that "faith dot okonkwo"…".
# A part may be spelled ("A-L-S-A-Y-E-D"), and each word set apart by commas ("j, underscore, lee").
_EMAIL_PART = re.compile(
    r"(?<![\w@.-])[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*"
    r"(?:,?\s+(?:underscore|dot|dash|hyphen|period),?\s+[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*)+(?![\w@])",
    FLAGS,
)
_EMAIL_SEPARATOR_WORD = re.compile(r"\s(?:underscore|dot|dash|hyphen|period)[,\s]", FLAGS)
# The rest of an address said word by word after its name's parts: ", at patelcpa dot com".
_DOMAIN_AFTER = re.compile(r",?\s+at,?\s+[A-Za-z0-9-]+(?:,?\s+(?:dot|period),?\s+[A-Za-z0-9-]+)*\b", FLAGS)
_NOT_EMAIL_PARTS = frozenset("a an the with in between of and or no not is it's that one then so like".split())
_EMAIL_TALK = re.compile(r"e-?mail|@|\bat\s+[a-z0-9-]+\s+dot\s+(?:com|net|org|edu)\b", FLAGS)
_TOP_LEVEL_END = re.compile(r"\s(?:dot|period)\s+(?:com|net|org|edu|gov|io|co|us|uk|info|biz|me|ca)$", FLAGS)


def _email_parts(text: str, findings: list[Finding]) -> list[Finding]:
    if not _EMAIL_TALK.search(text) and not any(finding[0] == "EMAIL" for finding in findings):
        return []
    found: list[Finding] = []
    reached = 0
    for separator in _EMAIL_SEPARATOR_WORD.finditer(text):
        # Only around a separator said as a word: most texts have none.
        if separator.start() < reached:
            continue
        window = (max(reached, separator.start() - 60), min(len(text), separator.end() + 60))
        match = None
        for match in _EMAIL_PART.finditer(text, *window):
            if match.start() <= separator.start() < match.end():
                break
        else:
            continue
        reached = match.end()
        parts = match.group().split()
        # "a dot boateng" is a part; "a dot in the middle" is talk about one.
        first = parts[0].lower().rstrip(",")
        if (first in _NOT_EMAIL_PARTS and first != "a") or parts[-1].lower().rstrip(",") in _NOT_EMAIL_PARTS:
            continue  # "with a dash between kwame and M", "a dot in the middle"
        domain = _DOMAIN_AFTER.match(text, match.end())
        if domain:
            found.append(("EMAIL", match.start(), domain.end(), 0.7))  # "j, underscore, lee, at patelcpa dot com"
        elif not _TOP_LEVEL_END.search(match.group()):
            found.append(("EMAIL", match.start(), match.end(), 0.7))
    return found


# A date said in labelled pieces: "the year is 1982", "the month is december",
# "1974 for the year". Two pieces together, or one beside a day of a month, make a date.
_PIECE_VALUE = rf"{YEAR}|'?\d\d|{MONTH}(?:\s+(?:the\s+)?{DAY}\b)?|(?:the\s+)?{DAY}"
_DATE_PIECES = re.compile(
    rf"\bthe (?:year|month|day)(?:'s|\s+(?:is|was))\s+(?:(?:uh|um),?\s+)?(?P<value>{_PIECE_VALUE})\b"
    rf"|(?<![\w'])(?P<before>{_PIECE_VALUE})\s+(?:is|for)\s+the (?:year|month|day)\b"
    rf"|(?P<date>\b{MONTH}\.?\s+(?:the\s+)?{DAY}\b|\b(?:the\s+)?{DAY}\s+of\s+{MONTH}\b)",
    FLAGS,
)
_PIECE_LABEL = re.compile(r"\bthe (?:year|month|day)\b", FLAGS)


def _date_in_pieces(text: str, findings: list[Finding], talk: Dialogue) -> list[Finding]:
    """A date said in labelled pieces, with no word of birth: "it's the 15th
    of june uh and the year is 1982", "may 5th and then 1974 for the year",
    "the year is 2000 and the day is january 30th"."""
    labels = [match.start() for match in _PIECE_LABEL.finditer(talk.lowered)]
    if not labels:
        return []
    pieces, reached = [], 0
    for label in labels:
        # Only the stretch around each label is read: most texts have none.
        window_start = max(reached, label - 100)
        reached = min(len(text), label + 100)
        for match in _DATE_PIECES.finditer(text, window_start, reached):
            group = match.lastgroup or "value"
            start, end = match.span(group)
            value = match.group(group)
            if _YEAR_VALUE.fullmatch(value) and not FIRST_BIRTH_YEAR <= int(value) <= LAST_BIRTH_YEAR:
                continue
            pieces.append((start, end, group != "date"))
    pieces += [(start, end, False) for entity, start, end, _ in findings if entity == "DATE_OF_BIRTH"]
    pieces.sort()
    found: list[Finding] = []
    for index, (start, end, labelled) in enumerate(pieces):
        beside = [
            other
            for other in pieces[max(0, index - 2) : index + 3]
            if other[0] != start
            and abs(other[0] - start) <= 100
            and "\n" not in text[min(start, other[0]) : max(end, other[1])]
        ]
        if (labelled or any(other[2] for other in beside)) and beside and not talk.harmless_before(start):
            found.append(("DATE_OF_BIRTH", start, end, 0.75))
    return found


def _zip_after_address(text: str, findings: list[Finding], talk: Dialogue) -> list[Finding]:
    """Five digits said after an address, with only a town, a state or a few
    words between ("…Box 62 in marfa 79843", "…, not the house. Same town, 30601.")."""
    found: list[Finding] = []
    for entity, _, end, _ in findings:
        if entity != "ADDRESS":
            continue
        for match in _FIVE_DIGITS.finditer(text, end, min(len(text), end + 120)):
            between = text[end : match.start()]
            if any(character.isdigit() or character == "[" for character in between) or len(between.split()) > 10:
                break
            if not QUANTITY_AFTER.match(text, match.end()) and not talk.harmless_before(match.start()):
                found.append(("ZIP_CODE", match.start(), match.end(), 0.8))
            break
    return found


def _before_place(text: str, end: int) -> bool:
    """A town or a state is named right after ``end``: "33139 Miami Beach", "37916 knoxville"."""
    following = _PLACE_HEAD.match(text, end)
    if not following:
        return False
    words = re.findall(r"[a-z]+", following.group(1).lower())
    names = places.load().names
    return any(" ".join(words[:count]) in STATE_NAMES or tuple(words[:count]) in names for count in (3, 2, 1)) or (
        bool(words) and words[0].upper() in STATE_ABBREVIATIONS and following.group(1)[:2].isupper()
    )


# "30307, Atlanta", "three oh three oh seven that's atlanta", "the 30309 area, Atlanta".
_PLACE_HEAD = re.compile(r",?\s+(?:(?:that's|thats|that is|area)\b,?\s+)?((?:[A-Za-z][A-Za-z.'-]*,?\s*){1,3})", FLAGS)


def _after_place(text: str, start: int) -> float:
    """How surely a number at ``start`` is a ZIP code by what comes before:
    a state, a city, a street, "I'm in", a capitalised place and a comma."""
    window_start = max(0, start - 90)
    tail = _PLACE_TAIL.search(text, max(0, start - 60), start)
    if tail:
        words = tail.group().replace(",", " ").split()
        if words[-1] in STATE_ABBREVIATIONS:
            return 0.85
        lowered = [word.lower() for word in words]
        for count in (1, 2, 3):
            name = " ".join(lowered[-count:])
            if len(lowered) >= count and (name in STATE_NAMES or tuple(lowered[-count:]) in places.load().names):
                return 0.85
    if _AFTER_STREET.search(text, window_start, start):
        return 0.8
    if _AFTER_LIVING_IN.search(text, max(0, start - 20), start):
        return 0.75
    if _AFTER_PLACE.search(text, max(0, start - 40), start):
        return 0.7
    return 0.0


# --- The whole text -------------------------------------------------------------------------


@functools.lru_cache(maxsize=16)
def scan(text: str) -> tuple[Finding, ...]:
    """Every finding in ``text``, of every type. Cached: each recogniser asks
    for its own type's findings of the same text.

    A text is read through its normalised copy, which keeps every value the
    text has in written form and adds those it has in spoken form: "four one
    one one" and "4111" both read as 4111 there. The copy's findings are
    mapped back to the text. A text that is itself such a copy is read as it
    is; so a transcript is read once, whether a caller gives the recognisers
    the text, its copy, or both."""
    if is_copy(text):
        return _scan(text)
    normalized = normalize(text)
    if normalized.text == text:
        return _scan(text)
    found = []
    for entity, start, end, score in _scan(normalized.text):
        original_start, original_end = normalized.to_original(start, end)
        said = text[original_start:original_end]
        if score != BARE_DIGITS or (said_as_digits(said) and not counted(said)):
            found.append((entity, original_start, original_end, score))
    return tuple(found)


def forget() -> None:
    """Drop the cached scans, dialogues and normalised copies. They are keyed
    by the texts themselves, which hold personal data until redacted: once a
    caller has its findings, nothing of the text stays in the process."""
    scan.cache_clear()
    _scan.cache_clear()
    dialogue.cache_clear()
    forget_copies()


_TOLL_FREE = re.compile(r"(?:\+?1[\s.-]?)?\(?8(?:00|33|44|55|66|77|88)\)?[\s.-]?\d{3}[\s.-]?\d{4}\b")
# Whose line a number is, said before it in its sentence.
_THEIRS = re.compile(r"\b(?:us|our|ours|we|their|they|the company's|the bank's)\b", FLAGS)
_MINE = re.compile(r"\b(?:my|me|mine|your|yours|his|her)\b", FLAGS)


# A number given to be called: "You can apply through the county or call 1-800-…", "For questions,
# call …", "by calling …", "reset it at …", "fax it to …, attention Escrow".
_TO_BE_CALLED = re.compile(
    r"(?:\b(?:or|you can|you may|you could|you can also|feel free to|for (?:questions|help|assistance|"
    r"more information|anything else),?(?: please)?)\s+(?:call|dial|fax|reach|contact)"
    r"(?:\s+(?:us|it|the(?:\s+(?-i:[A-Z])[\w'’&-]*){1,4}))?|"
    r"\b(?:call|reach|contact)\s+us|\bby calling|\breset it)(?:\s+(?:at|on|to))?\s*$",
    FLAGS,
)
# A toll-free number named as one a business publishes: "the 800 number on the website", "the
# toll-free number on your statement".
_PUBLISHED_NUMBER = re.compile(
    r"\bthe\s+(?:(?:8(?:00|33|44|55|66|77|88)|toll[- ]free)\s+)?(?:number|line)\s+(?:on|from|in)\s+"
    r"(?:the|their|your|its)\s+(?:website|site|letter|bill|statement|"
    r"app|e-?mail|box|receipt|invoice|notice|flyer|ad|commercial|packaging|brochure)\b",
    FLAGS,
)
# The card's issuer's line: "call the number on the back of your card, 1-800-…".
_ON_THE_CARD = re.compile(r"\bthe number on the back of (?:your|the) card,?\s*(?:which is\s+)?$", FLAGS)
# The speaker: a number said to be called after "I" may be where the speaker is ("I'm at work all
# day, so call …").
_SPEAKER_SAID = re.compile(r"\b(?:i|i'm|im|i'll|we're)\b", FLAGS)
_WHOSE_NEXT = re.compile(
    r"[.!?,]?\s*(?:(?:that's|thats|that is|it's|its|it is|this is)\s+(?:[\w'’]+\s+){0,2}?(?:my|his|her|their|"
    r"the (?:house|home|cell|mobile|landline|residence)|[\w-]+['’]s)|(?:he's|she's|he is|she is|they're)\s+my|"
    r"(?:that's|it's|ask for)\s+(?-i:[A-Z]))\b",
    FLAGS,
)
# A turn that asks about a number at all: what follows may be anyone's.
_NUMBER_ASKED = re.compile(
    r"\b(?:number|phone|cell|call|callback|reach|contact|fax|text|line|landline|voicemail|message|hold of|home|house|"
    r"tenant|staying|where|disconnected|cut off)\b",
    FLAGS,
)
# A business's line named as such, whatever its number: "The main office number is 555-0100", "the
# pharmacy number is …"; not an emergency line, often a relative's.
_BUSINESS_LINE = re.compile(
    r"\b(?:the|our)\s+(?:(?:main office|front desk|after[- ]hours|24[- ]hour|store|clinic|pharmacy|branch|"
    r"help|hot|support|customer service|nurse|poison|scheduling|appointments?|reception|dispatch)\s+"
    r"(?:line|number|phone(?: number)?)|(?:helpline|hotline)|"
    # A business's place's own: "the Denton depot's number is …", "the store's main line is …".
    r"(?:(?-i:[A-Z])[\w'’&-]*\s+){0,2}(?:depot|store|branch|office|clinic|pharmacy|shop|warehouse|hub|location|"
    r"hotel|garage|dealership|station|terminal|lobby)['’]s\s+(?:main\s+|direct\s+)?(?:line|number|phone(?: number)?))"
    r"\s+(?:is|was)\s+$",
    FLAGS,
)
# A question for the number the speaker is to call, a business's: "What's the number to call for
# claims?", "do i call this number"; not "the number we should call", "a good number to call if the
# driver is late", "What number should I call back on?", "Which number do I call, the shop or the
# cell?" (an agent's, for the caller's line).
_NUMBER_TO_CALL_ASKED = re.compile(
    r"\b(?:what|which)(?:['’]s| is)?\s+the\s+(?:number|line)\s+to\s+call\s+for\b(?!\s+(?:you|him|her|them)\b)|"
    r"\bdo\s+i\s+call\s+(?:this|that)\s+number\b(?!\s+back\b)",
    FLAGS,
)
# A business's menu or hours said right after its number: "…, option 3", "…, extension 4. They're
# open 24 hours."; not a person's "…, Monday through Friday after five".
_MENU_OR_HOURS_AFTER = re.compile(
    r"[\s,.]*(?:(?:then\s+)?(?:option|press)\s+\w+|(?:we're|they're|we are|they are)\s+open\b|24 hours|"
    r"around the clock)",
    FLAGS,
)
# A question for someone's own number: "What's the best number to reach you?", "And your fax?".
_OWN_NUMBER_ASKED = re.compile(
    r"\b(?:your|you|his|her|their)\b.*\b(?:number|phone|line|cell|fax|mobile|reach|contact)\b|"
    r"\b(?:number|phone|line|cell|fax|mobile|reach|contact)\b.*\b(?:your|you|his|her|their)\b",
    FLAGS,
)


def _company_line(text: str, talk: Dialogue, finding: Finding) -> bool:
    """A toll-free number a business gives as its own ("you can always reach
    us at 1-800-…", "their direct line is 1-800-…"), gives to be called ("call
    1-800-…", "fax it to 1-800-…"), gives for a question for the number to call
    ("What's the number to call for claims?"), or says with its menu or opening ("…,
    option 3"), and any number named a business's line ("The main office number is
    555-0100"), not where the turn before asked for someone's own number: not a
    person's. A person's own line says whose it is ("my shop line, it's
    1-877-…", "call me at 1-888-…")."""
    _, start, end, _ = finding
    sentence_start, sentence_end = talk.sentence(start)
    before = text[sentence_start:start]
    # A business's line named in a clause of its own: "Your receipt number is CF 22817, and the Denton
    # depot's number is …".
    clause = before[max(before.rfind(","), before.rfind(";")) + 1 :]
    named_in_its_clause = _BUSINESS_LINE.search(clause) is not None and not _MINE.search(clause)
    # Whose it is, said in its sentence or the next: "Call 800-555-0186. That's my cell."
    if _WHOSE_NEXT.match(text, sentence_end):
        return False
    if _PUBLISHED_NUMBER.search(before) and _TOLL_FREE.match(text, start):
        return True  # "I called the 800 number on the website, 1-800-…"
    if _MINE.search(before) and not named_in_its_clause:
        # "…the number on the back of your card, 1-800-…" is the card's issuer's.
        return bool(_ON_THE_CARD.search(before) and _TOLL_FREE.match(text, start))
    asked = _asked_before(talk, talk.turn(start)[0])
    if _THEIRS.search(before) and not _MINE.search(text, end, sentence_end):
        # A business's own, said so: "Their number is 1-800-…. Give them your claim number."
        return bool(_TOLL_FREE.match(text, start))
    next_end = talk.sentence(sentence_end)[1] if sentence_end < len(text) else sentence_end
    if _MINE.search(text, end, next_end):
        return False  # "…. My mom picks up."
    if _OWN_NUMBER_ASKED.search(asked):
        return False
    if _BUSINESS_LINE.search(before):
        # Not where the turn before asks about a number or a home, or the speaker is said before it:
        # "Will anyone be at the house?" / "The nurse line is …", "…staying with my daughter. The
        # pharmacy number is …".
        turn_start = talk.turn(start)[0]
        return not (
            _NUMBER_ASKED.search(asked)
            or _SPEAKER_SAID.search(text, turn_start, start)
            or (_MINE.search(text, turn_start, start) and not named_in_its_clause)
        )
    if not _TOLL_FREE.match(text, start) or _SPEAKER_SAID.search(before):
        return False
    # Given for a question for the number to call, or with the business's menu or hours after it.
    if _NUMBER_TO_CALL_ASKED.search(asked) or _MENU_OR_HOURS_AFTER.match(text, end):
        return True
    return bool(_TO_BE_CALLED.search(before) and not _NUMBER_ASKED.search(asked))


_A_STALL = re.compile(r"(?!.*\d\d)[^?\n]{0,40}")


def _asked_before(talk: Dialogue, turn_start: int) -> str:
    """The turn before the one at ``turn_start``, and the one before that too where the turn before
    only stalls ("What's your home address?" / "Hang on." / …): no digit, no question, a few words."""
    if not turn_start:
        return ""
    asked_from = talk.turn(turn_start - 1)[0]
    if asked_from and _A_STALL.fullmatch(talk.text, asked_from, turn_start - 1):
        asked_from = talk.turn(asked_from - 1)[0]
    return talk.text[asked_from:turn_start]


# A business's place whose address follows straight after it: "Our office is at …", "our store
# at …", "The closest branch in Covington is at …", "The nearest pickup location is the
# Walgreens at …", "Our nearest store to you is at Willow Creek Mall, …", "Our Hunter Road branch is
# at …", "The Chicago Passport Agency is at …", "the Secretary of State office at …".
_BUSINESS_PLACE = (
    r"(?:store|branch|office|clinic|pharmacy|dealership|restaurant|mall|shop|warehouse|agency|site|center|centre|"
    r"facility|campus|depot|showroom|courthouse|library)"
)
# A public place or a business named in capitals, before its address: "the Atlanta Passport Agency, 230
# Peachtree Street", "the Rose Pavilion, 1968 Peachtree Road", "Kroger Pharmacy at …".
# Not a building people live or stay in: a tower, a plaza, a hall, a hotel or a care centre.
_FACILITY = (
    r"(?:Pavilion|Courthouse|Hospital|Library|Terminal|Headquarters|Department|Showroom|School|"
    r"Elementary|Academy|University|College|Stadium|Arena|Museum|Gym|Lab|Laboratory|Institute|Agency|Office|"
    r"Clinic|Store|Branch|Pharmacy|Dealership|Restaurant|Mall|Shop|Warehouse|Market|Supermarket|Salon|Bakery|"
    r"Cafe|Diner|Hardware|Motors)"
)
_BUSINESS_NAMED = re.compile(
    # Not "our location" or "our pickup location": a caller's own, where a driver is to meet them.
    rf"\b(?:our\s+(?:[\w'’-]+\s+){{0,2}}{_BUSINESS_PLACE}|(?:the\s+|your\s+)?(?:nearest|closest)\s+(?:[\w'’-]+\s+)?"
    rf"(?:{_BUSINESS_PLACE}|location)|the\s+(?:nearest|closest)(?:\s+one)?|"
    # "the leasing office is at …", "the courthouse at …"; not "it's the office at …", one's work, nor
    # "The install site is …", one's home.
    r"the\s+(?:local\s+)?(?:[\w'’-]+\s+)?(?:office|store|branch|clinic|pharmacy|dealership|showroom|depot)(?=\s+is\s)|"
    r"the\s+(?:county\s+)?(?:courthouse|library)|"
    rf"(?P<capitalised>the\s+(?-i:[A-Z])[\w'’-]*(?:\s+(?:of\s+)?(?-i:[A-Z])[\w'’-]*){{0,3}}\s+(?:{_BUSINESS_PLACE}|"
    # A business's own name with its kind in capitals: "Kroger Pharmacy at …".
    rf"(?-i:{_FACILITY})))|(?P<named>(?-i:[A-Z])[\w'’&-]*(?:\s+(?-i:[A-Z])[\w'’&-]*){{0,3}}\s+(?-i:{_FACILITY})))"
    r"(?:\s+(?:to\s+you|near\s+you|in\s+(?-i:[A-Z])[\w'’-]*(?:\s+(?-i:[A-Z])[\w'’-]*)?))?"
    # "is at", "at", or a comma: "the Atlanta Passport Agency, 230 Peachtree Street".
    r"(?:\s+(?:is\s+(?:located\s+)?(?:at\s+|on\s+)?|at\s+)|,\s*)"
    # The business's own name, or its mall's: "the Walgreens at", "Willow Creek Mall, ".
    r"(?:(?:the\s+)?(?-i:[A-Z])[\w'’&-]*(?:\s+(?-i:[A-Z])[\w'’&-]*){0,3}(?:,\s*|\s+at\s+))?$",
    FLAGS,
)
# Words of where someone lives, read in the rest of the turn too ("Our office is at …. We stay there
# too."), where "you" is only the listener.
_LIVED_IN_WORDS = (
    "my|mine|home|house|apartment|live|lives|living|stay|stays|staying|reside|residence|mail|mailing|billing"
)
_LIVED_IN = re.compile(rf"\b(?:{_LIVED_IN_WORDS})\b", FLAGS)
_LIVES_THERE = re.compile(r"\b(?:home|house|apartment|live|lives|living|stay|stays|staying|reside|resides)\b", FLAGS)
# A home's unit with its address: "…, 3B", "#4", "apartment 2", "Room 212", "upstairs".
_A_UNIT = re.compile(
    r"#|\b\d{1,4}(?-i:[A-Z])\b|\b(?:apt|apartment|unit|room|rm|lot|space|trailer|upstairs|downstairs|basement|"
    r"parsonage|rear|cottage|housing|box|pmb)\b",
    FLAGS,
)
# Where someone is, or a visit to them, asked about: "Where will you be?", "the location of the service",
# "Where should the tow truck meet you?". A question for a business's place (``_BUSINESS_PLACE_ASKED``) is
# read apart.
_WHERE_ASKED = re.compile(
    r"\b(?:where|location|located|property|premises|site|service|pickup|pick (?:you )?up|meter|home|house|meet|"
    r"technician|tech|tow|driver|come out|install\w*|deliver\w*|inspect\w*|visit)\b",
    FLAGS,
)
# Words that make a place someone's, said anywhere in its sentence: "my office at …", "…, which is also
# my home address", "you're at …", "…, where I stay". After the address, any pronoun or clause does:
# a business's own place is followed only by where it is ("second floor, next to the Walgreens").
_OWN_PLACE = re.compile(
    rf"\b(?:{_LIVED_IN_WORDS}|me|his|her|you|you're|your|i'm|im|we're|he's|she's|they're|apt|unit|ship|send|"
    r"deliver\w*|account|customer|caller|work|works|working|worked|employer)\b",
    FLAGS,
)
_CLAUSE_AFTER = re.compile(
    r"\b(?:i|i'm|i've|we|we've|us|ours|it|it's|that|that's|which|where|who|he|she|they|family|place|moved|lived|"
    # Any word's "'s" ("it's", "Mom's", "Aunt Rosa's"), but a business's named after "the" ("across
    # from the Macy's").
    r"sleep|drop|bring|courier)\b|(?<!\bthe )\b\w+['’]s\b|\bthe (?-i:[a-z])\w*['’]s\b",
    FLAGS,
)


# A business's place asked about: "What's the address of your clinic?", "Which store were you
# shopping at?", "Is that the office on Sterling Avenue?".
_PLACES_ASKED_ABOUT = (
    r"(?:store|branch|office|clinic|pharmacy|dealership|restaurant|mall|shop|warehouse|hotel|resort|showroom|"
    r"depot|terminal|hospital|bank)"
)
_BUSINESS_PLACE_ASKED = re.compile(rf"\b{_PLACES_ASKED_ABOUT}s?\b", FLAGS)
# A person's place, or a business's coming to one, or whoever's address: "Which store should we
# ship it to?", "Which branch is nearest your home?", "Which clinic? And the patient's address?";
# not the listener's visit to the business ("the store you visited").
_PERSON_PLACE_ASKED = re.compile(
    r"\b(?:deliver\w*|ship\w*|mail\w*|send|sent|come|coming|(?<!you )(?<!you'll )(?<!you've )(?<!you were )visit\w*|"
    r"install\w*|technician|driver|pick(?:ed)?\s?up|postal|post ?code|yours|(?:your|my|his|her|their) own|"
    r"home|house|apartment|property|live|lives|living|reside\w*|residence|billing|bill|"
    r"moved?|forward\w*|discharg\w*|stay\w*|patient|customer|cardholder|policyholder|holder|member|subscriber|"
    r"tenant|student|claimant|borrower|insured|owner|guest|recipient|son|daughter|wife|husband|mom|dad|mother|"
    r"father|address|on file|zip|card|security|secret|born|employer|work|works|working|"
    r"your (?:[\w'’-]+ )?(?:office|shop|store|business|company|workplace)|"
    r"you(?:['’]re| are) (?:at|in)|where (?:are )?you(?: are)?\b)",
    FLAGS,
)
# The one address, street or ZIP code a question for a business's place may name: "the address of
# the store", "the street name of the branch", "the zip code for the store you want".
_A_BUSINESS_S_ZIP = rf"zip(?: ?code)? (?:of|for) (?:the|that|this) (?:[\w'’-]+ )?{_PLACES_ASKED_ABOUT}\b"
_A_BUSINESS_S_ADDRESS = re.compile(
    rf"\b(?:address|street(?: name)?) (?:of|for) (?:the|that|this) (?:[\w'’-]+ )?{_PLACES_ASKED_ABOUT}\b|"
    rf"\b{_A_BUSINESS_S_ZIP}",
    FLAGS,
)
_A_BUSINESS_S_ZIP_ASKED = re.compile(rf"\b{_A_BUSINESS_S_ZIP}", FLAGS)
# The same asked of the listener's business, which the answer then names as its own: "What's the
# address of your Columbus branch?" / "Our Columbus branch is at …".
_YOUR_BUSINESS_S_ADDRESS = re.compile(
    rf"\baddress (?:of|for) (?:the|that|this|your|its|our) (?:[\w'’-]+ )?{_PLACES_ASKED_ABOUT}\b|"
    rf"\b{_PLACES_ASKED_ABOUT}['’]s (?:[\w'’-]+ )?address\b",
    FLAGS,
)
# In the answer, what makes the address someone's: "…, but bill it to …", "I stayed at an Airbnb,
# …", "The statement address is …", "…, apartment 4B", "…. I rent the upstairs."
_ANSWER_OWNS = re.compile(
    rf"\b(?:{_LIVED_IN_WORDS}|address|bill|billed|statement|stayed|airbnb|rental|rent|send|ship|deliver|"
    r"forward|our|we|we're|me|i'm|im|apartment|apt|unit|lot|flat|upstairs|downstairs|basement|sleep|room|rm|"
    r"trailer|space|box|p\.?\s?o|post office|rural route|rr|number|no|bldg|building|dorm|cabin|site|slip|stall|"
    r"came|come|comes|visits?|visited|"
    r"pound|hashtag|rear)\b|#",
    FLAGS,
)
# A person's own address asked for, or where something goes: "What's your address?", "Where should
# we ship it?" (a business's phrase said in answer is then the person's: "The Garcia Agency is at …").
_PERSONAL_ADDRESS_ASKED = re.compile(
    r"\b(?:your|my|his|her|their)\s+(?:[\w'’-]+\s+)?address\b|\b(?:ship|deliver|mail|send)\w*\b|"
    r"\bwhere (?:do|does|should|can) (?:you|we|i|they|he|she) (?:live|stay)\b",
    FLAGS,
)


def _business_asked(talk: Dialogue, start: int) -> bool:
    """The turn before asked where a business's place is ("Where is the store you shopped at?",
    "Please say the address of the branch you visited."; without a question mark, only where it
    names the place's address), and neither it nor the turn before it asked of anyone's
    place or of where something goes, nor does the answer say whose the address is: the address
    or ZIP code at ``start`` answers it."""
    turn_start, turn_end = talk.turn(start)
    if not turn_start:
        return False
    asked_from, _ = talk.turn(turn_start - 1)
    asked = talk.text[asked_from : turn_start - 1]
    earlier = talk.text[max(0, asked_from - _BIRTH_LOOKBACK) : turn_start - 1]
    return (
        ("?" in asked or (REQUEST.search(asked) is not None and _A_BUSINESS_S_ADDRESS.search(asked) is not None))
        and _BUSINESS_PLACE_ASKED.search(asked) is not None
        and not _PERSON_PLACE_ASKED.search(_A_BUSINESS_S_ADDRESS.sub(" ", earlier))
        and not _ANSWER_OWNS.search(talk.text, turn_start, turn_end)
        and "?" not in talk.text[turn_start:start]  # "12 Main Street. Do you need the account address? It's 45…"
    )


def _business_zip_asked(talk: Dialogue, start: int) -> bool:
    """The turn before asked for a business's place's ZIP code ("Please say the zip code for the
    store you want.") and for nothing of anyone's (``_business_asked``), and no post office box
    was spoken of before it (its ZIP is its holder's)."""
    asked = _asked_before(talk, talk.turn(start)[0])
    return (
        _A_BUSINESS_S_ZIP_ASKED.search(asked) is not None
        and _business_asked(talk, start)
        and not talk.mentioned_within("PO_BOX", start, _BIRTH_LOOKBACK)
    )


# "you" said of anyone, or of the listener only as the one a place is near.
_ANYONE = re.compile(
    r"\b(?:to you|near you|you can|you could|you may|you might|you'll|you will|you should|you need to|if you)\b",
    FLAGS,
)
# A business telling where it is: "We're at …", then its hours or main line in the same turn ("…, Suite
# 400, right across from City Hall. Our main line is …", "…. We close at nine."); not where a visit to
# the caller was asked about ("Where should the tow truck meet you?").
_WE_ARE_AT = re.compile(r"\b(?:we're|we are|we're located|we are located)\s+(?:now\s+)?(?:at|on)\s+$", FLAGS)
_BUSINESS_HOURS = re.compile(
    r"\bwe(?:'re| are)? (?:open|close)\b|\bour (?:hours|main line|lobby|front desk)\b|\bmain line\b|"
    r"\bopen (?:from|until|till|til|\d|monday|tuesday|wednesday|thursday|friday|saturday|sunday|weekdays|daily)\b",
    FLAGS,
)


def _business_says_where(text: str, talk: Dialogue, start: int) -> bool:
    """The address at ``start`` is where the speaker's business is: "We're at 2210 Hollis Avenue, by
    the Harris Teeter. We close at nine." (its opening hours or main line said in the turn), not where
    the turn before asked where someone is or about a visit to them."""
    sentence_start, _ = talk.sentence(start)
    if not _WE_ARE_AT.search(text, max(sentence_start, start - 40), start):
        return False
    turn_start, turn_end = talk.turn(start)
    asked = _asked_before(talk, turn_start)
    return bool(_BUSINESS_HOURS.search(text, start, turn_end)) and not (
        _WHERE_ASKED.search(asked) and not _BUSINESS_PLACE_ASKED.search(asked)
    )


def _business_address(text: str, talk: Dialogue, finding: Finding) -> bool:
    """An address a business names as its own place, right after naming it ("Our office is at …",
    "the Atlanta Passport Agency, …") or telling where it is (``_business_says_where``), or given
    for a question for a business's place (``_business_asked``): not a person's. Never where its
    sentence says whose place it is otherwise ("Our office has you at …", "Our store is at …, and
    you're at …") or goes on after it with more than where it is ("…, which is also my home
    address", "…, that's where I stay")."""
    _, start, end, _ = finding
    sentence_start, sentence_end = talk.sentence(start)
    named = _BUSINESS_NAMED.search(text, max(sentence_start, start - 90), start)
    if named or _business_says_where(text, talk, start):
        turn_start, _ = talk.turn(start)
        asked = _YOUR_BUSINESS_S_ADDRESS.sub(" ", _asked_before(talk, turn_start))
        if _PERSONAL_ADDRESS_ASKED.search(asked) and not (named and named.group().lower().startswith("our")):
            return False  # "What's your address?" / "The Garcia Agency is at …"; not "Our office is at …"
        named_only = named is None or named.group("capitalised") or named.group("named")
        if named_only and _WHERE_ASKED.search(asked) and not _BUSINESS_PLACE_ASKED.search(asked):
            # A place named only by its name, said where someone is asked: "Where will you be?" / "The
            # Harbor Clinic, 220 Front Street."; not "Where are you located?" / "Our office is at …".
            return False
        if _LIVES_THERE.search(text, turn_start, sentence_start):
            return False  # "At home. The Kingsley Clinic, …", "Our daughter lives on campus now. …"
        if named_only and _A_UNIT.search(text, start, sentence_end):
            return False  # "The Riverside Clinic, 88 Elm Street, 3B"; not "Our office is at …, Room 212"
    elif not _business_asked(talk, start):
        return False
    # "to you" names the listener only as the one the store is near, "you can" as anyone. Before
    # "our office at", what the sentence says is of what is brought or sent there: "Please bring your
    # records to our office at …", "Send it by overnight mail to our office at …".
    ours = named is not None and named.group().lower().startswith("our")
    said = _ANYONE.sub(" ", text[named.start() if ours else sentence_start : start])
    if _business_says_where(text, talk, start):
        said = _WE_ARE_AT.sub(" ", said)
    after = text[end:sentence_end]
    turn_end = text.find("\n", end)
    rest_of_turn = text[sentence_end : len(text) if turn_end == -1 else turn_end]
    return not (
        _OWN_PLACE.search(said)
        or _OWN_PLACE.search(after)
        # A clause after it that tells the place's hours is the business's: "…, and it's open until 5".
        or (_CLAUSE_AFTER.search(after) and not _BUSINESS_HOURS.search(after))
        or _LIVED_IN.search(rest_of_turn)  # "Our office is at …. We stay there too."
        or _WHOSE_NEXT.match(rest_of_turn) is not None  # "…. That's Mom's."
    )


@functools.lru_cache(maxsize=16)
def _scan(text: str) -> tuple[Finding, ...]:
    talk = dialogue(text)
    harmless_codes = _harmless_codes(text, talk)
    findings = _rule_findings(text, talk)
    findings += _card_runs(text)
    findings += _spelled_identifiers(text, talk, harmless_codes)
    findings += _partial_identifiers(text, talk)
    findings += _payment_flow(text, findings)
    findings += _expiry_with_code(text, talk)
    findings += _zip_by_position(text)
    findings += _zip_after_address(text, findings, talk)
    findings += _date_in_pieces(text, findings, talk)
    findings += _read_back(text, talk)
    findings += _dates_read_back(text, talk)
    findings += _read_it_back(text, talk)
    findings += _secret_answers(text, talk)
    findings += _dates_beside_birth(text, findings, talk)
    findings += _holiday_births(text, talk)
    findings += _birthdays_named(text)
    findings += _identifier_edges(text, findings)
    findings += _secret_edges(text, findings)
    findings += _phone_extensions(text, findings)
    findings += _units_after(text, findings)
    findings += _streets_before_units(text, talk, findings)
    findings += _towns_after(text, findings)
    findings += _email_parts(text, findings)
    findings += _corrections_and_repeats(text, findings)
    findings += _begun_again(text, findings)
    # A business's own line or place.
    company = [
        finding[1:3]
        for finding in findings
        if (finding[0] == "PHONE" and _company_line(text, talk, finding))
        or (finding[0] == "ADDRESS" and _business_address(text, talk, finding))
        or (finding[0] == "ZIP_CODE" and _business_zip_asked(talk, finding[1]))
    ]
    harmless = company + harmless_codes
    # A business's code said again, read back or repeated: "Your case number is D as in David, 7 7 3
    # 0 9." / "Okay, D77309."
    codes = {_characters(text[start:end]) for start, end in harmless_codes}
    harmless += [
        finding[1:3]
        for finding in findings
        if any(start < finding[1] for start, _ in harmless_codes)
        and _characters(text[finding[1] : finding[2]]) in codes
        and not talk.names_an_own_identifier(*talk.turn(finding[1]))  # "Wait, that's my member ID, H551208."
    ]
    if harmless:
        findings = [
            finding for finding in findings if not any(a <= finding[1] and finding[2] <= b for a, b in harmless)
        ]
    # A code said alone is typed by its length only where nothing else typed it.
    typed = [finding for finding in findings if finding[3] != BARE_DIGITS]
    return tuple(typed) + tuple(
        finding
        for finding in findings
        if finding[3] == BARE_DIGITS and not any(finding[1] < end and start < finding[2] for _, start, end, _ in typed)
    )


class RuleRecognizer(EntityRecognizer):
    """A Presidio recogniser for one entity type: its share of ``scan``."""

    def __init__(self, entity: str) -> None:
        super().__init__(supported_entities=[entity], name=f"{entity.title().replace('_', '')}Recognizer")

    def load(self) -> None:
        pass

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        entity = self.supported_entities[0]
        return [
            RecognizerResult(entity, start, end, score) for found, start, end, score in scan(text) if found == entity
        ]


def recognizers(types: Iterable[str] = ENTITY_TYPES) -> list[RuleRecognizer]:
    return [RuleRecognizer(entity) for entity in types]


def types_in(text: str, *, context: str = "") -> frozenset[str]:
    """The types the rules find in ``text`` (``context``, the turn before,
    read with it but never reported): milliseconds, with no model loaded,
    for a decision that can't wait for the whole engine."""
    joined = f"{context[-CONTEXT_CHARACTERS:]}\n" if context else ""
    try:
        return frozenset(entity for entity, _, end, _ in scan(joined + text) if end > len(joined))
    finally:
        forget()
