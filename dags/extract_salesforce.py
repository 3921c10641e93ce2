"""
### funnelhouse: extract Salesforce

Loads the Salesforce org's changes (leads, contacts, accounts, opportunities
and their stage history, campaigns and campaign members, users, tasks and
events) up to the end of the data interval into the `raw_salesforce` schema.
Each object is read with SOQL `queryAll` on `SystemModstamp`, so deleted
records stay in raw flagged `is_deleted`; fields come from describe, so new
ones land as new columns. Calls go through the `salesforce_api` pool.
Credentials: Airflow connection `funnelhouse_salesforce` (connected app's
client id in the login, client secret in the password, login URL in the host;
`refresh_token`, optional `api_version`, `batch_size`, `objects` in the
extras).
"""

from airflow.sdk import CronDataIntervalTimetable, dag, task

from funnelhouse.orchestration.dag_support import DAILY_CRON, POOLS, RAW_ASSETS, START_DATE, default_args, enabled_sources


@dag(
    dag_id="funnelhouse_extract_salesforce",
    schedule=CronDataIntervalTimetable(DAILY_CRON, timezone="UTC"),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=default_args(),
    tags=["funnelhouse", "extract", "salesforce"],
    doc_md=__doc__,
)
def funnelhouse_extract_salesforce():
    @task(outlets=[RAW_ASSETS["salesforce"]], pool=POOLS["salesforce"].name)
    def extract(data_interval_end=None) -> dict:
        from funnelhouse.orchestration.tasks import extract as run_extract

        return run_extract("salesforce", data_interval_end)

    extract()


if "salesforce" in enabled_sources():
    funnelhouse_extract_salesforce()
