"""schema.org data (JSON-LD) for the home page and posts, rendered by the templates with |tojson."""

from flask import Flask

from .content.model import Post
from .content.state import request_site
from .views import base_url, public_url


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
    return data


def init_app(app: Flask) -> None:
    """Offer the data to the templates."""
    app.jinja_env.globals.update(person_data=person_data, posting_data=posting_data)
