"""Where a webhook may be sent, and the one POST that sends it.

The rules (docs/webhooks.md, "Where a webhook may point"): https only (plain http when the
deployment allows it: WEBHOOKS_ALLOW_HTTP, on in development and tests), no user name or password
in the URL, and a host whose every address is public: no loopback, private, link-local, shared,
multicast, reserved or unspecified address, unless WEBHOOKS_ALLOW_PRIVATE. They are checked when
the URL is saved, and again at each delivery, where the connection is made to the very address
that was checked (a DNS answer that changes between the check and the connection, "DNS
rebinding", cannot send the request inside). No redirect is followed: a 3xx is a failed attempt.

The client is the standard library's http.client: it never follows redirects, and connecting to
a chosen address while TLS checks the certificate against the host name takes one method
(`connect`) instead of transport internals of a third-party client.
"""

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

# Per connect and per read: a receiver that cannot answer in this long is retried later.
TIMEOUT_SECONDS = 5.0
# What the log keeps of a response body.
EXCERPT_CHARS = 300
MAX_URL_LENGTH = 500


class AddressRefused(ValueError):
    """The URL may not be used; str() says why and what to change."""


@dataclass(frozen=True)
class Outcome:
    status: int | None  # the HTTP status, or None when no response came
    excerpt: str
    error: str  # empty when delivered (2xx)
    ms: int

    @property
    def delivered(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def _address_problem(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for test, words in (
        (ip.is_unspecified, "an unspecified address"),
        (ip.is_loopback, "a loopback address"),
        (ip.is_link_local, "a link-local address"),
        (ip.is_multicast, "a multicast address"),
        (ip.is_reserved, "a reserved address"),
        (ip.is_private, "a private address"),
        (not ip.is_global, "not a public address"),
    ):
        if test:
            return words
    return None


def _parts(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path with query) of an allowed URL; AddressRefused otherwise."""
    if len(url) > MAX_URL_LENGTH:
        raise AddressRefused(f"Use a URL of at most {MAX_URL_LENGTH} characters.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise AddressRefused(f"This is not a URL MLFit can send to ({exc}).") from exc
    scheme = parts.scheme.lower()
    allow_http = getattr(settings, "WEBHOOKS_ALLOW_HTTP", False)
    if scheme != "https" and not (scheme == "http" and allow_http):
        raise AddressRefused("Use an https:// URL." if not allow_http else "Use an https:// or http:// URL.")
    if not parts.hostname:
        raise AddressRefused("Give the URL a host name, e.g. https://hooks.example.com/mlfit.")
    if parts.username is not None or parts.password is not None:
        raise AddressRefused("Leave the user name and password out of the URL; check the signature instead.")
    if parts.fragment:
        raise AddressRefused("Leave out the #fragment: it is never sent.")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return scheme, parts.hostname, port or (443 if scheme == "https" else 80), path


def resolve(url: str) -> list[str]:
    """The addresses a webhook URL may be sent to now, checked; AddressRefused with the reason."""
    _, host, port, _ = _parts(url)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise AddressRefused(f"The host {host} could not be found ({exc}).") from exc
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise AddressRefused(f"The host {host} has no address.")
    if not getattr(settings, "WEBHOOKS_ALLOW_PRIVATE", False):
        for address in addresses:
            problem = _address_problem(ipaddress.ip_address(address.split("%")[0]))
            if problem:
                raise AddressRefused(f"{host} resolves to {address}, {problem}: webhooks go to public addresses only.")
    return addresses


def check_url(url: str) -> str:
    """The URL, if it may be saved as a webhook's; AddressRefused with the reason otherwise."""
    resolve(url)
    return url


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the checked address; the Host header keeps the URL's name."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """As above; the certificate is checked against the URL's host name (SNI too)."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self.address = address

    def connect(self) -> None:
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(url: str, body: bytes, headers: dict[str, str], *, timeout: float | None = None) -> Outcome:
    """POST once, to the URL's checked address; never raises, never follows a redirect."""
    started = time.monotonic()
    timeout = TIMEOUT_SECONDS if timeout is None else timeout

    def outcome(status: int | None, excerpt: str, error: str) -> Outcome:
        return Outcome(status, excerpt, error[:1000], int((time.monotonic() - started) * 1000))

    try:
        scheme, host, port, path = _parts(url)
        addresses = resolve(url)
    except AddressRefused as exc:
        return outcome(None, "", str(exc))
    kind = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
    connection = kind(host, port, addresses[0], timeout)
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        excerpt = response.read(EXCERPT_CHARS * 4).decode("utf-8", errors="replace")[:EXCERPT_CHARS]
    except TimeoutError:
        return outcome(None, "", f"No answer within {timeout:g} s.")
    except ssl.SSLError as exc:
        return outcome(None, "", f"TLS failed: {exc}")
    except (OSError, http.client.HTTPException) as exc:
        return outcome(None, "", f"Could not connect: {type(exc).__name__}: {exc}")
    finally:
        connection.close()
    status = response.status
    if 300 <= status < 400:
        location = response.getheader("Location", "")
        return outcome(status, excerpt, f"HTTP {status}: redirects are not followed (to {location or 'nowhere'}).")
    if not 200 <= status < 300:
        return outcome(status, excerpt, f"HTTP {status} {response.reason}".strip())
    return outcome(status, excerpt, "")
