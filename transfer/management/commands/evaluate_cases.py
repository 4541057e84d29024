from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from suitability import decision_quality
from transfer.case_library import CASES_DIR, run_cases


class Command(BaseCommand):
    help = (
        "Run the public case library (docs/cases/, or DIR) through the import and the suitability engine, and"
        " print the confusion matrix, each verdict's recall and the misses (docs/methodology.md §10)."
        " Nothing is written to the database."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", nargs="?", default=str(CASES_DIR), metavar="DIR")
        parser.add_argument("--markdown", metavar="FILE", help="also write the results as Markdown to FILE")
        parser.add_argument(
            "--check", action="store_true", help="exit with status 1 unless every verdict's recall meets the goal"
        )

    def handle(self, *args, directory: str, markdown: str | None, check: bool, **options) -> None:
        try:
            run = run_cases(Path(directory))
        except (ValueError, OSError) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(decision_quality.as_text(run.evaluation, details=run.details))
        if markdown:
            text = decision_quality.as_markdown(
                run.evaluation, details=run.details, command="python manage.py evaluate_cases --markdown"
            )
            Path(markdown).write_text(text, encoding="utf-8")
        if check and not run.evaluation.meets_goal:
            raise CommandError("The case library's goal is not met (see above).")
