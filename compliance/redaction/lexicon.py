"""Name knowledge for the person recogniser: first names and surnames of
many origins, the ordinary English words among them, and English
vocabulary, all folded to lowercase ASCII.

Speech recognition writes names in lowercase ("the account is under wei
zhang"), so capitals can't say what is a name. The lexicon says which words
are names at all (``given``, ``family``), which of those English also uses
as something else often enough that reading them as a name needs context
(``common``: "bill", "mark", "chase", "london"), and which words are English
vocabulary (``words``).

Everything is read from installed packages' data files on the first call to
``load()`` (about a second) and kept for the life of the process; nothing is
downloaded.

Sources and their licences
--------------------------
- ``names`` (MIT): the US Census Bureau's 1990 name files, 5,494 first
  names and 88,799 surnames with their share of the population. A work of
  the US government: public domain.
- ``gender-guesser``: only its data file ``nam_dict.txt`` is read; its code
  (GPL-3.0) is never imported. Jörg Michael's list of about 48,000 first
  names with their frequency in 55 countries and regions (Europe, the Arab
  world and Persia, Turkey, the Caucasus and Central Asia, Israel, India and
  Sri Lanka, China, Japan, Korea, Vietnam), under the GNU Free Documentation
  License 1.2 or later; read as published, never modified or redistributed.
- ``Faker`` (MIT): the first names, surnames and middle names of its person
  providers: Latin-script locales as written (Nigeria, Ghana, Kenya, South
  Africa, India and Pakistan in English, Europe, the Americas, Turkey,
  Azerbaijan, Uzbekistan, Indonesia, Vietnam…), the romanised lists of
  Chinese and Japanese names, and Cyrillic (Russian, Ukrainian, Bulgarian,
  Macedonian), Greek, Georgian, Armenian, Korean and Devanagari (Hindi,
  Marathi, Nepali) names romanised by the tables at the end of this module.
  Locales written only in abjads, other Indic scripts, Thai or ideographs
  (Arabic, Persian, Hebrew, Bengali, Tamil, Sinhala…) are left out: without
  vowels or readings they can't be romanised reliably.
- ``textblob`` (MIT): only its data file ``en/en-lexicon.txt`` is read:
  Eric Brill's tagger lexicon from the Brown corpus and the Penn Treebank
  (MIT licence), with additions from the CMU Twitter part-of-speech data
  (CC BY 3.0). Its 94,000 entries are words as written, each with its most
  frequent tag, so they tell whether a word is used in lowercase as an
  ordinary word.
- ``wordfreq`` (code Apache-2.0, data CC BY-SA 4.0): English word
  frequencies, from its data file (the package itself is not imported).

How ``common`` is decided is described at ``_common``.
"""

from __future__ import annotations

import collections
import functools
import gzip
import importlib
import importlib.util
import itertools
import math
import pkgutil
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import msgpack

# ---------------------------------------------------------------------------------------------
# Folding

# Latin letters that NFKD leaves whole, and the look-alikes some sources use for them.
_LETTERS = {
    "ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i",
    "ħ": "h", "ŋ": "ng", "ə": "e", "ɛ": "e", "ɔ": "o", "ɨ": "i", "ƙ": "k", "ɗ": "d", "ɓ": "b", "ƴ": "y",
    "ĸ": "k", "ŧ": "t", "ſ": "s", "ʒ": "z", "ɣ": "g", "ʋ": "v", "ƒ": "f", "ɖ": "d",
}  # fmt: skip
# A context-free reading of Greek and Cyrillic letters, so that a name written
# in either still folds to something comparable. Names from the sources are
# romanised more carefully, language by language, before they are folded.
_GREEK = dict(
    zip("αβγδεζηθικλμνξοπρσςτυφχψω", "a v g d e z i th i k l m n x o p r s s t y f ch ps o".split(), strict=True)
)
_CYRILLIC = dict(
    zip(
        "абвгґдеєжзиіїйклмнопрстуфхцчшщъыьэюяёђѓѕјљњћќўџ",
        (
            "a b v g g d e ye zh z i i yi y k l m n o p r s t u f kh ts ch sh shch _ y _ e yu ya yo "
            "dj gj dz j lj nj c kj u dzh"
        ).split(),
        strict=True,
    )
)
_SPELLED_OUT = {
    **_LETTERS,
    **_GREEK,
    **{letter: ("" if latin == "_" else latin) for letter, latin in _CYRILLIC.items()},
    **{mark: "'" for mark in "’‘ʼʹ`´′ʻ"},
    **{dash: "-" for dash in "‐‑‒–—―−﹣－"},
}
# A regular expression finds the few such letters faster than str.translate
# looks up every character.
_TO_SPELL_OUT = re.compile("[" + re.escape("".join(_SPELLED_OUT)) + "]")
_MARKS = re.compile(r"[\u0300-\u036f\u0483-\u0489\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")
_SPACES = re.compile(r"\s+")
# Within ``_fold_lines``, newlines separate the words folded together.
_BLANKS = re.compile(r"[^\S\n]+")
_NOT_KEPT = re.compile(r"[^a-z0-9' \n-]+")


def _spell_out(text: str) -> str:
    return _TO_SPELL_OUT.sub(lambda letter: _SPELLED_OUT[letter.group()], text)


def fold(word: str) -> str:
    """Lowercase ASCII: accents and other marks removed (NFKD), letters that
    don't decompose spelled out ("ß" → "ss", "ł" → "l", Greek and Cyrillic
    letter by letter), apostrophes and hyphens kept as ' and -. Anything else
    that isn't a letter or digit is dropped, and runs of spaces become one.

    "José" → "jose", "O’Brien" → "o'brien", "Dvořák" → "dvorak". Folding a
    folded word changes nothing.
    """
    return _fold_lines(_SPACES.sub(" ", word)).strip(" ")


def _fold_lines(text: str) -> str:
    """``fold`` of each line of the text, in one pass over it (which is what
    makes building the lexicon fast), but for stripping the lines' ends."""
    if text.isascii():
        text = text.lower().replace("`", "'")
    else:
        # Whole letters first ("й" is "y", not "и" and a breve), then what
        # NFKD decomposes, then the bare letters that decomposition left.
        text = _spell_out(unicodedata.normalize("NFC", text.lower()))
        text = _spell_out(_MARKS.sub("", unicodedata.normalize("NFKD", text)).lower())
    # Blanks before and after: a dropped character between two spaces leaves one.
    return _BLANKS.sub(" ", _NOT_KEPT.sub("", _BLANKS.sub(" ", text)))


# ---------------------------------------------------------------------------------------------
# The lexicon


@dataclass(frozen=True)
class NameLexicon:
    given: frozenset[str]  # folded first names
    family: frozenset[str]  # folded surnames
    # Folded names that ordinary English uses in another sense often enough
    # that reading them as a name needs context ("bill", "mark", "chase").
    common: frozenset[str]
    # Folded English vocabulary: words written in lowercase as ordinary words.
    words: frozenset[str] = field(default=frozenset())
    # Folded first names of the US census (1990): the common ones, "Mark" and "Grace" among them,
    # not the long tail the international lists add ("Metro", "Tri").
    census_given: frozenset[str] = field(default=frozenset())
    # Folded surnames of the US census borne by at least one American in 5,000 ("Black", "Price",
    # "Chase"), not the rare ones that are also words ("Perfect", "Lovely", "Welcome").
    frequent_family: frozenset[str] = field(default=frozenset())

    def is_name(self, word: str) -> bool:
        """A first name or a surname; "smith's" counts as "smith"."""
        return any(form in self.given or form in self.family for form in _forms(word))

    def is_unambiguous_name(self, word: str) -> bool:
        """A name that is not also an ordinary English word."""
        return any((form in self.given or form in self.family) and form not in self.common for form in _forms(word))

    def is_common(self, word: str) -> bool:
        """A name that is also an ordinary English word."""
        return any(form in self.common for form in _forms(word))

    def is_word(self, word: str) -> bool:
        """English vocabulary, names that are also words included."""
        return any(form in self.words or form in self.common for form in _forms(word))

    def sense(self, word: str) -> str:
        """The first that holds, with the word folded once: "NAME" (``is_unambiguous_name``),
        "CNAME" (``is_common``), "WORD" (``is_word``), else "UNK"."""
        forms = _forms(word)
        if any((form in self.given or form in self.family) and form not in self.common for form in forms):
            return "NAME"
        if any(form in self.common for form in forms):
            return "CNAME"
        if any(form in self.words for form in forms):
            return "WORD"
        return "UNK"


def _forms(word: str) -> tuple[str, ...]:
    folded = fold(word)
    if folded.endswith("'s") and len(folded) > 3:
        return folded, folded[:-2]
    if folded.endswith("'") and len(folded) > 2:
        return folded, folded[:-1]
    return (folded,)


@functools.cache
def load() -> NameLexicon:
    """The lexicon, built from the installed packages' data on the first call
    (about a second) and shared by every later one. Reads files only."""
    census = _Census.read()
    national = _nam_dict()
    faker = _Faker.read()
    given = census.given.keys() | national.keys() | faker.given
    family = census.family.keys() | faker.family
    names = given | family
    vocabulary = _vocabulary()

    def expected_zipf(name: str) -> float | None:
        """How frequent the name's use as a name makes it in English text."""
        estimates = []
        # The census writes "O'Brien" as "OBRIEN"; nam_dict "Jean-Pierre" as "Jean+Pierre".
        for form in {name, name.replace("'", "").replace("-", "")}:
            for share, zipf_at_one_percent, ceiling in (
                (census.share(form), NAME_ZIPF_AT_ONE_PERCENT, None),
                (_nam_dict_share(national.get(form), _ENGLISH_SPEAKING), NAME_ZIPF_AT_ONE_PERCENT, None),
                (
                    _nam_dict_share(national.get(form), _ELSEWHERE),
                    NAME_ZIPF_AT_ONE_PERCENT - FOREIGN_DISCOUNT,
                    FOREIGN_CEILING,
                ),
            ):
                if share:
                    estimate = zipf_at_one_percent + math.log10(share)
                    estimates.append(min(estimate, ceiling) if ceiling else estimate)
        if name in faker.foreign:
            estimates.append(FOREIGN_LIST_ZIPF if estimates else LIST_ONLY_ZIPF)
        return max(estimates, default=None)

    common = _common(names, vocabulary=vocabulary, zipf=_zipf(names), expected_zipf=expected_zipf)
    frequent = _frequent_words()
    unmarked = _contractions_unmarked(frequent)
    return NameLexicon(
        given=frozenset(given),
        family=frozenset(family),
        common=frozenset(common | (unmarked & names)),
        words=frozenset(vocabulary | (frequent - names) | unmarked),
        census_given=frozenset(census.given),
        frequent_family=frozenset(
            name for name, share in census.family.items() if float(share) >= FREQUENT_SURNAME_SHARE
        ),
    )


# The words contractions are made of: "there's", "she'll", "what're" and every "n't".
_CONTRACTED = frozenset("i you he she it we they there here that this what where who how when why let ain".split())
_CONTRACTION = re.compile(r"([a-z]+)'(s|re|ve|ll|d|m|t)")


def _contractions_unmarked(frequent: set[str]) -> set[str]:
    """Contractions as raw speech recognition writes them, without the
    apostrophe: "theres", "shes", "dont". Some are also names (Theres, Shes)
    but, said in lowercase, are these words."""
    unmarked = set()
    for word in frequent:
        contraction = _CONTRACTION.fullmatch(word)
        if contraction and (
            contraction[1] in _CONTRACTED
            or (contraction[2] == "t" and contraction[1].endswith("n") and len(contraction[1]) > 1)
        ):
            unmarked.add(word.replace("'", ""))
    return unmarked


# ---------------------------------------------------------------------------------------------
# Which names are also ordinary words

MONTHS = frozenset("january february march april may june july august september october november december".split())
# Tags of the tagger lexicon that mark no ordinary use: proper nouns, symbols
# and list markers.
_PROPER_TAGS = frozenset({"NNP", "NNPS", "NP"})
_NOT_ORDINARY_TAGS = _PROPER_TAGS | {"SYM", "LS"}

# The figures of the rule in ``_common``. NAME_ZIPF_AT_ONE_PERCENT,
# FOREIGN_DISCOUNT and FOREIGN_LIST_ZIPF are medians measured on the sources
# (names with no lowercase use, against their population share); the others
# were chosen against the lists in tests/compliance/test_lexicon.py, where a
# broad range of values scores alike.
#
# The Zipf frequency in English text of a name borne by 1% of an
# English-speaking population ("james" 3.3%: 5.1; "garcia" 0.25%: 3.9).
NAME_ZIPF_AT_ONE_PERCENT = 4.7
# A name as common elsewhere shows this much less in English text, and
# another country's use of a name explains at most FOREIGN_CEILING (Korea's
# many men named Young don't make the adjective a name).
FOREIGN_DISCOUNT = 0.8
FOREIGN_CEILING = 4.0
# The frequency of a name in another country's list (of Faker's, which give
# no frequencies): median of such names with no lowercase use; and of a name
# in such a list and nowhere else, which is taken to be rare ("sec" of the
# Slovak "Seč", "bros" of the Polish "Broś"): a census share of 0.006%.
FOREIGN_LIST_ZIPF = 3.4
LIST_ONLY_ZIPF = 2.5
# A census surname's share, in percent as the census writes it, from which it is a frequent one.
FREQUENT_SURNAME_SHARE = 0.02
# No word rarer than this needs context: about three in a million words.
COMMON_MINIMUM_ZIPF = 3.5
# How much more frequent than its use as a name explains a word must be to
# be common: a little, for a word English writes in lowercase ("mark"); a
# great deal, for one it capitalises ("london", "christmas", "english"), so
# that nicknames and names of other countries ("mike", "singh"), which the
# estimate undercounts, stay names.
LOWERCASE_MARGIN = 0.2
CAPITALISED_MARGIN = 1.5


def _common(
    names: set[str],
    *,
    vocabulary: set[str],
    zipf: dict[str, float],
    expected_zipf: Callable[[str], float | None],
) -> set[str]:
    """Names that English also uses as something other than a person's name,
    often enough that reading them as a name needs context.

    English word frequencies don't say how often a word is written in
    lowercase, so the rule compares a name's frequency in English text
    (wordfreq's Zipf scale: log10 of uses per billion words) with the
    frequency its use as a name explains (``expected_zipf``: from its share
    of the population in the census and in the countries of the first-name
    list, or its presence in another country's list). What is left over is
    its other uses.

    A name is common when it is used in English at least
    ``COMMON_MINIMUM_ZIPF`` and

    - the tagger lexicon has it in lowercase as an ordinary word ("bill NN",
      "brown JJ", "will MD"; "lee" and "kim" are only ever "Lee NNP" and
      "Kim NNP"), and its frequency exceeds the expected one by
      ``LOWERCASE_MARGIN``: "mark" (5.05 against 4.67) is common, "william"
      (4.88 against 5.09; "william NN" is a rare slang noun) is not; or
    - whatever its case, its frequency exceeds the expected one by
      ``CAPITALISED_MARGIN``: places, peoples, languages, holidays and
      brands that are also someone's name ("london", "english",
      "christmas", "texas").

    Month names are common whatever their figures ("april", "june").
    """
    common = set(MONTHS.intersection(names))
    for name in [name for name in names.intersection(zipf) if zipf[name] >= COMMON_MINIMUM_ZIPF]:
        frequency = zipf[name]
        expected = expected_zipf(name)
        margin = LOWERCASE_MARGIN if name in vocabulary else CAPITALISED_MARGIN
        if expected is None or frequency - expected >= margin:
            common.add(name)
    return common


# ---------------------------------------------------------------------------------------------
# Reading the sources


def _package_path(package: str) -> Path:
    """A package's folder, found without importing (and so running) it."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise LookupError(f"The package {package!r} is not installed; the name lexicon needs it.")
    return Path(next(iter(spec.submodule_search_locations)))


@dataclass(frozen=True)
class _Census:
    """The 1990 census's names, each with its share of the population in
    percent as the file writes it ("1.006"); converted only when asked."""

    male: dict[str, str]
    female: dict[str, str]
    family: dict[str, str]

    @property
    def given(self) -> dict[str, str]:
        return self.male | self.female

    @classmethod
    def read(cls) -> _Census:
        folder = _package_path("names")
        male, female, family = (
            _census_file(folder / filename) for filename in ("dist.male.first", "dist.female.first", "dist.all.last")
        )
        return cls(male=male, female=female, family=family)

    def share(self, name: str) -> float | None:
        # A rare name's share rounds to 0.000: count it as half the rounding.
        given = sum(max(float(table[name]), 0.0005) for table in (self.male, self.female) if name in table)
        family = max(float(self.family[name]), 0.0005) if name in self.family else 0.0
        return max(given, family) or None


def _census_file(path: Path) -> dict[str, str]:
    # Lines are "SMITH          1.006  1.006      1": the name, its share in
    # percent, the cumulative share and the rank; names are single words.
    text = path.read_text(encoding="ascii").lower()
    fields = text.split()
    names = dict(zip(fields[::4], fields[1::4], strict=True))
    for word in PARTICLES.intersection(names) | set(re.findall(r"^[a-z] ", text, re.MULTILINE)):
        del names[word.rstrip()]
    return names


# A line of nam_dict.txt: gender, the name in columns 3 to 28, a sorting mark,
# then one frequency digit per country from column 30.
_NAM_DICT_LINE = re.compile(r"^[MF?1][MF ] (.{26}).(.{55})", re.MULTILINE)


def _nam_dict() -> dict[str, str]:
    """First names, each with its frequency digits in every country (see
    ``_nam_dict_share``)."""
    text = (_package_path("gender_guesser") / "data" / "nam_dict.txt").read_text(encoding="utf-8")
    rows = _NAM_DICT_LINE.findall(text)
    # "+" joins the parts of an Arabic, Chinese or Korean name: "Jun+Wei" is
    # "Jun-Wei", "Jun Wei" or "Junwei".
    folded = _fold_text([name.rstrip().replace("+", "-") for name, _ in rows])
    words = folded.split("\n")
    frequencies = [row[1] for row in rows]
    digits = dict(zip(words, frequencies, strict=True))
    if len(digits) < len(words):  # a name on several lines (as male and female…): all its rows
        repeated = {word for word, count in collections.Counter(words).items() if count > 1}
        for word in repeated:
            digits[word] = ""
        for word, row in [pair for pair in zip(words, frequencies, strict=True) if pair[0] in repeated]:
            digits[word] += row
    for compound in set(_COMPOUND_LINE.findall(folded)):
        row = digits[compound] if _WORD.fullmatch(compound) else digits.pop(compound)
        for word in _folded_name_words(compound):
            if word != compound and len(word) > 1 and word not in PARTICLES:
                digits[word] = digits.get(word, "") + row
    for word in PARTICLES.intersection(digits) | set(_SHORT_LINE.findall(folded)).intersection(digits):
        del digits[word]
    return digits


# The countries of nam_dict.txt's frequency columns, in order (gender-guesser
# lists them the same way).
_NAM_DICT_COUNTRIES = (
    "great_britain ireland usa italy malta portugal spain france belgium luxembourg the_netherlands east_frisia "
    "germany austria swiss iceland denmark norway sweden finland estonia latvia lithuania poland czech_republic "
    "slovakia hungary romania bulgaria bosnia croatia kosovo macedonia montenegro serbia slovenia albania greece "
    "russia belarus moldova ukraine armenia azerbaijan georgia the_stans turkey arabia_persia israel china "
    "india_sri_lanka japan korea vietnam other_countries"
).split()
_ENGLISH_SPEAKING = slice(0, 3)
_ELSEWHERE = slice(3, len(_NAM_DICT_COUNTRIES))


def _nam_dict_share(frequencies: str | None, countries: slice) -> float | None:
    """The largest share in percent of a name in the given countries, from
    its frequency digits (one row of columns per spelling that folds to the
    name): "1" to "D" on a logarithmic scale, where 10 is about 2% of the
    population and each step a factor of two; a space for none. (A space
    sorts before the digits, and the digits before the letters.)"""
    if not frequencies:
        return None
    width = len(_NAM_DICT_COUNTRIES)
    rows = (frequencies[at : at + width][countries] for at in range(0, len(frequencies), width))
    largest = max("".join(rows), default=" ")
    return None if largest == " " else 2.0 * 2.0 ** (int(largest, 16) - 10)


@dataclass(frozen=True)
class _Faker:
    """The words of Faker's first names and surnames, and which of them are
    in the lists of a locale outside the English-speaking countries."""

    given: set[str]
    family: set[str]
    foreign: set[str]

    @classmethod
    def read(cls) -> _Faker:
        import faker.providers.person as person_providers

        # Names as listed, by kind and by whether the locale is English-speaking.
        listed: dict[tuple[str, bool], set[str]] = {
            (kind, english): set() for kind in ("given", "family") for english in (True, False)
        }
        for module in pkgutil.iter_modules(person_providers.__path__):
            language = module.name.split("_")[0]
            if not module.ispkg or language in _UNROMANISED_LANGUAGES:
                continue
            romanise = _ROMANISERS.get(language)
            provider = importlib.import_module(f"{person_providers.__name__}.{module.name}").Provider
            values: dict[str, set[str]] = {"given": set(), "family": set()}
            for attribute, names in vars(provider).items():
                kind = _faker_target(attribute)
                if kind is not None and isinstance(names, (tuple, list, dict)):
                    values[kind].update(names)
            for kind, names in values.items():
                names = {name for name in names if isinstance(name, str)}
                if romanise:
                    names = {spelling for name in names for spelling in romanise(name)}
                listed[kind, module.name in _ENGLISH_LOCALES] |= names
        words = {key: _words_of_names(names) for key, names in listed.items()}
        return cls(
            given=words["given", True] | words["given", False],
            family=words["family", True] | words["family", False],
            foreign=words["given", False] | words["family", False],
        )


_ENGLISH_LOCALES = frozenset("en en_US en_GB en_IE en_NZ en_AU en_CA".split())


# Languages whose Faker locales are written only in scripts that are not
# romanised here (``fold`` would drop their letters anyway; skipping them
# saves importing them).
_UNROMANISED_LANGUAGES = frozenset("ar fa he or ta gu bn si th".split())


def _faker_target(attribute: str) -> str | None:
    if attribute.startswith("_") or "kana" in attribute:
        return None
    if "first_name" in attribute or "first_romanized" in attribute or "middle_name" in attribute:
        return "given"
    if "last_name" in attribute or "last_romanized" in attribute:
        return "family"
    return None


def _vocabulary() -> set[str]:
    """Words the tagger lexicon has in lowercase with an ordinary tag. A
    foreign word ("FW") counts unless the capitalised word is a proper noun
    ("khan FW" beside "Khan NNP" is the name; "um FW" beside "Um UH" is not)."""
    text = (_package_path("textblob") / "en" / "en-lexicon.txt").read_text(encoding="utf-8")
    proper = set(re.findall(r"^([A-Z][a-z'-]*) NNPS?[ \t\r]*$", text, re.MULTILINE))
    entries = re.findall(r"^([a-z]+(?:['-][a-z]+)*) (\S+)[ \t\r]*$", text, re.MULTILINE)
    return {
        word
        for word, tag in entries
        if tag not in _NOT_ORDINARY_TAGS and (tag != "FW" or word.capitalize() not in proper)
    }


def _frequency_buckets(name: str) -> list[list[str]]:
    """wordfreq's list ``name`` (``small_en``, ``large_en``): bucket n holds the
    words whose frequency is -n centibels (Zipf 9 - n/100)."""
    path = _package_path("wordfreq") / "data" / f"{name}.msgpack.gz"
    with gzip.open(path) as packed:
        buckets = msgpack.load(packed, raw=False)
    header = buckets[0]
    if not isinstance(header, dict) or header.get("format") != "cB" or header.get("version") != 1:
        raise ValueError(f"{path} is not in the word-frequency format this module reads.")
    return buckets[1:]


def _zipf(words: set[str]) -> dict[str, float]:
    """The Zipf frequency (log10 of uses per billion words) of each of the
    given words that wordfreq's English list has."""
    # The small list has every word down to a Zipf frequency of 3, with the
    # same figures as the large one; the rule needs no rarer word.
    frequencies = {}
    for index, bucket in enumerate(_frequency_buckets("small_en")):
        for word in words.intersection(bucket):
            frequencies[word] = 9.0 - index / 100.0
    return frequencies


# Words at least this frequent in English (about one in three million) are
# vocabulary even where the tagger lexicon lacks them ("rescheduled", "copay").
VOCABULARY_MINIMUM_ZIPF = 2.5


def _frequent_words() -> set[str]:
    """Every lowercase word of wordfreq's large English list at least
    ``VOCABULARY_MINIMUM_ZIPF`` frequent."""
    last = round((9.0 - VOCABULARY_MINIMUM_ZIPF) * 100)
    return {word for bucket in _frequency_buckets("large_en")[: last + 1] for word in bucket if _WORD.fullmatch(word)}


# ---------------------------------------------------------------------------------------------
# Name words

_WORD = re.compile(r"[a-z]+(?:['-][a-z]+)*")
# Parts of compound names that are no name by themselves ("de la Cruz",
# "van der Berg", "bin Laden", "Zia-ul-Haq").
PARTICLES = frozenset(
    "de la las los el del da das dos des di von vom zu zum van der den ter ten te het op af av ap "
    "bin ibn bint ul ud y e st".split()
)


def _words_of_names(names: Iterable[str]) -> set[str]:
    """The words of many names (see ``_name_words``). A name in a script
    ``fold`` doesn't spell (Chinese characters, kana) folds to nothing."""
    folded = _fold_text(list(names))
    words = set(folded.split("\n"))
    # Lines of more than one plain word, and of less than two letters.
    compounds = set(_COMPOUND_LINE.findall(folded))
    words -= compounds | set(_SHORT_LINE.findall(folded)) | PARTICLES
    for compound in compounds:
        words.update(word for word in _folded_name_words(compound) if len(word) > 1 and word not in PARTICLES)
    return words


_COMPOUND_LINE = re.compile(r"^.*[^a-z\n].*$", re.MULTILINE)
_SHORT_LINE = re.compile(r"^[a-z]?$", re.MULTILINE)
_LINE_ENDS = re.compile(r" +\n")
_LINE_STARTS = re.compile(r"\n +")


def _fold_all(texts: list[str]) -> list[str]:
    """``fold`` of each text."""
    return _fold_text(texts).split("\n") if texts else []


def _fold_text(texts: list[str]) -> str:
    """``fold`` of each text, one to a line, in one pass over them all: most
    of the cost of building the lexicon is folding its names. (Texts in
    ASCII first are folded faster: the pass takes a shortcut through a run
    of them.)"""
    joined = "\n".join(texts)
    if joined.count("\n") != len(texts) - 1:  # a text with a line break of its own
        joined = "\n".join(_SPACES.sub(" ", text) for text in texts)
    return _LINE_STARTS.sub("\n", _LINE_ENDS.sub("\n", _fold_lines(joined))).strip(" ")


def _name_words(name: str) -> set[str]:
    """The words of a name as a transcript may show them: "O'Brien" as
    "o'brien" and "obrien", "Jean-Pierre" also as "jean", "pierre" and
    "jeanpierre". Particles and single letters are left out."""
    return {word for word in _folded_name_words(fold(name)) if len(word) > 1 and word not in PARTICLES}


def _folded_name_words(folded: str) -> set[str] | tuple[str]:
    if folded.isalpha():
        return (folded,)
    words = set()
    for token in folded.split():
        token = token.strip("'-")
        if _WORD.fullmatch(token):
            words.add(token)
            if "-" in token or "'" in token:
                words.add(token.replace("-", "").replace("'", ""))
                words.update(part.strip("'") for part in token.split("-"))
    return words


# ---------------------------------------------------------------------------------------------
# Romanisation of the alphabets some Faker locales are written in
#
# Each table maps a letter (or a short sequence) to its spellings, the first
# the usual English one. A name yields every combination, so that "Юрий" is
# found as "yuriy", "yuri", "iurii"… as a transcript may spell it.

_MAX_SPELLINGS = 16


def _spellings(
    text: str, table: dict[str, tuple[str, ...]], pattern: re.Pattern[str], *, accents: bool = True
) -> list[str]:
    text = unicodedata.normalize("NFD", text.lower())
    if not accents:  # Greek accents mark stress only; Cyrillic "й" and "ё" are letters of their own
        text = _MARKS.sub("", text)
    pieces = [
        table[at_end + "$"] if at_end else table.get(other, (other,))
        for at_end, other in pattern.findall(unicodedata.normalize("NFC", text))
    ]
    return _combinations(pieces)


def _combinations(pieces: list[tuple[str, ...]]) -> list[str]:
    """Every spelling the pieces' options make; past ``_MAX_SPELLINGS``, the
    pieces furthest into the name keep their first option."""
    if math.prod(map(len, pieces)) > _MAX_SPELLINGS:
        count = 1
        for index, options in enumerate(pieces):
            if count * len(options) > _MAX_SPELLINGS:
                pieces[index] = options[:1]
            count *= len(pieces[index])
    return ["".join(spelling) for spelling in itertools.product(*pieces)]


def _table(pairs: str) -> dict[str, tuple[str, ...]]:
    """ "а=a б=b й=y|i ь=" → {"а": ("a",), "б": ("b",), "й": ("y", "i"), "ь": ("",)}"""
    table = {}
    for pair in pairs.split():
        letters, spellings = pair.split("=")
        table[letters] = tuple(spellings.split("|"))
    return table


_RUSSIAN = _table(
    "а=a б=b в=v г=g д=d е=e ё=yo|e ж=zh з=z и=i й=y|i к=k л=l м=m н=n о=o п=p р=r с=s т=t у=u ф=f "
    "х=kh|h ц=ts ч=ch ш=sh щ=shch ъ= ы=y ь= э=e ю=yu|iu я=ya|ia кс=ks|x ий$=iy|y|ii|i ый$=y|iy "
    "ье=ye|ie ья=ya|ia ьи=yi|i ия=iya|ia"
)
_UKRAINIAN = _table(
    "а=a б=b в=v г=h|g ґ=g д=d е=e є=ye|ie ж=zh з=z и=y|i і=i ї=yi|i й=y|i к=k л=l м=m н=n о=o п=p р=r "
    "с=s т=t у=u ф=f х=kh|h ц=ts ч=ch ш=sh щ=shch ь= ю=yu|iu я=ya|ia '= ’= кс=ks|x ий$=yi|iy|y ій$=iy|ii"
)
_BULGARIAN = _table(
    "а=a б=b в=v г=g д=d е=e ж=zh з=z и=i й=y|i к=k л=l м=m н=n о=o п=p р=r с=s т=t у=u ф=f х=h|kh "
    "ц=ts ч=ch ш=sh щ=sht ъ=a|u ь=y ю=yu|iu я=ya|ia"
)
_MACEDONIAN = _table(
    "а=a б=b в=v г=g д=d ѓ=gj|dj е=e ж=zh з=z ѕ=dz и=i ј=j|y к=k л=l љ=lj м=m н=n њ=nj о=o п=p р=r "
    "с=s т=t ќ=kj|kj у=u ф=f х=h ц=c|ts ч=ch џ=dzh|dz ш=sh"
)
_GREEK_NAMES = _table(
    "α=a β=v γ=g δ=d ε=e ζ=z η=i θ=th ι=i κ=k λ=l μ=m ν=n ξ=x|ks ο=o π=p ρ=r σ=s ς=s τ=t υ=y|i φ=f "
    "χ=ch|h ψ=ps ω=o ου=ou αι=ai|e ει=ei|i οι=oi|i αυ=av|af ευ=ev|ef γγ=ng γκ=gk|g γχ=nch μπ=mp|b ντ=nt|d "
    "τζ=tz|dz"
)
_GEORGIAN = _table(
    "ა=a ბ=b გ=g დ=d ე=e ვ=v ზ=z თ=t ი=i კ=k ლ=l მ=m ნ=n ო=o პ=p ჟ=zh რ=r ს=s ტ=t უ=u ფ=p ქ=k ღ=gh "
    "ყ=q|k შ=sh ჩ=ch ც=ts ძ=dz წ=ts ჭ=ch ხ=kh|h ჯ=j ჰ=h"
)
_ARMENIAN = _table(
    "ա=a բ=b գ=g դ=d ե=e|ye զ=z է=e ը=y|e թ=t ժ=zh ի=i լ=l խ=kh ծ=ts կ=k հ=h ձ=dz ղ=gh ճ=ch մ=m յ=y "
    "ն=n շ=sh ո=o|vo չ=ch պ=p ջ=j ռ=r ս=s վ=v տ=t ր=r ց=ts ու=u փ=p ք=k օ=o ֆ=f և=ev յան$=yan|ian"
)


def _alphabet(table: dict[str, tuple[str, ...]], *, accents: bool = True) -> Callable[[str], list[str]]:
    """A romaniser for a table whose keys are letters or sequences; a key
    ending in "$" counts only at the end of a word ("ий$")."""
    ends = sorted((key[:-1] for key in table if key.endswith("$")), key=len, reverse=True)
    sequences = sorted((key for key in table if len(key) > 1 and not key.endswith("$")), key=len, reverse=True)
    # Two groups: a sequence at the end of a word, or any other piece (a
    # sequence, else one character).
    at_end = f"({'|'.join(map(re.escape, ends))})(?!\\w)|" if ends else "()(?!)|"
    pattern = re.compile(at_end + "(" + "".join(f"{re.escape(key)}|" for key in sequences) + ".)", re.DOTALL)
    return lambda text: _spellings(text, table, pattern, accents=accents)


# Korean: Revised Romanisation by syllable, with the spellings names usually
# take in English ("Kim" for 김, "Choi" for 최, "Jung" for 정, "Yoon" for 윤).
_INITIALS = "g|k kk n d|t tt r|l m b|p pp s ss _ j|ch jj ch k t p h".split()
_VOWELS = "a ae ya yae eo|u e yeo|yu ye o wa wae oe|oi yo u|oo wo we wi yu|yoo eu ui i".split()
_FINALS = "_ k k k n n n t l k m l l l p l m p p t t ng t t k t p t".split()


def _hangul(text: str) -> list[str]:
    """Syllables of a given name are joined by hyphens ("min-jun"), which
    ``_name_words`` turns into the whole name and its parts."""
    spellings = [""]
    for position, character in enumerate(text):
        if position:
            spellings = [spelling + "-" for spelling in spellings]
        code = ord(character) - 0xAC00
        if not 0 <= code < 11172:
            spellings = [spelling + character for spelling in spellings]
            continue
        initial, rest = divmod(code, 588)
        vowel, final = divmod(rest, 28)
        pieces = [
            tuple(option.replace("_", "") for option in options.split("|"))
            for options in (_INITIALS[initial], _VOWELS[vowel], _FINALS[final])
        ]
        if pieces[0] == ("s",) and pieces[1][0][0] in "iy":
            pieces[0] = ("s", "sh")  # 신 "Shin", 시 "Shi"
        for options in pieces:
            if len(spellings) * len(options) > _MAX_SPELLINGS:
                options = options[:1]
            spellings = [spelling + option for spelling in spellings for option in options]
    return spellings


# Devanagari (Hindi, Marathi, Nepali): consonants carry an "a" unless a
# vowel sign or a virama follows; the "a" is dropped at the end of a word
# (both spellings after a cluster: "Krishna", "Anand") and between a vowel
# and a consonant with its own vowel ("रचना" is "rachna").
_DEVANAGARI_CONSONANTS = dict(
    zip(
        "कखगघङचछजझञटठडढणतथदधनपफबभमयरलवशषसहळ",
        "k kh g gh ng ch chh|ch j jh ny t th d dh n t th d dh n p ph|f b bh m y r l v|w sh sh|s s h l".split(),
        strict=True,
    )
)
_DEVANAGARI_NUKTA = {"k": "q", "kh": "kh", "g": "gh", "j": "z", "d": "r", "dh": "rh", "ph|f": "f", "y": "y"}
_DEVANAGARI_VOWELS = dict(zip("अआइईउऊऋएऐओऔऑऍ", "a a|aa i i|ee u u|oo ri e ai o au o e".split(), strict=True))
_DEVANAGARI_SIGNS = dict(zip("ािीुूृेैोौॉॅ", "a|aa i i|ee u u|oo ri e ai o au o e".split(), strict=True))
_VIRAMA, _NUKTA = "्", "़"
_DEVANAGARI_MARKS = {"ं": "n|m|ng", "ँ": "n", "ः": "h"}


def _devanagari(text: str) -> list[str]:
    # Units of [consonant spellings, vowel spellings (None: the inherent "a"
    # for now), a cluster?, a nasal or aspiration mark?].
    units: list[list] = []
    text = unicodedata.normalize("NFD", text.replace("\u200d", "").replace("\u200c", ""))
    for position, character in enumerate(text):
        if character in _DEVANAGARI_CONSONANTS:
            consonant = _DEVANAGARI_CONSONANTS[character]
            if text[position + 1 : position + 2] == _NUKTA:
                consonant = _DEVANAGARI_NUKTA.get(consonant, consonant)
            if units and units[-1][1] == "" and units[-1][0] is not None:  # after a virama: one cluster
                if not (units[-1][0].endswith("ng") and consonant == "g"):  # "ङ्ग" is "ng"
                    units[-1][0] += "+" + consonant
                units[-1][1:3] = [None, True]
            else:
                units.append([consonant, None, False, False])
        elif character == _VIRAMA and units and units[-1][1] is None:
            units[-1][1] = ""
        elif character in _DEVANAGARI_SIGNS and units and units[-1][1] is None:
            units[-1][1] = _DEVANAGARI_SIGNS[character]
        elif character in _DEVANAGARI_VOWELS:
            units.append([None, _DEVANAGARI_VOWELS[character], False, False])
        elif character in _DEVANAGARI_MARKS:
            units.append([None, _DEVANAGARI_MARKS[character], False, True])
    for index, unit in enumerate(units):
        if unit[0] is None or unit[1] is not None:
            continue
        if index == len(units) - 1:
            unit[1] = "a|" if unit[2] else ""
        elif (
            index
            and not units[index - 1][3]
            and units[index + 1][0] is not None
            and not units[index + 1][2]
            and (units[index + 1][1] is not None or index + 2 < len(units))
        ):
            unit[1] = "a|"  # maybe dropped between syllables: "rachana" or "rachna"
        else:
            unit[1] = "a"
    pieces: list[tuple[str, ...]] = []
    for consonants, vowel, _, _ in units:
        pieces.extend(tuple(consonant.split("|")) for consonant in (consonants or "").split("+") if consonant)
        pieces.append(tuple(vowel.split("|")))
    return _combinations(pieces)


_ROMANISERS: dict[str, Callable[[str], list[str]]] = {
    "hi": _devanagari,
    "mr": _devanagari,
    "ne": _devanagari,
    "ru": _alphabet(_RUSSIAN),
    "uk": _alphabet(_UKRAINIAN),
    "bg": _alphabet(_BULGARIAN),
    "mk": _alphabet(_MACEDONIAN),
    "el": _alphabet(_GREEK_NAMES, accents=False),
    "ka": _alphabet(_GEORGIAN),
    "hy": _alphabet(_ARMENIAN),
    "ko": _hangul,
}
