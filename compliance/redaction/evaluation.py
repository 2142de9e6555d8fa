"""Scoring a redactor against a labelled corpus.

A corpus is JSON lines: ``{"text": ..., "entities": [{"type", "start",
"end"}]}``, offsets into ``text``. The scores are about what a redactor
hides, whatever it calls it:

- a labelled value is *caught* when every letter and digit of it falls
  inside some finding, of any type; otherwise it *leaked*;
- recall for a type is caught / labelled values of that type;
- a finding is a true positive when it overlaps some labelled value;
  precision is true positives / findings;
- the keep-rate is the share of utterances with no personal data that come
  through with nothing redacted.

An utterance may name its ``style`` (formatted, gather, raw, agent, …) so
that figures can be given per style, and carry its ``context``: the turns
said just before it, one a line, which a redactor reads but never redacts
("What's your first pet's name?" before a bare "Biscuit.").
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

Span = tuple[str, int, int]  # (type, start, end)


@dataclass(frozen=True)
class Example:
    text: str
    labels: tuple[Span, ...]
    style: str = ""
    context: str = ""


@dataclass
class Score:
    labelled: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    caught: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    found: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    found_correct: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    false_positives: list[tuple[str, str]] = field(default_factory=list)
    misses: list[tuple[str, str]] = field(default_factory=list)
    harmless: int = 0
    kept: int = 0

    def recall(self, entity_type: str | None = None) -> float:
        labelled = self.labelled[entity_type] if entity_type else sum(self.labelled.values())
        caught = self.caught[entity_type] if entity_type else sum(self.caught.values())
        return caught / labelled if labelled else 1.0

    def precision(self, entity_type: str | None = None) -> float:
        found = self.found[entity_type] if entity_type else sum(self.found.values())
        correct = self.found_correct[entity_type] if entity_type else sum(self.found_correct.values())
        return correct / found if found else 1.0

    def keep_rate(self) -> float:
        return self.kept / self.harmless if self.harmless else 1.0

    def leaked(self, entity_type: str | None = None) -> int:
        if entity_type:
            return self.labelled[entity_type] - self.caught[entity_type]
        return sum(self.labelled.values()) - sum(self.caught.values())


def load_corpus(path: Path) -> list[Example]:
    examples = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            labels = tuple((entity["type"], entity["start"], entity["end"]) for entity in record["entities"])
            examples.append(Example(record["text"], labels, record.get("style", ""), record.get("context", "")))
    return examples


def evaluate(find: Callable[[str, str], Iterable[Span]], corpus: Iterable[Example]) -> Score:
    """Score ``find``, which returns ``(type, start, end)`` findings for a
    text, given the text and its context."""
    corpus = list(corpus)
    return scored(corpus, (find(example.text, example.context) for example in corpus))


def evaluate_calls(
    find_turns: Callable[[list[str], str], Iterable[Iterable[Span]]], corpus: Sequence[Example]
) -> Score:
    """Score ``find_turns``, which returns the findings of each of a call's
    turns, given the turns and what was said before the first: each call of
    the corpus (``calls``) read whole, as an end-of-call report is."""
    findings = []
    for call in calls(corpus):
        findings += find_turns([example.text for example in call], call[0].context)
    return scored(corpus, findings)


def calls(corpus: Sequence[Example]) -> list[list[Example]]:
    """The corpus's utterances as the calls they were said in, in order: one
    whose context ends with the utterance before it goes on that one's call."""
    found: list[list[Example]] = []
    for example in corpus:
        if found and (example.context == found[-1][-1].text or example.context.endswith("\n" + found[-1][-1].text)):
            found[-1].append(example)
        else:
            found.append([example])
    return found


def scored(corpus: Iterable[Example], findings: Iterable[Iterable[Span]]) -> Score:
    """The score of ``findings``, those of each utterance of ``corpus`` in turn."""
    score = Score()
    for example, found in zip(corpus, findings, strict=True):
        findings_here = list(found)
        hidden = set()
        for _, start, end in findings_here:
            hidden.update(range(start, end))
        if not example.labels:
            score.harmless += 1
            score.kept += not findings_here
        for entity_type, start, end in example.labels:
            score.labelled[entity_type] += 1
            visible = [position for position in range(start, end) if example.text[position].isalnum()]
            if all(position in hidden for position in visible):
                score.caught[entity_type] += 1
            else:
                score.misses.append((entity_type, example.text))
        for entity_type, start, end in findings_here:
            score.found[entity_type] += 1
            if any(start < label_end and label_start < end for _, label_start, label_end in example.labels):
                score.found_correct[entity_type] += 1
            else:
                score.false_positives.append((entity_type, example.text[start:end]))
    return score
