"""
### funnelhouse: extract Microsoft Advertising

Loads Microsoft Advertising (Bing) accounts, campaigns (with every name a
campaign has had; deleted ones kept and flagged) and daily campaign
performance from the reporting service (a ZIP of CSV, in the account's time
zone) into the `raw_microsoft_ads` schema. Each run re-reads the last 30 days
and replaces those (account, day) partitions, because conversions post back
for 30 days. Calls go through the `microsoft_ads_api` pool. Credentials:
Airflow connection `funnelhouse_microsoft_ads` (OAuth client id in the login,
its secret if any in the password; `developer_token`, `refresh_token`,
`customer_id`, `account_ids`, optional `lookback_days` in the extras).
"""

from airflow.sdk import CronDataIntervalTimetable, dag, task

from funnelhouse.orchestration.dag_support import DAILY_CRON, POOLS, RAW_ASSETS, START_DATE, default_args, enabled_sources


@dag(
    dag_id="funnelhouse_extract_microsoft_ads",
    schedule=CronDataIntervalTimetable(DAILY_CRON, timezone="UTC"),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=default_args(),
    tags=["funnelhouse", "extract", "microsoft_ads"],
    doc_md=__doc__,
)
def funnelhouse_extract_microsoft_ads():
    @task(outlets=[RAW_ASSETS["microsoft_ads"]], pool=POOLS["microsoft_ads"].name)
    def extract(data_interval_end=None) -> dict:
        from funnelhouse.orchestration.tasks import extract as run_extract

        return run_extract("microsoft_ads", data_interval_end)

    extract()


if "microsoft_ads" in enabled_sources():
    funnelhouse_extract_microsoft_ads()
