"""Spoken forms to written forms, with an exact map back to the original.

Speech-to-text writes "four one one one", "oh" for zero, "double five", and
splits digit groups with hesitations ("um", "hang on", "let me see"). It
spells identifiers ("w two eight …", "P A 7 7 …") and reads e-mail addresses
aloud ("j o h n dot smith eight eight at gmail dot com"). Detection runs on a
normalised copy in which such runs become "4111", "55", "W28…" or
"john.smith88@gmail.com". Every character of the copy records which span of
the original it came from, so a finding in the copy redacts exactly the
words that were said, and nothing around them.

Only the places where a number word, a digit or an "at" occurs are read
token by token; everything else is copied in one piece, which keeps a long
transcript cheap to normalise.

A hesitation joins the digits on either side of it ("two three oh five uh
hang on four six nine two" is one value). A correction does not ("45019…
sorry, 4501 …" is an abandoned value and its restatement): the recognisers
give the two the same type.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from operator import itemgetter

UNITS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9}
TEENS = {
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
ZERO_LETTERS = {"oh", "o"}
REPEATS = {"double": 2, "triple": 3}
ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14,
    "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19,
    "twentieth": 20, "thirtieth": 30,
}  # fmt: skip
NUMBER_WORDS = {**UNITS, **TEENS, **TENS}
# Mail providers whose name is said alone for the whole domain: "at gmail".
MAIL_PROVIDERS = frozenset("gmail yahoo hotmail outlook icloud aol protonmail ymail".split())
TOP_LEVEL_DOMAINS = {
    "com", "net", "org", "edu", "gov", "io", "co", "us", "uk", "info", "biz", "me", "ca", "mil", "ai", "app", "dev",
    "tv", "au", "de", "fr", "in", "nz", "ie", "jp", "es", "it", "nl", "mx", "br", "ch", "se", "za",
}  # fmt: skip
# "yahoo dot co dot uk": a second level before a country code.
SECOND_LEVEL_DOMAINS = {"co", "com", "org", "net", "ac", "gov", "edu"}
EMAIL_SEPARATORS = {"dot": ".", "period": ".", "point": ".", "underscore": "_", "dash": "-", "hyphen": "-"}
# Words that end the part of an e-mail address before "at" when read
# backwards, and that never belong to the domain after it.
EMAIL_STOP_WORDS = frozenset(
    """
    is was it's its it that's thats that this my your his her our their the an and or but so to at in on of for
    from with by me us you i'm im we they he she email emails e-mail address addresses send sent reach contact
    write use using try yes yeah yep no nope okay ok sure right correct be been should would could can will have
    has had do does did get got go going looking look log logged sign signed check click visit website site online
    username name please thanks thank hi hello just also as like then there here what's whats what where now still
    update updated change changed under new old same all lowercase uppercase spelled spell mail's
    sorry wait actually mean correction oops again
    """.split()
)
FILLER_WORDS = {"um", "uh", "umm", "uhh", "er", "erm", "ah", "hmm", "mm"}
# The spelling alphabet: "alpha seven bravo three" is A7B3.
SPELLING_ALPHABET = {
    word: word[0].upper()
    for word in (
        "alpha alfa bravo charlie delta echo foxtrot golf hotel india juliet juliett kilo lima mike november oscar "
        "papa quebec romeo sierra tango uniform victor whiskey whisky xray yankee zulu"
    ).split()
}
# Those that are people's names too: "Mike, 7, Juliet, 5" are two children and their ages.
NAMED_LETTERS = frozenset("charlie india juliet juliett lima mike oscar papa romeo sierra victor".split())


def spelled_in_the_alphabet(words: Sequence[str]) -> bool:
    """A run of letters said in the spelling alphabet (``words``, lowercase), that can't be
    names: one of them no name ("alpha", "quebec"), or three of them ("mike, oscar, victor")."""
    return any(word not in NAMED_LETTERS for word in words) or len(words) >= 3


# Codes spoken letter by letter: uppercase prefixes that are words, not letters.
NOT_CODE_PREFIXES = frozenset(
    "I A AM PM OK ID US TV ATM PIN SSN DOB CVV ZIP APR APY UPS HR CD AC IT DL PO ER EST PST CST MST "
    # An identifier's name said before its digits: "My EIN 12-3456789".
    "EIN TIN ITIN SIN VIN MRN NPI DEA MBI KTN "
    # States: "Buffalo, OH 40556" is a place and a ZIP code.
    "AL AK AZ AR CA CO CT DE FL GA HI IA IL IN KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK OR PA "
    "RI SC SD TN TX UT VT VA WA WV WI WY DC".split()
)

# Letters of any script: "Báten" is one word, not "Bá" and the number ten.
_TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?|\d+|\S")
# Where reading starts: a digit, a number word or a letter said alone (a code
# spelled out), and "at" or "@" for e-mail addresses.
_EMAIL_TRIGGER = re.compile(r"(?<![\w'’])at(?![\w'’])|@", re.IGNORECASE)
# Between two digit groups of one value: spacing, commas, dashes, an ellipsis,
# and hesitations. A correction ("sorry", "no wait", "I mean") is not here.
# A line break ends a turn: digits on either side are two values.
_HESITATION = re.compile(
    r"(?:[^\S\n]|[,\-–—…]|\.{2,}|\b(?:um+|uh+|er|erm|ah+|hmm+|mm+|like|then|and then|hang on|hold on|one sec(?:ond)?|"
    r"just a sec(?:ond)?|give me a sec(?:ond)?|let me (?:see|check|think|look)|bear with me|you know|dash|hyphen)\b)+",
    re.IGNORECASE,
)
_SLASH = re.compile(r"\s*(?:/|,?\s*\bslash\b,?)\s*", re.IGNORECASE)  # "zero five, slash, one seven"
# "415.555.0132" but not "$49.99": a dot joins groups of three or more digits.
_DOTTED_GROUP = re.compile(r"(?<=\d{3})\.(?=\d{3})")


@dataclass(frozen=True)
class Normalized:
    """``text`` is the normalised copy. ``pieces`` cover it in order:
    ``(start, end, original_start, original_end, linear)``; a linear piece
    was copied character for character, any other was read from the words
    of its original span."""

    text: str
    pieces: tuple[tuple[int, int, int, int, bool], ...]

    @functools.cached_property
    def _starts(self) -> list[int]:
        return [piece[0] for piece in self.pieces]

    def _span(self, index: int) -> tuple[int, int]:
        start, _, original_start, original_end, linear = self.pieces[bisect_right(self._starts, index) - 1]
        if linear:
            position = original_start + index - start
            return position, position + 1
        return original_start, original_end

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        return self._span(start)[0], self._span(end - 1)[1]

    @property
    def origin(self) -> tuple[tuple[int, int], ...]:
        """The original span of each character of ``text``."""
        return tuple(self._span(index) for index in range(len(self.text)))


class _Builder:
    def __init__(self, text: str) -> None:
        self.source = text
        self.parts: list[str] = []
        self.pieces: list[tuple[int, int, int, int, bool]] = []
        self.length = 0
        self.copied_to = 0

    def copy_to(self, position: int) -> None:
        if position > self.copied_to:
            self._add(self.source[self.copied_to : position], self.copied_to, position, True)
            self.copied_to = position

    def skip_to(self, position: int) -> None:
        """Leave out the original up to ``position``: the hesitation between
        two digit groups, the spaces between spelled letters."""
        self.copied_to = max(self.copied_to, position)

    def emit(self, text: str, start: int, end: int) -> None:
        self.copy_to(start)
        self._add(text, start, end, text == self.source[start:end])
        self.copied_to = max(self.copied_to, end)

    def _add(self, text: str, start: int, end: int, linear: bool) -> None:
        if text:
            self.parts.append(text)
            self.pieces.append((self.length, self.length + len(text), start, end, linear))
            self.length += len(text)

    def build(self) -> Normalized:
        self.copy_to(len(self.source))
        return Normalized("".join(self.parts), tuple(self.pieces))


class _Token(tuple):
    """``(text, start, end, word)``: a tuple, as a transcript has thousands."""

    __slots__ = ()
    text = property(itemgetter(0))
    start = property(itemgetter(1))
    end = property(itemgetter(2))
    word = property(itemgetter(3))


def _token(text: str, start: int, end: int) -> _Token:
    return _Token((text, start, end, text.lower()))


def _pieces(text: str) -> Iterator[tuple[str, int]]:
    for match in _TOKEN.finditer(text):
        yield match.group(), match.start()


def _tokens(text: str, position: int, limit: int = 24) -> list[_Token]:
    tokens = []
    for match in _TOKEN.finditer(text, position):
        tokens.append(_token(match.group(), match.start(), match.end()))
        if len(tokens) >= limit:
            break
    return tokens


def _adjacent(text: str, left: _Token, right: _Token) -> bool:
    """Only spaces, or one hyphen, between two tokens: "twenty-one"."""
    between = text[left.end : right.start]
    return between.strip() in ("", "-")


# --- Numbers --------------------------------------------------------------------------------


def _number_word(tokens: Sequence[_Token], index: int, text: str) -> tuple[str, int] | None:
    """One spoken number at ``tokens[index]``: its digits and the index past it.

    "four" → "4"; "twenty one" → "21"; "nineteen" → "19"; "five hundred
    twelve" → "512"; "two thousand nineteen" → "2019"; "double five" → "55";
    "oh" → "0". A run of such numbers is joined by the caller.
    """
    token = tokens[index]
    if token.text.isdigit():
        return token.text, index + 1
    word = token.word
    next_index = index + 1
    if next_index + 1 < len(tokens) and tokens[next_index].text == "-" and tokens[next_index].start == token.end:
        next_index += 1  # "twenty-one"
    following = tokens[next_index] if next_index < len(tokens) else None
    if word in REPEATS:
        if (
            following
            and _adjacent(text, token, following)
            and (
                following.word in UNITS
                or following.word in ZERO_LETTERS
                or (len(following.text) == 1 and following.text in "0123456789")
            )
        ):
            # "double five", "double oh", "Double 8"
            digit = (
                "0"
                if following.word in ZERO_LETTERS
                else following.text
                if following.text.isdigit()
                else str(UNITS[following.word])
            )
            return digit * REPEATS[word], next_index + 1
        return None
    if word in ZERO_LETTERS:
        return "0", index + 1
    if word in TEENS:
        value, after = TEENS[word], index + 1
    elif word in TENS:
        value, after = TENS[word], index + 1
        if following and following.word in UNITS and following.word != "zero" and _adjacent(text, token, following):
            value, after = value + UNITS[following.word], next_index + 1
    elif word in UNITS:
        value, after = UNITS[word], index + 1
    else:
        return None
    # "five hundred twelve", and "twenty four hundred", "twenty hundred",
    # "seventeen thousand": a house number or a year said in hundreds.
    if (
        after < len(tokens)
        and tokens[after].word in ("hundred", "thousand")
        and _adjacent(text, tokens[after - 1], tokens[after])
    ):
        return _hundreds(tokens, after, value, text)
    return str(value), after


def _hundreds(tokens: Sequence[_Token], index: int, base: int, text: str) -> tuple[str, int]:
    """ "five hundred twelve", "two thousand nineteen", "two thousand and five",
    "twenty four hundred": ``tokens[index]`` is the "hundred" or "thousand"."""
    value = base * (100 if tokens[index].word == "hundred" else 1000)
    end = index + 1
    position = end
    if position < len(tokens) and tokens[position].word == "and":
        position += 1
    word = tokens[position].word if position < len(tokens) else ""
    if value % 1000 == 0 and word in UNITS and position + 1 < len(tokens) and tokens[position + 1].word == "hundred":
        value += UNITS[word] * 100
        end = position = position + 2
        if position < len(tokens) and tokens[position].word == "and":
            position += 1
        word = tokens[position].word if position < len(tokens) else ""
    if word in TEENS:
        return str(value + TEENS[word]), position + 1
    if word in TENS:
        value += TENS[word]
        following = tokens[position + 1].word if position + 1 < len(tokens) else ""
        if following in UNITS and following != "zero":
            return str(value + UNITS[following]), position + 2
        return str(value), position + 1
    if word in UNITS and word != "zero":
        return str(value + UNITS[word]), position + 1
    return str(value), end


def _zero_beside_number(tokens: Sequence[_Token], index: int) -> bool:
    """ "oh" is zero only next to another number: "oh well" stays, "Oh-six" does not."""
    for step in (-1, 1):
        neighbour = index + step
        while 0 <= neighbour < len(tokens) and tokens[neighbour].text == "-":
            neighbour += step
        if not 0 <= neighbour < len(tokens):
            continue
        # Past the other "oh"s said with it: "oh oh oh five".
        while tokens[neighbour].word in ZERO_LETTERS and 0 <= neighbour + step < len(tokens):
            neighbour += step
        token = tokens[neighbour]
        if token.text.isdigit() or token.word in NUMBER_WORDS or token.word in REPEATS:
            return True
    return False


def _ordinal(tokens: Sequence[_Token], index: int, text: str) -> tuple[str, int] | None:
    """ "third" → "3rd", "twenty third" → "23rd", "thirty-first" → "31st"."""
    word = tokens[index].word
    value, end = ORDINALS.get(word), index + 1
    next_index = index + 1
    if (
        next_index + 1 < len(tokens)
        and tokens[next_index].text == "-"
        and tokens[next_index].start == tokens[index].end
    ):
        next_index += 1  # "thirty-first"
    if word in TENS and next_index < len(tokens):
        following = tokens[next_index]
        if following.word in ORDINALS and ORDINALS[following.word] < 10 and _adjacent(text, tokens[index], following):
            value, end = TENS[word] + ORDINALS[following.word], next_index + 1
    if value is None:
        return None
    suffix = "th" if 10 <= value % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(value % 10, "th")
    return f"{value}{suffix}", end


def _letter(token: _Token) -> bool:
    return len(token.text) == 1 and token.text.isalpha()


def _spelled_code(tokens: Sequence[_Token], index: int, text: str) -> tuple[list[tuple[str, int, int]], int] | None:
    """A code said letter by letter and digit by digit: "w two eight …",
    "P A 7 7 …", "c l m two oh …", "XJH 4829 …", "C 0 1 X 0 0 T 4 7",
    "P-D-3-3-8". It starts with letters (or a short capitalised prefix) and
    holds three digits or more; a lone "a" or "I" starts one only before six
    digits ("a 2019 Honda" is no code). Returns its parts and the index past
    them, or None."""
    parts: list[tuple[str, int, int]] = []
    letters = digits = 0
    position = index
    while position < len(tokens):
        token = tokens[position]
        if parts and (token.text in ("-", "…", ".") or (token.text == "," and _spelled_on(tokens, position))):
            position += 1
            continue
        if parts and not _CODE_GAP.fullmatch(text, parts[-1][2], token.start):
            break
        # "d as in delta": the word only tells which letter was said.
        aid = position >= 2 and tokens[position - 2].word == "as" and tokens[position - 1].word == "in"
        if (token.word in SPELLING_ALPHABET and not aid) or (
            _letter(token)
            and not (
                token.word in ZERO_LETTERS
                and digits
                and position + 1 < len(tokens)
                and _continues_number(tokens, position + 1)
            )
        ):
            parts.append((SPELLING_ALPHABET.get(token.word, token.text.upper()), token.start, token.end))
            letters += 1
            position += 1
            continue
        if not parts and token.text.isupper() and 2 <= len(token.text) <= 4 and token.text not in NOT_CODE_PREFIXES:
            parts.append((token.text, token.start, token.end))
            letters += 2
            position += 1
            continue
        if parts and _continues_number(tokens, position):
            chunks, after = _digit_run(tokens, position, text)
            if not chunks or any(chunk[0] == "/" for chunk in chunks):
                break
            chunks = [chunk for chunk in chunks if chunk[0] != "-"]
            parts.extend(chunks)
            digits += sum(len(chunk[0]) for chunk in chunks)
            position = after
            continue
        break
    # Three digits, or fewer where two letters were said one by one in the spelling alphabet
    # ("alpha seven bravo three") or four alone ("K-I-W-I, 4-4").
    spelled = [part for part in parts if part[0].isalpha() and len(part[0]) == 1]
    alphabet = [text[start:end].lower() for _, start, end in spelled if end - start > 1]
    if not letters or (digits < 3 and not (digits and (len(alphabet) >= 2 or len(spelled) - len(alphabet) >= 4))):
        return None
    if alphabet and (len(spelled) < 2 or not spelled_in_the_alphabet(alphabet)):
        return None  # "Victor 2 1 9", "Mike, 7, Juliet, 5": names and numbers
    if all(parts[number][2] == parts[number + 1][1] for number in range(len(parts) - 1)):
        return None  # one written token ("CA59701…"), not a code said part by part
    alone = parts[0][0] in ("A", "I") and parts[0][2] - parts[0][1] == 1  # not "alpha", "india"
    if alone and (len(parts) < 2 or parts[1][0].isdigit()) and digits < 6:
        return None
    return parts, position


def _spelled_on(tokens: Sequence[_Token], comma: int) -> bool:
    """The comma at ``tokens[comma]`` is a pause in a code spelled one character at a time:
    "K, I, W, I, 4, 4", "kilo, whiskey, seven"; not "Apt 12F, 340 East…" or "capital K, 2024"."""
    if comma + 1 >= len(tokens):
        return False
    return all(
        len(token.text) == 1
        or token.word in SPELLING_ALPHABET
        or token.word in NUMBER_WORDS
        or token.word in ZERO_LETTERS
        for token in tokens[comma - 1 : comma + 2 : 2]
    )


# Between the parts of a code said part by part: spaces, commas, dashes, a pause ("K… 7… 4… Q").
_CODE_GAP = re.compile(r"(?:[ ,\-…]|\.{2,})*")


def _continues_number(tokens: Sequence[_Token], index: int) -> bool:
    token = tokens[index]
    return (
        token.text.isdigit()
        or token.word in NUMBER_WORDS
        or token.word in REPEATS
        or (token.word in ZERO_LETTERS and token.text != "OH")  # Ohio
    )


def _token_at(tokens: Sequence[_Token], index: int, offset: int) -> int | None:
    """The index of the token starting at ``offset``, searching from ``index``."""
    while index < len(tokens) and tokens[index].start < offset:
        index += 1
    return index if index < len(tokens) and tokens[index].start == offset else None


def _digit_run(tokens: Sequence[_Token], index: int, text: str) -> tuple[list[tuple[str, int, int]], int]:
    """Digit groups from ``tokens[index]`` on, joined across spacing and
    hesitations, with "/" kept between groups. Returns each group with its
    original span, and the index past the last group."""
    chunks: list[tuple[str, int, int]] = []
    digits_so_far = since_slash = ""
    position = index
    while position < len(tokens):
        token = tokens[position]
        if token.word in ZERO_LETTERS and not token.text.isdigit():
            if not chunks and not _zero_beside_number(tokens, position):
                break
            read: tuple[str, int] | None = ("0", position + 1)
        else:
            read = _number_word(tokens, position, text)
        if read is None:
            break
        digits, after = read
        chunks.append((digits, token.start, tokens[after - 1].end))
        digits_so_far += digits
        since_slash += digits
        position = after
        if position >= len(tokens) or _complete_card(digits_so_far):
            break  # a whole card number: what follows is its expiry or code
        if len(chunks) == 1 and len(digits) == 2 and text[token.start - 1 : token.start] in ("'", "’"):
            break  # "December '27, 460": a year said short is whole
        if (
            len(chunks) == 1
            and _A_YEAR.fullmatch(digits)
            and _A_DATE_S_DAY_BEFORE.search(text, max(0, token.start - 40), token.start)
        ):
            break  # "September 30th, 1990, 218 40 6631": a date's year is whole
        gap_start = tokens[position - 1].end
        slash = _SLASH.match(text, gap_start)
        written = token.text.isdigit() and tokens[position].text == "-" and tokens[position].start == gap_start
        if slash:
            target, joiner = slash.end(), ("/", gap_start, slash.end())
        elif written and position + 1 < len(tokens) and tokens[position + 1].text.isdigit():
            # "123-45-6789", "1985-03-15": a written format keeps its dashes.
            target, joiner = gap_start + 1, ("-", gap_start, gap_start + 1)
        elif _DOTTED_GROUP.match(text, gap_start):
            target, joiner = gap_start + 1, None
        elif (step := _DICTATED_STEP.match(text, gap_start)) and _dictated(text, chunks[0][1], gap_start):
            target, joiner = step.end(), None  # "0. 4. 1. 1.": one digit a sentence
        else:
            if _FRACTION.match(text, gap_start):
                break  # "19 1/2 Cedar Court": a house number and its half
            gap = _HESITATION.match(text, gap_start)
            target, joiner = (gap.end() if gap else gap_start), None
            if len(since_slash) >= 2 and any(chunk[0] == "/" for chunk in chunks):
                break  # "04/28": a date's last part is whole
        following = _token_at(tokens, position, target)
        if following is None or not _continues_number(tokens, following) or _ordinal_at(tokens, following):
            break  # "412 7th Avenue": a house number and a numbered street
        if (
            tokens[following].word == "one"
            and len(tokens[position - 1].text) >= 2
            and tokens[position - 1].text.isdigit()
            and not (following + 1 < len(tokens) and _continues_number(tokens, following + 1))
        ):
            break  # "the 149 one": a pronoun after a number written in digits
        if not joiner and _restarted(tokens, following, text, digits_so_far, text[gap_start:target]):
            break  # "95… 958", "3 8, uh, 3 8 5": begun, then said again from the start
        if joiner:
            chunks.append(joiner)
            if joiner[0] == "/":
                since_slash = ""
        position = following
    # Digits said one by one, written with dashes: "9-4-1-0-7", "9-4, uh, 1-0-7"; not "1-22-85", "9-4".
    said = [chunk for chunk in chunks if chunk[0] != "-"]
    if len(said) >= 3 and len(said) < len(chunks) and all(len(chunk[0]) == 1 and chunk[0] != "/" for chunk in said):
        chunks = said
    return chunks, position


def _ordinal_at(tokens: Sequence[_Token], index: int) -> bool:
    """Digits written with an ordinal's ending: "7th", "21st"."""
    after = index + 1
    return (
        tokens[index].text.isdigit()
        and after < len(tokens)
        and tokens[after].word in ("st", "nd", "rd", "th")
        and tokens[after].start == tokens[index].end
    )


_FRACTION = re.compile(r"\s+[13]\s*/\s*[24](?!\d)")
# A value said one digit at a time, each heard as a sentence: "0. 4. 1. 1.", "Four. One. One. Nine."
# Three digits at least, so that "Option 2. 3 people…" stays two numbers.
_ONE_DIGIT = r"(?:\d|zero|oh|one|two|three|four|five|six|seven|eight|nine)(?![\w'’])"
_DICTATED_STEP = re.compile(rf"\.[^\S\n]+(?={_ONE_DIGIT})", re.IGNORECASE)
_DICTATION = re.compile(rf"(?<![\w.]){_ONE_DIGIT}(?:\.[^\S\n]+{_ONE_DIGIT}){{2,}}", re.IGNORECASE)


def _dictated(text: str, start: int, gap: int) -> bool:
    dictation = _DICTATION.match(text, start)
    return dictation is not None and gap < dictation.end()


_PAUSE_WORD = re.compile(r"…|\.{2,}|[a-z]", re.IGNORECASE)


def _restarted(tokens: Sequence[_Token], index: int, text: str, said: str, gap: str) -> bool:
    """A value begun, a pause, and a value that starts with the same digits: the first was
    abandoned and the value begun again ("95… 958"). A first part longer than two digits is a
    group of a longer value ("555, uh, 555 0123") unless what follows is whole by itself and the
    two together would be no value's length ("718... 718-555-0164", "646-555-01, uh,
    646-555-0187")."""
    if len(said) < 2 or not _PAUSE_WORD.search(gap):
        return False
    chunks, _ = _digit_run(tokens, index, text)
    again = "".join(chunk[0] for chunk in chunks if chunk[0].isdigit())
    if len(again) <= len(said) or not again.startswith(said):
        return False
    return len(said) == 2 or (len(again) in _WHOLE_LENGTHS and len(said) + len(again) not in _WHOLE_LENGTHS)


# Lengths of whole values: a local phone number, a social, a phone with its area code (and country), a card.
_WHOLE_LENGTHS = frozenset({7, 9, 10, 11, 15, 16})


def _complete_card(digits: str) -> bool:
    """Sixteen digits (fifteen for American Express) that pass Luhn's check."""
    if len(digits) != (15 if digits[:2] in ("34", "37") else 16):
        return False
    total = 0
    for position, digit in enumerate(reversed(digits)):
        value = int(digit) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


# --- E-mail addresses -----------------------------------------------------------------------

_BACKWARD = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)?|\d+|\S")


def _email_local_start(text: str, at_start: int) -> int | None:
    """Where the part before "at" starts, reading backwards over names,
    letters, numbers and separators; None if nothing there can be one."""
    window_start = max(0, at_start - 120)
    tokens = [match for match in _BACKWARD.finditer(text, window_start, at_start)]
    words = [token.group().lower() for token in tokens]
    start, names, items = None, 0, 0
    skip = 0
    for position in range(len(tokens) - 1, -1, -1):
        token = tokens[position]
        if skip:
            skip -= 1
            continue
        if "\n" in text[token.end() : (start if start is not None else at_start)]:
            break
        word = words[position]
        if _spelling_aid(words, position - 3):
            # "s as in sam a r a h": "sam" only tells which letter was said.
            names, skip = 0, 3
            start, items = tokens[position - 3].start(), items + 4
            continue
        attached = text[token.start() - 1 : token.start()].isalnum() or text[token.end() : token.end() + 1].isalnum()
        if word in FILLER_WORDS and not attached:
            continue
        if word == "," and position and (len(words[position - 1]) == 1 or words[position - 1] in EMAIL_SEPARATORS):
            continue  # "L-E-I-L-A, dash, F-A-R-A-H-A-N-I, at": a spelling's pauses
        if word in EMAIL_SEPARATORS or word in "._-":
            if word == "." and text[token.end() : token.end() + 1].isspace():
                # "k. patel": an initial's full stop, but not a sentence's.
                previous = text[max(0, token.start() - 2) : token.start()]
                if not (len(previous) == 2 and previous[1].isalpha() and not previous[0].isalnum()):
                    break
            items += 1
            names = 0  # "john dot smith dot jones": each part may be a name
            continue
        if word.isdigit() or word in NUMBER_WORDS or word in ZERO_LETTERS or word in REPEATS:
            start, items = token.start(), items + 1
            continue
        if not word.isalpha() and not word.replace("'", "").isalpha():
            break
        if word in EMAIL_STOP_WORDS and len(word) > 1 and not attached:
            break  # a word of the sentence; "x0as" is one of the address
        if len(word) > 1 and text[token.end() : token.end() + 1].isspace():
            names += 1  # a word of its own, not part of "aa0aa"
            if names > 3:
                break
        start, items = token.start(), items + 1
        if items > 24:
            break
    return start


def _spelling_aid(words: Sequence[str], index: int) -> bool:
    """``words[index:index + 4]`` are "<letter> as in <word>"."""
    if index < 0 or index + 3 >= len(words):
        return False
    letter, as_word, in_word = words[index : index + 3]
    return len(letter) == 1 and letter.isalpha() and as_word == "as" and in_word == "in"


def _email_text(tokens: Sequence[_Token], text: str) -> str:
    """The address written from its spoken tokens (local part or domain)."""
    parts: list[str] = []
    words = [token.word for token in tokens]
    index = 0
    while index < len(tokens):
        token = tokens[index]
        word = token.word
        if _spelling_aid(words, index):
            parts.append(word)  # the letter, not "as in sam"
            index += 4
        elif word in FILLER_WORDS and not (
            text[token.start - 1 : token.start].isalnum() or text[token.end : token.end + 1].isalnum()
        ):
            index += 1
        elif word in EMAIL_SEPARATORS or word in "._-":
            parts.append(EMAIL_SEPARATORS.get(word, word))
            index += 1
        elif word == ",":
            index += 1
        elif token.text.isdigit() or word in NUMBER_WORDS or word in REPEATS:
            read = _number_word(tokens, index, text)
            if read is None:
                parts.append(word)
                index += 1
            else:
                parts.append(read[0])
                index = read[1]
        else:
            parts.append(word.replace("'", "").replace("’", ""))
            index += 1
    return "".join(parts)


def _spoken_email(text: str, at: re.Match[str]) -> tuple[int, int, str] | None:
    """``j o h n dot smith eight eight at gmail dot com`` →
    ``(start, end, "john.smith88@gmail.com")``."""
    local_start = _email_local_start(text, at.start())
    if local_start is None:
        return None
    local_tokens = [_token(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text, local_start, at.start())]
    while local_tokens and (local_tokens[0].word in EMAIL_SEPARATORS or local_tokens[0].text in "._-"):
        local_tokens.pop(0)
    if not local_tokens:
        return None
    domain = _tokens(text, at.end(), 40)
    if domain and domain[0].word in ("sign", "symbol"):
        domain = domain[1:]
    labels: list[list[_Token]] = [[]]
    end_index = None
    for index, token in enumerate(domain):
        word = token.word
        if word in ("dot", ".", "period") and labels[-1]:
            if word == "." and (
                index + 1 >= len(domain) or domain[index + 1].start != token.end or token.start != domain[index - 1].end
            ):
                break  # a full stop, not a written dot
            labels.append([])
            continue
        if word in FILLER_WORDS:
            continue
        is_top_level = len(labels) >= 2 and not labels[-1] and word in TOP_LEVEL_DOMAINS
        if not (token.text.isalnum() or word in ("-", "dash", "hyphen")) or (
            word in EMAIL_STOP_WORDS and not is_top_level
        ):
            break
        if "\n" in text[domain[index - 1].end : token.start] if index else False:
            break
        labels[-1].append(token)
        if len(labels[-1]) > 6:
            break
        if len(labels) >= 2 and len(labels[-1]) == 1 and word in TOP_LEVEL_DOMAINS:
            end_index = index
            # "co dot uk": a country code after a second level.
            if word in SECOND_LEVEL_DOMAINS and index + 2 < len(domain):
                after = domain[index + 1].word
                country = domain[index + 2]
                if after in ("dot", ".") and len(country.text) == 2 and country.word in TOP_LEVEL_DOMAINS:
                    end_index = index + 2
            break
        if len(labels) > 4:
            break
    provider = (
        end_index is None
        and len(labels) == 1
        and len(labels[0]) == 1
        and labels[0][0].word in MAIL_PROVIDERS
        and _spelt_as_an_address(local_tokens)
        and not _talk_before_a_provider(text, local_tokens)
    )
    if provider:
        # "sue dot b seventy one at gmail": a mail provider's name is its whole domain, said short,
        # after what is spelled as an address is (a letter, a digit, a dot), not after talk
        # ("my daughter works at yahoo").
        end_index = domain.index(labels[0][0])
    if end_index is None:
        return None
    domain_tokens = domain[: end_index + 1]
    local = _email_text(local_tokens, text)
    host = _email_text(domain_tokens, text) + (".com" if provider else "")
    if not local or not local[0].isalnum():
        return None
    return local_start, domain_tokens[-1].end, f"{local}@{host}"


# What follows the "at" of an address: a dot and a top-level domain soon after.
_DOMAIN_AHEAD = re.compile(
    r"[^\n]{1,60}?(?:\bdot\s+|\.)(?:" + "|".join(sorted(TOP_LEVEL_DOMAINS, key=len, reverse=True)) + r")\b",
    re.IGNORECASE,
)


# A letter said alone (not "a" or "i", which are words) or digits: spelled, not talked.
_SPELT = re.compile(r"[b-hj-z]|\d+")


def _spelt_as_an_address(tokens: list[_Token]) -> bool:
    """Words before "at" that spell an address: a letter, digits, a dot or an underscore, or a
    number said last ("sue seventy one", "maria seven"); not talk ("she is a manager", "one at
    gmail")."""
    last, before = tokens[-1].word, tokens[-2].word if len(tokens) > 1 else ""
    return any(_SPELT.fullmatch(token.word) or token.word in EMAIL_SEPARATORS for token in tokens) or (
        # "seventy one", "sue one"; not "one at gmail", "i have one at gmail"
        last in NUMBER_WORDS and (last != "one" or before in TENS or (before and before not in EMAIL_STOP_WORDS))
    )


# Before a provider's name, what makes the words a job, a count or a team, not an address: "she's
# a v p at yahoo", "he's the c t o at gmail", "she works in h r at yahoo", "10 years at yahoo".
_TALK_BEFORE_A_PROVIDER = frozenset("a an the in".split())
_NO_PART_OF_AN_ADDRESS = frozenset(
    "years year months accounts account emails people friends work works worked job jobs team she's he's i'm "
    "we're they're you're".split()
)
_WORD_BEFORE = re.compile(r"([A-Za-z']+)\W*$")


def _talk_before_a_provider(text: str, tokens: list[_Token]) -> bool:
    before = _WORD_BEFORE.search(text, max(0, tokens[0].start - 24), tokens[0].start)
    return (before is not None and before.group(1).lower() in _TALK_BEFORE_A_PROVIDER) or any(
        token.word in _NO_PART_OF_AN_ADDRESS for token in tokens
    )


_PROVIDER_AHEAD = re.compile(r"\s+(?:" + "|".join(sorted(MAIL_PROVIDERS)) + r")\b", re.IGNORECASE)


def _emails(text: str) -> list[tuple[int, int, str]]:
    found: list[tuple[int, int, str]] = []
    for at in _EMAIL_TRIGGER.finditer(text):
        if found and at.start() < found[-1][1]:
            continue
        if not (_DOMAIN_AHEAD.match(text, at.end()) or _PROVIDER_AHEAD.match(text, at.end())):
            continue
        email = _spoken_email(text, at)
        if email:
            while found and found[-1][1] > email[0]:
                found.pop()
            found.append(email)
    return found


# --- The whole text -------------------------------------------------------------------------


_TRIGGER_WORDS = frozenset([*NUMBER_WORDS, *ZERO_LETTERS, *REPEATS, *ORDINALS])
# Where a number or a spelled code can start: a number word (in any case), a
# letter said alone; digits and short capitalised prefixes are tested apart.
_TRIGGERS = frozenset(
    variant
    for word in [*NUMBER_WORDS, *ZERO_LETTERS, *REPEATS, *ORDINALS, *SPELLING_ALPHABET, *"abcdefghijklmnopqrstuvwxyz"]
    for variant in (word, word.title(), word.upper())
)


# Copies made lately, so that a recogniser given one knows it is a copy.
_COPIES: dict[str, None] = {}


def is_copy(text: str) -> bool:
    """``text`` is the normalised copy of a text normalised lately."""
    return text in _COPIES


def forget() -> None:
    """Drop the cached copies and the record of which texts are copies: they hold the texts."""
    _normalize.cache_clear()
    _COPIES.clear()


def normalize(text: str) -> Normalized:
    """The written form of ``text`` (see the module's docstring). Cached: the
    engine and every recogniser ask for the same text's copy."""
    normalized = _normalize(text)
    if normalized.text != text:
        _COPIES[normalized.text] = None
        while len(_COPIES) > 32:
            del _COPIES[next(iter(_COPIES))]
    return normalized


@functools.lru_cache(maxsize=16)
def _normalize(text: str) -> Normalized:
    tokens = [_Token((piece, start, start + len(piece), piece.lower())) for piece, start in _pieces(text)]
    builder = _Builder(text)
    emails = _emails(text)
    email_index = 0
    index = 0
    count = len(tokens)
    while index < count:
        piece, position, _, _ = tokens[index]
        if not (
            piece in _TRIGGERS or piece.isdigit() or (2 <= len(piece) <= 4 and piece.isupper() and piece.isalpha())
        ):
            index += 1
            continue
        if len(piece) == 1 and piece.isalpha() and piece not in ("o", "O") and not _before_code_part(tokens, index):
            index += 1  # "I", "a": a letter said alone starts a code only before another part of one
            continue
        if position < builder.copied_to:
            index += 1
            continue
        # Addresses that start here or before are written first.
        while email_index < len(emails) and emails[email_index][0] <= position:
            start, end, address = emails[email_index]
            if start >= builder.copied_to:
                builder.emit(address, start, end)
            email_index += 1
        if position < builder.copied_to:
            index += 1
            continue
        limit = emails[email_index][0] if email_index < len(emails) else len(text)
        index = max(index + 1, _read_at(builder, tokens, index, text, limit))
    for start, end, address in emails[email_index:]:
        if start >= builder.copied_to:
            builder.emit(address, start, end)
    return builder.build()


def _before_code_part(tokens: list[_Token], index: int) -> bool:
    following = index + 1
    while following < len(tokens) and (
        tokens[following].text in ("-", "…", ".") or (tokens[following].text == "," and _spelled_on(tokens, following))
    ):
        following += 1
    if following >= len(tokens):
        return False
    piece = tokens[following].text
    return piece.isdigit() or (len(piece) == 1 and piece.isalpha()) or tokens[following].word in _TRIGGER_WORDS


def _read_at(builder: _Builder, tokens: Sequence[_Token], index: int, text: str, limit: int) -> int:
    """Write the number, ordinal or spelled code at ``tokens[index]``; return
    the index past it (``index`` itself when nothing was read there)."""
    parts, after = _read_tokens(tokens, index, text)
    parts = [part for part in parts if part[1] < limit]
    first = True
    for written, start, end in parts:
        if not first:
            builder.skip_to(start)
        builder.emit(written, start, end)
        first = False
    return after if parts else index


def _read_tokens(tokens: Sequence[_Token], index: int, text: str) -> tuple[list[tuple[str, int, int]], int]:
    first = tokens[index]
    if first.text.isalpha():
        code = _spelled_code(tokens, index, text)
        if code is not None:
            return code
    if first.word in ORDINALS or (first.word in TENS and _ordinal(tokens, index, text)):
        ordinal = _ordinal(tokens, index, text)
        if ordinal:
            return [(ordinal[0], first.start, tokens[ordinal[1] - 1].end)], ordinal[1]
    if not _continues_number(tokens, index):
        return [], index
    if first.word == "one" and index and tokens[index - 1].text.isdigit() and len(tokens[index - 1].text) >= 2:
        return [], index  # "the 149 one": a pronoun after a number written in digits
    if first.word in ZERO_LETTERS and not _zero_beside_number(tokens, index):
        return [], index
    if (
        first.word in NUMBER_WORDS
        and index
        and tokens[index - 1].word in ("last", "first", "next", "past")
        and not (index > 1 and (tokens[index - 2].word in TENS or tokens[index - 2].word in _MONTHS))
    ):
        # "the last four, 6 1 1 7": a count, then the value.
        read = _number_word(tokens, index, text)
        if read:
            return [(read[0], first.start, tokens[read[1] - 1].end)], read[1]
    if (
        (first.word in NUMBER_WORDS or (first.text.isdigit() and len(first.text) <= 2))
        and _after_month(tokens, index)
        and not _year_in_pairs(tokens, index, text)
    ):
        # "March fifteen, nineteen eighty five": the day, then the year;
        # "eleven of twenty nine": an expiry's month, then its year.
        read = _number_word(tokens, index, text)
        if read:
            return [(read[0], first.start, tokens[read[1] - 1].end)], read[1]
    return _digit_run(tokens, index, text)


# A month's name or its abbreviation, as a pattern.
MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|"
    r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_MONTHS = frozenset(
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec".split()
)


_A_YEAR = re.compile(r"(?:19|20)\d\d")
# A month and its day just before a year: "September 30th, ", "march third ".
_A_DATE_S_DAY_BEFORE = re.compile(
    rf"\b{MONTH}\.?[^\S\n]+(?:the[^\S\n]+)?(?:\d{{1,2}}(?:st|nd|rd|th)?|(?:{'|'.join(ORDINALS)}))"
    r"(?:[^\S\n]+of)?,?[^\S\n]*\Z",
    re.IGNORECASE,
)


def _after_month(tokens: Sequence[_Token], index: int) -> bool:
    """After a month's name ("May the …", "May of …"), or after "of" that
    follows a month's number ("eleven of twenty nine")."""
    previous = index - 1
    if previous >= 0 and tokens[previous].word in ("the", "of"):
        if tokens[previous].word == "of" and previous >= 1:
            month = tokens[previous - 1]
            number = month.text if month.text.isdigit() else str(NUMBER_WORDS.get(month.word, ""))
            if number.isdigit() and 1 <= int(number) <= 12:
                return True
        previous -= 1
    return previous >= 0 and tokens[previous].word in _MONTHS


def _year_in_pairs(tokens: Sequence[_Token], index: int, text: str) -> bool:
    """ "October nineteen seventy four", "August twenty thirty": a year said
    as two numbers straight after the month, not a day."""
    following = index + 1
    return (
        tokens[index].word in ("nineteen", "twenty")
        and following < len(tokens)
        and (tokens[following].word in TENS or tokens[following].word in ("oh", "hundred"))
        and _adjacent(text, tokens[index], tokens[following])
    )
