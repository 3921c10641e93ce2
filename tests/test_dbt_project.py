"""The dbt project against the warehouse it built: every model and every
column it builds is described in its YAML.

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
