"""schema.org data (JSON-LD) for the home page and posts, rendered by the templates with |tojson."""

from urllib.parse import quote

from flask import Flask

from .bibliography import Publication
from .content.model import Page, Post
from .content.state import request_site
from .social import social_image
from .views import base_url, public_url

SAFE_IN_FRAGMENT = "/:@!$&'()*+,;=?-._~"  # RFC 3986: what a #fragment may hold as it is


def person_data() -> dict:
    """schema.org Person for the home page (rendered with |tojson, which escapes </script>)."""
    config = request_site().config
    person = {"@context": "https://schema.org", "@type": "Person", "name": config.author, "url": base_url()}
    if config.role:
        person["jobTitle"] = config.role
    if config.location:
        person["address"] = {"@type": "PostalAddress", "addressLocality": config.location}
    profiles = [url for name, url in config.social.items() if name != "resume"]  # a résumé is no profile
    if profiles:
        person["sameAs"] = profiles
    return person


def posting_data(post: Post) -> dict:
    """schema.org BlogPosting for a post page."""
    config = request_site().config
    data = {
        "@context": "https://schema.org",
        "@type": "BlogPosting",
        "headline": post.title,
        "datePublished": post.date.isoformat(),
        "dateModified": post.last_modified.isoformat(),
        "author": {"@type": "Person", "name": config.author, "url": base_url()},
        "url": public_url(post),
        "mainEntityOfPage": post.external_url or public_url(post),
        "description": post.summary,
    }
    if post.tags:
        data["keywords"] = [tag.name for tag in post.tags]
    series = request_site().series_of(post)
    if series:
        data["isPartOf"] = {"@type": "CreativeWorkSeries", "name": series.name, "url": public_url(series)}
        data["position"] = series.number(post)
    image = social_image(post)
    if image:
        data["image"] = {"@type": "ImageObject", **{key: image[key] for key in ("url", "width", "height")}}
    return data


def scholarly_data(item: Publication, page: Page) -> dict:
    """schema.org ScholarlyArticle for one entry of a publications page (bibliography.py)."""
    page_url, root = public_url(page), base_url()
    anchor = f"{page_url}#{quote(item.key, safe=SAFE_IN_FRAGMENT)}"
    absolute = {label: root + url[1:] if url.startswith("/") else url for label, url in item.links.items()}
    data = {
        "@context": "https://schema.org", "@type": "ScholarlyArticle", "@id": anchor,
        "headline": item.title, "name": item.title, "url": absolute.get("URL") or absolute.get("DOI") or anchor,
        "mainEntityOfPage": page_url,
    }  # fmt: skip
    if item.authors:
        data["author"] = [
            {"@type": "Person", "name": author.name, **({"url": root} if author.owner else {})}
            for author in item.authors
        ]
    if item.year:
        data["datePublished"] = str(item.year)
    if item.venue:
        organization = {"@type": "Organization", "name": item.venue}
        key = {"report": "sourceOrganization", "thesis": "sourceOrganization", "book": "publisher"}.get(item.kind)
        data[key or "isPartOf"] = organization if key else {"@type": "CreativeWork", "name": item.venue}
    if item.kind:
        data["genre"] = item.kind
    if item.doi:
        data["identifier"] = {"@type": "PropertyValue", "propertyID": "DOI", "value": item.doi}
    if absolute:
        data["sameAs"] = list(dict.fromkeys(absolute.values()))
    return data


def init_app(app: Flask) -> None:
    """Offer the data to the templates."""
    app.jinja_env.globals.update(person_data=person_data, posting_data=posting_data, scholarly_data=scholarly_data)
