"""dlt's PostgreSQL destination with a cheaper delete-insert merge for staged Parquet files.

dlt loads a merge table into its staging dataset, then, in one transaction,
deletes the destination rows whose keys the staged rows carry and inserts the
staged rows, de-duplicated by primary key. That de-duplication sorts every
staged row (for 1,000,000 ad stat rows, longer than the COPY itself), yet it
only ever finds something when a file was staged twice: a load killed after a
file's COPY committed but before dlt recorded it, then resumed. Parquet files
state their row count, so the merge compares it with the staging table: equal
counts insert the staged rows as they are, anything else de-duplicates as dlt
does. Everything else (staging, the delete, the transaction, state and load
bookkeeping) stays dlt's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional, Sequence

import pyarrow as pa
import pyarrow.parquet as pq
from dlt.common.destination.reference import DestinationReference
from dlt.common.schema.typing import C_DLT_ID
from dlt.common.schema.utils import get_columns_names_with_prop, get_dedup_sort_tuple
from dlt.common.utils import without_none
from dlt.destinations import postgres
from dlt.destinations.impl.postgres.postgres import PostgresClient, PostgresParquetCopyJob
from dlt.destinations.sql_jobs import SqlMergeFollowupJob

# Table hints under which dlt's own merge SQL is kept (they change what the merge selects or deletes).
_DLT_MERGE_HINTS = ("x-merge-source-filter", "x-merge-destination-scope", "x-stage-data-deduplicated")


class CountedMerge(SqlMergeFollowupJob):
    """Delete-insert whose de-duplication runs only if the staging table holds more rows than were staged."""

    staged_rows: Optional[int] = None

    @classmethod
    def for_rows(cls, staged_rows: int) -> type["CountedMerge"]:
        return type(cls.__name__, (cls,), {"staged_rows": staged_rows})

    @classmethod
    def gen_merge_sql(cls, table_chain: Sequence[Any], sql_client: Any) -> list[str]:
        root = table_chain[0]
        primary_keys = get_columns_names_with_prop(root, "primary_key")
        if (
            cls.staged_rows is None
            or len(table_chain) > 1
            or not primary_keys
            or get_dedup_sort_tuple(root) is not None
            or get_columns_names_with_prop(root, "hard_delete")
            or any(root.get(hint) for hint in _DLT_MERGE_HINTS)
        ):
            return super().gen_merge_sql(table_chain, sql_client)

        escape = sql_client.escape_column_name
        table, staging = sql_client.get_qualified_table_names(root["name"])
        keys = [escape(c) for c in primary_keys]
        merge_keys = [escape(c) for c in get_columns_names_with_prop(root, "merge_key")]
        columns = [escape(c) for c in get_columns_names_with_prop(root, "name")]
        deletes = cls.gen_key_table_clauses(table, staging, keys, merge_keys, for_delete=True)
        insert = f"INSERT INTO {table}({', '.join(columns)}) "
        staged_once = f"(SELECT count(*) FROM {staging}) = {int(cls.staged_rows)}"
        as_staged = cls.gen_select_from_dedup_sql(staging, keys, columns, condition=staged_once, skip_dedup=True)
        deduplicated = cls.gen_select_from_dedup_sql(staging, keys, columns, condition=f"NOT {staged_once}")
        return [f"DELETE {clause}" for clause in deletes] + [insert + as_staged, insert + deduplicated]


def staged_parquet_rows(table_name: str, jobs: Optional[Sequence[Any]]) -> Optional[int]:
    """Rows of the table's completed Parquet jobs; None (dlt's merge) if a job is not Parquet or its file is gone."""
    files = [job for job in jobs or () if job.job_file_info.table_name == table_name]
    if not files or any(job.job_file_info.file_format != "parquet" for job in files):
        return None
    paths = [job_file(job.file_path) for job in files]
    if not all(path.exists() for path in paths):
        return None
    return sum(pq.read_metadata(path).num_rows for path in paths)


def job_file(path: str) -> Path:
    """Where a completed job's file is now: dlt names the job that completes the chain
    by its `completed_jobs` path while the file still sits in `started_jobs`."""
    file = Path(path)
    if not file.exists() and file.parent.name == "completed_jobs":
        return file.parent.parent / "started_jobs" / file.name
    return file


class StreamedParquetCopy(PostgresParquetCopyJob):
    """dlt's ADBC COPY of a Parquet file, fed one row group at a time.

    dlt hands ADBC a generator of batches, which ADBC gathers into one table
    first: memory grew with the file (+90 MiB for 1M stat rows). A
    RecordBatchReader streams instead.
    """

    def run(self) -> None:
        file = pq.ParquetFile(self._file_path)
        if C_DLT_ID not in file.schema_arrow.names and C_DLT_ID in self._load_table["columns"]:
            self._relax_row_id()
        batches = pa.RecordBatchReader.from_batches(file.schema_arrow, file.iter_batches())
        catalog_name, schema_name = self._set_catalog_and_schema()
        target = without_none({"catalog_name": catalog_name, "db_schema_name": schema_name})
        with self._connect() as conn, conn.cursor() as cur:
            cur.adbc_ingest(self.load_table_name, batches, mode="append", **target)
            conn.commit()

    def _relax_row_id(self) -> None:
        """A table created when Arrow rows still carried `_dlt_id` (NOT NULL, UNIQUE) takes rows without it."""
        sql_client = self._job_client.sql_client
        tables = []
        for dataset in PostgresClient.create_dataset_names(self._job_client.schema, self._job_client.config):
            with sql_client.with_alternative_dataset_name(dataset):
                tables.append(sql_client.make_qualified_table_name(self.load_table_name))
        with sql_client.begin_transaction():
            for table in tables:
                found = sql_client.execute_sql(
                    "SELECT c.conname FROM pg_attribute a LEFT JOIN pg_constraint c ON c.conrelid = a.attrelid"
                    " AND c.contype = 'u' AND c.conkey = ARRAY[a.attnum]"
                    " WHERE a.attrelid = to_regclass(%s) AND a.attname = %s"
                    " AND (a.attnotnull OR c.conname IS NOT NULL)",
                    table, C_DLT_ID,
                )
                column = sql_client.escape_column_name(C_DLT_ID)
                for (constraint,) in found or ():
                    sql_client.execute_sql(f"ALTER TABLE {table} ALTER COLUMN {column} DROP NOT NULL")
                    if constraint:
                        name = sql_client.escape_column_name(constraint)
                        sql_client.execute_sql(f"ALTER TABLE {table} DROP CONSTRAINT {name}")


class RawPostgresClient(PostgresClient):
    _staged_rows: Optional[int] = None

    def create_load_job(self, table: Any, file_path: str, load_id: str, restore: bool = False) -> Any:
        job = super().create_load_job(table, file_path, load_id, restore)
        return StreamedParquetCopy(file_path) if isinstance(job, PostgresParquetCopyJob) else job

    def create_table_chain_completed_followup_jobs(
        self, table_chain: Sequence[Any], completed_table_chain_jobs: Optional[Sequence[Any]] = None
    ) -> list[Any]:
        self._staged_rows = staged_parquet_rows(table_chain[0]["name"], completed_table_chain_jobs)
        try:
            return super().create_table_chain_completed_followup_jobs(table_chain, completed_table_chain_jobs)
        finally:
            self._staged_rows = None

    def _create_merge_followup_jobs(self, table_chain: Sequence[Any]) -> list[Any]:
        if self._staged_rows is None:
            return super()._create_merge_followup_jobs(table_chain)
        return [CountedMerge.for_rows(self._staged_rows).from_table_chain(table_chain, self.sql_client)]


class raw_postgres(postgres):  # noqa: N801 (dlt names destination factories in lower case)
    """dlt's `postgres` destination (same type, name and configuration) with the counted merge."""

    @property
    def destination_type(self) -> str:
        return DestinationReference.normalize_type(f"{postgres.__module__}.{postgres.__qualname__}")

    @property
    def client_class(self) -> type[RawPostgresClient]:
        return RawPostgresClient
