"""Answers to the EU AI Act questionnaire for the tests of the pages, the services and the cases."""

from typing import Any

# Every top-level question answered for an unremarkable system: minimal risk, provider only.
UNREMARKABLE: dict[str, Any] = {
    "org_role": ["provider"],
    "practice_manipulation": "no",
    "practice_exploits_vulnerabilities": "no",
    "practice_social_scoring": "no",
    "practice_crime_prediction": "no",
    "practice_face_scraping": "no",
    "practice_emotion_workplace": "no",
    "practice_biometric_categorisation": "no",
    "practice_realtime_rbi": "no",
    "practice_intimate_content": "no",
    "product_safety_component": "no",
    "annex_iii_areas": ["none"],
    "interacts_with_people": "no",
    "generates_content": "no",
    "emotion_or_biometric_categorisation": "no",
    "deep_fakes": "no",
    "public_interest_text": "no",
    "gpai_model_provider": "no",
}

# Screening job applications, built and used in house: high-risk under Annex III point 4(a).
CV_SCREENING: dict[str, Any] = {
    **UNREMARKABLE,
    "intended_purpose": "Rank incoming job applications so recruiters read the most relevant first.",
    "org_role": ["provider", "deployer"],
    "deployer_type": "other",
    "used_on_own_workers": "no",
    "annex_iii_areas": ["employment"],
    "employment_use": ["recruitment"],
    "exemption_claimed": "no",
    "profiles_people": "yes",
}


def answers(**overrides: Any) -> dict[str, Any]:
    return {**UNREMARKABLE, **overrides}


def form_data(values: dict[str, Any]) -> dict[str, Any]:
    """A posted questionnaire page: each answer, and `_shown` naming the questions it showed."""
    return {"_shown": list(values), **values}
