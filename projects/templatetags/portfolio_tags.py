"""Template helpers of the portfolio: a proposal's stale flags on its own page."""

from django import template

from projects.models import Proposal
from projects.staleness import STALE_HELP, STALE_LABELS, proposal_stale_reasons, stale_cutoff

register = template.Library()


@register.simple_tag
def stale_flags(proposal: Proposal, organisation) -> list[tuple[str, str, str]]:
    """(reason, label, what to do) for each reason the proposal's assessment is stale; no query."""
    if organisation is None:
        return []
    reasons = proposal_stale_reasons(proposal, stale_cutoff(organisation))
    return [(reason, STALE_LABELS[reason], STALE_HELP[reason]) for reason in reasons]
