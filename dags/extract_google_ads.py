"""
### funnelhouse: extract Google Ads

Loads Google Ads customers, campaigns and daily campaign stats into the
`raw_google_ads` schema. Each run re-reads the lookback window (30 days by
default) and replaces those (customer, day) partitions, because Google
restates recent days. Calls go through the `google_ads_api` pool. Credentials: Airflow connection `funnelhouse_google_ads`
(OAuth client id/secret in login/password; developer_token, refresh_token and
customer_ids in the extras).
"""

from airflow.sdk import CronDataIntervalTimetable, dag, task

from funnelhouse.orchestration.dag_support import DAILY_CRON, POOLS, RAW_ASSETS, START_DATE, default_args, enabled_sources


@dag(
    dag_id="funnelhouse_extract_google_ads",
    schedule=CronDataIntervalTimetable(DAILY_CRON, timezone="UTC"),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=default_args(),
    tags=["funnelhouse", "extract", "google_ads"],
    doc_md=__doc__,
)
def funnelhouse_extract_google_ads():
    @task(outlets=[RAW_ASSETS["google_ads"]], pool=POOLS["google_ads"].name)
    def extract(data_interval_end=None) -> dict:
        from funnelhouse.orchestration.tasks import extract as run_extract

        return run_extract("google_ads", data_interval_end)

    extract()


if "google_ads" in enabled_sources():
    funnelhouse_extract_google_ads()
