"""Social cards: og:image and twitter:image from image:, site.toml's image or a generated 1200x630 PNG."""

import io
import json
import shutil

import lxml.html
import pytest
from conftest import SITE_TOML, nu_check, read_tree
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image
from test_bundles import png

import flatfolio.cards
from app import create_app
from flatfolio.build.freeze import freeze_site
from flatfolio.cards import card_date, draw_card, palette
from flatfolio.problems import ContentError

COLOURS = {"bg": "#ffffff", "fg": "#1f2328", "muted": "#57606a", "accent": "#0550ae"}


def head_meta(html: str) -> dict[str, str]:
    doc = lxml.html.fromstring(html)
    return {m.get("property") or m.get("name"): m.get("content") for m in doc.xpath("//head/meta[@content]")}


def problems(app) -> list[str]:
    with app.app_context():
        return [str(problem) for problem in app.extensions["flatfolio"].site().problems]


@pytest.fixture
def draws(monkeypatch):
    """How many cards were drawn (not read from the cache)."""
    count = []
    real = flatfolio.cards.draw_card
    monkeypatch.setattr(flatfolio.cards, "draw_card", lambda *args: count.append(args) or real(*args))
    return count


def test_a_post_without_an_image_gets_its_generated_card_in_the_head(client):
    meta = head_meta(client.get("/blog/second-post/").get_data(as_text=True))
    assert meta["og:image"] == meta["twitter:image"] == "https://example.org/blog/second-post/card.png"
    assert (meta["og:image:width"], meta["og:image:height"]) == ("1200", "630")
    assert meta["og:image:alt"] == meta["twitter:image:alt"] == "Second post"
    assert meta["twitter:card"] == "summary_large_image"


def test_the_generated_card_is_a_1200x630_png_with_the_same_bytes_every_time(client, draws):
    first = client.get("/blog/second-post/card.png")
    assert first.status_code == 200 and first.mimetype == "image/png"
    with Image.open(io.BytesIO(first.data)) as image:
        assert (image.format, image.size, image.mode) == ("PNG", (1200, 630), "P")  # 64 colours
        assert not image.info  # no time stamp, no text chunk
    assert draw_card("Second post", "Test Site", "20 February 2024", COLOURS) == first.data
    assert draw_card("Second post", "Test Site", "20 February 2024", COLOURS) == first.data


def test_a_card_is_drawn_once_then_read_from_the_cache(make_app, draws):
    make_app().test_client().get("/blog/second-post/card.png")
    assert len(draws) == 1
    again = make_app().test_client().get("/blog/second-post/card.png")  # a new app: only the disk cache is shared
    assert again.status_code == 200 and len(draws) == 1


def test_a_new_title_makes_a_new_card(write, make_app, site_root, draws):
    before = make_app().test_client().get("/blog/second-post/card.png").data
    post = site_root / "posts/2024-02-20-second-post.md"
    post.write_text(post.read_text().replace("title: Second post", "title: A second post, renamed"))
    after = make_app().test_client().get("/blog/second-post/card.png").data
    assert before != after and len(draws) == 2


def test_a_long_title_is_wrapped_and_fitted_without_error():
    title = "A very long title about consistent hashing " * 8 + "Supercalifragilisticexpialidocious" * 4
    with Image.open(io.BytesIO(draw_card(title, "Site", "", COLOURS))) as image:
        assert image.size == (1200, 630)


@settings(max_examples=15, deadline=None)
@given(st.text(max_size=300), st.text(max_size=80))
def test_any_title_and_site_name_make_a_card(title, site):
    with Image.open(io.BytesIO(draw_card(title, site, "1 May 2024", COLOURS))) as image:
        assert image.size == (1200, 630)


def test_the_palette_comes_from_the_themes_stylesheet(tmp_path):
    (tmp_path / "style.css").write_text(":root { --fg: #010203; --bg: #fefefe; }\n@media x { :root { --fg: #999; } }")
    assert palette(str(tmp_path)) == {**COLOURS, "fg": "#010203", "bg": "#fefefe"}
    assert palette(None) == COLOURS


def test_card_dates_are_english_whatever_the_locale():
    from datetime import date

    assert card_date(date(2019, 10, 5)) == "5 October 2019"


BUNDLE_WITH_IMAGE = {
    "posts/2024-01-05-pictured/index.md": """\
        ---
        title: Pictured
        date: 2024-01-05
        image: shots/cover.png
        image_alt: A rack of servers
        ---
        Words.
        """,
    "posts/2024-01-05-pictured/shots/cover.png": png(800, 420),
}


def test_an_image_beside_the_post_is_its_card_with_its_size_and_alt(write, client, draws):
    write(BUNDLE_WITH_IMAGE)
    meta = head_meta(client.get("/blog/pictured/").get_data(as_text=True))
    assert meta["og:image"] == "https://example.org/blog/pictured/shots/cover.png"
    assert (meta["og:image:width"], meta["og:image:height"]) == ("800", "420")
    assert meta["og:image:alt"] == meta["twitter:image:alt"] == "A rack of servers"
    assert client.get("/blog/pictured/card.png").status_code == 404  # no generated card when it has an image
    assert draws == []


def test_json_ld_names_the_image(client):
    doc = lxml.html.fromstring(client.get("/blog/second-post/").get_data(as_text=True))
    data = json.loads(doc.xpath('//script[@type="application/ld+json"]/text()')[0])
    assert data["image"] == {"@type": "ImageObject", "url": "https://example.org/blog/second-post/card.png",
                             "width": 1200, "height": 630}  # fmt: skip


@pytest.mark.parametrize(
    ("image", "files"),
    [("/static/favicon-card.png", {}), ("/social/card.png", {"files/social/card.png": png(1200, 600)})],
)
def test_a_site_default_image_serves_every_page_and_no_card_is_generated(write, make_app, image, files, tmp_path):
    write({"site.toml": SITE_TOML + f'image = "{image}"\n', **files})
    static = None
    if image.startswith("/static/"):
        static = tmp_path / "static"
        shutil.copytree(create_app().static_folder, static)
        (static / "favicon-card.png").write_bytes(png(1200, 600))
    app = make_app()
    if static:
        app.static_folder = str(static)
    client = app.test_client()
    for path in ("/blog/second-post/", "/about/", "/", "/blog/", "/tags/"):
        meta = head_meta(client.get(path).get_data(as_text=True))
        assert meta["og:image"] == "https://example.org" + image, path
        assert (meta["og:image:width"], meta["og:image:height"]) == ("1200", "600")
    assert head_meta(client.get("/about/").get_data(as_text=True))["og:image:alt"] == "About me"
    assert client.get("/blog/second-post/card.png").status_code == 404


def test_without_cards_or_images_pages_keep_the_small_summary_card(write, client):
    write({"site.toml": SITE_TOML.replace("cards = true\n", "")})
    meta = head_meta(client.get("/blog/second-post/").get_data(as_text=True))
    assert meta["twitter:card"] == "summary" and "og:image" not in meta
    assert client.get("/blog/second-post/card.png").status_code == 404


@pytest.mark.parametrize(
    ("front_matter", "message"),
    [
        ("image: missing.png", "posts/2024-05-01-x.md:4: image: missing.png: no such file (nothing is served at "
                               "/blog/x/missing.png)"),
        ("image: /static/style.css", "posts/2024-05-01-x.md:4: image: /static/style.css: not a PNG, JPEG, GIF or "
                                     "WebP image (what link previews show)"),
        ("image: https://elsewhere.example/x.png", "posts/2024-05-01-x.md:4: image: expected an image file of this "
                                                   "site (beside the post, or like /static/x.png), got "
                                                   "'https://elsewhere.example/x.png'"),
        ("image: 5", "posts/2024-05-01-x.md:4: image: expected text, got 5"),
    ],
)  # fmt: skip
def test_a_bad_image_is_a_problem_at_its_line(write, make_app, front_matter, message):
    write({"posts/2024-05-01-x.md": f"---\ntitle: X\ndate: 2024-05-01\n{front_matter}\n---\nWords.\n"})
    assert message in problems(make_app())


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ('image = "/nothing.png"', "site.toml: image: /nothing.png: no such file (nothing is served at /nothing.png)"),
        ('image = "card.png"', "site.toml: image: expected the path of an image file on this site like "
                               "/static/card.png, got 'card.png'"),
        ('cards = "yes"', "site.toml: cards: expected true or false, got 'yes'"),
    ],
)  # fmt: skip
def test_bad_card_settings_are_problems(write, make_app, setting, message):
    write({"site.toml": SITE_TOML.replace("cards = true\n", "") + setting + "\n"})
    assert message in problems(make_app())


def test_a_bundle_file_where_the_card_goes_is_a_problem(write, make_app):
    write({"posts/2024-05-01-x/index.md": "---\ntitle: X\ndate: 2024-05-01\n---\n", "posts/2024-05-01-x/card.png":
           png(2, 2)})  # fmt: skip
    assert ("posts/2024-05-01-x/index.md:2: image: /blog/x/card.png is already used by posts/2024-05-01-x/card.png"
            in problems(make_app()))  # fmt: skip


def test_a_bad_image_stops_the_freeze(write, make_app, tmp_path):
    write({"posts/2024-05-01-x.md": "---\ntitle: X\ndate: 2024-05-01\nimage: nope.png\n---\n"})
    with pytest.raises(ContentError, match="posts/2024-05-01-x.md:4: image: nope.png: no such file"):
        freeze_site(make_app(), tmp_path / "out")


def test_frozen_cards_are_the_served_ones_and_absolute_on_a_sub_path(write, site_root, tmp_path):
    write(BUNDLE_WITH_IMAGE)
    out = tmp_path / "out"
    freeze_site(create_app({"SITE_ROOT": str(site_root)}), out, base_url="https://user.github.io/repo/")
    tree = read_tree(out)
    assert {name for name in tree if name.endswith("card.png")} == {
        "blog/first-post/card.png", "blog/second-post/card.png", "blog/elsewhere/card.png"}  # fmt: skip
    meta = head_meta(tree["blog/pictured/index.html"].decode())
    assert meta["og:image"] == "https://user.github.io/repo/blog/pictured/shots/cover.png"
    meta = head_meta(tree["blog/first-post/index.html"].decode())
    assert meta["og:image"] == "https://user.github.io/repo/blog/first-post/card.png"
    served = create_app({"SITE_ROOT": str(site_root)}).test_client().get("/blog/first-post/card.png").data
    assert tree["blog/first-post/card.png"] == served


def test_the_nu_checker_accepts_pages_with_cards(frozen):
    pages = [frozen / name for name in ("blog/first-post/index.html", "about/index.html", "index.html")]
    messages, status = nu_check(pages, "--errors-only")
    assert messages == [], messages
    assert status == 0
