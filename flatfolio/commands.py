"""The author's commands, run as `flask --app app <command>`."""

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from .freeze import FreezeError, freeze_site
from .problems import ContentError


def fail(lines: list[str], status: int = 1):
    """Print error lines to stderr and exit with `status`, never a traceback."""
    for line in lines:
        click.echo(f"error: {line}" if not line.startswith(("posts/", "pages/", "site.toml")) else line, err=True)
    sys.exit(status)


@click.command("freeze")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Destination folder (default: build/ beside site.toml).",
)
@click.option(
    "--base-url",
    default=None,
    metavar="URL",
    help="Public URL of the site, e.g. https://user.github.io/site/ (default: base_url in site.toml).",
)
@with_appcontext
def freeze_command(out: Path | None, base_url: str | None):
    """Build the static site.

    Validates all content first, builds into a fresh folder beside the destination
    and swaps it in only when the whole build succeeded: a failed freeze leaves the
    previous build as it was. Refuses a non-empty destination that flatfolio did not
    build. Drafts and scheduled posts are never included.

    Exit status: 0 built; 1 content errors (listed as path:line: field: problem);
    2 usage errors; 3 the build could not be made (destination refused, broken link).
    """
    app = current_app._get_current_object()
    out = out if out is not None else Path(app.config["SITE_ROOT"]) / "build"
    try:
        report = freeze_site(app, out, base_url)
    except ContentError as error:
        fail([str(problem) for problem in error.problems], 1)
    except FreezeError as error:
        fail([str(error)], 3)
    click.echo(str(report))


def init_app(app: Flask) -> None:
    """Attach the commands to the app's `flask` CLI."""
    app.cli.add_command(freeze_command)
