"""Orchestration: what the Airflow DAGs run (`tasks`), what they share
(`dag_support`), and how they run on this machine (`local`).

This package's own import stays free of Airflow, so `local.configure()` can
set Airflow's environment before Airflow is first imported.
"""
