"""Which consent a call needs, from where its parties are.

US wiretap law differs by state: most states let one party consent for
everyone, a list of states needs every party. Outside the US, and wherever a
party's location is unknown, the strict rule applies unless the country is
explicitly configured as one-party.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from .models import ConsentRequirement


@dataclass(frozen=True)
class Jurisdiction:
    country: str
    region: str = ""

    def __str__(self) -> str:
        if not self.country:
            return "unknown"
        return f"{self.country}-{self.region}" if self.region else self.country

    def requirement(self) -> ConsentRequirement:
        if not self.country:
            return ConsentRequirement.ALL_PARTY
        if self.country == "US":
            if not self.region or self.region in settings.CONSENT_ALL_PARTY_US_STATES:
                return ConsentRequirement.ALL_PARTY
            return ConsentRequirement.ONE_PARTY
        if self.country in settings.CONSENT_ONE_PARTY_COUNTRIES:
            return ConsentRequirement.ONE_PARTY
        return ConsentRequirement.ALL_PARTY


@dataclass(frozen=True)
class ConsentPolicy:
    requirement: ConsentRequirement
    jurisdiction: Jurisdiction


def consent_required_for(*, caller: Jurisdiction, callee: Jurisdiction) -> ConsentPolicy:
    """The stricter of the two parties' rules wins; on a tie the caller's
    jurisdiction is the one recorded."""
    for party in (caller, callee):
        if party.requirement() == ConsentRequirement.ALL_PARTY:
            return ConsentPolicy(ConsentRequirement.ALL_PARTY, party)
    return ConsentPolicy(ConsentRequirement.ONE_PARTY, caller)
