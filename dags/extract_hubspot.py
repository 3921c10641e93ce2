"""
### funnelhouse: extract HubSpot

Loads HubSpot CRM changes (contacts, companies, deals and their associations,
engagements (calls, emails, meetings, tasks) and their contacts, owners, deal
pipeline stages) up to the end of the data interval into the `raw_hubspot`
schema. Calls go through the `hubspot_api` pool. Credentials: Airflow connection `funnelhouse_hubspot`
(private-app token in the password, API base URL in the host).
"""

from airflow.sdk import CronDataIntervalTimetable, dag, task

from funnelhouse.orchestration.dag_support import DAILY_CRON, POOLS, RAW_ASSETS, START_DATE, default_args, enabled_sources


@dag(
    dag_id="funnelhouse_extract_hubspot",
    schedule=CronDataIntervalTimetable(DAILY_CRON, timezone="UTC"),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=default_args(),
    tags=["funnelhouse", "extract", "hubspot"],
    doc_md=__doc__,
)
def funnelhouse_extract_hubspot():
    @task(outlets=[RAW_ASSETS["hubspot"]], pool=POOLS["hubspot"].name)
    def extract(data_interval_end=None) -> dict:
        from funnelhouse.orchestration.tasks import extract as run_extract

        return run_extract("hubspot", data_interval_end)

    extract()


if "hubspot" in enabled_sources():
    funnelhouse_extract_hubspot()
