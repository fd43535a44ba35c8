"""The author's commands, run as `flask --app app <command>`."""

import os
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from . import views
from .authoring import AuthoringError, new_post, parse_tags
from .build.freeze import FreezeError, freeze_site
from .check import check_site
from .config import load_config, normalize_base_url
from .content.site import current_site
from .importers.command import import_command
from .oldurls import missing_old_urls
from .problems import ContentError, Problem
from .publish import DEFAULT_BRANCH, PublishError, publish_site


def fail(errors: list, status: int = 1):
    """Print errors to stderr and exit with `status`, never a traceback.

    Content problems print as `path:line: field: problem`; anything else as `error: ...`.
    """
    for error in errors:
        click.echo(str(error) if isinstance(error, Problem) else f"error: {error}", err=True)
    sys.exit(status)


# --- progress ------------------------------------------------------------------------


def expected_urls(app: Flask) -> int:
    """How many URLs a freeze will write, counted the way Frozen-Flask finds them."""
    with app.test_request_context():
        generated = sum(1 for _ in views.frozen_urls())
    rules = sum(1 for rule in app.url_map.iter_rules() if not rule.arguments and "GET" in rule.methods)
    static = sum(len(names) for _, _, names in os.walk(app.static_folder)) if app.static_folder else 0
    return generated + rules + static


class FreezeProgress:
    """Freeze progress on stderr: a bar on a terminal, one plain line per written URL otherwise."""

    def __init__(self, app: Flask, quiet: bool = False):
        self.app, self.quiet = app, quiet
        self.stream = sys.stderr
        self.bar = None
        self.done = self.total = 0

    def __call__(self, url: str) -> None:
        if self.quiet:
            return
        if self.done == 0:
            # Counted at the first page: by then the freeze has validated the content and hidden drafts.
            self.total = expected_urls(self.app)
            if self.stream.isatty():
                self.bar = click.progressbar(
                    length=self.total, label="Freezing", file=self.stream, show_pos=True,
                    item_show_func=lambda item: item,
                )  # fmt: skip
                self.bar.__enter__()
        self.done += 1
        self.total = max(self.total, self.done)
        if self.bar is not None:
            self.bar.update(1, url)
        else:
            click.echo(f"[{self.done}/{self.total}] {url}", file=self.stream)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)  # ends the bar's line before errors or the summary
            self.bar = None


def say_waiting(out: Path) -> None:
    """Tell the author why a freeze has not started (printed even with -q: it may wait long)."""
    click.echo(f"Waiting for another freeze or publish in {out.parent} to finish...", err=True)


# --- commands ------------------------------------------------------------------------

QUIET = click.option("-q", "--quiet", is_flag=True, help="Print only the summary line (and errors).")


def _base_url(ctx, param, value: str | None) -> str | None:
    """A usage error (exit 2) for a --base-url that is not an absolute http(s) URL."""
    try:
        return normalize_base_url(value) if value else value
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


BASE_URL = click.option(
    "--base-url",
    default=None,
    metavar="URL",
    callback=_base_url,
    help="Public URL of the site, e.g. https://user.github.io/site/ (default: base_url in site.toml).",
)


@click.command("freeze")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Destination folder (default: build/ beside site.toml).",
)
@BASE_URL
@QUIET
@with_appcontext
def freeze_command(out: Path | None, base_url: str | None, quiet: bool):
    """Build the static site.

    Validates all content first, builds into a separate folder and swaps it in only
    when the whole build succeeded: a failed freeze leaves the previous build as it
    was. Makes again only the files whose content, templates or settings changed
    (the rest are linked from the previous build; the cache is in <site>/.cache/,
    safe to delete). Refuses a non-empty destination that flatfolio did not build.
    Drafts and scheduled posts are never included. Shows progress on stderr (a bar
    on a terminal, a line per page otherwise) and ends with one summary line:
    pages, posts, files (unchanged ones), bytes, seconds.

    One freeze or publish at a time builds in a folder: a second one into the same
    folder prints that it waits, and waits for the first to finish (at most 600 s,
    or FLASK_FREEZE_LOCK_TIMEOUT), then builds.

    Exit status: 0 built; 1 content errors (listed as path:line: field: problem);
    2 usage errors; 3 the build could not be made (destination refused or not
    writable, broken link, another freeze still running after the wait).
    """
    app = current_app._get_current_object()
    out = out if out is not None else Path(app.config["SITE_ROOT"]) / "build"
    with FreezeProgress(app, quiet) as progress:
        try:
            report = freeze_site(app, out, base_url, progress, say_waiting)
        except ContentError as error:
            fail(error.problems, 1)
        except FreezeError as error:
            fail([str(error)], 3)
    for warning in report.warnings:
        click.echo(str(warning), err=True)
    click.echo(str(report))


@click.command("new")
@click.argument("title")
@click.option("--tags", default="", metavar="A,B", help="Comma-separated tags, e.g. --tags go,databases.")
@click.option(
    "--external", "external_url", default=None, metavar="URL", help="The article lives elsewhere: its URL."
)
@with_appcontext
def new_command(title: str, tags: str, external_url: str | None):
    """Start a post: create posts/YYYY-MM-DD-<slug>.md and print its path.

    The date is today in the site's time zone (site.toml), the slug comes from the
    title ("Ristretto: a Go cache, über-fast!" -> ristretto-a-go-cache-uber-fast, at
    most 80 characters), and the post starts as a draft (draft: true), shown only by
    `flask run --debug` until you remove that line. Never overwrites a file.

    Exit status: 0 created; 1 site.toml has errors; 2 usage errors (a title without
    letters or digits, a bad tag or URL); 3 refused: the file exists, another post
    (in any folder of posts/) has the same slug, or posts/ cannot be written.
    """
    site_root = Path(current_app.config["SITE_ROOT"])
    config, problems = load_config(site_root)
    if config is None:
        fail([problem for problem in problems if not problem.warning], 1)
    try:
        path = new_post(site_root, config, title, parse_tags(tags), external_url)
    except AuthoringError as error:
        fail([str(error)], error.status)
    click.echo(str(path))


@click.command("check")
@click.option("--external", is_flag=True, help="Also request every outside link (8 at a time) and report dead ones.")
@click.option(
    "--timeout",
    type=click.FloatRange(0.1, 300),
    default=10.0,
    show_default=True,
    metavar="SECONDS",
    help="How long to wait for each outside link with --external.",
)
@click.option(
    "--old-urls",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    metavar="FILE",
    help="A sitemap.xml or list of paths/URLs of the old site: report each that no longer answers.",
)
@with_appcontext
def check_command(external: bool, timeout: float, old_urls: Path | None):
    """Check all content and links without building anything.

    Lists every problem at once as path:line: field: problem, on stderr: front
    matter, duplicate slugs, Markdown links to posts, pages, tags and #anchors that
    do not exist (or are drafts, from a published page), missing images and static
    files. Drafts are checked too. Warnings (unknown front matter keys, a post
    without a summary, broken links under `links = "warn"`) are listed but do not
    fail the check. With --old-urls FILE (the old site's sitemap.xml, or one path or
    URL per line), every old URL that no page, redirect or file answers any more is
    an error. Ends with a summary line.

    Exit status: 0 no errors (warnings allowed); 1 errors found; 2 usage errors.
    """
    app = current_app._get_current_object()
    app.config["SHOW_DRAFTS"] = True  # drafts are content too: check them
    site = current_site()
    report = check_site(app, site, external=external, timeout=timeout)
    if old_urls is not None and site.config is not None:
        count, missing = missing_old_urls(app, site, old_urls)
        report.problems += missing
        click.echo(f"Old URLs: {count} checked, {len(missing)} missing")
    for problem in report.problems:
        click.echo(str(problem), err=True)
    click.echo(report.summary())
    sys.exit(1 if report.errors else 0)


@click.command("publish")
@click.option(
    "--remote",
    default=None,
    metavar="URL",
    help="Repository to push to: a remote name, URL or path (default: the site repository's origin).",
)
@click.option("--branch", default=DEFAULT_BRANCH, show_default=True, help="Branch that holds the built site.")
@BASE_URL
@QUIET
@with_appcontext
def publish_command(remote: str | None, branch: str, base_url: str | None, quiet: bool):
    """Freeze the site and push the build as the whole tree of a branch.

    GitHub Pages style: the branch holds only the built site, with .nojekyll and the
    CNAME from site.toml. The commit is made with git plumbing and a temporary index,
    so your working tree, index and current branch are never touched; its message
    names the source commit (and whether there were uncommitted changes). Publishing
    an unchanged site makes no new commit. A failed push leaves the remote as it was.
    A second publish from the same site waits for the first, as a second freeze does.
    A remote or branch starting with '-' is a usage error (git would read an option).

    Exit status: 0 published (or nothing changed); 1 content errors; 2 usage errors
    (bad branch name, no remote); 3 the build could not be made; 4 git failed (remote
    unreachable, push rejected).
    """
    app = current_app._get_current_object()
    with FreezeProgress(app, quiet) as progress:
        try:
            result = publish_site(app, remote, branch, base_url, progress, say_waiting)
        except ContentError as error:
            fail(error.problems, 1)
        except FreezeError as error:
            fail([str(error)], 3)
        except PublishError as error:
            fail([str(error)], error.status)
    click.echo(str(result))


def init_app(app: Flask) -> None:
    """Attach the commands to the app's `flask` CLI."""
    for command in (freeze_command, new_command, check_command, publish_command, import_command):
        app.cli.add_command(command)
