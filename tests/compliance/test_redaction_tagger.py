"""The sequence tagger (compliance/redaction/tagger.py): the committed model is
the one the committed corpora train, a model that isn't the pinned one is
refused, the engine redacts whatever the tagger finds, a placeholder is never
part of a finding, a turn is read after no more of its context than the
features reach, leaving out the features the model has no weight for changes
no finding, and nothing of a text is kept after the call."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from compliance.redaction import get_redactor, lexicon, tagger
from compliance.redaction.dialogue import turn_window
from compliance.redaction.evaluation import load_corpus

CORPUS = Path(__file__).parent / "corpus"
PLACEHOLDERS = ("[PERSON]", "[CVV]", "[CARD_EXPIRY]", "[SSN]", "[EMAIL]", "[DATE_OF_BIRTH]", "[ZIP_CODE]")


def development_texts() -> list[str]:
    return [example.text for corpus in tagger.TRAINING_CORPORA for example in load_corpus(CORPUS / f"{corpus}.jsonl")]


@pytest.fixture(scope="module")
def pinned() -> tagger.SequenceTagger:
    return tagger.SequenceTagger()


def test_the_committed_model_is_what_the_committed_corpora_train(tmp_path, pinned):
    trained = tmp_path / "tagger.crfsuite"

    digest = tagger.train(CORPUS, trained)

    if digest != tagger.MODEL_SHA256:
        # Training is deterministic here; on a machine whose floating point
        # differs in the last bits, the two models must still agree on every line.
        retrained = tagger.SequenceTagger(trained, sha256=digest)
        differing = [text for text in development_texts() if retrained.find(text) != pinned.find(text)]
        assert differing == []


def test_every_training_corpus_exists_and_the_sealed_set_is_not_one():
    assert "sealed" not in tagger.TRAINING_CORPORA
    assert all((CORPUS / f"{corpus}.jsonl").is_file() for corpus in tagger.TRAINING_CORPORA)


def test_a_model_that_is_not_the_pinned_one_is_refused(tmp_path):
    altered = tmp_path / "tagger.crfsuite"
    shutil.copyfile(tagger.MODEL_PATH, altered)
    content = bytearray(altered.read_bytes())
    content[len(content) // 2] ^= 0x01
    altered.write_bytes(bytes(content))

    with pytest.raises(tagger.ModelRefused, match="not the pinned one"):
        tagger.SequenceTagger(altered)
    with pytest.raises(tagger.ModelRefused, match="missing"):
        tagger.SequenceTagger(tmp_path / "absent.crfsuite")
    assert hashlib.sha256(tagger.MODEL_PATH.read_bytes()).hexdigest() == tagger.MODEL_SHA256


def test_the_engine_redacts_every_value_the_tagger_finds(pinned):
    redactor = get_redactor()
    texts = [example.text for example in load_corpus(CORPUS / "dev8b.jsonl")]
    unredacted = []
    for text in texts:
        entities = redactor.analyze(text)
        for kind, start, end in pinned.find(text):
            if not any(entity.start <= start and end <= entity.end for entity in entities):
                unredacted.append((kind, text[start:end], text))
    found = sum(len(pinned.find(text)) for text in texts)

    assert found > 100
    assert unredacted == []


def test_it_finds_only_the_types_it_is_trusted_with(pinned):
    found = {kind for text in development_texts()[::7] for kind, _, _ in pinned.find(text)}

    assert found == set(tagger.TRUSTED_TYPES)


words = st.sampled_from(
    "my name is it's the card expires security code social and for um uh at dot gmail com "
    "priya kwame raman okafor nineteen eighty two four one oh double five , . ? : Agent Caller".split()
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(words, st.sampled_from(PLACEHOLDERS)), min_size=1, max_size=30))
def test_a_placeholder_is_never_part_of_a_finding(pinned, pieces):
    text = " ".join(pieces)
    placeholders = [(start, start + len(piece)) for start, piece in _positions(text, pieces) if piece in PLACEHOLDERS]

    for _, start, end in pinned.find(text):
        assert not any(start < right and left < end for left, right in placeholders)


# Words that name no topic a finding needs said (a card, a code, a social).
talk = st.sampled_from("um uh my name is it's and for priya kwame raman okafor nineteen eighty two four oh , .".split())


@settings(max_examples=200, deadline=None)
@given(
    st.lists(talk, min_size=1, max_size=20),
    st.lists(words, min_size=tagger.CONTEXT_TOKENS, max_size=20),
    st.lists(words, min_size=1, max_size=20),
)
def test_a_turn_is_read_after_no_more_of_its_context_than_the_features_reach(pinned, earlier, context, turn):
    # Each word of these is one token: whatever is said before the last CONTEXT_TOKENS tokens
    # of a turn's context changes nothing the model finds in the turn. (A number said up to the
    # turn is read whole, with as many tokens before it: ``find``.)
    assume(not tagger.says_a_number(context[-1]) and context[-1] not in ("um", "uh", ","))

    def in_turn(text: str) -> list[tuple[str, int, int]]:
        turn_start = text.rindex("\n") + 1
        return [
            (kind, start - turn_start, end - turn_start)
            for kind, start, end in pinned.find(text, turn=turn_start)
            if end > turn_start
        ]

    said = " ".join(context) + "\n" + " ".join(turn)

    assert in_turn(" ".join(earlier) + " " + said) == in_turn(said)


def test_a_transcript_s_turns_read_together_find_what_each_finds_read_alone(pinned):
    texts = development_texts()
    windows_found = mismatched = 0
    for first in range(0, len(texts), 400):
        text = "\n".join(texts[first : first + 30])
        line_starts = [0] + [index + 1 for index, character in enumerate(text) if character == "\n"]
        windows = [(*turn_window(text, line_start), line_start) for line_start in line_starts]
        alone = [
            [(kind, start + window_start, end + window_start) for kind, start, end in found]
            for window_start, window_end, turn in windows
            for found in [pinned.find(text[window_start:window_end], turn=turn - window_start)]
        ]
        together = pinned.find_in(text, windows)
        windows_found += sum(1 for found in alone if found)
        mismatched += sum(1 for one, other in zip(alone, together, strict=True) if one != other)

    assert windows_found > 100
    assert mismatched == 0


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(words, st.sampled_from(PLACEHOLDERS), st.just("\n"), st.text(min_size=1, max_size=8)), max_size=40
    ),
    st.lists(st.tuples(st.integers(0, 400), st.integers(0, 400)), min_size=1, max_size=6),
)
def test_parts_of_a_text_read_together_find_what_each_finds_read_alone(pinned, pieces, cuts):
    # Any start, a token's middle too; each part ends where a line does, as a turn's window.
    text = " ".join(pieces)
    windows = []
    for start, turn in cuts:
        start = min(start, len(text))
        end = text.find("\n", start)
        end = len(text) if end == -1 else end
        windows.append((start, end, min(start + turn, end)))

    alone = [
        [
            (kind, found_start + start, found_end + start)
            for kind, found_start, found_end in pinned.find(text[start:end], turn=turn - start)
        ]
        for start, end, turn in windows
    ]

    assert pinned.find_in(text, windows) == alone


def _positions(text: str, pieces: list[str]) -> list[tuple[int, str]]:
    positions, cursor = [], 0
    for piece in pieces:
        cursor = text.index(piece, cursor)
        positions.append((cursor, piece))
        cursor += len(piece)
    return positions


@pytest.fixture(scope="module")
def unfiltered() -> tagger.SequenceTagger:
    """The pinned model fed every feature a text names, as in training."""
    model = tagger.SequenceTagger()
    model.features = tagger.Features(lexicon.load())
    return model


def test_leaving_out_features_the_model_does_not_know_changes_no_finding(pinned, unfiltered):
    texts = development_texts()[::5]
    # Whole transcripts too: a word's neighbours and the topics before it cross lines.
    texts += ["\n".join(texts[start : start + 60]) for start in range(0, len(texts), 60)]

    differing = [text for text in texts if unfiltered.find(text) != pinned.find(text)]

    assert len(texts) > 2000
    assert differing == []


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(words, st.sampled_from(PLACEHOLDERS), st.text(min_size=1, max_size=12)), max_size=40))
def test_leaving_out_features_changes_no_finding_on_any_text(pinned, unfiltered, pieces):
    text = " ".join(pieces)

    assert unfiltered.find(text) == pinned.find(text)


def test_nothing_of_a_text_is_kept_after_the_call():
    model = tagger.SequenceTagger()
    worked_out_at_load = model.features.kept

    for example in load_corpus(CORPUS / "dev8b.jsonl"):
        model.find(example.text)

    assert len(worked_out_at_load) > 1000
    assert model.features.kept == worked_out_at_load


@settings(max_examples=200, deadline=None)
@given(st.lists(words, max_size=40))
def test_each_token_is_given_the_topics_said_three_to_twelve_tokens_before_it_each_once(unfiltered, said):
    features = unfiltered.features

    rows = features(said)

    for index, row in enumerate(rows):
        before = said[max(0, index - tagger._TOPIC_FROM) : max(0, index - tagger._TOPIC_TO)]
        expected = dict.fromkeys(topic for word in before if (topic := features._work_out(word).topic))
        assert [feature for feature in row if feature.startswith("ctx=")] == list(expected)
