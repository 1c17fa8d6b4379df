"""The WSGI module's warm-up (run once in gunicorn's master before it forks): every view
imported, the URL reverse tables filled, jieba's dictionary loaded by the appeals app."""

from yingshang.appeals import text


def test_wsgi_warm_up_loads_jieba_and_the_urlconf():
    from yingshang import wsgi

    text._jieba.cache_clear()
    wsgi.warm_up()
    assert text._jieba.cache_info().currsize == 1  # loaded before any appeal
    from django.urls import get_resolver

    assert get_resolver()._populated
