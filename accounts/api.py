"""The organisation's members over the API: whom a stakeholder can be linked to (POST
.../stakeholders/{id}/link takes a member's id), or named as, without a browser.

Names and roles only, as the stakeholders page's member list shows them to anyone who may add a
stakeholder; email addresses stay on the admins' members page."""

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from accounts.api_pagination import PageIn, cursor_page
from accounts.api_problems import problems, refuse_unknown_query
from accounts.models import Membership, Role

router = Router(tags=["members"])


class MemberOut(Schema):
    id: int = Field(..., description="The member's user id: what `member_id` and `user_id` take.")
    name: str = Field(..., description="Their name; empty if they gave none.")
    role: Role


class MemberPageOut(Schema):
    items: list[MemberOut]
    count: int = Field(..., description="How many members the organisation has.")
    next: str | None = Field(..., description="The next page's URL; null on the last page.")


@router.get("/members", response={200: MemberPageOut, **problems(422)})
def list_members(request: HttpRequest, page: Query[PageIn]):
    """The members of the token's organisation, newest first, a page at a time."""
    refuse_unknown_query(request, "limit", "cursor")
    memberships = Membership.objects.filter(organisation=request.organisation).select_related("user")
    result = cursor_page(request, memberships, page)
    result["items"] = [MemberOut(id=m.user_id, name=m.user.name, role=m.role) for m in result["items"]]
    return result
