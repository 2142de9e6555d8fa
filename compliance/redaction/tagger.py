"""A sequence tagger for transcripts: a linear-chain conditional random field
(CRFsuite, through python-crfsuite) trained on the labelled development
transcripts in ``tests/compliance/corpus``.

The rules and the name lexicon know the kinds of difficulty someone wrote a
rule for; each new set of transcripts nobody here wrote finds kinds they have
not met. The tagger learns from every labelled line at once what surrounds a
value: the words around it, which of them are names, everyday words, numbers
or fillers, and what was asked a few words before. It reads every token of
the text, lowercase speech recognition output included, and its findings are
added to the engine's.

It is trusted with the types where it adds more than it costs: on two
development sets it had not been trained on, read by the rules as they were
before those sets were used (``bench/README.md``), its findings of these
types caught 27 values the rules leaked and emptied 6 harmless lines; of the
other types, 5 values against 24 harmless lines.

A finding stands only where the model is sure of each of its tokens, and a
code, an expiry, a social or an e-mail address only where the text talks of
one. Each labelled line is learnt twice, the second time as the engine
leaves it (placeholders, nothing left to find), so that redacted text comes
through a second redaction unchanged.

The model is committed beside this module and pinned by its SHA-256, which
``SequenceTagger`` checks on load; ``python manage.py train_redaction_tagger``
rebuilds it from the corpora (training is deterministic: the same corpora
give the same file). Nothing is downloaded.
"""

from __future__ import annotations

import hashlib
import re
import string
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from operator import itemgetter
from pathlib import Path
from typing import NamedTuple

import pycrfsuite

from . import lexicon
from .dialogue import CARRY_DISTANCE, Dialogue
from .evaluation import load_corpus
from .normalize import FILLER_WORDS, NUMBER_WORDS, ORDINALS, REPEATS, ZERO_LETTERS
from .persons import ENTITY as PERSON
from .persons import TITLES

MODEL_PATH = Path(__file__).with_name("tagger.crfsuite")
MODEL_SHA256 = "792fc2057b94a2d6b8a8ad2467ef7c6fb95d15be4d7b9d240444cc60d7714b46"
# The development corpora it learns from, in this order (the order is part of
# what makes training reproducible). The sealed test set is never among them.
TRAINING_CORPORA = (
    "dev", "dev2", "dev3a", "dev3b", "dev4a", "dev4b", "dev5a", "dev5b",
    "dev6a", "dev6b", "dev7a", "dev7b", "dev8a", "dev8b",
)  # fmt: skip
TRUSTED_TYPES = frozenset({"PERSON", "CVV", "CARD_EXPIRY", "SSN", "EMAIL"})
# A bare code, expiry or social is one only where the text talks of it
# nearby: "Twenty twenty four." alone is a year.
TOPICS_NEEDED = {
    "CVV": ("CARD", "CVV", "CODE", "EXPIRY"),
    "CARD_EXPIRY": ("CARD", "CVV", "CODE", "EXPIRY"),
    "SSN": ("SSN",),
}
_TOPICS_NEEDED_ANY = frozenset(topic for topics in TOPICS_NEEDED.values() for topic in topics)
# A finding the model is less sure of is dropped: on the development sets it
# was not trained on, these cost about one value in a thousand, and they are
# the findings that come and go when the words around them are redacted.
MINIMUM_CONFIDENCE = 0.7
# An e-mail address says "at" or "dot" (or is written), or is said to be one.
_EMAIL_SIGN = re.compile(r"@|\.\w|\b(?:at|dot|underscore)\b", re.IGNORECASE)
_EMAIL_WORD = re.compile(r"e-?mail", re.IGNORECASE)
# L1 and L2 regularisation and iterations of L-BFGS.
TRAINING_PARAMETERS = {"c1": 0.05, "c2": 0.01, "max_iterations": 150, "feature.possible_transitions": True}

# A placeholder the engine left ("[PERSON]") is one token: text redacted
# once must come through a second redaction unchanged.
_PLACEHOLDER = re.compile(r"\[[A-Z_]+\]")
_TOKEN = re.compile(rf"{_PLACEHOLDER.pattern}|\w+(?:['’]\w+)?|[^\w\s]")
_NUMBER = frozenset(NUMBER_WORDS) | ZERO_LETTERS | frozenset(REPEATS) | frozenset(ORDINALS) | {"hundred", "thousand"}
_SENTENCE_PUNCTUATION = frozenset(",.?!")
# What a word is, for its neighbours' features.
_CLASSES = ("FIL", "NUM", "MON", "P,", "P.", "P?", "P!", "PUN", "NAME", "CNAME", "WORD", "UNK", "SLOT", "EDGE")
_OFFSETS = (-3, -2, -1, 1, 2, 3)
_NEIGHBOUR = {(offset, kind): f"c{offset:+d}={kind}" for offset in _OFFSETS for kind in _CLASSES}
# Words a few tokens back that say what is being talked about ("birth", "security", "spell").
_TOPIC_CLASSES = frozenset({"WORD", "CNAME", "UNK"})
_TOPIC_FROM, _TOPIC_TO = 12, 3
# The tokens before a word that its features read: a turn is tagged after no more of its
# context than these (the model learnt from single turns).
CONTEXT_TOKENS = _TOPIC_FROM
# The features that name a word itself.
_SAID = ("w=", "w-", "w+", "ctx=")
_SHAPE_TABLE = str.maketrans(
    string.ascii_uppercase + string.ascii_lowercase + string.digits, "X" * 26 + "x" * 26 + "d" * 10
)
_SHAPE_REPEAT = re.compile(r"(.)\1{2,}")
_BEFORE_A_NAME = TITLES | {"."}

Token = tuple[str, int, int]  # (word, start, end)
Span = tuple[str, int, int]  # (type, start, end)


class ModelRefused(LookupError):
    """The tagger's model file is missing or is not the pinned one."""


def tokens(text: str) -> list[Token]:
    return [(match.group(), match.start(), match.end()) for match in _TOKEN.finditer(text)]


def _shape(word: str) -> str:
    """The word with each letter written X or x by its case and each digit d, runs cut at two ("Xxx", "dd")."""
    shape = word.translate(_SHAPE_TABLE)
    return _SHAPE_REPEAT.sub(r"\1\1", shape) if len(shape) > 2 else shape


def _kind(word: str, lowered: str, names: lexicon.NameLexicon) -> str:
    if word[0] == "[" and len(word) > 1:
        return "SLOT"
    if lowered in FILLER_WORDS:
        return "FIL"
    if lowered in _NUMBER or word.isdigit():
        return "NUM"
    if lowered in lexicon.MONTHS:
        return "MON"
    if not word[0].isalnum():
        return "P" + word if word in _SENTENCE_PUNCTUATION else "PUN"
    return names.sense(lowered)


class Features:
    """Writes each token's features: the word, its kind, shape and ending; its
    neighbours' kinds (three each side) and words (two each side); and the
    words said a few tokens before it.

    Given the model's attributes (``known``), it leaves out every feature the
    model has no weight for: they would change nothing, and the model knows a
    few thousand of the hundreds of thousands a text can name. It works out
    once, at load, what each word the model knows contributes, as said in
    lowercase and capitalised; any other word is worked out once per text, and
    nothing of a text outlives the call.
    """

    def __init__(self, names: lexicon.NameLexicon, known: frozenset[str] | None = None) -> None:
        self.names = names
        self.known = known
        self._edge = _EDGE.within(known)
        self._seen_as = {kind: _Word(kind, (), seen, None).within(known).seen_from for kind, seen in _SEEN_AS.items()}
        self._beside = {pair: feature for pair, feature in _BESIDE.items() if known is None or feature in known}
        # The words the model has a weight for as such: as itself, a neighbour or a topic (None: any word).
        self._said = (
            None if known is None else {feature.partition("=")[2] for feature in known if feature.startswith(_SAID)}
        )
        # Every word the model has a weight for, as said in lowercase and capitalised.
        self._vocabulary = {
            form: self._work_out(form) for word in self._said or () for form in (word, word.capitalize())
        }

    def _work_out(self, word: str) -> _Word:
        if self._said is None or word.lower() in self._said:
            return _Word.of(word, self.names).within(self.known)
        unsaid = _Word.of(word, self.names, said=False)
        return _Word(unsaid.kind, tuple(filter(self.known.__contains__, unsaid.own)), self._seen_as[unsaid.kind], None)

    @property
    def kept(self) -> frozenset[str]:
        """The word forms worked out at load."""
        return frozenset(self._vocabulary)

    def __call__(self, words: Sequence[str], per_word: dict[str, _Word] | None = None) -> list[list[str]]:
        """``per_word`` keeps what the words of one text that the model doesn't know contribute, for
        the next sequence read in the same text; its caller drops it with the text."""
        per_word = {} if per_word is None else per_word
        said = []
        for word in words:
            known = self._vocabulary.get(word) or per_word.get(word)
            if known is None:
                known = per_word[word] = self._work_out(word)
            said.append(known)
        # Three edges each side, so that every token has six neighbours.
        padded = [self._edge] * 3 + said + [self._edge] * 3
        # Where a topic was said, and which; the topics said between two of those places, each once.
        topics = [(index, known.topic) for index, known in enumerate(said) if known.topic]
        topic_names = [topic for _, topic in topics]
        first = last = 0
        window: tuple[str, ...] = ()
        result = []
        for index, known in enumerate(said):
            at = index + 3
            # The words from _TOPIC_FROM to _TOPIC_TO tokens back; most tokens share their neighbour's.
            moved = False
            while first < len(topics) and topics[first][0] < index - _TOPIC_FROM:
                first, moved = first + 1, True
            while last < len(topics) and topics[last][0] < index - _TOPIC_TO:
                last, moved = last + 1, True
            if moved:
                window = tuple(dict.fromkeys(topic_names[first:last]))
            row = [
                *known.own,
                *padded[at - 3].seen_from[0],
                *padded[at - 2].seen_from[1],
                *padded[at - 1].seen_from[2],
                *padded[at + 1].seen_from[3],
                *padded[at + 2].seen_from[4],
                *padded[at + 3].seen_from[5],
            ]
            both = self._beside.get((padded[at - 1].kind, padded[at + 1].kind))
            if both is not None:
                row.append(both)
            if index == 0:
                row.append("first")
            # Each word once, however often it was said.
            row.extend(window)
            result.append(row)
        return result


class _Word(NamedTuple):
    """What one word contributes: its own features, what its neighbours at
    each offset see of it, and the topic it names."""

    kind: str
    own: tuple[str, ...]
    seen_from: tuple[tuple[str, ...], ...]  # by _OFFSETS
    topic: str | None

    @classmethod
    def of(cls, word: str, names: lexicon.NameLexicon, *, said: bool = True) -> _Word:
        """``said`` False leaves out the features that name the word itself
        (for a word the model has no weight for as such)."""
        low = word.lower()
        kind = _kind(word, low, names)
        own = ["b", f"c={kind}", f"sh={_shape(word)}", f"s3={low[-3:]}"]
        if word[:1].isupper():
            own.append("title")
        if word.isdigit():
            own.append(f"dlen={min(len(word), 12)}")
        if not said:
            return cls(kind, tuple(own), _SEEN_AS[kind], None)
        own.insert(1, f"w={low}")
        seen_from = tuple(
            (_NEIGHBOUR[offset, kind], f"w{offset:+d}={low}") if abs(offset) <= 2 else (_NEIGHBOUR[offset, kind],)
            for offset in _OFFSETS
        )
        topic = f"ctx={low}" if kind in _TOPIC_CLASSES and len(low) > 2 else None
        return cls(kind, tuple(own), seen_from, topic)

    def within(self, known: frozenset[str] | None) -> _Word:
        """The same word with only the features in ``known`` (all of them if None)."""
        if known is None:
            return self
        keep = known.__contains__
        return _Word(
            self.kind,
            tuple(filter(keep, self.own)),
            tuple(tuple(filter(keep, seen)) for seen in self.seen_from),
            self.topic if self.topic in known else None,
        )


# What the neighbours see of a word of each kind, the word itself left out.
_SEEN_AS = {kind: tuple((_NEIGHBOUR[offset, kind],) for offset in _OFFSETS) for kind in _CLASSES}
_EDGE = _Word("E", (), _SEEN_AS["EDGE"], None)
_BESIDE = {(before, after): f"c-1c+1={before}|{after}" for before in (*_CLASSES, "E") for after in (*_CLASSES, "E")}


def _labels(text_tokens: Sequence[Token], values: Iterable[Span]) -> list[str]:
    """B-/I-/O labels: a token inside a labelled value takes its type."""
    labels = ["O"] * len(text_tokens)
    for kind, start, end in values:
        first = True
        for index, (_, token_start, token_end) in enumerate(text_tokens):
            if token_start >= start and token_end <= end:
                labels[index] = ("B-" if first else "I-") + kind
                first = False
    return labels


def _runs(text_tokens: Sequence[Token], labels: Sequence[str]) -> list[tuple[str, int, int]]:
    """Each labelled run of tokens: its type, first and last token. A placeholder is never in one."""
    found: list[list] = []
    current: list | None = None
    for index, ((word, _, _), label) in enumerate(zip(text_tokens, labels, strict=True)):
        if label == "O" or _PLACEHOLDER.fullmatch(word):
            current = None
        elif label.startswith("I-") and current is not None and current[0] == label[2:]:
            current[2] = index
        else:
            current = [label[2:], index, index]
            found.append(current)
    return [(kind, first, last) for kind, first, last in found]


def train(corpus_directory: Path, model_path: Path, *, corpora: Sequence[str] = TRAINING_CORPORA) -> str:
    """Train on ``corpora`` and write the model; returns its SHA-256."""
    # Imported here: the engine imports this module to load the tagger.
    from .engine import with_placeholders

    features = Features(lexicon.load())
    trainer = pycrfsuite.Trainer(verbose=False)
    for corpus in corpora:
        for example in load_corpus(corpus_directory / f"{corpus}.jsonl"):
            text_tokens = tokens(example.text)
            if text_tokens:
                words = [word for word, _, _ in text_tokens]
                trainer.append(features(words), _labels(text_tokens, example.labels))
            if example.labels:
                # The same line as the engine leaves it: nothing in it is a value any more.
                redacted = [word for word, _, _ in tokens(with_placeholders(example.text, example.labels))]
                trainer.append(features(redacted), ["O"] * len(redacted))
    trainer.set_params(TRAINING_PARAMETERS)
    trainer.train(str(model_path))
    return hashlib.sha256(model_path.read_bytes()).hexdigest()


def _a_number(word: str) -> bool:
    return word.lower() in _NUMBER or word.isdigit()


def says_a_number(text: str) -> bool:
    """Some word of ``text`` is a number, in digits or words."""
    return any(_a_number(word) for word, _, _ in tokens(text))


def _number_said_up_to(text_tokens: Sequence[Token], first: int) -> int:
    """Where a number said up to token ``first`` begins, pauses and commas within it (``first``
    itself if none is)."""
    begins = index = first
    while index > 0:
        word = text_tokens[index - 1][0]
        if _a_number(word):
            begins = index - 1
        elif word.lower() not in FILLER_WORDS and word != ",":
            break
        index -= 1
    return begins


class _Reading:
    """One text's tokens, from which the tokens of each part of it read apart are taken."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokens(text)
        self.starts = [start for _, start, _ in self.tokens]

    def tokens_of(self, start: int, end: int) -> list[Token]:
        """``tokens(text[start:end])``: a token the part's start cuts is split there as it
        would be read alone; the part ends where a line does, which no token crosses."""
        first = bisect_left(self.starts, start)
        head = []
        if first and self.tokens[first - 1][2] > start:
            head = tokens(self.text[start : self.tokens[first - 1][2]])
        return head + [
            (word, token_start - start, token_end - start)
            for word, token_start, token_end in self.tokens[first : bisect_left(self.starts, end, first)]
        ]


class SequenceTagger:
    """Loads the pinned model once, then tags many texts."""

    def __init__(self, model_path: Path = MODEL_PATH, *, sha256: str = MODEL_SHA256) -> None:
        try:
            digest = hashlib.sha256(model_path.read_bytes()).hexdigest()
        except OSError as error:
            raise ModelRefused(f"tagger model {model_path.name} is missing") from error
        if digest != sha256:
            raise ModelRefused(f"tagger model {model_path.name} is not the pinned one")
        self._tagger = pycrfsuite.Tagger()
        self._tagger.open(str(model_path))
        weighted = frozenset(feature for feature, _ in self._tagger.info().state_features)
        self.features = Features(lexicon.load(), weighted)

    def find(self, text: str, *, turn: int = 0, types: frozenset[str] = TRUSTED_TYPES) -> list[Span]:
        """The values of ``types`` the model finds in ``text``, where a turn begins at ``turn``
        after its context. The model reads the turn after ``CONTEXT_TOKENS`` tokens of the
        context, and of a number said up to the turn, after as many before that number
        ("Can I have your social security number please?" / "yeah it's 8 4 5 3 2 0 0" / "9 5");
        what the context talks of is read whole."""
        return self.find_in(text, [(0, len(text), turn)], types=types)[0]

    def find_in(
        self, text: str, windows: Sequence[tuple[int, int, int]], *, types: frozenset[str] = TRUSTED_TYPES
    ) -> list[list[Span]]:
        """For each window ``(start, end, turn)`` of ``text``, what ``find`` finds in
        ``text[start:end]`` with its turn beginning at ``turn``, offsets into ``text``. The text
        is split into tokens once, and each word the model doesn't know is worked out once."""
        reading = _Reading(text)
        per_word: dict[str, _Word] = {}
        found = []
        for start, end, turn in windows:
            window = text[start:end]
            text_tokens = reading.tokens_of(start, end)
            first = bisect_left(text_tokens, turn - start, key=itemgetter(1))
            text_tokens = text_tokens[max(0, _number_said_up_to(text_tokens, first) - CONTEXT_TOKENS) :]
            kept = self._found(window, text_tokens, types, per_word) if text_tokens else []
            found.append([(kind, found_start + start, found_end + start) for kind, found_start, found_end in kept])
        return found

    def _found(
        self, text: str, text_tokens: list[Token], types: frozenset[str], per_word: dict[str, _Word]
    ) -> list[Span]:
        labels = self._tagger.tag(self.features([word for word, _, _ in text_tokens], per_word))
        found = []
        for kind, first, last in _runs(text_tokens, labels):
            # A title is not part of the name ("Ms [PERSON]"), nor is its full stop.
            while kind == PERSON and first < last and text_tokens[first][0].lower() in _BEFORE_A_NAME:
                first += 1
            # Every token of it a value, by the model's own marginal probability.
            if kind in types and all(
                1 - self._tagger.marginal("O", index) >= MINIMUM_CONFIDENCE for index in range(first, last + 1)
            ):
                found.append((kind, text_tokens[first][1], text_tokens[last][2]))
        talk: Dialogue | None = None
        kept = []
        for kind, start, end in found:
            if kind == "EMAIL":
                said = _EMAIL_SIGN.search(text, start, end) or _EMAIL_WORD.search(
                    text, max(0, start - CARRY_DISTANCE), start
                )
            elif kind in TOPICS_NEEDED:
                # Its own, of the topics it asks about: the rules' cached one reads the normalised copy.
                talk = talk or Dialogue(text, topics=_TOPICS_NEEDED_ANY)
                said = any(
                    talk.mentioned_within(topic, start, CARRY_DISTANCE) or talk.after(topic, end, CARRY_DISTANCE)
                    for topic in TOPICS_NEEDED[kind]
                )
            else:
                said = True
            if said:
                kept.append((kind, start, end))
        return kept
