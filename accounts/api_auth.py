from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from accounts.models import ApiToken, hash_token


class TokenAuth(HttpBearer):
    """`Authorization: Bearer mlf_…`. A token belongs to one membership, so to one organisation."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        api_token = (
            ApiToken.objects.select_related("membership__organisation", "membership__user")
            .filter(token_hash=hash_token(token), membership__user__is_active=True)
            .first()
        )
        if api_token is None:
            return None
        request.membership = api_token.membership
        request.organisation = api_token.membership.organisation
        request.user = api_token.membership.user
        # One write a minute at most: a busy client should not turn every read into an UPDATE.
        now = timezone.now()
        if api_token.last_used_at is None or (now - api_token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
        return api_token
