from django.apps import AppConfig


class QuestionnairesConfig(AppConfig):
    name = "questionnaires"
    # The label of the app this one grew out of (issue 16 split `assessments` by noun): its
    # tables (assessments_*), migrations and content types keep their names, so nothing moved in
    # the database.
    label = "assessments"
    verbose_name = "Questionnaires"
