"""registry.0002: every old, unverified enterprise link becomes a *pending* representation
(logged as a system `request`), and the link itself is gone."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.core.factories import uscc_for


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_old_links_become_pending_requests():
    old = _migrate([("registry", "0001_initial")])
    user = old.get_model("core", "User").objects.create(username="linked-before")
    enterprise = old.get_model("registry", "Enterprise").objects.create(
        uscc=uscc_for("510703", 6_900_001), name="迁移前企业"
    )
    enterprise.users.add(user)

    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    from yingshang.registry import selectors
    from yingshang.registry.models import Representation

    rep = Representation.objects.get(user__username="linked-before")
    assert rep.status == "pending" and rep.enterprise.name == "迁移前企业"
    assert list(rep.events.values_list("action", "to_state")) == [("request", "pending")]
    assert selectors.holders_for_user(rep.user) == []
