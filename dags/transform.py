"""
### funnelhouse: build, audit, publish

Runs when every enabled raw source (`FUNNELHOUSE_SOURCES`, default all) has
fresh data. `dbt build` writes the models and
runs dbt's tests in the `build` schema, which BI cannot read; the Great
Expectations suites in `expectations/` audit that build; only if every
blocking expectation passes does `publish` swap the marts into the `marts`
schema in one transaction. A failed build or audit leaves the published
marts as they were.
"""

from airflow.sdk import dag, task

from funnelhouse.orchestration.dag_support import PUBLISHED_MARTS, START_DATE, all_raw_assets, default_args


@dag(
    dag_id="funnelhouse_transform",
    schedule=all_raw_assets(),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=default_args(),
    tags=["funnelhouse", "transform", "dbt", "great_expectations"],
    doc_md=__doc__,
)
def funnelhouse_transform():
    @task
    def dbt_build(run_id=None) -> dict:
        from funnelhouse.orchestration.tasks import build

        return build(run_id)

    @task
    def audit(built: dict, run_id=None) -> dict:
        from funnelhouse.orchestration.tasks import audit as run_audit

        return run_audit(run_id)

    @task(outlets=[PUBLISHED_MARTS])
    def publish(audited: dict, run_id=None) -> dict:
        from funnelhouse.orchestration.tasks import publish as run_publish

        return run_publish(run_id)

    publish(audit(dbt_build()))


funnelhouse_transform()
