"""Send reports to the batch job as `manage.py recompute_reports` sends them: BATCH_SIZE reports a
message. Prints {"started": the clock when sending began, "seconds", "sent"}.
"""

import argparse
import json
import time

from reports.services import report_enqueue_batch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--first", type=int, required=True, help="the first report's id")
    parser.add_argument("--last", type=int, required=True, help="the last report's id")
    args = parser.parse_args()
    started = time.time()
    sent = report_enqueue_batch(report_ids=range(args.first, args.last + 1))
    print(json.dumps({"started": started, "seconds": time.time() - started, "sent": sent}))


if __name__ == "__main__":
    main()
