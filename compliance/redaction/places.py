"""Place, nationality and language names, so that "Austin", "Charlotte",
"Georgia", "Canadian" or "korean" said as a place, a people or a language is
not taken for a person.

Sources, read on the first call to ``load()`` and never downloaded:
- ``geotext`` (MIT; its data from GeoNames, CC BY 3.0): the countries, the
  nationalities, the US cities of 15,000 people or more and the cities of
  the world of a million or more (its files are read; the package is not
  imported);
- ``pycountry`` (LGPL 2.1; ISO 3166-2 and ISO 639 from Debian's iso-codes):
  the US states and territories, and the languages that have a two-letter
  code.
"""

from __future__ import annotations

import csv
import functools
import importlib.util
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .lexicon import fold

WORLD_CITY_MINIMUM_POPULATION = 1_000_000
# A US city this big is a place before it is a person.
BIG_CITY_POPULATION = 250_000
# First words of place names that speech often drops: "vegas" for Las Vegas.
PREFIXES = frozenset("las los".split())


@dataclass(frozen=True)
class Places:
    """Place names as tuples of folded words. ``always`` are places before
    they are people (countries, states, nationalities, languages, big cities,
    names of several words); ``towns`` are smaller US cities, many of which
    bear a surname (Thornton, Irving, Florence): places only where the
    sentence says so ("in Tacoma", "Boise, Idaho")."""

    always: frozenset[tuple[str, ...]]
    towns: frozenset[tuple[str, ...]]
    cities: frozenset[tuple[str, ...]]  # every city and town, whatever else it names

    @functools.cached_property
    def names(self) -> frozenset[tuple[str, ...]]:
        return self.always | self.towns

    @functools.cached_property
    def first_words(self) -> frozenset[str]:
        """The words a place name can begin with: only there is a place looked for."""
        return frozenset(name[0] for name in self.names)


@functools.cache
def load() -> Places:
    import pycountry

    always: set[tuple[str, ...]] = set()
    towns: set[tuple[str, ...]] = set()
    cities: set[tuple[str, ...]] = set()
    for name, population in _geotext_names():
        words = _words(name)
        if population is not None:
            cities.update(_variants(words))
        if population is None or population >= BIG_CITY_POPULATION or len(words) > 1:
            always.update(_variants(words))
        if population is None and len(words) == 1 and words[0].endswith("s"):
            # The adjective of a plural country's name: "a Philippine passport".
            always.add((words[0][:-1],))
        else:
            towns.update(_variants(words))
    for name in [subdivision.name for subdivision in pycountry.subdivisions.get(country_code="US")] + [
        language.name for language in pycountry.languages if hasattr(language, "alpha_2")
    ]:
        always.update(_variants(_words(name)))
    return Places(frozenset(always), frozenset(towns - always), frozenset(cities))


def _words(name: str) -> tuple[str, ...]:
    return tuple(fold(name).replace(".", "").split())


def _variants(words: tuple[str, ...]) -> set[tuple[str, ...]]:
    variants = {words} if words else set()
    if len(words) > 1 and words[0] in PREFIXES:
        variants.add(words[1:])
    if len(words) > 1 and words[0] in ("saint", "st"):
        variants.add(("st" if words[0] == "saint" else "saint", *words[1:]))
    return variants


def _geotext_names() -> Iterator[tuple[str, int | None]]:
    """Each name with its population (None for countries and nationalities)."""
    spec = importlib.util.find_spec("geotext")
    if spec is None or not spec.submodule_search_locations:
        raise LookupError("The package 'geotext' is not installed; the place names need it.")
    data = Path(next(iter(spec.submodule_search_locations))) / "data"
    with (data / "cities15000.txt").open(encoding="utf-8") as rows:
        # GeoNames' table: name, ASCII name, …, country code (8), …, population (14).
        for row in csv.reader(rows, delimiter="\t", quoting=csv.QUOTE_NONE):
            population = int(row[14] or 0) if len(row) > 14 else 0
            if row[8] == "US" or population >= WORLD_CITY_MINIMUM_POPULATION:
                yield row[1], population
    with (data / "countryInfo.txt").open(encoding="utf-8-sig") as rows:
        for row in csv.reader(rows, delimiter="\t", quoting=csv.QUOTE_NONE):
            if len(row) > 4 and not row[0].startswith("#"):
                yield row[4], None
    with (data / "nationalities.txt").open(encoding="utf-8") as rows:
        for line in rows:
            if ":" in line and not line.startswith("#"):
                yield line.split(":", 1)[0], None


def longest_at(words: list[str], index: int, places: frozenset[tuple[str, ...]]) -> int:
    """How many words from ``index`` on form the longest name in ``places`` (0: none)."""
    for length in (3, 2, 1):
        if index + length <= len(words) and tuple(words[index : index + length]) in places:
            return length
    return 0
