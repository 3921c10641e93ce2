"""
### funnelhouse: extract LinkedIn Ads

Loads LinkedIn ad accounts, campaigns (with every name a campaign has had)
and daily campaign analytics (UTC days) into the `raw_linkedin_ads` schema.
Each run re-reads the last 7 days and replaces those (account, day)
partitions, because LinkedIn restates recent days. Calls go through the
`linkedin_ads_api` pool. Credentials: Airflow connection
`funnelhouse_linkedin_ads` (access token in the password; optional
`account_ids`, `client_id`/`client_secret`/`refresh_token` to refresh the
token, `api_version`, `lookback_days` in the extras).
"""

from airflow.sdk import CronDataIntervalTimetable, dag, task

from funnelhouse.orchestration.dag_support import DAILY_CRON, POOLS, RAW_ASSETS, START_DATE, default_args, enabled_sources


@dag(
    dag_id="funnelhouse_extract_linkedin_ads",
    schedule=CronDataIntervalTimetable(DAILY_CRON, timezone="UTC"),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=default_args(),
    tags=["funnelhouse", "extract", "linkedin_ads"],
    doc_md=__doc__,
)
def funnelhouse_extract_linkedin_ads():
    @task(outlets=[RAW_ASSETS["linkedin_ads"]], pool=POOLS["linkedin_ads"].name)
    def extract(data_interval_end=None) -> dict:
        from funnelhouse.orchestration.tasks import extract as run_extract

        return run_extract("linkedin_ads", data_interval_end)

    extract()


if "linkedin_ads" in enabled_sources():
    funnelhouse_extract_linkedin_ads()
