"""The diagrams and the permission table in docs/ are generated from the tables and the
policies; these tests fail when the docs drift (run `yingshang kit_docs`)."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from yingshang.platform import policies, transitions
from yingshang.platform.management.commands.kit_docs import docs_dir, generated


@pytest.mark.parametrize("name", ["state-machines.md", "permissions.md"])
def test_docs_match_the_tables(name):
    on_disk = (docs_dir() / name).read_text(encoding="utf-8")
    assert on_disk == generated()[name], f"docs/{name} is stale: run `yingshang kit_docs`"


def test_check_mode_fails_on_a_stale_file(tmp_path, settings):
    settings.YINGSHANG_DOCS_DIR = tmp_path
    with pytest.raises(CommandError):
        call_command("kit_docs", "--check")
    call_command("kit_docs")
    call_command("kit_docs", "--check")  # now in step
    (tmp_path / "permissions.md").write_text("edited by hand", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("kit_docs", "--check")


def test_every_machine_is_in_the_diagrams():
    text = generated()["state-machines.md"]
    names = {m.name for m in transitions.all_machines()}
    assert names == {
        "accounts",
        "appeals",
        "cases",
        "commitments",
        "exports",
        "rectifications",
        "reform_reports",
        "representations",
    }
    for machine in transitions.all_machines():
        assert f"(`{machine.name}`)" in text
        for edge in machine.edges:  # every edge is drawn from every source
            for source in edge.sources:
                line = f"    {source} --> {machine.target_name(edge, source)}: {edge.label}"
                assert line in machine.mermaid()


def test_every_permission_column_names_a_policy_action():
    for machine in transitions.all_machines():
        for edge in machine.edges:
            assert edge.permission in machine.policy.rules, (machine.name, edge.action)


def test_every_role_and_action_is_in_the_permission_table():
    """Role by role: the table has one row per (policy, action) and one cell per role."""
    text = generated()["permissions.md"]
    probes = policies._probe_users()
    for policy in policies.all_policies():
        for action, _label, cells in policies.matrix(policy):
            assert len(cells) == len(probes)
            assert f"`{action}` | " + " | ".join(cells) + " |" in text


def test_known_cells():
    """A few decisions spelled out, so a wrong predicate cannot hide in a regenerated table."""
    by_name = {
        p.name: dict((a, c) for a, _l, c in policies.matrix(p)) for p in policies.all_policies()
    }
    roles = [v for v, _l, _p, _b in policies._probe_users()]
    col = roles.index
    assert by_name["cases"]["write"][col("leader")] == "—"  # city leaders read only
    assert by_name["cases"]["write"][col("clerk")] == "✓"
    assert by_name["cases"]["handle"][col("")] == "—"  # portal users never handle cases
    assert by_name["appeals"]["office"][col("handler")] == "✓*"  # the service office only
    assert by_name["appeals"]["instruct"][col("leader")] == "✓"
    assert by_name["appeals"]["instruct"][col("supervisor")] == "—"
    assert by_name["evaluations"]["bureau"][col("supervisor")] == "✓"
    assert by_name["reforms"]["supervise"][col("leader")] == "—"
    assert by_name["appeals"]["commitment_overdue"] == ["—"] * len(roles)
