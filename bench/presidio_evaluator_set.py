"""An outside-authored evaluation set: presidio-evaluator's templates and fake identities.

``presidio-evaluator``, the evaluation package of Microsoft's Presidio (PyPI,
version 0.3.2, MIT licence, "Copyright (c) Presidio contributors"), ships a
sentence generator, ``PresidioSentenceFaker``: 210 sentence templates, 195
with placeholders (banking requests, addresses, e-mail signatures, song
trivia, news lines...), filled from 3,000 fake identities bundled with it
(from FakeNameGenerator.com, which its data_generator/README.md says are
licensed CC BY-SA 3.0 US) and from Faker. This script draws N sentences
from it with a fixed seed and writes them in this project's corpus format::

    {"style": "presidio-evaluator", "text": ..., "entities": [{"type", "start", "end"}]}

to ``bench/data/presidio_evaluator.jsonl``. The same seed, count and package
version give the same file byte for byte.

How to run
----------
The package is not in the project's requirements (it pulls in pandas,
scikit-learn, scipy, plotly, spaCy and transformers). Run it from a separate
virtualenv, from the repository root::

    python3 -m venv /tmp/pe-venv
    /tmp/pe-venv/bin/pip install presidio-evaluator==0.3.2
    /tmp/pe-venv/bin/python bench/presidio_evaluator_set.py            # 1,000 sentences
    /tmp/pe-venv/bin/python bench/presidio_evaluator_set.py --count 5000 --seed 7 --output /tmp/pe.jsonl

It needs no network: the package's ``HospitalProvider``, which queries
WikiData when it is built, is left out (no template uses it), and no spaCy
model or transformers model is loaded. Faker's free dates ({{date_time}},
{{year}}, {{day_of_week}}; never labelled) are drawn up to 2026-01-01 rather
than up to the current time, so that the output does not change with the day.

Labels
------
Each placeholder of a template becomes a labelled value; its type is mapped
from the placeholder name, not from the package's own output type:

=====================================================  ==================  ==================
placeholder                                            package type        project type
=====================================================  ==================  ==================
person, name, name_male/female, first_name(_male,      PERSON              PERSON
_female, _nonbinary), last_name(_male, _female)
phone_number                                           PHONE_NUMBER        PHONE
email                                                  EMAIL_ADDRESS       EMAIL
ssn                                                    US_SSN              SSN
credit_card_number                                     CREDIT_CARD         CREDIT_CARD
iban                                                   IBAN_CODE           BANK_ACCOUNT
us_driver_license                                      US_DRIVER_LICENSE   DRIVER_LICENSE
street_address, building_number, street_name,          STREET_ADDRESS      ADDRESS
secondary_address, military_apo/dpo/ship
zipcode                                                ZIP_CODE            ZIP_CODE
postcode                                               STREET_ADDRESS      ZIP_CODE
date_of_birth, in a template about a birth date        DATE_TIME           DATE_OF_BIRTH
=====================================================  ==================  ==================

Dropped (the project does not redact them by design; counted and printed):
city, state, state_abbr, country, military_state (GPE); organization
(ORGANIZATION); nationality, nation_man/woman/plural (NRP); prefix,
prefix_male/female, job (TITLE); age (AGE); ip_address (IP_ADDRESS); url
(DOMAIN_NAME); date_time, day_of_week, year (DATE_TIME); date_of_birth in a
template that does not speak of a birth ("It's like that since {{date_of_birth}}").

The package emits nothing for PASSPORT, CVV, CARD_EXPIRY, ROUTING_NUMBER,
ACCOUNT_ID or PIN.

Three adjustments, each to fit the project's labels, not to change the data:

- ``{{address}}`` is one placeholder in the package, filled with a whole postal
  address (street, city, state or country, postcode) and labelled as one
  STREET_ADDRESS span. The project's ADDRESS is the street part only, so each
  ``{{address}}`` is first replaced by one of the package's own address formats
  (``AddressProviderNew.address_formats``, drawn with the package's weights),
  and each part is labelled on its own: street parts ADDRESS, postcode
  ZIP_CODE, city/state/country dropped. Street parts that follow each other
  with only spaces, commas or line breaks between them are merged into one
  ADDRESS value. A first or last name inside an address format (a street
  corner "Kerman and ...", a ship's name) is a street part, not a PERSON.
- An ADDRESS value with no digit at all (a bare street name: "the corner of
  Pisano Row and ...", "lives on Smith Causeway street") is not a street
  address in the project's sense and is dropped; ``--keep-street-names`` keeps
  it.
- The template file writes line breaks as the two characters ``\\n`` (and one
  comma as ``\\,``); they are turned into a real line break and a comma.

Package behaviour worth knowing: its lower-casing (``lower_case_ratio``, 5 %
here as in its README) lowers the span values but, in 0.3.2, stores the
lowered sentence in an attribute ``fake`` and leaves ``full_text`` as it was;
this script uses the lowered sentence, as the package intends. Some text
noise comes from the package and is left as it is: "nan" where an identity
has no state, "}}" where a template quotes lines with ">" (the package turns
"<" and ">" into braces), and one template's literal "{street_name}".
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections import Counter
from datetime import datetime
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUTPUT = ROOT / "bench" / "data" / "presidio_evaluator.jsonl"
DEFAULT_COUNT = 1000
DEFAULT_SEED = 42
LOWER_CASE_RATIO = 0.05
STYLE = "presidio-evaluator"
EXPECTED_VERSION = "0.3.2"
# Faker draws {{date_time}}, {{year}} and {{day_of_week}} between 1970 and
# now; a fixed end keeps the file the same from one day to the next.
DATES_END = datetime(2026, 1, 1)

PERSON_PARTS = {
    "person",
    "name",
    "name_male",
    "name_female",
    "first_name",
    "first_name_male",
    "first_name_female",
    "first_name_nonbinary",
    "last_name",
    "last_name_male",
    "last_name_female",
}
STREET_PARTS = {
    "address",
    "street_address",
    "building_number",
    "street_name",
    "secondary_address",
    "military_apo",
    "military_dpo",
    "military_ship",
    # A name standing for a street or a ship inside an address format.
    "street_first_name",
    "street_last_name",
}
MAPPED = {
    **dict.fromkeys(PERSON_PARTS, "PERSON"),
    **dict.fromkeys(STREET_PARTS, "ADDRESS"),
    "phone_number": "PHONE",
    "email": "EMAIL",
    "ssn": "SSN",
    "credit_card_number": "CREDIT_CARD",
    "credit_card": "CREDIT_CARD",
    "iban": "BANK_ACCOUNT",
    "us_driver_license": "DRIVER_LICENSE",
    "zipcode": "ZIP_CODE",
    "postcode": "ZIP_CODE",
}
BIRTH_DATE_PARTS = {"date_of_birth", "birthday"}
DROPPED = {
    "city": "city",
    "state": "state",
    "state_abbr": "state",
    "country": "country",
    "military_state": "state",
    "organization": "organisation",
    "company": "organisation",
    "nationality": "nationality",
    "nation_man": "nationality",
    "nation_woman": "nationality",
    "nation_plural": "nationality",
    "prefix": "title",
    "prefix_male": "title",
    "prefix_female": "title",
    "job": "job title",
    "age": "age",
    "ip_address": "IP address",
    "url": "URL",
    "date_time": "date or time",
    "day_of_week": "date or time",
    "year": "date or time",
}
BIRTH_WORDS = re.compile(r"\b(birth|born|birthday)\b", re.IGNORECASE)
# Between two street parts of one address: nothing but spaces, commas, line breaks.
ADDRESS_JOIN = re.compile(r"[\s,]*")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=DEFAULT_COUNT, help="sentences to write (default 1000)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed (default 42)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="JSON lines file to write")
    parser.add_argument(
        "--keep-street-names",
        action="store_true",
        help="keep ADDRESS values that have no digit (bare street names)",
    )
    return parser.parse_args(argv)


def read_templates(templates_path: Path) -> list[str]:
    templates = []
    for line in templates_path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            templates.append(line.strip().replace("\\n", "\n").replace("\\,", ","))
    return templates


def make_faker(seed: int):
    from faker.providers.date_time import Provider as DateTimeProvider
    from presidio_evaluator.data_generator import (
        PresidioSentenceFaker,
        presidio_additional_entity_providers,
        presidio_templates_file_path,
    )
    from presidio_evaluator.data_generator.faker_extensions import AddressProviderNew, HospitalProvider

    class FixedClockDateTimeProvider(DateTimeProvider):
        def date_time(self, tzinfo=None, end_datetime=None):
            return super().date_time(tzinfo=tzinfo, end_datetime=end_datetime or DATES_END)

    formats = list(AddressProviderNew.address_formats.items())
    address_formats = [
        fmt.replace("{{first_name}}", "{{street_first_name}}").replace("{{last_name}}", "{{street_last_name}}")
        for fmt, _ in formats
    ]
    address_weights = [weight for _, weight in formats]

    class SplitAddressSentenceFaker(PresidioSentenceFaker):
        """Spells each {{address}} out as one of the package's address formats."""

        @staticmethod
        def _preprocess_template(template: str) -> str:
            template = PresidioSentenceFaker._preprocess_template(template)
            while "{{address}}" in template:
                chosen = random.choices(address_formats, weights=address_weights)[0]
                template = template.replace("{{address}}", chosen, 1)
            return template

    # The bundled identities get their middle initials from `random` while
    # they load, before the package seeds anything: seed first.
    PresidioSentenceFaker.seed(seed)
    templates = read_templates(presidio_templates_file_path)
    identity = {placeholder: placeholder for placeholder in (*MAPPED, *BIRTH_DATE_PARTS, *DROPPED)}
    faker = SplitAddressSentenceFaker(
        locale="en_US",
        lower_case_ratio=LOWER_CASE_RATIO,
        sentence_templates=templates,
        entity_providers=[
            *(provider for provider in presidio_additional_entity_providers if provider is not HospitalProvider),
            FixedClockDateTimeProvider,
        ],
        entity_type_mapping=identity,  # keep placeholder names; mapped below
        random_seed=seed,
    )
    faker.add_provider_alias("first_name", "street_first_name")
    faker.add_provider_alias("last_name", "street_last_name")
    return faker, templates


def sample_text(sample) -> str:
    """The sentence as the package means it: lowered when it chose to lower it."""
    lowered = getattr(sample, "fake", None)
    if isinstance(lowered, str) and len(lowered) == len(sample.full_text):
        return lowered
    return sample.full_text


def label_sample(sample, template: str, keep_street_names: bool, dropped: Counter) -> tuple[str, list[dict]]:
    text = sample_text(sample)
    kept: list[tuple[str, int, int]] = []
    for span in sorted(sample.spans, key=lambda s: s.start_position):
        placeholder = span.entity_type
        start, end = span.start_position, span.end_position
        if text[start:end].lower() != str(span.entity_value).lower():
            raise ValueError(f"span {placeholder} {start}:{end} does not match its value in {text!r}")
        if not text[start:end].strip():
            continue  # the package can fill a placeholder with nothing
        # Some bundled values carry a stray space ("Edda "): label the value only.
        start += len(text[start:end]) - len(text[start:end].lstrip())
        end -= len(text[start:end]) - len(text[start:end].rstrip())
        if placeholder in MAPPED:
            kept.append((MAPPED[placeholder], start, end))
        elif placeholder in BIRTH_DATE_PARTS:
            if BIRTH_WORDS.search(template):
                kept.append(("DATE_OF_BIRTH", start, end))
            else:
                dropped["date, not of birth"] += 1
        elif placeholder in DROPPED:
            dropped[DROPPED[placeholder]] += 1
        else:
            raise ValueError(f"placeholder {{{{{placeholder}}}}} has no mapping; add it to MAPPED or DROPPED")

    merged: list[list] = []
    for entity_type, start, end in kept:
        previous = merged[-1] if merged else None
        if previous and entity_type == previous[0] == "ADDRESS" and ADDRESS_JOIN.fullmatch(text[previous[2] : start]):
            previous[2] = end
        else:
            merged.append([entity_type, start, end])

    entities = []
    for entity_type, start, end in merged:
        if entity_type == "ADDRESS" and not keep_street_names and not any(ch.isdigit() for ch in text[start:end]):
            dropped["street name without a number"] += 1
            continue
        entities.append({"type": entity_type, "start": start, "end": end})
    return text, entities


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    installed = version("presidio-evaluator")
    if installed != EXPECTED_VERSION:
        print(
            f"note: presidio-evaluator {installed} installed; this set was made with {EXPECTED_VERSION}",
            file=sys.stderr,
        )

    faker, templates = make_faker(args.seed)
    samples = faker.generate_new_fake_sentences(args.count)

    dropped: Counter = Counter()
    kept: Counter = Counter()
    records = []
    for sample in samples:
        text, entities = label_sample(sample, templates[sample.template_id], args.keep_street_names, dropped)
        kept.update(entity["type"] for entity in entities)
        records.append({"style": STYLE, "text": text, "entities": entities})

    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(
        "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records), encoding="utf-8"
    )

    with_labels = sum(1 for record in records if record["entities"])
    print(f"presidio-evaluator {installed}, seed {args.seed}: {len(records)} sentences, {with_labels} with labels")
    print(f"written to {args.output}")
    print("labelled values kept:")
    for entity_type, count in sorted(kept.items()):
        print(f"  {entity_type:<16}{count:>6}")
    print(f"  {'total':<16}{sum(kept.values()):>6}")
    print("values dropped (not redacted by design):")
    for reason, count in sorted(dropped.items()):
        print(f"  {reason:<30}{count:>6}")
    print(f"  {'total':<30}{sum(dropped.values()):>6}")


if __name__ == "__main__":
    main()
