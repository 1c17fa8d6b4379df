"""The site's URLs plus a few views that fail on purpose, for the error-page tests."""

from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404
from django.urls import path

from yingshang import urls as site


def _raise(exc):
    def view(request):
        raise exc

    return view


urlpatterns = [
    path("boom/400/", _raise(BadRequest("请求中含有不允许的空字符（NUL）。"))),
    path("boom/400-suspicious/", _raise(SuspiciousOperation("Invalid HTTP_HOST header: evil"))),
    path("boom/403/", _raise(PermissionDenied("只读角色不能收件。"))),
    path("boom/403-bare/", _raise(PermissionDenied())),
    path("boom/404/", _raise(Http404("No Case matches the given query."))),
    path("boom/404-words/", _raise(Http404("该办件已撤回。"))),
    path("boom/500/", _raise(RuntimeError("secret internals"))),
    path("api/boom/403/", _raise(PermissionDenied("只读角色不能收件。"))),
    *site.urlpatterns,
]

handler400 = site.handler400
handler403 = site.handler403
handler404 = site.handler404
handler500 = site.handler500
