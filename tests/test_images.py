"""Images: sizes from the file, WebP variants made once and frozen, lazy but the first, figures, problems."""

import io
import re
from textwrap import dedent

import lxml.html
import pytest
from conftest import nu_check, read_tree, static_files
from PIL import Image
from test_freeze import EXPECTED_FILES, search_index_files

from app import create_app
from flatfolio.build.freeze import freeze_site
from flatfolio.variants import WIDTHS

POST = "posts/2024-05-01-pictures.md"
BODY = """\
    ---
    title: Pictures
    date: 2024-05-01
    tags: [go]
    ---
    Some words first.

    ![A wide red chart](/img/wide.png "Throughput by cache size")

    A photo taken sideways ![a sideways photo](../../img/photo.jpg) and a small one ![a small icon](/img/small.png).

    ![the favicon](/static/favicon.svg) ![elsewhere](https://example.com/x.png)
    """


def png(width: int, height: int, colour=(200, 40, 40)) -> bytes:
    """A deterministic PNG with some detail (a gradient), so its variants differ by width."""
    image = Image.new("RGB", (width, height), colour)
    image.putdata([(x % 256, y % 256, colour[2]) for y in range(height) for x in range(width)])
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def sideways_jpeg() -> bytes:
    """A 1000x500 JPEG whose EXIF says: turn it a quarter (so it shows 500x1000), and where it was taken."""
    image = Image.new("RGB", (1000, 500), (20, 120, 200))
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90
    exif[0x010F] = "SecretCam"  # make: metadata the variants must not carry
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=90)
    return out.getvalue()


@pytest.fixture
def pictures(site_root, write):
    """The test site with a post showing images in files/img/ (a 2000, a 1000x500 sideways and a 300 px wide)."""
    images = site_root / "files" / "img"
    images.mkdir(parents=True)
    (images / "wide.png").write_bytes(png(2000, 1000))
    (images / "photo.jpg").write_bytes(sideways_jpeg())
    (images / "small.png").write_bytes(png(300, 150, (10, 150, 60)))
    write({POST: BODY})
    return site_root


def imgs(html: str) -> list[dict]:
    return [dict(img.attrib) for img in lxml.html.fromstring(html).iter("img")]


def variants(srcset: str) -> list[tuple[str, int]]:
    return [(url, int(width.rstrip("w"))) for url, width in (item.split() for item in srcset.split(", "))]


@pytest.fixture
def built(pictures, tmp_path):
    out = tmp_path / "out"
    freeze_site(create_app({"SITE_ROOT": str(pictures)}), out)
    return out


def test_images_get_their_files_width_and_height(built):
    wide, photo, small, icon, outside = imgs((built / "blog/pictures/index.html").read_text())
    assert (wide["width"], wide["height"]) == ("2000", "1000")
    assert (photo["width"], photo["height"]) == ("500", "1000")  # as browsers show it: EXIF-turned
    assert (small["width"], small["height"]) == ("300", "150")
    assert (icon["width"], icon["height"]) == ("32", "32")  # an SVG: its viewBox
    assert "width" not in outside and "srcset" not in outside  # another site's image is left alone


def test_every_image_but_the_first_loads_lazily(built):
    found = imgs((built / "blog/pictures/index.html").read_text())
    assert "loading" not in found[0] and "decoding" not in found[0]  # the likely LCP image loads at once
    for img in found[1:]:
        assert (img["loading"], img["decoding"]) == ("lazy", "async"), img


def test_variants_are_webp_at_the_widths_offered_and_never_upscaled(built):
    wide, photo, small, icon, _ = imgs((built / "blog/pictures/index.html").read_text())
    for img, expected in ((wide, list(WIDTHS)), (photo, [480, 500]), (small, [300])):
        offered = variants(img["srcset"])
        assert [width for _, width in offered] == expected
        for url, width in offered:
            assert re.fullmatch(r"/_img/[0-9a-f]{16}-\d+\.webp", url)
            with Image.open(built / url.lstrip("/")) as variant:
                assert variant.format == "WEBP"
                assert variant.width == width <= int(img["width"])
                assert variant.height == round(int(img["height"]) * width / int(img["width"]))
                assert not variant.getexif()  # no camera, date or place
        assert img["sizes"].endswith("calc(100vw - 2.5rem)")
    assert "srcset" not in icon  # an SVG scales by itself
    assert small["sizes"] == "(min-width: 340px) 300px, calc(100vw - 2.5rem)"


def test_the_frozen_files_are_exactly_the_site_and_the_variants(built, pictures):
    pages = {"blog/pictures/index.html", "blog/pictures/card.png", "img/wide.png", "img/photo.jpg", "img/small.png"}
    offered = {url.lstrip("/") for img in imgs((built / "blog/pictures/index.html").read_text()) if "srcset" in img
               for url, _ in variants(img["srcset"])}  # fmt: skip
    assert len(offered) == len(WIDTHS) + 2 + 1
    names = set(read_tree(built))
    assert names - search_index_files(names, posts=4) == EXPECTED_FILES | static_files() | pages | offered


def test_a_titled_image_alone_in_its_paragraph_is_a_figure_with_a_caption(built):
    page = lxml.html.fromstring((built / "blog/pictures/index.html").read_text())
    (figure,) = page.iter("figure")
    assert [child.tag for child in figure] == ["img", "figcaption"]
    assert figure.get("class") == "image"
    assert figure.find("figcaption").text == "Throughput by cache size"
    assert "title" not in figure.find("img").attrib  # the caption says it once


@pytest.mark.parametrize(
    "markdown",
    [
        'Text and ![a](/x.png "T") in one paragraph.',  # not alone
        "![a](/x.png)",  # no title
        '- ![a](/x.png "T")\n- tight list item',  # a tight list's paragraph has no tags
    ],
)
def test_other_images_stay_inline(markdown):
    from flatfolio.render import render_markdown

    assert "<figure" not in render_markdown(markdown)


def test_feeds_keep_plain_images(built):
    feed = (built / "feed.xml").read_text()
    assert "https://example.org/img/wide.png" in feed
    assert "srcset" not in feed and "loading=" not in feed


def test_a_rebuild_is_byte_identical_and_makes_each_variant_once(pictures, tmp_path, monkeypatch):
    resized = []
    real = Image.Image.resize
    monkeypatch.setattr(Image.Image, "resize", lambda self, *a, **k: resized.append(self.size) or real(self, *a, **k))
    out = tmp_path / "out"
    freeze_site(create_app({"SITE_ROOT": str(pictures)}), out)
    assert len(resized) == len(WIDTHS) + 1  # 480, 960, 1600 of the wide one, 480 of the photo; nothing at 100%
    first = read_tree(out)
    freeze_site(create_app({"SITE_ROOT": str(pictures)}), out)  # reused from the last build
    freeze_site(create_app({"SITE_ROOT": str(pictures)}), tmp_path / "elsewhere")  # made from the cache
    assert len(resized) == len(WIDTHS) + 1
    assert read_tree(out) == first == read_tree(tmp_path / "elsewhere")
    fresh = tmp_path / "fresh"
    freeze_site(create_app({"SITE_ROOT": str(pictures), "RENDER_CACHE": False}), fresh)
    assert read_tree(fresh) == first


def test_changing_one_image_remakes_only_its_variants_and_the_pages_showing_it(pictures, tmp_path, monkeypatch):
    import flatfolio.build.frozen

    made = []
    real = flatfolio.build.frozen.freeze_urls
    monkeypatch.setattr(
        flatfolio.build.frozen, "freeze_urls", lambda app, urls: (made.append(url) or (url, page)
                                                                  for url, page in real(app, urls))
    )  # fmt: skip
    out = tmp_path / "out"
    freeze_site(create_app({"SITE_ROOT": str(pictures)}), out)
    old = {name for name in read_tree(out) if name.startswith("_img/")}
    made.clear()
    (pictures / "files/img/small.png").write_bytes(png(320, 160, (90, 90, 200)))
    freeze_site(create_app({"SITE_ROOT": str(pictures)}), out)
    new = {name for name in read_tree(out) if name.startswith("_img/")}
    assert sorted(made) == sorted(["/blog/pictures/", "/img/small.png", *(f"/{name}" for name in new - old)])
    assert len(new - old) == len(old - new) == 1
    assert read_tree(out) == read_tree(_fresh(pictures, tmp_path / "fresh"))


def _fresh(site_root, folder):
    freeze_site(create_app({"SITE_ROOT": str(site_root), "RENDER_CACHE": False}), folder)
    return folder


def test_the_dev_server_serves_the_variants_it_offers(pictures):
    client = create_app({"SITE_ROOT": str(pictures), "TESTING": True}).test_client()
    page = client.get("/blog/pictures/").get_data(as_text=True)
    url, width = variants(imgs(page)[0]["srcset"])[1]
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "image/webp"
    assert Image.open(io.BytesIO(response.data)).width == width
    other = url.replace(f"-{width}.webp", "-700.webp")  # a width it never offered: nothing is resized
    assert client.get(other).status_code == 404
    assert client.get("/_img/0123456789abcdef-480.webp").status_code == 404
    fresh = create_app({"SITE_ROOT": str(pictures), "TESTING": True, "RENDER_CACHE": False}).test_client()
    assert fresh.get(url).data == response.data  # a restarted server finds the image by its bytes


def test_a_sub_path_build_points_the_variants_inside_it(pictures, tmp_path):
    out = tmp_path / "sub"
    freeze_site(create_app({"SITE_ROOT": str(pictures)}), out, "https://user.github.io/site/")
    wide = imgs((out / "blog/pictures/index.html").read_text())[0]
    assert wide["src"] == "/site/img/wide.png" and wide["width"] == "2000"
    for url, _ in variants(wide["srcset"]):
        assert url.startswith("/site/_img/") and (out / url.removeprefix("/site/")).is_file()


def test_missing_images_and_missing_alt_text_are_problems_at_their_line(pictures, write, tmp_path):
    (pictures / "files/img/broken.png").write_bytes(b"not a png")
    write({
        POST: dedent(BODY) + "\nThen\n![gone](/img/gone.png) and ![on the theme](/static/gone.png)\n",
        "pages/about.md": "---\ntitle: About\n---\nA ![broken](/img/broken.png).\n",
        "pages/uses.md": "---\ntitle: Uses\n---\nMy desk:\n\n![](/img/wide.png)\n",
    })  # fmt: skip
    unreadable = "pages/about.md:4: warning: image: /img/broken.png: not an image (PNG, JPEG, WebP, GIF, AVIF or SVG); "
    expected = [
        unreadable + "shown without a size",
        "pages/uses.md:6: image: /img/wide.png: no alt text: say what it shows, ![what it shows](/img/wide.png)",
        f"{POST}:15: image: /img/gone.png: no page at this URL",
        f"{POST}:15: image: /static/gone.png: no such file in static/",
    ]
    app = create_app({"SITE_ROOT": str(pictures)})
    result = app.test_cli_runner().invoke(args=["check"])
    assert result.exit_code == 1
    assert result.output.splitlines()[:-1] == expected

    out = tmp_path / "out"
    result = app.test_cli_runner().invoke(args=["freeze", "--out", str(out)])
    assert (result.exit_code, result.output.splitlines()) == (1, expected[1:2])  # the content's errors come first
    write({"pages/uses.md": None})
    result = app.test_cli_runner().invoke(args=["freeze", "--out", str(out)])
    assert (result.exit_code, result.output.splitlines()) == (1, expected[2:])
    assert not out.exists()
    write({POST: BODY})
    result = app.test_cli_runner().invoke(args=["freeze", "--out", str(out)])
    assert result.exit_code == 0, result.output  # an unreadable file is shown as it is (a browser may read it)
    assert imgs((out / "about/index.html").read_text())[0] == {"src": "/img/broken.png", "alt": "broken"}


def test_the_built_page_with_images_is_valid_html(built):
    messages, _ = nu_check([built / "blog/pictures/index.html"])
    assert [(m["type"], m["message"]) for m in messages if m["type"] != "info"] == [], messages


SHIFTS = """() => new Promise(resolve => {
    new PerformanceObserver(list => resolve(list.getEntries().reduce((sum, shift) => sum + shift.value, 0)))
        .observe({type: "layout-shift", buffered: true});
    setTimeout(() => resolve(0), 500);
})"""


@pytest.mark.parametrize(("scale", "chosen"), [(1, "-480.webp"), (2, "-960.webp")])
def test_a_phone_fetches_a_small_variant_and_nothing_shifts(built, browser, scale, chosen):
    from urllib.parse import urlsplit

    from servers import static_server

    with static_server(built) as port:
        context = browser.new_context(viewport={"width": 375, "height": 700}, device_scale_factor=scale)
        try:
            page = context.new_page()
            fetched = []
            page.on("request", lambda request: fetched.append(urlsplit(request.url).path))
            page.goto(f"http://127.0.0.1:{port}/blog/pictures/", wait_until="load")
            wide = page.locator("figure img")
            assert wide.evaluate("img => img.currentSrc").endswith(chosen)
            box = wide.bounding_box()
            assert box["width"] == 335 and box["height"] == pytest.approx(167.5, abs=1)  # the column, ratio kept
            assert page.evaluate(SHIFTS) == 0  # Lighthouse's CLS: nothing moved as images arrived
            assert "/img/wide.png" not in fetched  # the 2000 px original is never fetched
        finally:
            context.close()
