"""Calibration: the Brier score and reliability table against hand-worked numbers, and the page."""

import pytest
from django.urls import reverse

from projects.calibration import Forecast, brier_score, calibrate, reliability
from projects.models import Outcome, OutcomeStatus, Proposal, Visibility
from tests.factories import ProposalFactory
from tests.html import parse


def test_brier_score_by_hand():
    # (0.9 - 1)^2 = 0.01, (0.6 - 0)^2 = 0.36, (0.3 - 0)^2 = 0.09, (0.8 - 1)^2 = 0.04: mean 0.5 / 4 = 0.125
    assert brier_score([(0.9, True), (0.6, False), (0.3, False), (0.8, True)]) == pytest.approx(0.125)


def test_always_saying_fifty_percent_scores_a_quarter():
    assert brier_score([(0.5, True), (0.5, False), (0.5, True)]) == pytest.approx(0.25)


def test_perfect_and_worst_forecasts():
    assert brier_score([(1.0, True), (0.0, False)]) == 0
    assert brier_score([(0.0, True), (1.0, False)]) == 1
    assert brier_score([]) is None


def test_probabilities_outside_zero_to_one_are_clamped():
    assert brier_score([(1.7, True), (-0.2, False)]) == 0


def test_reliability_bins_by_hand():
    bins = reliability([(0.1, False), (0.15, True), (0.5, True), (0.55, False), (0.58, True), (1.0, True)], bins=5)
    assert [(b.low, b.high, b.count) for b in bins] == [
        (0.0, 0.2, 2),
        (0.2, 0.4, 0),
        (0.4, 0.6, 3),
        (0.6, 0.8, 0),
        (0.8, 1.0, 1),  # a probability of exactly 1 falls in the top band
    ]
    assert bins[0].mean_predicted == pytest.approx(0.125)
    assert bins[0].observed_rate == pytest.approx(0.5)
    assert bins[2].mean_predicted == pytest.approx((0.5 + 0.55 + 0.58) / 3)
    assert bins[2].observed_rate == pytest.approx(2 / 3)
    assert bins[1].mean_predicted is None and bins[1].observed_rate is None


def test_calibrate_counts_verdicts_by_outcome_and_scores_only_resolved_forecasts():
    result = calibrate(
        [
            Forecast("good_fit", 0.9, True),
            Forecast("good_fit", 0.8, True),
            Forecast("good_fit", 0.75, None),  # pending: counted, not scored
            Forecast("fit_with_caveats", 0.6, False),
            Forecast("not_a_fit", 0.3, False),
            Forecast("", None, True),  # never assessed: no probability to score
        ]
    )
    assert result.counts == {
        "good_fit": {"succeeded": 2, "failed": 0, "pending": 1},
        "fit_with_caveats": {"succeeded": 0, "failed": 1, "pending": 0},
        "not_a_fit": {"succeeded": 0, "failed": 1, "pending": 0},
        "": {"succeeded": 1, "failed": 0, "pending": 0},
    }
    assert result.resolved == 4
    # (0.01 + 0.04 + 0.36 + 0.09) / 4
    assert result.brier == pytest.approx(0.125)
    assert result.base_rate == pytest.approx(0.5)
    assert result.reference_brier == pytest.approx(0.25)
    assert result.skill == pytest.approx(0.5)


def test_calibrate_without_outcomes_has_no_score():
    result = calibrate([Forecast("good_fit", 0.9, None)])
    assert result.brier is None and result.resolved == 0 and result.skill is None
    assert len(result.bins) == 5


def test_skill_is_undefined_when_every_outcome_is_the_same():
    result = calibrate([Forecast("good_fit", 0.9, True), Forecast("good_fit", 0.7, True)])
    assert result.reference_brier == 0 and result.skill is None
    assert result.brier == pytest.approx((0.01 + 0.09) / 2)


def _approved(world, fraction, verdict, outcome=None, target_met=None, **kwargs):
    proposal = ProposalFactory(
        organisation=world.org,
        owner=kwargs.pop("owner", world.owner),
        status="approved",
        suitability_verdict=verdict,
        suitability_fraction=fraction,
        **kwargs,
    )
    if outcome:
        Outcome.objects.create(proposal=proposal, status=outcome, target_met=target_met, recorded_by=world.owner)
    return proposal


def test_the_page_shows_the_organisations_numbers(world):
    _approved(world, 0.9, "good_fit", OutcomeStatus.LAUNCHED, True)
    _approved(world, 0.6, "fit_with_caveats", OutcomeStatus.ABANDONED)
    _approved(world, 0.8, "good_fit", OutcomeStatus.IN_PROGRESS)
    _approved(world, 0.7, "good_fit")  # approved, nothing recorded: pending
    response = world.client_for(world.member).get(reverse("projects:calibration"))
    assert response.status_code == 200
    result = response.context["result"]
    assert result.resolved == 2
    # (0.9 - 1)^2 = 0.01 and (0.6 - 0)^2 = 0.36: mean 0.185
    assert result.brier == pytest.approx(0.185)
    assert result.counts["good_fit"] == {"succeeded": 1, "failed": 0, "pending": 2}
    brier = parse(response).texts("section[aria-labelledby=brier-title] p strong")
    # The score, the coin-flip's 0.25 it is read against, and the constant guess at the base rate (1 in 2).
    assert brier[0] == "0.185" and brier[-1] == "0.250" and "0.25" in brier


def test_it_respects_visibility_and_the_organisation(world):
    _approved(world, 0.9, "good_fit", OutcomeStatus.LAUNCHED, True)
    hidden = _approved(world, 0.2, "not_a_fit", OutcomeStatus.LAUNCHED, True)
    Proposal.objects.filter(pk=hidden.pk).update(visibility=Visibility.PRIVATE)
    member = world.client_for(world.member).get(reverse("projects:calibration")).context["result"]
    assert member.resolved == 1 and member.brier == pytest.approx(0.01)
    admin = world.client_for(world.admin).get(reverse("projects:calibration")).context["result"]
    assert admin.resolved == 2
    outsider = world.client_for(world.outsider).get(reverse("projects:calibration")).context["result"]
    assert outsider.resolved == 0 and outsider.counts == {}
