"""Spoken forms to written forms, with an exact map back to the original.

Speech-to-text writes "four one one one", "oh" for zero, "double five", and
splits digit groups with fillers ("um", "and then", commas). It spells out
e-mail addresses: "john dot smith at gmail dot com". Detection runs on a
normalised copy in which such runs become "4111", "55" or
"john.smith@gmail.com". Every character of the copy records which span of
the original it came from, so a finding in the copy redacts exactly the
words that were said, and nothing around them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

UNITS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9}
TEENS = {
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
ZERO_LETTERS = {"oh", "o"}
REPEATS = {"double": 2, "triple": 3}
# Words that split a run of digits without ending it.
FILLERS = {"um", "uh", "umm", "uhh", "er", "erm", "ah", "hmm", "then", "like", "sorry", "dash", "hyphen", "slash"}
ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14,
    "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19,
    "twentieth": 20, "thirtieth": 30,
}  # fmt: skip
TOP_LEVEL_DOMAINS = {"com", "net", "org", "edu", "gov", "io", "co", "us", "uk", "info", "biz", "me", "ca", "mil"}

_TOKEN = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?|\d+|\s+|.", re.DOTALL)


@dataclass(frozen=True)
class Token:
    text: str
    start: int
    end: int

    @property
    def word(self) -> str:
        return self.text.lower()

    @property
    def is_space(self) -> bool:
        return self.text.isspace()


@dataclass(frozen=True)
class Normalized:
    """``text`` is the normalised copy; ``origin[i]`` is the span of the
    original text that character ``i`` of the copy came from."""

    text: str
    origin: tuple[tuple[int, int], ...]

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        return self.origin[start][0], self.origin[end - 1][1]


def _is_number_word(word: str) -> bool:
    return word in UNITS or word in TEENS or word in TENS or word in ("hundred", "thousand")


class _Builder:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.origin: list[tuple[int, int]] = []

    def emit(self, text: str, start: int, end: int) -> None:
        self.parts.append(text)
        self.origin.extend([(start, end)] * len(text))

    def copy(self, token: Token) -> None:
        self.parts.append(token.text)
        self.origin.extend((token.start + offset, token.start + offset + 1) for offset in range(len(token.text)))

    def build(self) -> Normalized:
        return Normalized("".join(self.parts), tuple(self.origin))


def _spoken_number(tokens: list[Token], index: int) -> tuple[str, int] | None:
    """Read one spoken number starting at ``tokens[index]`` (a word token).

    Returns its digits and the index just past its last token, or None.
    "four" → "4"; "twenty one" → "21"; "nineteen eighty five" → "1985" (as
    two pairs); "five hundred twelve" → "512"; "two thousand nineteen" →
    "2019"; "double five" → "55"; "oh" → "0".
    """
    words = [
        (position, tokens[position].word)
        for position in range(index, min(len(tokens), index + 16))
        if tokens[position].text.isalnum()
    ]
    if not words:
        return None

    def word_at(offset: int) -> tuple[int, str] | None:
        return words[offset] if offset < len(words) else None

    first_position, first = words[0]
    if first in REPEATS:
        following = word_at(1)
        if following and (following[1] in UNITS or following[1] in ZERO_LETTERS):
            digit = "0" if following[1] in ZERO_LETTERS else str(UNITS[following[1]])
            return digit * REPEATS[first], following[0] + 1
        return None
    if first in ZERO_LETTERS:
        return "0", first_position + 1
    if first in TEENS:
        return str(TEENS[first]), first_position + 1
    if first in TENS:
        following = word_at(1)
        if (
            following
            and following[1] in UNITS
            and following[1] != "zero"
            and _adjacent(tokens, first_position, following[0])
        ):
            return str(TENS[first] + UNITS[following[1]]), following[0] + 1
        return str(TENS[first]), first_position + 1
    if first in UNITS:
        multiplier = word_at(1)
        if multiplier and multiplier[1] in ("hundred", "thousand") and _adjacent(tokens, first_position, multiplier[0]):
            return _hundreds(tokens, words, UNITS[first], multiplier)
        return str(UNITS[first]), first_position + 1
    return None


def _adjacent(tokens: list[Token], left: int, right: int) -> bool:
    """Only spaces (or one hyphen) between two tokens."""
    between = tokens[left + 1 : right]
    return all(token.is_space or token.text == "-" for token in between)


def _hundreds(
    tokens: list[Token], words: list[tuple[int, str]], leading: int, multiplier: tuple[int, str]
) -> tuple[str, int]:
    scale = 100 if multiplier[1] == "hundred" else 1000
    value, end = leading * scale, multiplier[0] + 1
    rest = [word for word in words[2:5] if word[1] not in ("and",)]
    if scale == 1000 and rest and rest[0][1] in UNITS and len(rest) > 1 and rest[1][1] == "hundred":
        value += UNITS[rest[0][1]] * 100
        end = rest[1][0] + 1
        rest = rest[2:]
    if rest and rest[0][1] in TEENS:
        return str(value + TEENS[rest[0][1]]), rest[0][0] + 1
    if rest and rest[0][1] in TENS:
        value += TENS[rest[0][1]]
        end = rest[0][0] + 1
        if len(rest) > 1 and rest[1][1] in UNITS and rest[1][1] != "zero":
            return str(value + UNITS[rest[1][1]]), rest[1][0] + 1
        return str(value), end
    if rest and rest[0][1] in UNITS and rest[0][1] != "zero":
        return str(value + UNITS[rest[0][1]]), rest[0][0] + 1
    return str(value), end


def _number_at(tokens: list[Token], index: int) -> tuple[str, int] | None:
    token = tokens[index]
    if token.text.isdigit():
        return token.text, index + 1
    if token.word in ZERO_LETTERS and not _next_to_number(tokens, index):
        return None  # "oh" is zero only among other digits.
    return _spoken_number(tokens, index)


def _next_to_number(tokens: list[Token], index: int) -> bool:
    for step in (-1, 1):
        position = index + step
        while 0 <= position < len(tokens) and (tokens[position].is_space or tokens[position].text in ",-"):
            position += step
        if 0 <= position < len(tokens):
            word = tokens[position].word
            if tokens[position].text.isdigit() or _is_number_word(word) or word in REPEATS:
                return True
    return False


def _skip_separators(tokens: list[Token], index: int) -> int:
    """Past spaces, commas, dashes, dots and fillers between two digit groups.
    "and" counts only as part of "and then": "two and three" are two numbers."""
    position = index
    while position < len(tokens):
        token = tokens[position]
        if token.is_space or token.text in ",-./" or token.word in FILLERS:
            position += 1
        elif token.word == "and" and _next_word(tokens, position) == "then":
            position += 1
        else:
            break
    return position


def _next_word(tokens: list[Token], index: int) -> str:
    for token in tokens[index + 1 : index + 4]:
        if not token.is_space:
            return token.word
    return ""


def _ordinal(tokens: list[Token], index: int) -> tuple[str, int] | None:
    """ "third" → "3rd", "twenty third" → "23rd", "thirty-first" → "31st"."""
    word = tokens[index].word
    value, end = ORDINALS.get(word), index + 1
    if word in TENS:
        position = index + 1
        while position < len(tokens) and (tokens[position].is_space or tokens[position].text == "-"):
            position += 1
        if position < len(tokens) and position - index <= 2 and tokens[position].word in ORDINALS:
            unit = ORDINALS[tokens[position].word]
            if unit < 10:
                value, end = TENS[word] + unit, position + 1
    if value is None:
        return None
    suffix = "th" if 10 <= value % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(value % 10, "th")
    return f"{value}{suffix}", end


def _spoken_email(tokens: list[Token], index: int) -> tuple[str, int] | None:
    """``john dot smith at gmail dot com`` → ``john.smith@gmail.com``."""
    words: list[tuple[int, str, str]] = []
    position = index
    while position < len(tokens) and len(words) < 15:
        token = tokens[position]
        if not token.is_space:
            if not token.text.isalnum():
                break
            if words and not tokens[position - 1].is_space:
                # "mensah71" is one word though the tokenizer splits it.
                previous = words[-1]
                words[-1] = (position, previous[1] + token.word, previous[2] + token.text)
            else:
                words.append((position, token.word, token.text))
        position += 1
    try:
        at = next(offset for offset, word in enumerate(words) if word[1] == "at")
    except StopIteration:
        return None
    local, domain = words[:at], words[at + 1 :]
    if not local or local[0][1] in ("dot", "underscore") or len(local) % 2 == 0:
        return None
    if any(word[1] not in ("dot", "underscore", "dash") for word in local[1::2]):
        return None
    if len(domain) < 3 or any(word[1] != "dot" for word in domain[1::2][: (len(domain) - 1) // 2]):
        return None
    # The domain ends at the first known top-level domain after a "dot".
    parts, end_offset = [domain[0][2]], None
    for offset in range(1, len(domain) - 1, 2):
        if domain[offset][1] != "dot":
            break
        parts.append(domain[offset + 1][2])
        if domain[offset + 1][1] in TOP_LEVEL_DOMAINS:
            end_offset = offset + 1
            break
    if end_offset is None:
        return None
    separators = {"dot": ".", "underscore": "_", "dash": "-"}
    local_text = local[0][2] + "".join(separators[local[i][1]] + local[i + 1][2] for i in range(1, len(local) - 1, 2))
    return f"{local_text}@{'.'.join(parts)}", domain[end_offset][0] + 1


def normalize(text: str) -> Normalized:
    tokens = [Token(match.group(), match.start(), match.end()) for match in _TOKEN.finditer(text)]
    builder = _Builder()
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.text.isalpha() and (email := _spoken_email(tokens, index)):
            address, end = email
            builder.emit(address, token.start, tokens[end - 1].end)
            index = end
            continue
        if token.text.isalpha() and (ordinal := _ordinal(tokens, index)):
            text_form, end = ordinal
            builder.emit(text_form, token.start, tokens[end - 1].end)
            index = end
            continue
        number = _number_at(tokens, index) if (token.text.isdigit() or token.text.isalpha()) else None
        if number is None:
            builder.copy(token)
            index += 1
            continue
        # A run of digit groups: joined without separators, each digit
        # mapped to the word or digits it came from.
        digits, end = number
        builder.emit(digits, token.start, tokens[end - 1].end)
        index = end
        while True:
            following = _skip_separators(tokens, index)
            if following >= len(tokens):
                break
            candidate = tokens[following]
            if not (candidate.text.isdigit() or candidate.text.isalpha()):
                break
            number = _number_at(tokens, following)
            if number is None:
                break
            digits, end = number
            builder.emit(digits, candidate.start, tokens[end - 1].end)
            index = end
    return builder.build()
