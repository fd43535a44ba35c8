"""Serving the app itself under load: waitress, wrk, 64 connections for 30 s, zero errors."""

import importlib.util

from app import PROJECT_ROOT

LOAD_PATHS = ["/", "/blog/", "/blog/first-post/", "/feed.xml"]


def load_script():
    spec = importlib.util.spec_from_file_location("load_test", PROJECT_ROOT / "scripts" / "load_test.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_waitress_serves_64_connections_for_30_seconds_without_an_error(site_root):
    stats = load_script().run_load(site_root, LOAD_PATHS, duration=30, connections=64)
    print(f"\nwrk 64 connections 30 s: {stats['requests_per_second']:.0f} requests/s, p99 {stats['p99_ms']:.1f} ms")
    assert stats["requests"] > 0
    errors = {key: stats[key] for key in ("non_2xx", "connect_errors", "read_errors", "write_errors", "timeouts")}
    assert errors == dict.fromkeys(errors, 0)
