"""The statistical recogniser is the pinned, verified model, and nothing else is loaded in its place."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from compliance.redaction import ner

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def model_copy(tmp_path):
    copy = tmp_path / "model"
    shutil.copytree(ner._model_path(ner.PINNED_PACKAGE), copy)
    return copy


def test_the_installed_model_is_explosions_release():
    ner.verify(ner._model_path(ner.PINNED_PACKAGE))


def test_requirements_pin_the_verified_package_by_hash_at_its_version():
    pins = re.findall(
        r"^([\w.-]+)==([\w.]+)\s*\\\s*--hash=sha256:([0-9a-f]{64})",
        (ROOT / "requirements-model.txt").read_text(),
        re.MULTILINE,
    )
    names = {name.replace("-", "_") for name, _, _ in pins}

    assert ner.PINNED_PACKAGE in names
    assert {version for name, version, _ in pins if name.replace("-", "_") == ner.PINNED_PACKAGE} == {
        ner.OFFICIAL_METADATA["version"]
    }


def test_changed_weights_are_refused(model_copy):
    weights = model_copy / "ner" / "model"
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0xFF
    weights.write_bytes(bytes(data))

    with pytest.raises(ner.ModelRefused, match="differ from the pinned release"):
        ner.verify(model_copy)


@pytest.mark.parametrize(
    "change",
    [
        lambda meta: meta.update(author="Someone"),
        lambda meta: meta.update(version="3.8.1"),
        lambda meta: meta["performance"].update(ents_f=0.9),
    ],
)
def test_metadata_that_is_not_the_published_release_is_refused(model_copy, change):
    meta_path = model_copy / "meta.json"
    meta = json.loads(meta_path.read_text())
    change(meta)
    meta_path.write_text(json.dumps(meta))

    with pytest.raises(ner.ModelRefused):
        ner.verify(model_copy)


def test_the_loaded_pipeline_runs_only_the_recogniser():
    nlp = ner.load(ner.PINNED_PACKAGE)

    assert nlp.pipe_names == ["ner"]
    assert [(entity.text, entity.label_) for entity in nlp("I spoke with Priya Raman at Wells Fargo.").ents] == [
        ("Priya Raman", "PERSON"),
        ("Wells Fargo", "ORG"),
    ]


def test_the_stretches_read_in_one_batch_find_what_each_read_alone_finds():
    nlp = ner.load(ner.PINNED_PACKAGE)
    text = (
        "Agent: Thanks for calling Harbor Mutual. Caller: Hi, this is Adaeze Okonkwo-Bright, um, my husband Tomasz "
        "set this up with Walgreens. Agent: Okay. Caller: He talked to Siobhan at the Dearborn office, not Li Wei.\n"
        "Caller: Can you send it to Krishnamurthy? It's for Grace at Wells Fargo."
    )
    candidates = {match.start() for match in re.finditer(r"\b[A-Z][a-z]", text)}
    stretches = ner.EntityFinder._stretches(text, candidates)
    alone = [
        ner.Span(entity.label_, start + entity.start_char, start + entity.end_char)
        for start, end in stretches
        for entity in nlp(text[start:end]).ents
    ]

    assert len(stretches) > 1 and alone
    assert ner.EntityFinder(nlp).find(text, candidates) == alone


def test_the_recogniser_multiplies_on_one_blas_thread_and_finds_what_blis_finds():
    """The recogniser's matrix products run through numpy's BLAS on one thread (BLIS took twice
    as long; a second thread doubled the CPU for no gain): the entities are those BLIS gives."""
    import spacy
    from threadpoolctl import threadpool_info

    nlp = ner.load(ner.PINNED_PACKAGE)
    blis = spacy.load(ner._model_path(ner.PINNED_PACKAGE), exclude=ner.EXCLUDED_COMPONENTS)
    texts = [
        "I spoke with Priya Raman at Wells Fargo about the Chase card.",
        "Agent: Thanks for calling Harbor Mutual, this is Tomasz. Caller: Hi, it's Adaeze Okonkwo-Bright.",
        "Grace Hopper moved from Arlington, Virginia to 1427 Main Street last May with Will.",
    ]

    assert all(not layer.ops.use_blis for _, component in nlp.pipeline for layer in component.model.walk())
    assert all(pool["num_threads"] == 1 for pool in threadpool_info() if pool["user_api"] == "blas")
    for text in texts:
        assert [(e.text, e.label_) for e in nlp(text).ents] == [(e.text, e.label_) for e in blis(text).ents]
