"""Pre-rendering: Markdown that is not cached yet is rendered on every core before freezing.

Frozen-Flask renders one URL at a time in one process; rendering the posts' Markdown
first, in worker processes that need only the text, uses the other cores. The results
go through the render cache, so the pages pick them up as if rendered in place and the
output is byte for byte what a serial build makes.
"""

from concurrent.futures import ProcessPoolExecutor
from itertools import repeat

from ..cache import RenderCache
from ..render import render_markdown
from .parallel import cpu_count, pool_context

# Below this many texts, starting worker processes costs more than it saves.
MIN_PARALLEL = 16
MAX_CHUNK = 8  # texts per hand-out to a worker
WRITE_BATCH = 64  # rendered texts stored with one durable write (held in memory until then)


def prerender(cache: RenderCache, texts, base_path: str, workers: int | None = None) -> int:
    """Render every text `cache` lacks, in parallel, and hand the HTML to the cache; returns how many."""
    missing = list(dict.fromkeys(text for text in texts if text and not cache.has(text, base_path)))
    workers = min(workers or cpu_count(), len(missing))
    if len(missing) < MIN_PARALLEL or workers < 2:
        return 0  # rendered on demand instead, as each page is frozen
    # Small chunks: the last one decides when the slowest core finishes.
    chunk = max(1, min(MAX_CHUNK, len(missing) // (workers * 8)))
    with ProcessPoolExecutor(max_workers=workers, mp_context=pool_context()) as pool:
        rendered = pool.map(render_markdown, missing, repeat(base_path), repeat(cache.diagrams), chunksize=chunk)
        batch = []
        for text, html in zip(missing, rendered, strict=True):
            batch.append((text, html))
            if len(batch) == WRITE_BATCH:
                cache.put_many(base_path, batch, hand_over=True)
                batch = []
        cache.put_many(base_path, batch, hand_over=True)
    return len(missing)
