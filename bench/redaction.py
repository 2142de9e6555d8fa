"""Redaction accuracy and speed, beside plain Presidio with the same recogniser.

    .venv/bin/python bench/redaction.py            # every corpus, then speed
    .venv/bin/python bench/redaction.py --misses dev   # also list what leaked on one development corpus

Corpora (tests/compliance/corpus/README.md tells who wrote which, and when):
- sealed, sealed2: the held-out test sets, written before the rules were
  tuned (sealed2: whole calls, each turn with the turn before it) and never
  used to choose one; only their figures are printed, never their lines;
- dev to dev23b: the development sets, in the same four styles, each by
  another author (dev10 gives each turn the turns before it, as sealed2 does);
- own: the first corpus, generated from templates (make_corpus.py);
- presidio-evaluator: Microsoft's templates and fake identities
  (bench/presidio_evaluator_set.py), where it exists.

"Plain Presidio" is Presidio's AnalyzerEngine with its predefined recognisers
and the same spaCy recogniser (en_core_web_sm 3.8.0) reading the whole text.
For each corpus: recall, precision and leaked values per type; recall,
leaked values and keep-rate (utterances with no personal data that come
through untouched) per style; where it gives each turn the turns before it,
the same with each call read whole in one pass, as the worker reads an
end-of-call report. Then, pinned to one core: load time, words per second,
and the time to redact one 1,500-word transcript (median and p90), in one
pass and turn by turn.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contactcenter.settings.test")
os.environ["DJANGO_READ_DOT_ENV"] = "0"

CORPUS_DIRECTORY = ROOT / "tests" / "compliance" / "corpus"
CORPORA = {
    "sealed": CORPUS_DIRECTORY / "sealed.jsonl",
    "sealed2": CORPUS_DIRECTORY / "sealed2.jsonl",
    "dev": CORPUS_DIRECTORY / "dev.jsonl",
    "dev2": CORPUS_DIRECTORY / "dev2.jsonl",
    "dev3a": CORPUS_DIRECTORY / "dev3a.jsonl",
    "dev3b": CORPUS_DIRECTORY / "dev3b.jsonl",
    "dev4a": CORPUS_DIRECTORY / "dev4a.jsonl",
    "dev4b": CORPUS_DIRECTORY / "dev4b.jsonl",
    "dev5a": CORPUS_DIRECTORY / "dev5a.jsonl",
    "dev5b": CORPUS_DIRECTORY / "dev5b.jsonl",
    "dev6a": CORPUS_DIRECTORY / "dev6a.jsonl",
    "dev6b": CORPUS_DIRECTORY / "dev6b.jsonl",
    "dev7a": CORPUS_DIRECTORY / "dev7a.jsonl",
    "dev7b": CORPUS_DIRECTORY / "dev7b.jsonl",
    "dev8a": CORPUS_DIRECTORY / "dev8a.jsonl",
    "dev8b": CORPUS_DIRECTORY / "dev8b.jsonl",
    "dev9a": CORPUS_DIRECTORY / "dev9a.jsonl",
    "dev9b": CORPUS_DIRECTORY / "dev9b.jsonl",
    "dev10": CORPUS_DIRECTORY / "dev10.jsonl",
    "dev11a": CORPUS_DIRECTORY / "dev11a.jsonl",
    "dev11b": CORPUS_DIRECTORY / "dev11b.jsonl",
    "dev12a": CORPUS_DIRECTORY / "dev12a.jsonl",
    "dev12b": CORPUS_DIRECTORY / "dev12b.jsonl",
    "dev13a": CORPUS_DIRECTORY / "dev13a.jsonl",
    "dev13b": CORPUS_DIRECTORY / "dev13b.jsonl",
    "dev14a": CORPUS_DIRECTORY / "dev14a.jsonl",
    "dev14b": CORPUS_DIRECTORY / "dev14b.jsonl",
    "dev15a": CORPUS_DIRECTORY / "dev15a.jsonl",
    "dev15b": CORPUS_DIRECTORY / "dev15b.jsonl",
    "dev16a": CORPUS_DIRECTORY / "dev16a.jsonl",
    "dev16b": CORPUS_DIRECTORY / "dev16b.jsonl",
    "dev17a": CORPUS_DIRECTORY / "dev17a.jsonl",
    "dev17b": CORPUS_DIRECTORY / "dev17b.jsonl",
    "dev18a": CORPUS_DIRECTORY / "dev18a.jsonl",
    "dev18b": CORPUS_DIRECTORY / "dev18b.jsonl",
    "dev19a": CORPUS_DIRECTORY / "dev19a.jsonl",
    "dev20a": CORPUS_DIRECTORY / "dev20a.jsonl",
    "dev20b": CORPUS_DIRECTORY / "dev20b.jsonl",
    "dev21a": CORPUS_DIRECTORY / "dev21a.jsonl",
    "dev21b": CORPUS_DIRECTORY / "dev21b.jsonl",
    "dev22a": CORPUS_DIRECTORY / "dev22a.jsonl",
    "dev22b": CORPUS_DIRECTORY / "dev22b.jsonl",
    "dev23a": CORPUS_DIRECTORY / "dev23a.jsonl",
    "dev23b": CORPUS_DIRECTORY / "dev23b.jsonl",
    "dev24a": CORPUS_DIRECTORY / "dev24a.jsonl",
    "dev24b": CORPUS_DIRECTORY / "dev24b.jsonl",
    "dev25a": CORPUS_DIRECTORY / "dev25a.jsonl",
    "dev25b": CORPUS_DIRECTORY / "dev25b.jsonl",
    "dev26a": CORPUS_DIRECTORY / "dev26a.jsonl",
    "dev26b": CORPUS_DIRECTORY / "dev26b.jsonl",
    "dev27a": CORPUS_DIRECTORY / "dev27a.jsonl",
    "dev27b": CORPUS_DIRECTORY / "dev27b.jsonl",
    "own": CORPUS_DIRECTORY / "redaction.jsonl",
    "presidio-evaluator": ROOT / "bench" / "data" / "presidio_evaluator.jsonl",
}
HELD_OUT = {"sealed", "sealed2"}
TRANSCRIPT_WORDS = 1500
RUNS = 21

# (text, context) → findings: the context is the turn said just before, where a corpus gives it.
Find = Callable[[str, str], Iterable[tuple[str, int, int]]]
# (a call's turns, what was said before them) → each turn's findings.
FindInTurns = Callable[[list[str], str], list[list[tuple[str, int, int]]]]


def plain_presidio(nlp) -> Find:  # noqa: ANN001
    import tldextract.tldextract
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NlpArtifacts, NlpEngine

    class LoadedSpacyEngine(NlpEngine):
        """Presidio's NLP engine over an already loaded (and verified) spaCy pipeline."""

        def load(self) -> None:
            pass

        def is_loaded(self) -> bool:
            return True

        def process_text(self, text: str, language: str) -> NlpArtifacts:
            document = nlp(text)
            return NlpArtifacts(
                entities=list(document.ents), tokens=document, tokens_indices=[token.idx for token in document],
                lemmas=[token.lemma_ or token.lower_ for token in document], nlp_engine=self, language=language,
            )  # fmt: skip

        def process_batch(self, texts, language, batch_size=1, n_process=1, **kwargs):  # noqa: ANN001, ANN201
            for text in texts:
                yield text, self.process_text(text, language)

        def is_stopword(self, word: str, language: str) -> bool:
            return nlp.vocab[word].is_stop

        def is_punct(self, word: str, language: str) -> bool:
            return nlp.vocab[word].is_punct

        def get_supported_entities(self) -> list[str]:
            return ["PERSON", "LOCATION", "DATE_TIME", "NRP", "ORGANIZATION"]

        def get_supported_languages(self) -> list[str]:
            return ["en"]

    # Presidio's e-mail recogniser validates domains with tldextract, whose default
    # extractor downloads the public-suffix list: use the snapshot it bundles.
    tldextract.tldextract.TLD_EXTRACTOR = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
    engine = LoadedSpacyEngine()
    registry = RecognizerRegistry(supported_languages=["en"])
    registry.load_predefined_recognizers(languages=["en"], nlp_engine=engine)
    analyzer = AnalyzerEngine(registry=registry, nlp_engine=engine, supported_languages=["en"])
    # The turn before goes to Presidio's own context mechanism: words that raise a recogniser's score.
    return lambda text, context="": [
        (result.entity_type, result.start, result.end)
        for result in analyzer.analyze(text, "en", context=context.split() or None)
    ]


def spans_of(redactor) -> Find:  # noqa: ANN001
    return lambda text, context="": [
        (entity.type, entity.start, entity.end) for entity in redactor.analyze(text, context=context)
    ]


def turn_spans_of(redactor) -> FindInTurns:  # noqa: ANN001
    return lambda turns, context="": [
        [(entity.type, entity.start, entity.end) for entity in found]
        for found in redactor.analyze_turns(turns, context=context)
    ]


def report(name: str, corpus, engines: dict[str, Find], in_one_pass: FindInTurns, show_misses: bool):  # noqa: ANN001, ANN201
    """Prints the figures of ``corpus`` and returns our engine's score of it."""
    from compliance.redaction.evaluation import calls, evaluate, evaluate_calls

    scores = {engine: evaluate(find, corpus) for engine, find in engines.items()}
    ours, plain = scores["ours"], scores["plain Presidio"]
    print(f"\n== {name}: {len(corpus)} utterances, {sum(ours.labelled.values())} values, {ours.harmless} harmless")
    columns = f"{'recall':>7}{'precision':>10}{'leaked':>7}"
    print(f"{'type':<15}{'n':>5} | {'ours':^24} | {'plain Presidio':^24}")
    print(f"{'':<15}{'':>5} | {columns} | {columns}")
    for entity_type in sorted(ours.labelled):
        row = f"{entity_type:<15}{ours.labelled[entity_type]:>5}"
        # Plain Presidio names its types its own way: only its overall precision compares.
        row += f" | {ours.recall(entity_type):>7.3f}{ours.precision(entity_type):>10.3f}{ours.leaked(entity_type):>7}"
        row += f" | {plain.recall(entity_type):>7.3f}{'-':>10}{plain.leaked(entity_type):>7}"
        print(row)
    row = f"{'ALL':<15}{sum(ours.labelled.values()):>5}"
    for score in (ours, plain):
        row += f" | {score.recall():>7.3f}{score.precision():>10.3f}{score.leaked():>7}"
    print(row)

    styles = sorted({example.style for example in corpus})
    if len(styles) > 1 or styles != [""]:
        print(f"{'style':<15}{'n':>5} | {'recall  PERSON  leaked  keep-rate':^36} | {'recall  PERSON  keep-rate':^28}")
        for style in [*styles, "ALL"]:
            part = [example for example in corpus if style in ("ALL", example.style)]
            row = f"{style or '-':<15}{len(part):>5}"
            for engine in ("ours", "plain Presidio"):
                score = scores[engine] if style == "ALL" else evaluate(engines[engine], part)
                person = f"{score.recall('PERSON'):.3f}" if score.labelled["PERSON"] else "-"
                keep = f"{score.keep_rate():.3f}" if score.harmless else "-"
                if engine == "ours":
                    row += f" | {score.recall():>6.3f}{person:>8}{score.leaked():>8}{keep:>11}  "
                else:
                    row += f" | {score.recall():>6.3f}{person:>8}{keep:>11}      "
            print(row)
    for engine in set(scores) - {"ours", "plain Presidio"}:
        score = scores[engine]
        print(
            f"{engine}: recall {score.recall():.3f}, PERSON {score.recall('PERSON'):.3f}, "
            f"leaked {score.leaked()}, keep-rate {score.keep_rate():.3f}, precision {score.precision():.3f}"
        )
    if any(example.context for example in corpus):
        # Each call read whole, as one text, as an end-of-call report could be: every turn with
        # all the turns before it and after it, against the turns before only (above).
        score = evaluate_calls(in_one_pass, corpus)
        print(
            f"ours, each call in one pass ({len(calls(corpus))} calls): recall {score.recall():.3f}, "
            f"PERSON {score.recall('PERSON'):.3f}, leaked {score.leaked()}, keep-rate {score.keep_rate():.3f}"
        )
        # What the turns before add: the same engine given the last of them only, and none.
        for label, given in (
            ("the turn before only", lambda context: context.rpartition("\n")[2]),
            ("each turn alone", lambda context: ""),
        ):
            score = evaluate(lambda text, context, given=given: engines["ours"](text, given(context)), corpus)
            print(
                f"ours, {label}: recall {score.recall():.3f}, DATE_OF_BIRTH {score.recall('DATE_OF_BIRTH'):.3f}, "
                f"PIN {score.recall('PIN'):.3f}, leaked {score.leaked()}, keep-rate {score.keep_rate():.3f}"
            )
    if show_misses:
        print("\nleaked (type: utterance):")
        for entity_type, text in ours.misses:
            print(f"  {entity_type}: {text}")
        print("redacted in harmless or beyond the labels (type: words):")
        for entity_type, words in ours.false_positives:
            print(f"  {entity_type}: {words}")
    return ours


def transcript_from(corpus, first: int) -> str:  # noqa: ANN001
    """About 1,500 words of consecutive utterances from ``first`` on, one per line.
    Each run gets a different transcript, so nothing cached from one run helps the next."""
    texts = [example.text for example in corpus]
    lines, count = [], 0
    while count < TRANSCRIPT_WORDS:
        line = texts[(first + len(lines)) % len(texts)]
        lines.append(line)
        count += len(line.split())
    return "\n".join(lines)


def speed(engines: dict[str, Find], corpus, load_seconds: dict[str, float]) -> None:  # noqa: ANN001
    texts = [example.text for example in corpus]
    words = sum(len(text.split()) for text in texts)
    transcripts = [transcript_from(corpus, run * len(texts) // RUNS) for run in range(RUNS)]
    lengths = sorted(len(transcript.split()) for transcript in transcripts)
    print(
        f"\n== speed, one core: {words} words in {len(texts)} utterances; "
        f"{RUNS} transcripts of {lengths[0]}-{lengths[-1]} words"
    )
    print(f"{'engine':<18}{'load s':>8}{'words/s':>10}{'1,500 words ms (median)':>26}{'p90 ms':>9}")
    for name, find in engines.items():
        started = time.perf_counter()
        for text in texts:
            find(text)
        throughput = words / (time.perf_counter() - started)
        timings = _timings(find, transcripts)
        print(
            f"{name:<18}{load_seconds[name]:>8.2f}{throughput:>10.0f}"
            f"{statistics.median(timings):>26.1f}{timings[int(0.9 * len(timings))]:>9.1f}"
        )
    # The same transcripts as a worker reads a report's turns one by one, each with the turns
    # before it as its context, against the one pass above.
    timings = _timings(lambda transcript: _turn_by_turn(engines["ours"], transcript), transcripts)
    print(
        f"{'ours, turn by turn':<18}{'':>8}{'':>10}"
        f"{statistics.median(timings):>26.1f}{timings[int(0.9 * len(timings))]:>9.1f}"
    )


def _timings(find: Callable[[str], object], transcripts: list[str]) -> list[float]:
    timings = []
    for transcript in transcripts:
        started = time.perf_counter()
        find(transcript)
        timings.append((time.perf_counter() - started) * 1000)
    return sorted(timings)


def _turn_by_turn(find: Find, transcript: str) -> None:
    from compliance.redaction import CONTEXT_TURNS

    turns = transcript.split("\n")
    for index, turn in enumerate(turns):
        find(turn, "\n".join(turns[max(0, index - CONTEXT_TURNS) : index]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", choices=sorted(set(CORPORA) - HELD_OUT), help="list leaks and extra findings")
    parser.add_argument("--only", choices=sorted(CORPORA), action="append", help="score only these corpora")
    parser.add_argument("--no-speed", action="store_true", help="skip the speed measurement")
    arguments = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    import django

    django.setup()
    logging.disable(logging.WARNING)
    from django.conf import settings

    from compliance.redaction import Redactor, ner
    from compliance.redaction.evaluation import load_corpus

    load_seconds = {}
    started = time.perf_counter()
    ours = Redactor(spacy_model=settings.PII_SPACY_MODEL)
    load_seconds["ours"] = time.perf_counter() - started
    started = time.perf_counter()
    rules_only = Redactor(spacy_model=settings.PII_SPACY_MODEL, sequence_tagger=False)
    load_seconds["ours, no tagger"] = time.perf_counter() - started
    started = time.perf_counter()
    plain = plain_presidio(ner.load(settings.PII_SPACY_MODEL))
    load_seconds["plain Presidio"] = time.perf_counter() - started
    engines: dict[str, Find] = {
        "ours": spans_of(ours),
        "plain Presidio": plain,
        # What the sequence tagger adds, measured in the same run.
        "ours, no tagger": spans_of(rules_only),
    }
    chosen = arguments.only or list(CORPORA)
    corpora = {name: load_corpus(path) for name, path in CORPORA.items() if path.exists() and name in chosen}
    # The development corpora's values and harmless lines, summed: held-out and outside sets apart.
    hidden = labelled = kept = harmless = developed = 0
    for name, corpus in corpora.items():
        score = report(
            f"{name} ({CORPORA[name].relative_to(ROOT)})",
            corpus,
            engines,
            turn_spans_of(ours),
            arguments.misses == name,
        )
        if name not in HELD_OUT and name != "presidio-evaluator":
            developed += 1
            hidden += sum(score.caught.values())
            labelled += sum(score.labelled.values())
            kept, harmless = kept + score.kept, harmless + score.harmless
    if developed > 1:
        print(
            f"\n== the {developed} development corpora scored, summed: values hidden {hidden:,} of {labelled:,}, "
            f"harmless lines kept {kept:,} of {harmless:,}"
        )
    if not arguments.no_speed:
        speed(engines, load_corpus(CORPORA["dev"]), load_seconds)


if __name__ == "__main__":
    main()
