"""The webhooks' tests: a real receiver on 127.0.0.1, which the deployment setting
WEBHOOKS_ALLOW_PRIVATE lets webhooks reach (it is off by default: tests/webhooks/test_addresses.py)."""

from collections.abc import Iterator

import pytest

from tests.webhooks.receiver import Receiver
from webhooks.models import Event, Webhook
from webhooks.services import webhook_create


@pytest.fixture
def local(settings):
    """Deliveries to this machine allowed, as a deployment with WEBHOOKS_ALLOW_PRIVATE=1 has them."""
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    settings.WEBHOOKS_ALLOW_HTTP = True
    return settings


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running


@pytest.fixture
def hook(world, local, receiver) -> Webhook:
    """An Acme webhook to the receiver, for every event."""
    return webhook_create(organisation=world.org, url=receiver.url(), events=Event.values, by=world.admin)
