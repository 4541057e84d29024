"""docs/webhooks.md's verification snippet is run, as written, against a real delivery."""

import re
from pathlib import Path

from django.db import transaction

from webhooks.models import Event
from webhooks.services import webhook_emit

DOC = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"


def documented_verify():
    section = DOC.read_text().split("## Checking the signature", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    namespace: dict = {}
    exec(compile(code, str(DOC), "exec"), namespace)
    return namespace["verify"]


def test_the_documented_check_accepts_a_real_delivery_and_refuses_tampering(
    world, hook, receiver, django_capture_on_commit_callbacks
):
    verify = documented_verify()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        webhook_emit(organisation=world.org, event=Event.REVIEW_DECIDED, data={"decision": "approve"})
    [got] = receiver.requests
    header = got.headers["MLFit-Signature"]
    assert verify(hook.secret, header, got.body)
    assert not verify(hook.secret + "x", header, got.body)
    assert not verify(hook.secret, header, got.body.replace(b"approve", b"reject"))
    timestamp = int(got.headers["MLFit-Timestamp"])
    assert not verify(hook.secret, header.replace(f"t={timestamp}", f"t={timestamp + 1}"), got.body)
    assert not verify(hook.secret, "v1=deadbeef", got.body)


def test_the_documented_headers_and_events_are_the_ones_sent():
    text = DOC.read_text()
    for name in ("MLFit-Event", "MLFit-Delivery", "MLFit-Timestamp", "MLFit-Signature"):
        assert f"`{name}`" in text
    for event in Event.values:
        assert f"| `{event}` |" in text
