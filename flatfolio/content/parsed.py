"""The parsed-files memo: what parsing found for each file version, kept in `.cache/parsed/`."""

import hashlib
import pickle
import sys
from functools import cache
from pathlib import Path

import yaml

from ..cache import diagram_store, renderer_fingerprint
from ..store import Store


@cache
def _parser_fingerprint() -> str:
    """A hash of what decides the parse of given bytes: our parsing code, PyYAML, Python (for pickle)."""
    digest = hashlib.blake2b(renderer_fingerprint().encode(), digest_size=8)
    package = Path(__file__).resolve().parent.parent
    for module in ("content/sources.py", "content/frontmatter.py", "problems.py"):
        digest.update((package / module).read_bytes())
    digest.update(f"{yaml.__version__} {sys.version}".encode())
    return digest.hexdigest()


class ParsedMemo:
    """What parsing found for each file version, one store entry per folder in `.cache/parsed/`.

    Only versions seen by the latest walk are kept, so deleted and edited files drop out.
    """

    def __init__(self, cache_root: Path | None, name: str):
        self.store = Store(cache_root, "parsed", _parser_fingerprint())
        self.diagrams = diagram_store(cache_root)  # a changed post re-checks its diagrams without laying them out
        self.name = name
        self._known: dict | None = None
        self._seen: dict = {}

    def _load(self) -> dict:
        if self._known is None:
            self._known = {}
            data = self.store.read(self.name)
            try:
                known = pickle.loads(data) if data is not None else {}  # our own checksummed entry
                self._known = known if isinstance(known, dict) else {}
            except Exception:  # noqa: BLE001 -- a payload from a build with other classes: parse again
                pass
        return self._known

    def get(self, key: bytes):
        found = self._load().get(key)
        if found is not None:
            self._seen[key] = found
        return found

    def put(self, key: bytes, found) -> None:
        self._seen[key] = found

    def save(self) -> None:
        """End a walk: keep what it saw, on disk when that changed (a damaged entry loaded as empty, so it did)."""
        seen, self._seen = self._seen, {}
        if seen.keys() == self._load().keys():
            return
        self._known = seen
        if self.store.write(self.name, pickle.dumps(seen, protocol=pickle.HIGHEST_PROTOCOL)):
            self.store.prune_other_versions()  # from an older flatfolio or PyYAML
