"""The dev server's page cache: rendered once per content snapshot, never stale, off with --debug."""

import pytest

import flatfolio.errors
import flatfolio.views


@pytest.fixture
def renders(monkeypatch):
    """The templates rendered (pages and error pages), in order."""
    seen = []
    real = flatfolio.views.render_template
    for module in (flatfolio.views, flatfolio.errors):
        monkeypatch.setattr(module, "render_template", lambda name, **kw: seen.append(name) or real(name, **kw))
    return seen


def test_a_page_is_rendered_once_and_then_served_as_it_was(client, renders):
    first = client.get("/blog/first-post/")
    second = client.get("/blog/first-post/")
    assert renders == ["post.html"]
    assert second.status_code == 200 and second.data == first.data
    assert second.headers["Content-Type"] == first.headers["Content-Type"]
    assert second.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]


def test_an_edit_is_served_at_once(client, write, renders):
    client.get("/blog/second-post/")
    write({"posts/2024-02-20-second-post.md": "---\ntitle: Second, rewritten\ndate: 2024-02-20\n---\nNew text.\n"})
    page = client.get("/blog/second-post/")
    assert b"Second, rewritten" in page.data and b"New text." in page.data
    assert renders == ["post.html", "post.html"]


def test_only_made_pages_are_kept(app, renders):
    client = app.test_client()
    assert client.get("/blog/no-such-post/").status_code == 404
    assert client.get("/blog/no-such-post/").status_code == 404
    assert renders == ["404.html", "404.html"]  # errors are never kept
    assert client.get("/feed.xml").data == client.get("/feed.xml?utm_source=x").data
    client.get("/static/style.css").close()  # Flask sends files itself, with conditional requests
    with app.app_context():
        state = app.extensions["flatfolio"]
        assert set(state.served_pages(state.site())) == {"/feed.xml"}  # one entry whatever the query


def test_nothing_is_kept_with_debug(make_app, renders):
    client = make_app(DEBUG=True).test_client()
    client.get("/blog/first-post/")
    client.get("/blog/first-post/")
    assert renders == ["post.html", "post.html"]


def test_nothing_is_kept_when_templates_reload(make_app, renders):
    client = make_app(TEMPLATES_AUTO_RELOAD=True).test_client()
    client.get("/blog/first-post/")
    client.get("/blog/first-post/")
    assert renders == ["post.html", "post.html"]
