"""`flask new`: a draft post with valid front matter, named by today's date and a clean slug."""

import os
import shutil
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import FIXTURE_SITE
from test_cli import flask

from flatfolio.authoring import AuthoringError, new_post
from flatfolio.config import load_config
from flatfolio.content.fields import build_post
from flatfolio.content.sources import parse_source


def load_post(path: Path):
    """Parse and validate a post file exactly as the site's content loader does."""
    source = f"posts/{path.name}"
    post, problems = build_post(parse_source(source, path.read_bytes()), ZoneInfo("UTC"), datetime.now(ZoneInfo("UTC")))
    return post, problems


def config_of(site_root):
    config, problems = load_config(site_root)
    assert config is not None, problems
    return config


def test_new_creates_a_draft_named_by_date_and_slug(site_root):
    path = new_post(
        site_root, config_of(site_root), "Ristretto: a Go cache, über-fast!", ["go", "Caching"],
        today=date(2024, 5, 1),
    )  # fmt: skip
    assert path == site_root / "posts" / "2024-05-01-ristretto-a-go-cache-uber-fast.md"
    assert path.read_text(encoding="utf-8") == (
        "---\n"
        "title: 'Ristretto: a Go cache, über-fast!'\n"
        "date: 2024-05-01\n"
        "tags: [go, Caching]\n"
        "draft: true\n"
        "---\n"
        "\n"
    )
    post, problems = load_post(path)
    assert problems == []
    assert post.title == "Ristretto: a Go cache, über-fast!"
    assert (post.slug, post.draft) == ("ristretto-a-go-cache-uber-fast", True)
    assert [tag.slug for tag in post.tags] == ["go", "caching"]


@pytest.mark.parametrize(
    "title",
    [
        "yes",  # YAML 1.1 would read a bare yes as true
        "12:30",  # ... and this as a number
        "- a list?",
        "'quoted' \"both\" # not a comment",
        "--- fences ---",
        "[not, a, list]",
        "日本語のタイトル",
        "@at & *star !tag %percent",
    ],
)
def test_any_title_survives_the_round_trip(site_root, title):
    path = new_post(site_root, config_of(site_root), title, today=date(2024, 5, 1))
    post, problems = load_post(path)
    assert problems == []
    assert post.title == title.strip()


def test_external_url_is_written_and_valid(site_root):
    url = "https://blog.example.com/a?b=c#d"
    path = new_post(site_root, config_of(site_root), "Written for a magazine", external_url=url, today=date(2024, 5, 1))
    post, problems = load_post(path)
    assert problems == [] and post.external_url == url


def test_date_is_today_in_the_site_time_zone(write, site_root):
    # UTC+14: for ten hours of every day, the date there differs from UTC's.
    write({"site.toml": (site_root / "site.toml").read_text().replace("Asia/Kolkata", "Pacific/Kiritimati")})
    zone = ZoneInfo("Pacific/Kiritimati")
    before = datetime.now(zone).date()
    path = new_post(site_root, config_of(site_root), "Today")
    after = datetime.now(zone).date()
    assert path.name in {f"{before}-today.md", f"{after}-today.md"}


def test_existing_file_is_never_overwritten(site_root):
    config = config_of(site_root)
    path = new_post(site_root, config, "Twice", today=date(2024, 5, 1))
    path.write_text("my words")
    with pytest.raises(AuthoringError) as caught:
        new_post(site_root, config, "Twice", today=date(2024, 5, 1))
    assert caught.value.status == 3
    assert path.read_text() == "my words"


def test_a_slug_used_by_another_post_is_refused(site_root):
    with pytest.raises(AuthoringError, match=r"posts/2024-01-10-first-post.md already uses the slug 'first-post'"):
        new_post(site_root, config_of(site_root), "First post", today=date(2024, 5, 1))
    assert not (site_root / "posts" / "2024-05-01-first-post.md").exists()


def test_a_slug_used_by_a_post_in_a_sub_folder_is_refused(write, site_root):
    write({"posts/2023/2023-06-01-nested.md": "---\ntitle: Nested\ndate: 2023-06-01\n---\n"})
    write({"posts/2023/deeper/old.md": "---\ntitle: Old\ndate: 2023-06-01\nslug: renamed\n---\n"})
    with pytest.raises(AuthoringError, match=r"^posts/2023/2023-06-01-nested.md already uses the slug 'nested'"):
        new_post(site_root, config_of(site_root), "Nested", today=date(2024, 5, 1))
    with pytest.raises(AuthoringError, match=r"^posts/2023/deeper/old.md already uses the slug 'renamed'"):
        new_post(site_root, config_of(site_root), "Renamed", today=date(2024, 5, 1))
    assert not list((site_root / "posts").glob("2024-05-01-*"))


def test_a_named_pipe_in_posts_is_not_read(site_root):
    os.mkfifo(site_root / "posts" / "pipe.md")
    path = new_post(site_root, config_of(site_root), "Pipe", today=date(2024, 5, 1))
    assert path.name == "2024-05-01-pipe.md"


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("word " * 100, "-".join(["word"] * 16)),  # 79 characters, cut at a dash
        ("x" * 300, "x" * 80),  # one word: cut inside it
        ("データベース " * 60, "-".join(["データベース"] * 10)),  # 10 * 18 bytes + 9 dashes: within 200 bytes
    ],
)
def test_a_very_long_title_makes_a_short_slug(site_root, title, slug):
    path = new_post(site_root, config_of(site_root), title, today=date(2024, 5, 1))
    assert path.name == f"2024-05-01-{slug}.md"
    post, problems = load_post(path)
    assert problems == []
    assert (post.title, post.slug) == (title.strip(), slug)


def test_posts_that_is_a_file_is_refused_with_exit_3(site_root):
    shutil.rmtree(site_root / "posts")
    (site_root / "posts").write_text("not a folder")
    result = flask(site_root, "new", "Fine")
    assert result.returncode == 3
    assert result.stderr == f"error: {site_root / 'posts'}: not a folder; move that file away to start a post\n"
    assert (site_root / "posts").read_text() == "not a folder"


@pytest.mark.parametrize(
    ("title", "tags", "url", "message"),
    [
        ("!!!", [], None, "has no letters or digits"),
        ("Two\nlines", [], None, "one line"),
        ("Fine", [], "ftp://x", r"--external: expected an absolute http\(s\) URL"),
    ],
)
def test_bad_input_is_a_usage_error(site_root, title, tags, url, message):
    with pytest.raises(AuthoringError, match=message) as caught:
        new_post(site_root, config_of(site_root), title, tags, url, today=date(2024, 5, 1))
    assert caught.value.status == 2
    fixture_posts = {name for name in FIXTURE_SITE if name.startswith("posts/")}
    assert {f"posts/{p.name}" for p in (site_root / "posts").iterdir()} == fixture_posts


# --- the command ---------------------------------------------------------------------


def test_new_command_prints_the_path_and_the_site_accepts_the_post(site_root):
    result = flask(site_root, "new", "Hello, World", "--tags", "go, new tag")
    assert result.returncode == 0, result.stderr
    path = Path(result.stdout.strip())
    assert path.parent == site_root / "posts" and path.name.endswith("-hello-world.md")
    text = path.read_text(encoding="utf-8")
    assert "tags: [go, new tag]\ndraft: true\n" in text
    # The whole site still validates with the new draft in it.
    check = flask(site_root, "check")
    assert check.returncode == 0, check.stderr


def test_new_command_refuses_to_overwrite_with_exit_3(site_root):
    assert flask(site_root, "new", "Once").returncode == 0
    result = flask(site_root, "new", "Once")
    assert result.returncode == 3
    assert result.stderr.startswith("error: ") and "already exists; not overwritten" in result.stderr
    assert "Traceback" not in result.stderr


def test_new_command_bad_tag_exits_2(site_root):
    result = flask(site_root, "new", "Fine", "--tags", "go,!!!")
    assert result.returncode == 2
    assert result.stderr == "error: --tags: tag '!!!' has no letters or digits to make a URL from\n"


def test_new_command_with_broken_site_toml_exits_1(site_root, write):
    write({"site.toml": 'title = "x"\n'})
    result = flask(site_root, "new", "Fine")
    assert result.returncode == 1
    assert "site.toml: author: required" in result.stderr
    assert not list((site_root / "posts").glob("*-fine.md"))
