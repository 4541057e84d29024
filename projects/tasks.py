"""Celery tasks of the projects app: thin, they call a service."""

from celery import shared_task

from projects.staleness import stale_reminders_send


@shared_task(acks_late=True, soft_time_limit=600, time_limit=660)
def send_stale_reminders() -> int:
    """Daily (CELERY_BEAT_SCHEDULE): remind owners of stale assessments, once a week per reason."""
    return stale_reminders_send()
