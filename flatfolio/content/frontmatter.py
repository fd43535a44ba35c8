"""Front matter YAML: safe loading where impossible dates and values no constructor can make are reported."""

import yaml

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader is ~10x faster


class InvalidDate(str):
    """A YAML value shaped like a date that is not one (2024-02-30): reported, not raised."""


class _FrontMatterLoader(_BaseLoader):
    """Safe YAML loading that turns impossible dates into `InvalidDate` and unreadable values into YAML errors."""

    def construct_object(self, node, deep=False):
        # SafeConstructor raises bare ValueError, KeyError, IndexError or AttributeError for a
        # value its tag cannot make (!!int abc, !!int with none, !!bool maybe, !!timestamp nope).
        try:
            return super().construct_object(node, deep)
        except (ValueError, LookupError, AttributeError, TypeError):
            kind = node.tag.removeprefix("tag:yaml.org,2002:")
            value = node.value if isinstance(node.value, str) else ""
            shown = repr(value) if len(value) <= 40 else f"{value[:20]!r}... ({len(value)} characters)"
            problem = f"cannot read {shown} as !!{kind}"
            raise yaml.constructor.ConstructorError(None, None, problem, node.start_mark) from None


def _construct_timestamp(loader, node):
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        return InvalidDate(node.value)


def _construct_int(loader, node):
    # Over 4300 digits int() refuses; 0x... and 1:2:3 get past that limit, and such a
    # number could then not even be printed in a problem: refuse those too.
    value = yaml.SafeLoader.construct_yaml_int(loader, node)
    if value.bit_length() > 14_000:
        raise ValueError("too large")
    return value


_FrontMatterLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
_FrontMatterLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)


def load_yaml(text: str):
    """The YAML document in `text`, loaded safely; yaml.YAMLError (with a mark) for anything it cannot read."""
    return yaml.load(text, Loader=_FrontMatterLoader)
