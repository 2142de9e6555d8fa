from __future__ import annotations

import pytest

from compliance.models import ConsentRequirement
from compliance.policy import Jurisdiction, consent_required_for

ALL, ONE = ConsentRequirement.ALL_PARTY, ConsentRequirement.ONE_PARTY


@pytest.mark.parametrize(
    "caller, callee, requirement, decisive",
    [
        (Jurisdiction("US", "TX"), Jurisdiction("US", "NY"), ONE, "US-TX"),
        (Jurisdiction("US", "CA"), Jurisdiction("US", "NY"), ALL, "US-CA"),
        (Jurisdiction("US", "TX"), Jurisdiction("US", "FL"), ALL, "US-FL"),
        (Jurisdiction("US", "WA"), Jurisdiction("US", "PA"), ALL, "US-WA"),
        (Jurisdiction("GB"), Jurisdiction("US", "TX"), ALL, "GB"),
        (Jurisdiction("US", "TX"), Jurisdiction("DE"), ALL, "DE"),
        (Jurisdiction(""), Jurisdiction("US", "TX"), ALL, "unknown"),
        (Jurisdiction("US", ""), Jurisdiction("US", "TX"), ALL, "US"),
    ],
)
def test_consent_required_for(caller, callee, requirement, decisive):
    policy = consent_required_for(caller=caller, callee=callee)

    assert policy.requirement == requirement
    assert str(policy.jurisdiction) == decisive


@pytest.mark.parametrize("state", ["CA", "CT", "DE", "FL", "IL", "MD", "MA", "MI", "MT", "NV", "NH", "OR", "PA", "WA"])
def test_default_all_party_states(state):
    assert Jurisdiction("US", state).requirement() == ALL


def test_all_party_states_and_one_party_countries_are_configurable(settings):
    settings.CONSENT_ALL_PARTY_US_STATES = ["TX"]
    settings.CONSENT_ONE_PARTY_COUNTRIES = ["GB"]

    assert Jurisdiction("US", "TX").requirement() == ALL
    assert Jurisdiction("US", "CA").requirement() == ONE
    assert Jurisdiction("GB").requirement() == ONE
    assert Jurisdiction("FR").requirement() == ALL
