from django.http import HttpRequest


def organisation(request: HttpRequest) -> dict:
    membership = getattr(request, "membership", None)
    return {
        "membership": membership,
        "organisation": getattr(request, "organisation", None),
    }
