"""Content validation: every problem reported at once, as path:line: field: problem."""

from datetime import UTC, datetime, timedelta

import pytest

from flatfolio.content.fields import page_path
from flatfolio.content.site import current_site
from flatfolio.content.sources import parse_source

POST_HEAD = "---\ntitle: T\ndate: 2024-05-01\n"


def problems_of(make_app):
    app = make_app()
    with app.app_context():
        return [str(problem) for problem in current_site().problems]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("title: T\n\nbody", "posts/x.md:1: front matter: missing: the file must start with a '---' line"),
        ("---\ntitle: T\nbody", "posts/x.md:1: front matter: unclosed: no closing '---' line"),
        ("---\n---\nbody", "posts/x.md:2: title: required"),
        ("", "posts/x.md:1: front matter: missing"),
        ("---\ntitle: [a\n---\n", "posts/x.md:2: front matter: invalid YAML"),
        ("---\n- a\n- b\n---\n", "posts/x.md:2: front matter: expected 'key: value' lines, got a list"),
        ("---\njust text\n---\n", "posts/x.md:2: front matter: expected 'key: value' lines, got the value 'just text'"),
        ("---\ntitle: [a, b]\ndate: 2024-05-01\n---\n", "posts/x.md:2: title: expected text, got ['a', 'b']"),
        (POST_HEAD + "tags: go\n---\n", "posts/x.md:4: tags: expected a list like [go, databases], got 'go'"),
        (POST_HEAD + 'draft: "no"\n---\n', "posts/x.md:4: draft: expected true or false, got 'no'"),
        ("---\ntitle: T\ndate: tomorrow\n---\n", "posts/x.md:3: date: not a date: 'tomorrow'"),
        ("---\ntitle: T\ndate: 2024-02-30\n---\n", "posts/x.md:3: date: not a real date: '2024-02-30'"),
        ("---\ntitle: T\ndate: 12:30\n---\n", "posts/x.md:3: date: not a date: 750 (YAML reads an unquoted 12:30"),
        (POST_HEAD + "updated: 2024-01-01\n---\n", "posts/x.md:4: updated: is before 'date'"),
        (POST_HEAD + "slug: Not A Slug\n---\n", "posts/x.md:4: slug: expected lowercase letters, digits and dashes"),
        (POST_HEAD + "external_url: ftp://x\n---\n", "posts/x.md:4: external_url: expected an absolute http(s) URL"),
        (POST_HEAD + "tags: ['..', '/']\n---\n", "posts/x.md:4: tags: tag '..' has no letters or digits"),
    ],
)
def test_bad_front_matter_is_reported_with_file_and_line(make_app, write, text, expected):
    write({"posts/x.md": text})
    problems = problems_of(make_app)
    assert any(problem.startswith(expected) for problem in problems), problems


def test_every_problem_is_reported_at_once(make_app, write):
    write({
        "posts/a.md": "---\ntitle: A\n---\n",
        "posts/b.md": "no front matter",
        "pages/c.md": "---\nsummary: no title\n---\n",
    })  # fmt: skip
    problems = problems_of(make_app)
    assert {p.split(":")[0] for p in problems} >= {"posts/a.md", "posts/b.md", "pages/c.md"}


def test_unknown_keys_are_kept_and_warned(make_app, write):
    write({"posts/x.md": POST_HEAD + "legacy_id: 42\n---\n"})
    app = make_app()
    with app.app_context():
        site = current_site()
        assert site.errors == []
        assert "posts/x.md:4: warning: legacy_id: unknown key (kept)" in [str(p) for p in site.problems]
        assert site.posts_by_slug["x"].meta["legacy_id"] == 42


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (
            {"posts/2024-01-01-a.md": POST_HEAD + "---\n", "posts/a.md": POST_HEAD + "---\n"},
            "slug: 'a' is already used",
        ),
        ({"posts/b.md": POST_HEAD + "slug: first-post\n---\n"}, "slug: 'first-post' is already used"),
        ({"pages/about/index.md": "---\ntitle: A\n---\n"}, "path: 'about' is already used"),
        ({"pages/blog/x.md": "---\ntitle: A\n---\n"}, "path: /blog/x/ is reserved"),
    ],
)
def test_duplicate_urls_are_errors(make_app, write, files, expected):
    write(files)
    problems = problems_of(make_app)
    assert any(expected in problem for problem in problems), problems


def test_dates_of_every_shape_become_aware_and_sort(make_app, write):
    write({
        "posts/a.md": "---\ntitle: A\ndate: 2024-05-01\n---\n",
        "posts/b.md": "---\ntitle: B\ndate: 2024-05-01T08:00:00\n---\n",
        "posts/c.md": "---\ntitle: C\ndate: 2024-05-01T01:00:00+00:00\n---\n",
        "posts/d.md": "---\ntitle: D\ndate: '2024-05-02'\n---\n",
    })  # fmt: skip
    app = make_app()
    with app.app_context():
        site = current_site()
        assert site.errors == []
        dates = {post.slug: post.date for post in site.posts}
    assert all(value.tzinfo for value in dates.values())
    assert dates["a"].isoformat() == "2024-05-01T00:00:00+05:30"  # site timezone
    assert dates["c"] == datetime(2024, 5, 1, 1, tzinfo=UTC)
    with app.app_context():  # b is 02:30 UTC, c 01:00 UTC
        assert [p.slug for p in current_site().posts if p.slug in "abcd"] == ["d", "b", "c", "a"]


def test_scheduled_post_appears_once_its_date_passes(make_app, write):
    soon = datetime.now(UTC) + timedelta(seconds=1)
    write({"posts/soon.md": f"---\ntitle: Soon\ndate: {soon.isoformat()}\n---\n"})
    app = make_app()
    with app.app_context():
        assert "soon" not in current_site().posts_by_slug
        site = current_site()
        assert site.expires is not None and site.expires <= soon


def test_slug_comes_from_file_name_without_date_prefix(make_app, write):
    write({"posts/2024-05-01-My Post Über.md": POST_HEAD + "---\n"})
    app = make_app()
    with app.app_context():
        assert "my-post-uber" in current_site().posts_by_slug


def test_bom_and_crlf_are_tolerated():
    page = parse_source("posts/x.md", "\ufeff---\r\ntitle: T\r\n---\r\nBody\r\n".encode())
    assert page.problems == [] and page.front_matter == {"title": "T"} and page.body == "Body\n"


def test_non_utf8_names_the_line():
    page = parse_source("posts/x.md", b"---\ntitle: T\n---\ncaf\xe9\n")
    assert [str(p) for p in page.problems] == ["posts/x.md:4: encoding: not UTF-8 (byte 0xe9); save the file as UTF-8"]


def test_editor_leftovers_and_dotfiles_are_not_content(make_app, write, site_root):
    write({".hidden.md": "x", "posts/.post.md.swp": "x", "posts/post.md~": "x", "posts/.draft.md": "junk"})
    (site_root / "posts" / ".#lock.md").symlink_to("/nonexistent/user@host.123")
    assert [p for p in problems_of(make_app) if "warning" not in p] == []


def test_symlink_outside_the_content_folder_is_refused(make_app, site_root, tmp_path):
    outside = tmp_path / "secret.md"
    outside.write_text("---\ntitle: S\ndate: 2024-01-01\n---\nsecret\n")
    (site_root / "posts" / "link.md").symlink_to(outside)
    assert "posts/link.md: file: symlink points outside the content folder" in problems_of(make_app)


@pytest.mark.parametrize(
    ("source", "path"),
    [("pages/about.md", "about"), ("pages/index.md", ""), ("pages/a/index.md", "a"), ("pages/A B/c d.md", "a-b/c-d")],
)
def test_page_paths(source, path):
    assert page_path(source) == path


def test_broken_site_config_is_reported(make_app, write):
    write({"site.toml": 'title = "x"\nbase_url = "example.org"\ntimezone = "Mars/Olympus"\n'})
    problems = problems_of(make_app)
    assert "site.toml: author: required" in problems
    assert any(p.startswith("site.toml: base_url: expected an absolute http(s) URL") for p in problems)
    assert "site.toml: timezone: unknown time zone 'Mars/Olympus'" in problems
