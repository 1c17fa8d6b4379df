"""The site's identity for every page (the footer, the statements): name, organiser, operator,
contact, ICP and public-security filing numbers, from settings (``YINGSHANG_SITE_*``; Mianyang
defaults in settings.py), never written into templates. A page in another language than the
default takes ``YINGSHANG_SITE_<FIELD>_<LANG>`` when set (``YINGSHANG_SITE_NAME_EN``), else the
default value. See docs/portal.md."""

from django.conf import settings
from django.utils import translation

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


def site_identity(language: str | None = None) -> dict[str, str]:
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    suffix = language.upper().replace("-", "_")
    out = {}
    for field in FIELDS:
        base = f"YINGSHANG_SITE_{field.upper()}"
        out[field] = getattr(settings, f"{base}_{suffix}", "") or getattr(settings, base, "")
    return out


def site(request):
    return {"site": site_identity()}
