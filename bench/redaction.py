"""Redaction accuracy and speed, beside plain Presidio on the same corpus.

    .venv/bin/python bench/redaction.py

Plain Presidio is Presidio's default recognisers with the same offline NLP
engine (a blank spaCy tokenizer; nothing downloaded). Both run pinned to one
core. Prints, per entity type, recall, precision and leaked values; then
throughput in words per second over the whole corpus, and the time to
redact one 1,500-word transcript (the median of repeated runs).
"""

from __future__ import annotations

import logging
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contactcenter.settings.test")
os.environ["DJANGO_READ_DOT_ENV"] = "0"

CORPUS_PATH = ROOT / "tests" / "compliance" / "corpus" / "redaction.jsonl"
TRANSCRIPT_WORDS = 1500
RUNS = 21


def plain_presidio():
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry

    from compliance.redaction.engine import OfflineNlpEngine, make_tldextract_offline

    make_tldextract_offline()
    nlp_engine = OfflineNlpEngine()
    nlp_engine.load()
    registry = RecognizerRegistry(supported_languages=["en"])
    registry.load_predefined_recognizers(languages=["en"], nlp_engine=nlp_engine)
    return AnalyzerEngine(registry=registry, nlp_engine=nlp_engine, supported_languages=["en"])


def main() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    import django

    django.setup()
    logging.disable(logging.WARNING)
    from compliance.redaction import Redactor
    from compliance.redaction.evaluation import evaluate, load_corpus

    corpus = load_corpus(CORPUS_PATH)
    ours = Redactor()
    plain = plain_presidio()
    engines = {
        "ours": lambda text: [(entity.type, entity.start, entity.end) for entity in ours.analyze(text)],
        "plain Presidio": lambda text: [
            (result.entity_type, result.start, result.end) for result in plain.analyze(text, language="en")
        ],
    }
    scores = {name: evaluate(find, corpus) for name, find in engines.items()}

    spoken = sum(1 for example in corpus if any(word in example.text.split() for word in ("one", "two", "oh", "dot")))
    print(
        f"corpus: {len(corpus)} utterances ({spoken} with spoken numbers or addresses), {CORPUS_PATH.relative_to(ROOT)}"
    )
    columns = f"{'recall':>7}{'precision':>10}{'leaked':>7}"
    print(f"{'entity type':<16}{'n':>5} | {columns} | {columns}")
    print(f"{'':<16}{'':>5} | {'ours':^24} | {'plain Presidio':^24}")
    for entity_type in sorted(scores["ours"].labelled):
        row = f"{entity_type:<16}{scores['ours'].labelled[entity_type]:>5}"
        for name in engines:
            score = scores[name]
            # Plain Presidio names types its own way, so its per-type precision
            # is not comparable; its overall precision is.
            precision = f"{score.precision(entity_type):.3f}" if name == "ours" else "-"
            row += f" | {score.recall(entity_type):>7.3f}{precision:>10}{score.leaked(entity_type):>7}"
        print(row)
    row = f"{'ALL':<16}{sum(scores['ours'].labelled.values()):>5}"
    for name in engines:
        score = scores[name]
        row += f" | {score.recall():>7.3f}{score.precision():>10.3f}{score.leaked():>7}"
    print(row)

    texts = [example.text for example in corpus]
    words = sum(len(text.split()) for text in texts)
    transcript_lines, count = [], 0
    while count < TRANSCRIPT_WORDS:
        line = texts[len(transcript_lines) % len(texts)]
        transcript_lines.append(line)
        count += len(line.split())
    transcript = ". ".join(transcript_lines)

    print(f"\nspeed, one core: corpus {words} words; transcript {len(transcript.split())} words")
    print(f"{'engine':<16}{'words/s':>10}{'1,500 words ms (median)':>26}{'p90 ms':>9}")
    for name, find in engines.items():
        started = time.perf_counter()
        for text in texts:
            find(text)
        throughput = words / (time.perf_counter() - started)
        timings = []
        for _ in range(RUNS):
            started = time.perf_counter()
            find(transcript)
            timings.append((time.perf_counter() - started) * 1000)
        timings.sort()
        print(
            f"{name:<16}{throughput:>10.0f}{statistics.median(timings):>26.1f}{timings[int(0.9 * len(timings))]:>9.1f}"
        )


if __name__ == "__main__":
    main()
