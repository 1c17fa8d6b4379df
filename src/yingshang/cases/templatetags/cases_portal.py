"""Template tags the portal's home page uses (templates/portal/home.html, docs/portal.md)."""

from django import template

from ..selectors import applicant_todos as _applicant_todos

register = template.Library()


@register.simple_tag(takes_context=True)
def applicant_todos(context):
    """``{% applicant_todos as todos %}``: the logged-in applicant's to-dos (supplement,
    collect, finished), empty for anyone else. Staff get none: they are not applicants."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or getattr(user, "is_staff_member", False):
        return {"supplement": [], "collect": [], "finished": []}
    return _applicant_todos(user)
