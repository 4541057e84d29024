from django.core.management.base import BaseCommand, CommandError

from approaches.versions import approaches_sync_from_file
from questionnaires.versions import sync_from_files


class Command(BaseCommand):
    help = (
        "Publish the questionnaires (questionnaires/definitions/*.yaml) and the candidate approaches "
        "(approaches/definitions/approaches.yaml); a changed file becomes a new version."
    )

    def handle(self, *args, **options) -> None:
        try:
            results = sync_from_files()
        except ValueError as exc:
            raise CommandError(f"Questionnaire not published: {exc}") from exc
        for version, created in results:
            state = "published" if created else "unchanged"
            self.stdout.write(f"{version.key} version {version.version}: {state}")
        try:
            approaches, created = approaches_sync_from_file()
        except ValueError as exc:
            raise CommandError(f"Approaches not published: {exc}") from exc
        state = "published" if created else "unchanged"
        self.stdout.write(f"candidate approaches version {approaches.version}: {state}")
