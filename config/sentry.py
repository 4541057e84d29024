"""Error reporting through Sentry when SENTRY_DSN is set; nothing at all when it is not.

Called from settings, so the web processes and the Celery workers (which read the same settings)
both report: sentry-sdk turns on its Django and Celery integrations by itself when it finds them.
`init` makes no network call: events are sent from a background thread when there is one to send.
Personal data (cookies, form bodies, the user's email) is not sent; the request id is, as a tag, so
an event can be matched with the request's log line.
"""

from typing import Any


def init_sentry(*, dsn: str, environment: str, release: str | None, traces_sample_rate: float) -> None:
    if not dsn:
        return
    import sentry_sdk

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release or None,
        send_default_pii=False,
        traces_sample_rate=traces_sample_rate,
        before_send=_tag_request_id,
    )


def _tag_request_id(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    from config.request_log import current_request_id

    request_id = current_request_id.get()
    if request_id:
        event.setdefault("tags", {})["request_id"] = request_id
    return event
