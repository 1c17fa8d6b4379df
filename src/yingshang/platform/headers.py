"""Security headers Django has no setting for. (Content-Security-Policy is Django's own
``ContentSecurityPolicyMiddleware`` with ``SECURE_CSP`` in settings; X-Content-Type-Options,
Referrer-Policy, Cross-Origin-Opener-Policy and HSTS come from ``SecurityMiddleware``.)"""

from django.conf import settings

# No page of the platform uses these browser features: deny them to every frame.
DEFAULT_PERMISSIONS_POLICY = {
    "accelerometer": [],
    "camera": [],
    "geolocation": [],
    "gyroscope": [],
    "magnetometer": [],
    "microphone": [],
    "payment": [],
    "usb": [],
}


def permissions_policy() -> str:
    policy = getattr(settings, "PERMISSIONS_POLICY", DEFAULT_PERMISSIONS_POLICY)
    return ", ".join(f"{feature}=({' '.join(allow)})" for feature, allow in policy.items())


class PermissionsPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.value = permissions_policy()

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.value)
        return response
