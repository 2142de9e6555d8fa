"""Accuracy floors on the labelled corpora (tests/compliance/corpus/README.md).

The sealed set was written by an author who had not seen the engine, before
its rules were tuned, and is never used to choose one. Its floors are the
figures the engine measured on it when this version was frozen (rounded
down), so a change that loses ground on transcripts nobody here wrote fails
here. The targets are higher than the floors: overall recall 0.98, person
names 0.95, every other type 0.97, keep-rate 0.97; bench/redaction.py prints
how far each is.

The second sealed set (sealed2.jsonl) is whole calls, each turn with the
turns said before it, written by another author under the same rule: it
holds what reading the turns before adds.

The first corpus (redaction.jsonl), which the first version's rules were
written against, keeps its floors too.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from compliance.redaction import get_redactor
from compliance.redaction.evaluation import evaluate, load_corpus

CORPUS = Path(__file__).parent / "corpus"
SEALED = load_corpus(CORPUS / "sealed.jsonl")
SEALED_IN_TURNS = load_corpus(CORPUS / "sealed2.jsonl")
OWN = load_corpus(CORPUS / "redaction.jsonl")
STYLES = ("agent", "formatted", "gather", "raw")
ALL_TYPES = (
    "SSN", "CREDIT_CARD", "CVV", "CARD_EXPIRY", "BANK_ACCOUNT", "ROUTING_NUMBER", "PHONE", "EMAIL",
    "DATE_OF_BIRTH", "ADDRESS", "ZIP_CODE", "PERSON", "ACCOUNT_ID", "PIN", "DRIVER_LICENSE", "PASSPORT",
)  # fmt: skip
# Measured on the sealed set when this version was frozen (bench/README.md).
SEALED_RECALL = {
    "ACCOUNT_ID": 1.0,
    "ADDRESS": 1.0,
    "BANK_ACCOUNT": 1.0,
    "CARD_EXPIRY": 1.0,
    "CREDIT_CARD": 1.0,
    "CVV": 1.0,
    "DATE_OF_BIRTH": 0.95,
    "DRIVER_LICENSE": 1.0,
    "EMAIL": 1.0,
    "PASSPORT": 1.0,
    "PERSON": 0.97,
    "PHONE": 1.0,
    "PIN": 0.93,
    "ROUTING_NUMBER": 1.0,
    "SSN": 1.0,
    "ZIP_CODE": 1.0,
}
SEALED_OVERALL_RECALL = 0.98
SEALED_STYLE_RECALL = {"agent": 0.98, "formatted": 0.97, "gather": 1.0, "raw": 0.98}
SEALED_PRECISION = 0.98
SEALED_KEEP_RATE = 0.97
SEALED_UNSTABLE_LINES = 1
# sealed2, measured when this version was frozen: with the turns before, and each turn alone.
SEALED_IN_TURNS_RECALL = 0.95
SEALED_IN_TURNS_ALONE_RECALL = 0.89
SEALED_IN_TURNS_KEEP_RATE = 0.98
SEALED_IN_TURNS_PRECISION = 0.96
CRITICAL = ("SSN", "CREDIT_CARD", "PHONE", "EMAIL")


def find(text: str, context: str = "") -> list[tuple[str, int, int]]:
    return [(entity.type, entity.start, entity.end) for entity in get_redactor().analyze(text, context=context)]


@pytest.fixture(scope="module")
def sealed():
    return evaluate(find, SEALED)


@pytest.fixture(scope="module")
def own():
    return evaluate(find, OWN)


def test_the_sealed_set_covers_every_type_and_style_with_plenty_of_harmless_lines():
    labelled = {label[0] for example in SEALED for label in example.labels}

    assert labelled == set(ALL_TYPES)
    assert {example.style for example in SEALED} == set(STYLES)
    assert all(sum(1 for example in SEALED if example.style == style) >= 200 for style in STYLES)
    assert sum(1 for example in SEALED if not example.labels) >= 0.35 * len(SEALED)


@pytest.mark.parametrize("entity_type", ALL_TYPES)
def test_sealed_recall_of_each_type_holds(sealed, entity_type):
    assert sealed.recall(entity_type) >= SEALED_RECALL[entity_type]


def test_sealed_overall_recall_precision_and_keep_rate_hold(sealed):
    assert sealed.recall() >= SEALED_OVERALL_RECALL
    assert sealed.precision() >= SEALED_PRECISION
    assert sealed.keep_rate() >= SEALED_KEEP_RATE


@pytest.mark.parametrize("style", STYLES)
def test_sealed_recall_of_each_style_holds(style):
    assert (
        evaluate(find, [example for example in SEALED if example.style == style]).recall()
        >= (SEALED_STYLE_RECALL[style])
    )


def test_the_corpora_of_calls_give_each_turn_as_many_turns_before_it_as_the_worker_does():
    from calls.services.transcripts import CONTEXT_TURNS

    for corpus in (SEALED_IN_TURNS, load_corpus(CORPUS / "dev10.jsonl")):
        assert max(example.context.count("\n") + 1 for example in corpus if example.context) == CONTEXT_TURNS


def test_the_sealed_calls_give_each_turn_the_ones_before_it_and_hold_their_floors():
    assert sum(1 for example in SEALED_IN_TURNS if example.context) >= 0.9 * len(SEALED_IN_TURNS)
    with_context = evaluate(find, SEALED_IN_TURNS)
    one_turn = evaluate(lambda text, context: find(text, context.rpartition("\n")[2]), SEALED_IN_TURNS)
    alone = evaluate(lambda text, context: find(text), SEALED_IN_TURNS)

    assert with_context.recall() >= SEALED_IN_TURNS_RECALL
    assert with_context.keep_rate() >= SEALED_IN_TURNS_KEEP_RATE
    assert with_context.precision() >= SEALED_IN_TURNS_PRECISION
    assert alone.recall() >= SEALED_IN_TURNS_ALONE_RECALL
    # Reading the turns before finds more and costs no harmless turn; more turns, no less.
    assert with_context.leaked() < alone.leaked()
    assert with_context.kept >= alone.kept
    assert with_context.leaked() <= one_turn.leaked()
    assert with_context.kept >= one_turn.kept


@pytest.mark.parametrize("entity_type", CRITICAL)
def test_own_corpus_recall_of_critical_types_is_at_least_99_percent(own, entity_type):
    assert own.recall(entity_type) >= 0.99, own.misses


@pytest.mark.parametrize("entity_type", sorted(set(ALL_TYPES) - set(CRITICAL)))
def test_own_corpus_recall_of_every_other_type_is_at_least_95_percent(own, entity_type):
    assert own.recall(entity_type) >= 0.95, own.misses


@pytest.mark.parametrize("entity_type", ALL_TYPES)
def test_own_corpus_precision_of_each_type_is_at_least_95_percent(own, entity_type):
    assert own.precision(entity_type) >= 0.95, own.false_positives


def unstable(examples) -> list[str]:  # noqa: ANN001
    """The lines whose redacted text a second redaction changes."""
    redactor = get_redactor()
    changed = []
    for example in examples:
        once = redactor.redact(example.text, context=example.context).text
        if redactor.redact(once, context=example.context).text != once:
            changed.append(once)
    return changed


@pytest.mark.parametrize(
    "corpus",
    [
        "dev.jsonl",
        "dev2.jsonl",
        "dev3a.jsonl",
        "dev3b.jsonl",
        "dev4a.jsonl",
        "dev4b.jsonl",
        "dev5a.jsonl",
        "dev5b.jsonl",
        "dev6a.jsonl",
        "dev6b.jsonl",
        "dev7a.jsonl",
        "dev7b.jsonl",
        "dev8a.jsonl",
        "dev8b.jsonl",
        "dev9a.jsonl",
        "dev9b.jsonl",
        "dev10.jsonl",
        "redaction.jsonl",
    ],
)
def test_redacting_redacted_text_changes_nothing(corpus):
    assert unstable(load_corpus(CORPUS / corpus)) == UNSTABLE_WHEN_FROZEN.get(corpus, [])


# Known, with the reason: the statistical recogniser reads two brands joined by "and" as one
# business, but one brand beside a placeholder as a person ("Behr", a surname, was the other).
UNSTABLE_WHEN_FROZEN = {"dev10.jsonl": ["We carry Valspar and [PERSON]. Is there anything else?"]}


def test_redacting_redacted_sealed_text_changes_at_most_the_one_line_it_did_when_frozen():
    # Counted, never shown: the sealed lines are not read. The one line is a
    # word at a sentence's start that reads as a name once what followed it
    # is a placeholder.
    assert len(unstable(SEALED)) <= SEALED_UNSTABLE_LINES
    assert len(unstable(SEALED_IN_TURNS)) == 0
