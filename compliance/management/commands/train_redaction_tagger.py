"""Train the redaction engine's sequence tagger from the labelled development corpora.

    python manage.py train_redaction_tagger            # writes compliance/redaction/tagger.crfsuite
    python manage.py train_redaction_tagger --output /tmp/tagger.crfsuite

Prints the model's SHA-256, which ``compliance/redaction/tagger.py`` pins
(``MODEL_SHA256``): a model that was not built from the committed corpora
is refused at load. Training is deterministic and takes about four minutes
on one core.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from compliance.redaction import tagger

CORPUS_DIRECTORY = Path(settings.BASE_DIR) / "tests" / "compliance" / "corpus"


class Command(BaseCommand):
    help = "Train the redaction sequence tagger from the development corpora and print its SHA-256."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("--output", type=Path, default=tagger.MODEL_PATH, help="Where to write the model.")
        parser.add_argument("--corpora", type=Path, default=CORPUS_DIRECTORY, help="The labelled corpora's folder.")

    def handle(self, *args: object, **options: object) -> None:
        digest = tagger.train(options["corpora"], options["output"])
        self.stdout.write(f"{options['output']}: sha256 {digest}")
