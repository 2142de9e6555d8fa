"""The redaction engine: Presidio's analyzer, offline, over the original
text and its normalised copy, with findings merged and replaced by typed
placeholders."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import spacy
import tldextract.tldextract
from presidio_analyzer import AnalyzerEngine, RecognizerRegistry, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts, NlpEngine

from .normalize import normalize
from .persons import ENTITY as PERSON
from .persons import KnownNamesRecognizer, PersonRecognizer
from .recognizers import recognizers

logger = logging.getLogger(__name__)
# spaCy, weasel and Presidio's decision tracer put stderr handlers of their
# own on their loggers when imported, outside the project's masking filter
# (Presidio's tracer would print the text it analyses). Their records go to
# the project's handlers instead, filtered like every other.
for _library in ("spacy", "weasel", "decision_process"):
    logging.getLogger(_library).handlers.clear()
LANGUAGE = "en"
MINIMUM_SCORE = 0.5


@dataclass(frozen=True)
class Entity:
    type: str
    start: int
    end: int
    score: float


@dataclass(frozen=True)
class Redaction:
    """The redacted text, and where each entity was in the original. The
    values themselves are never kept."""

    text: str
    entities: tuple[Entity, ...]


def make_tldextract_offline() -> None:
    """Presidio's e-mail recogniser validates domains with tldextract, whose
    default extractor downloads the public-suffix list on first use. Use the
    snapshot bundled with the package instead, and cache nothing on disk."""
    tldextract.tldextract.TLD_EXTRACTOR = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


class OfflineNlpEngine(NlpEngine):
    """A spaCy engine that never downloads: a blank English tokenizer, or an
    installed model named by the caller (which adds named entities).

    Lemmas fall back to the lower-cased token, so Presidio's context words
    still match without a trained lemmatizer.
    """

    def __init__(self, model_name: str = "") -> None:
        self.model_name = model_name
        self.nlp: Any = None

    def load(self) -> None:
        if self.model_name:
            if not spacy.util.is_package(self.model_name):
                raise LookupError(f"spaCy model {self.model_name!r} is not installed; it is never downloaded.")
            self.nlp = spacy.load(self.model_name, exclude=["parser", "lemmatizer", "textcat"])
        else:
            self.nlp = spacy.blank(LANGUAGE)

    def is_loaded(self) -> bool:
        return self.nlp is not None

    def process_text(self, text: str, language: str) -> NlpArtifacts:
        document = self.nlp(text)
        return NlpArtifacts(
            entities=list(document.ents),
            tokens=document,
            tokens_indices=[token.idx for token in document],
            lemmas=[token.lemma_ or token.lower_ for token in document],
            nlp_engine=self,
            language=language,
        )

    def process_batch(self, texts, language, batch_size=1, n_process=1, **kwargs):  # noqa: ANN001, ANN201
        for text in texts:
            yield text, self.process_text(text, language)

    def is_stopword(self, word: str, language: str) -> bool:
        return self.nlp.vocab[word].is_stop

    def is_punct(self, word: str, language: str) -> bool:
        return self.nlp.vocab[word].is_punct

    def get_supported_entities(self) -> list[str]:
        return [PERSON] if self.model_name else []

    def get_supported_languages(self) -> list[str]:
        return [LANGUAGE]


class Redactor:
    """Loads once (a few hundred milliseconds), then redacts many texts."""

    def __init__(self, *, spacy_model: str = "") -> None:
        make_tldextract_offline()
        nlp_engine = OfflineNlpEngine(spacy_model)
        nlp_engine.load()
        registry = RecognizerRegistry(supported_languages=[LANGUAGE])
        for recognizer in [*recognizers(), PersonRecognizer()]:
            registry.add_recognizer(recognizer)
        if spacy_model:
            from presidio_analyzer.predefined_recognizers import SpacyRecognizer

            registry.add_recognizer(SpacyRecognizer(supported_entities=[PERSON]))
        self.analyzer = AnalyzerEngine(
            registry=registry,
            nlp_engine=nlp_engine,
            supported_languages=[LANGUAGE],
            default_score_threshold=MINIMUM_SCORE,
        )
        # Names are read from the original only: normalising turns "first
        # name" into "1st name" and would hide what introduces them.
        self.normalized_entities = [entity for entity in self.analyzer.get_supported_entities() if entity != PERSON]
        logger.info("redaction.engine_loaded", extra={"spacy_model": spacy_model or "blank"})

    def analyze(self, text: str, *, known_names: tuple[str, ...] = ()) -> list[Entity]:
        ad_hoc = [KnownNamesRecognizer(known_names)] if known_names else None
        found = [_entity(result) for result in self.analyzer.analyze(text, LANGUAGE, ad_hoc_recognizers=ad_hoc)]
        normalized = normalize(text)
        if normalized.text != text:
            results = self.analyzer.analyze(normalized.text, LANGUAGE, entities=self.normalized_entities)
            for result in results:
                start, end = normalized.to_original(result.start, result.end)
                found.append(Entity(result.entity_type, start, end, result.score))
        return _merge(found)

    def redact(self, text: str, *, known_names: tuple[str, ...] = ()) -> Redaction:
        entities = self.analyze(text, known_names=tuple(known_names))
        pieces, position = [], 0
        for entity in entities:
            pieces += [text[position : entity.start], f"[{entity.type}]"]
            position = entity.end
        pieces.append(text[position:])
        return Redaction("".join(pieces), tuple(entities))


def _entity(result: RecognizerResult) -> Entity:
    return Entity(result.entity_type, result.start, result.end, result.score)


def _merge(found: list[Entity]) -> list[Entity]:
    """Overlapping findings become one entity spanning all of them, typed by
    the most confident: anything any recogniser flagged is redacted."""
    merged: list[Entity] = []
    for entity in sorted(found, key=lambda item: (item.start, -item.end)):
        if merged and entity.start < merged[-1].end:
            last = merged[-1]
            strongest = entity if entity.score > last.score else last
            merged[-1] = Entity(strongest.type, last.start, max(last.end, entity.end), max(last.score, entity.score))
        else:
            merged.append(entity)
    return merged
