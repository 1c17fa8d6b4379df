# The catalogue's fixtures (items, a "one thing" bundle) for the home page's tests.
from tests.catalog.conftest import bundle, items, licences  # noqa: F401
