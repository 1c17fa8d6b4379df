# The scheduler and worker tests queue notifications: the notification centre's fixtures.
from tests.notifications.conftest import DB_TASKS, user  # noqa: F401
