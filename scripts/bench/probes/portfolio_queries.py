"""The queries of one portfolio page, counted with the test client (DEBUG off) in a process of its
own; then, after a change, the page that counts the summary again (its cache key moved), timed.
Prints {"status", "queries", "recount_queries", "recount_ms", "proposals"}.
"""

import argparse
import json
import statistics
import time

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from projects.models import Proposal

RECOUNTS = 5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--email", required=True, help="the member who asks for the page")
    parser.add_argument("--path", required=True, help="the portfolio's path")
    args = parser.parse_args()
    client = Client(HTTP_HOST="127.0.0.1")
    owner = User.objects.get(email=args.email)
    client.force_login(owner)
    client.get(args.path)
    with CaptureQueriesContext(connection) as captured:
        status = client.get(args.path).status_code
    recount, recount_queries = [], 0
    for i in range(RECOUNTS):
        Proposal.objects.filter(pk=owner.owned_proposals.values("pk")[:1]).update(title=f"Changed {i}")
        with CaptureQueriesContext(connection) as changed:
            started = time.perf_counter()
            client.get(args.path)
            recount.append((time.perf_counter() - started) * 1000)
        recount_queries = len(changed.captured_queries)
    result = {
        "status": status,
        "queries": len(captured.captured_queries),
        "recount_queries": recount_queries,
        "recount_ms": statistics.median(recount),
        "proposals": owner.owned_proposals.count(),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
