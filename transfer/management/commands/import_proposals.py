from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import Membership, Organisation, Role, User
from transfer.document import ImportRejected, load_document
from transfer.write import import_proposals

# A file with thousands of bad rows would otherwise print thousands of lines; the first ones
# show what is wrong, and the count says how much.
_SHOWN_ERRORS = 100


class Command(BaseCommand):
    help = (
        "Import proposals and their answers from a JSON file in the mlfit.proposals format"
        " (docs/import-format.md). The file is imported whole or not at all."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the JSON file to import")
        parser.add_argument("--organisation", required=True, metavar="SLUG", help="the organisation to import into")
        parser.add_argument(
            "--as",
            dest="as_email",
            metavar="EMAIL",
            help="the member recorded as author (default: the organisation's first admin)",
        )

    def handle(self, *args, file: str, organisation: str, as_email: str | None, **options) -> None:
        org = Organisation.objects.filter(slug=organisation).first()
        if org is None:
            raise CommandError(f"No organisation has the slug {organisation!r}.")
        author = _author(org, as_email)
        try:
            document = load_document(path=Path(file))
            proposals = import_proposals(organisation=org, data=document, by=author)
        except ImportRejected as rejected:
            raise CommandError(_listing(rejected.errors)) from None
        self.stdout.write(f"Imported {len(proposals)} proposal(s) into {org.slug} as {author.email}.")


def _author(org: Organisation, email: str | None) -> User:
    memberships = Membership.objects.filter(organisation=org).select_related("user")
    if email:
        membership = memberships.filter(user__email__iexact=email.strip()).first()
        if membership is None:
            raise CommandError(f"{email} is not a member of {org.slug}.")
        return membership.user
    admin = memberships.filter(role=Role.ADMIN).order_by("created_at", "pk").first()
    if admin is None:
        raise CommandError(f"{org.slug} has no admin to record as author; name a member with --as EMAIL.")
    return admin.user


def _listing(errors: list[str]) -> str:
    lines = [f"Nothing was imported: {len(errors)} error(s)."]
    lines += [f"  {error}" for error in errors[:_SHOWN_ERRORS]]
    if len(errors) > _SHOWN_ERRORS:
        lines.append(f"  ... and {len(errors) - _SHOWN_ERRORS} more")
    return "\n".join(lines)
