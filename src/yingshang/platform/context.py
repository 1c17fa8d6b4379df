"""The site's identity for every page (the footer): organiser, contact, ICP and public-security
filing numbers, from settings (``YINGSHANG_SITE_*``; Mianyang defaults in settings.py), never
written into templates. See docs/portal.md."""

from django.conf import settings

FIELDS = (
    "name",
    "organiser",
    "operator",
    "address",
    "phone",
    "hours",
    "email",
    "icp",
    "police_filing",
)


def site(request):
    return {"site": {f: getattr(settings, f"YINGSHANG_SITE_{f.upper()}", "") for f in FIELDS}}
