"""Publish is atomic: a BI query running while marts are published sees all
old or all new marts, never a mix. Runs in a database of its own."""

from __future__ import annotations

import threading
import time

import psycopg2
import pytest

from funnelhouse import settings, warehouse
from funnelhouse.warehouse import layout
from funnelhouse.warehouse.publish import publish

MODELS = ("fct_a", "fct_b")


@pytest.fixture(scope="module")
def publish_dsn(dsn):
    with warehouse.connect(warehouse.with_database(dsn, "postgres"), autocommit=True) as conn, conn.cursor() as cur:
        cur.execute("drop database if exists publish_test")
        cur.execute("create database publish_test")
    url = warehouse.with_database(dsn, "publish_test")
    layout.bootstrap(url)
    yield url


def build_version(dsn: str, version: int) -> None:
    with warehouse.connect(dsn) as conn, conn.cursor() as cur:
        for model in MODELS:
            cur.execute(f"drop table if exists {settings.BUILD_SCHEMA}.{model}")
            cur.execute(f"create table {settings.BUILD_SCHEMA}.{model} as select {version} as version, g as n "
                        f"from generate_series(1, 20000) g")


def test_a_concurrent_reader_never_sees_a_mix_of_old_and_new_marts(publish_dsn):
    build_version(publish_dsn, 1)
    publish("v1", MODELS, dsn=publish_dsn)
    seen: list[tuple[int, int]] = []
    errors: list[BaseException] = []
    stop = threading.Event()
    query = (f"select (select max(version) from {settings.PUBLISHED_SCHEMA}.fct_a), "
             f"(select max(version) from {settings.PUBLISHED_SCHEMA}.fct_b), "
             f"(select count(*) from {settings.PUBLISHED_SCHEMA}.fct_a)")

    def reader() -> None:
        conn = psycopg2.connect(publish_dsn)
        conn.autocommit = True
        try:
            with conn.cursor() as cur:
                while not stop.is_set():
                    cur.execute(query)
                    a, b, rows = cur.fetchone()
                    seen.append((a, b))
                    assert rows == 20000
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    for version in range(2, 7):
        build_version(publish_dsn, version)
        publish(f"v{version}", MODELS, dsn=publish_dsn)
        time.sleep(0.05)
    stop.set()
    for t in threads:
        t.join()
    assert errors == []
    assert len(seen) > 10
    assert all(a == b for a, b in seen), [s for s in seen if s[0] != s[1]][:5]
    assert {a for a, _ in seen} >= {1, 6}


def test_a_failed_publish_leaves_the_published_marts_as_they_were(publish_dsn):
    build_version(publish_dsn, 7)
    publish("v7", MODELS, dsn=publish_dsn)
    with warehouse.connect(publish_dsn) as conn, conn.cursor() as cur:
        cur.execute(f"drop table {settings.BUILD_SCHEMA}.fct_b")
    with pytest.raises(psycopg2.errors.UndefinedTable):
        publish("broken", MODELS, dsn=publish_dsn)
    with warehouse.connect(publish_dsn) as conn, conn.cursor() as cur:
        cur.execute(f"select max(version) from {settings.PUBLISHED_SCHEMA}.fct_a")
        assert cur.fetchone()[0] == 7
        cur.execute("select count(*) from audit.publish_log where run_id = 'broken'")
        assert cur.fetchone()[0] == 0


def test_the_bi_role_reads_the_new_marts_after_every_publish(publish_dsn):
    build_version(publish_dsn, 8)
    publish("v8", MODELS, dsn=publish_dsn)
    bi = layout.bi_url().rsplit("/", 1)[0] + "/publish_test"
    with psycopg2.connect(bi) as conn, conn.cursor() as cur:
        cur.execute(f"select max(version) from {settings.PUBLISHED_SCHEMA}.fct_b")
        assert cur.fetchone()[0] == 8
