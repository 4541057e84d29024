"""A signed-in session for a member, made the way django.contrib.auth.login makes it, so the bench
needs no CSRF dance and measures pages, not the password hasher. The organisation is pinned as the
switcher pins it. Also an API token of the same membership. Prints {"sessionid": ..., "token": ...}.
"""

import argparse
import json

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

from accounts.models import ApiToken, Membership, Organisation, User
from accounts.tenancy import SESSION_KEY as ORG_KEY


def session_create(*, email: str, org: str) -> str:
    user = User.objects.get(email=email)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[ORG_KEY] = Organisation.objects.get(slug=org).pk
    session.create()
    return session.session_key


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--email", required=True, help="the member signed in")
    parser.add_argument("--org", required=True, help="slug of the organisation pinned in the session")
    args = parser.parse_args()
    membership = Membership.objects.get(user__email=args.email, organisation__slug=args.org)
    _, token = ApiToken.issue(membership=membership, name="bench")
    print(json.dumps({"sessionid": session_create(email=args.email, org=args.org), "token": token}))


if __name__ == "__main__":
    main()
