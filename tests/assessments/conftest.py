"""The report scenario as fixtures: tests/factories.py's `build_scenario` on the world's proposal,
and a report computed for it."""

import pytest

from reports.models import Report
from tests.factories import build_scenario, computed


@pytest.fixture
def scenario(world, questionnaire_version):
    """The world, its proposal assessed, with the three stakeholders of tests/factories.py's PEOPLE."""
    build_scenario(world)
    return world


@pytest.fixture
def done(scenario) -> Report:
    """The scenario's report, computed (use with `memo_engine`)."""
    return computed(scenario.proposal, scenario.owner)
