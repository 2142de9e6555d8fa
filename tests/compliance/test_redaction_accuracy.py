"""Recall and precision floors on the labelled corpus (tests/compliance/corpus/).
bench/redaction.py prints the same figures beside plain Presidio."""

from __future__ import annotations

from pathlib import Path

import pytest

from compliance.redaction import get_redactor
from compliance.redaction.evaluation import evaluate, load_corpus

CORPUS = load_corpus(Path(__file__).parent / "corpus" / "redaction.jsonl")
CRITICAL = ("SSN", "CREDIT_CARD", "PHONE", "EMAIL")
ALL_TYPES = (
    "SSN", "CREDIT_CARD", "CVV", "CARD_EXPIRY", "BANK_ACCOUNT", "ROUTING_NUMBER", "PHONE", "EMAIL",
    "DATE_OF_BIRTH", "ADDRESS", "ZIP_CODE", "PERSON", "ACCOUNT_ID", "PIN", "DRIVER_LICENSE", "PASSPORT",
)  # fmt: skip


@pytest.fixture(scope="module")
def score():
    redactor = get_redactor()
    return evaluate(lambda text: [(entity.type, entity.start, entity.end) for entity in redactor.analyze(text)], CORPUS)


def test_corpus_is_large_varied_and_mostly_spoken():
    labelled_types = {label[0] for example in CORPUS for label in example.labels}
    spoken = [
        example
        for example in CORPUS
        if any(word in example.text.split() for word in ("one", "two", "oh", "five", "dot"))
    ]

    assert len(CORPUS) >= 300
    assert labelled_types == set(ALL_TYPES)
    assert len(spoken) >= 100
    assert sum(1 for example in CORPUS if not example.labels) >= 100, "plenty of harmless lines for precision"


@pytest.mark.parametrize("entity_type", CRITICAL)
def test_recall_of_critical_types_is_at_least_99_percent(score, entity_type):
    assert score.recall(entity_type) >= 0.99, score.misses


@pytest.mark.parametrize("entity_type", sorted(set(ALL_TYPES) - set(CRITICAL)))
def test_recall_of_every_other_type_is_at_least_95_percent(score, entity_type):
    assert score.recall(entity_type) >= 0.95, score.misses


def test_overall_recall_is_at_least_97_percent(score):
    assert score.recall() >= 0.97, score.misses


@pytest.mark.parametrize("entity_type", ALL_TYPES)
def test_precision_of_each_type_is_at_least_95_percent(score, entity_type):
    assert score.precision(entity_type) >= 0.95, score.false_positives


def test_no_critical_value_leaks(score):
    assert sum(score.leaked(entity_type) for entity_type in CRITICAL) == 0, score.misses
