import pytest

from assessments.questionnaires_db import latest_version, sync_from_files


@pytest.fixture
def questionnaire_version(db):
    sync_from_files()
    return latest_version()
