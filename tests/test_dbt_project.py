"""The dbt project against the warehouse it built: every model and every
column it builds is described in its YAML, and every unit test passes.

This is more than tidiness: the incremental marts compare rows on their
documented columns (macro `incremental_changes`), so a column missing from
the YAML would also escape change detection.
"""

from __future__ import annotations

import json

import pytest

from funnelhouse import settings

pytestmark = pytest.mark.slow


def test_every_built_model_and_column_is_described(pipeline_run, sql):
    manifest = json.loads((settings.home() / "dbt" / "target" / "manifest.json").read_text())
    models = {
        node["alias"]: node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["config"]["materialized"] != "ephemeral"
    }
    built: dict[str, set[str]] = {}
    for table, column in sql(
        "select table_name, column_name from information_schema.columns where table_schema = %s",
        (settings.BUILD_SCHEMA,),
    ):
        built.setdefault(table, set()).add(column)

    problems = []
    for name, node in sorted(models.items()):
        if not node["description"].strip():
            problems.append(f"{name}: no description")
        documented = {column: spec["description"] for column, spec in node["columns"].items()}
        problems += [f"{name}.{column}: not described" for column in sorted(built.get(name, set()) - set(documented))]
        problems += [f"{name}.{column}: described but not built" for column in sorted(set(documented) - built.get(name, set()))]
        problems += [f"{name}.{column}: empty description" for column, text in documented.items() if not text.strip()]
    assert not problems, "\n".join(problems)


def test_every_unit_test_passes(pipeline_run, tmp_path):
    """The scheduled build leaves unit tests out (they check SQL, not data); they run here."""
    from funnelhouse import transform

    assert "unit_test" in transform.PRODUCTION_BUILD
    result = transform.run("test", "--select", "test_type:unit", target=tmp_path / "target")
    manifest = json.loads((tmp_path / "target" / "manifest.json").read_text())
    unit_tests = [test for test in manifest["unit_tests"].values() if test["package_name"] == "funnelhouse"]
    assert len(unit_tests) >= 20
    assert result.counts == {"pass": len(unit_tests)}, result
