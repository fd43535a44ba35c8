"""Outside links: each distinct URL requested once, 8 at a time, each within a deadline of its own."""

import http.client
import threading
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from urllib.error import HTTPError, URLError
from urllib.parse import urlsplit
from urllib.request import Request, urlopen

from .problems import Problem

MAX_WORKERS = 8  # outside requests in flight at once: polite to hosts, still quick
USER_AGENT = "flatfolio-link-check/1"


def is_external(url: str) -> bool:
    return urlsplit(url).scheme in ("http", "https") or url.startswith("//")


def probe(url: str, timeout: float) -> str | None:
    """Why an outside URL is dead, or None when it answers with a success status."""
    if url.startswith("//"):
        url = "https:" + url
    reason = None
    for method in ("HEAD", "GET"):  # some servers refuse or mishandle HEAD: retry once with GET
        request = Request(url, method=method, headers={"User-Agent": USER_AGENT})
        try:
            with urlopen(request, timeout=timeout):
                return None
        except HTTPError as error:
            reason = f"HTTP {error.code} {error.reason}".strip()
        except URLError as error:
            return _reason(error.reason, timeout)
        except (http.client.HTTPException, OSError, ValueError) as error:
            return _reason(error, timeout)
    return reason


def _reason(error, timeout: float) -> str:
    if isinstance(error, TimeoutError):
        return f"no answer within {timeout:g} s"
    return str(getattr(error, "strerror", None) or error)


def probe_within(url: str, timeout: float) -> str | None:
    """`probe` with `timeout` as a deadline for the whole request, not for each read of it.

    A server that trickles one byte at a time never lets a socket timeout fire; the probe
    runs on a daemon thread that is left behind (and cannot keep the process alive) when
    its time is up.
    """
    answer: list[str | None] = []
    worker = threading.Thread(target=lambda: answer.append(probe(url, timeout)), daemon=True)
    worker.start()
    worker.join(timeout)
    return answer[0] if answer else f"no answer within {timeout:g} s"


def check_external(links: list, timeout: float, workers: int = MAX_WORKERS) -> list[Problem]:
    """Request each distinct outside URL once, `workers` at a time, and report every place a dead one is used."""
    places: dict[str, list] = defaultdict(list)
    for link in links:
        places[urlsplit(link.url)._replace(fragment="").geturl()].append(link)
    if not places:
        return []
    with ThreadPoolExecutor(max_workers=min(workers, len(places))) as pool:
        reasons = dict(zip(places, pool.map(lambda url: probe_within(url, timeout), places), strict=True))
    return [
        Problem(link.source, link.kind, f"{link.url}: dead ({reason})", link.line)
        for url, reason in reasons.items()
        if reason
        for link in places[url]
    ]
