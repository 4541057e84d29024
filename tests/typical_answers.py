"""The answers many tests start from: a support-ticket router, the answer set the demo data and the
bench also use (questionnaires/definitions/answers/typical_answers.yaml)."""

import yaml

from questionnaires.engine.schema import QUESTIONNAIRES_DIR


def typical_answers() -> dict[str, object]:
    """A fresh copy on each call, so a test may change it."""
    return yaml.safe_load((QUESTIONNAIRES_DIR / "answers" / "typical_answers.yaml").read_text())
