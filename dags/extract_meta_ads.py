"""
### funnelhouse: extract Meta Ads

Loads Meta (Facebook/Instagram) ad accounts, campaigns (with every name a
campaign has had) and daily campaign insights into the `raw_meta_ads` schema.
Meta keeps attributing conversions to past days for 28 days, so each run
re-reads that lookback window and replaces those (account, day) partitions;
the first run reads the history through async report runs. Calls go through
the `meta_ads_api` pool. Credentials: Airflow connection `funnelhouse_meta_ads`
(access token in the password; `account_ids` in the extras, optionally
`app_id`/`app_secret` to renew the token, `lookback_days`).
"""

from airflow.sdk import CronDataIntervalTimetable, dag, task

from funnelhouse.orchestration.dag_support import DAILY_CRON, POOLS, RAW_ASSETS, START_DATE, default_args, enabled_sources


@dag(
    dag_id="funnelhouse_extract_meta_ads",
    schedule=CronDataIntervalTimetable(DAILY_CRON, timezone="UTC"),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=default_args(),
    tags=["funnelhouse", "extract", "meta_ads"],
    doc_md=__doc__,
)
def funnelhouse_extract_meta_ads():
    @task(outlets=[RAW_ASSETS["meta_ads"]], pool=POOLS["meta_ads"].name)
    def extract(data_interval_end=None) -> dict:
        from funnelhouse.orchestration.tasks import extract as run_extract

        return run_extract("meta_ads", data_interval_end)

    extract()


if "meta_ads" in enabled_sources():
    funnelhouse_extract_meta_ads()
