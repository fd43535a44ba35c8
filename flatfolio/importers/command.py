"""The `flask --app app import` command and its report."""

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ..urls import theme_files
from . import GENERATORS
from .core import OLD_URLS_FILE, ImportFailure, Result, import_site


@click.command("import")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Read and convert everything, write nothing, print the same report.")
@click.option(
    "--from",
    "generator",
    type=click.Choice(GENERATORS),
    default=None,
    help="The old site's generator (default: detected from its files).",
)
@with_appcontext
def import_command(path: Path, dry_run: bool, generator: str | None):
    """Bring a Hugo, Jekyll or Pelican blog into this site, keeping every old URL.

    Reads the old site's source folder at PATH (never runs its code), converts its
    posts and pages to flatfolio Markdown with their old URLs (`url:`, `aliases:`),
    copies its static files into files/, and sets [urls] in site.toml (post URL
    pattern, old feed paths, links = "warn" when links were already dead). Never
    overwrites a file: a clash is reported and skipped, so a second import changes
    nothing. Notes that need your attention go to stderr as path:line: problem. The
    old URLs kept are listed in .cache/import/old-urls.txt for `check --old-urls`.

    Exit status: 0 imported (notes allowed); 2 usage errors (unreadable folder,
    unknown generator, no site.toml); 3 nothing could be imported, or a write failed.
    """
    site_root = Path(current_app.config["SITE_ROOT"])
    try:
        result = import_site(site_root, path, generator, dry_run, theme_files(current_app.static_folder))
    except ImportFailure as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(error.status)
    for note in [*result.old.notes, *result.notes, *result.outcome.clashes, *result.outcome.failed, *result.dead]:
        click.echo(str(note), err=True)
    click.echo(report(result, path))
    sys.exit(3 if result.outcome.failed else 0)


def report(result: Result, path: Path) -> str:
    """The summary printed on stdout, ending with the numbers."""
    old, outcome = result.old, result.outcome
    dry = " (dry run: nothing written)" if result.dry_run else ""
    lines = [f"Import of the {result.generator} site in {path}{dry}"]
    lines += [f"site.toml: {change}" for change in result.toml_changes]
    if result.dead:
        lines.append(
            f"{len(result.dead)} links were already dead or malformed (listed above as path:line): "
            'links = "warn" is set so the first freeze succeeds; fix them, then remove it'
        )
    verb = "would be" if result.dry_run else "are"
    lines.append(f"{len(result.urls)} old URLs kept; they {verb} listed in {OLD_URLS_FILE}. Prove they all answer:")
    lines.append(f"    flask --app app check --old-urls {OLD_URLS_FILE}")
    lines.append(
        f"{len(outcome.written)} written, {len(outcome.unchanged)} unchanged, "
        f"{len(outcome.clashes)} clashes (not overwritten), {len(outcome.failed)} failed"
    )
    posts = sum(entry.kind == "post" for entry in old.entries)
    redirects = sum(len(entry.front.get("aliases") or ()) for entry in old.entries)
    kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(old.conversions.items()))
    attention = len(old.notes) + len(result.notes) + len(outcome.clashes) + len(outcome.failed) + len(result.dead)
    lines.append(
        f"posts {posts}, pages {len(old.entries) - posts}, files {len(old.files)}, redirects {redirects}, "
        f"conversions {sum(old.conversions.values())}" + (f" ({kinds})" if kinds else "") + f", notes {attention}"
    )
    return "\n".join(lines)
