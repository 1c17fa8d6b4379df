from .audit import AuditContext, _context, client_ip


class AuditContextMiddleware:
    """Puts the request's user, address and channel into the audit context."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        channel = "api" if request.path.startswith("/api/") else "web"
        token = _context.set(
            AuditContext(
                user=getattr(request, "user", None), ip=client_ip(request), channel=channel
            )
        )
        try:
            return self.get_response(request)
        finally:
            _context.reset(token)
