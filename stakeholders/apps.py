from django.apps import AppConfig


class StakeholdersConfig(AppConfig):
    name = "stakeholders"

    def ready(self) -> None:
        # Who must sign off is this app's rule; the lifecycle table below it asks through the
        # registry, so the proposal's path offers "submit" only when it would succeed.
        from projects import workflow
        from stakeholders.review import submit_precondition

        workflow.require("submit", submit_precondition)
