"""The protocol as one JSON Schema (draft 2020-12), generated from the models.

``build()`` assembles it; the committed copy (``protocol.schema.json`` beside this module) is
what every instance serves at ``/federation/schema.json`` and what other implementations
read. ``manage.py cities_cms_federation_schema`` rewrites the file; a test checks that the
committed file equals ``build()``, so a change to a model or a block shows up in review.
"""

import json
from pathlib import Path

from pydantic.json_schema import models_json_schema

from .common import ENUMERATIONS, NETWORK_THEME_KEYS, PROTOCOL
from .documents import Envelope, PracticeModelDocument, Tombstone
from .instance import (
    Descriptor,
    ErrorAnswer,
    FeedPage,
    Handover,
    MemberList,
    PushNotification,
    RelayFeedPage,
)
from .seminars import SeminarDocument

SCHEMA_FILE = Path(__file__).with_name("protocol.schema.json")
SCHEMA_ID = "urn:cities-cms:protocol:1"

# The objects of the protocol: (definition name, model, what it is).
TOP_LEVEL = [
    ("Envelope", Envelope, "a signed object"),
    ("PracticeModelDocument", PracticeModelDocument, "type practice-model"),
    ("SeminarDocument", SeminarDocument, "type seminar"),
    ("Tombstone", Tombstone, "type tombstone"),
    ("Descriptor", Descriptor, "type descriptor"),
    ("Handover", Handover, "type key-handover"),
    ("MemberList", MemberList, "type member-list"),
    ("PushNotification", PushNotification, "type changed"),
    ("FeedPage", FeedPage, "a feed page"),
    ("RelayFeedPage", RelayFeedPage, "a relay feed page"),
    ("ErrorAnswer", ErrorAnswer, "an error answer"),
]
# Which definition a signed document of each ``type`` follows.
SIGNED_TYPES = {
    "practice-model": "PracticeModelDocument",
    "seminar": "SeminarDocument",
    "tombstone": "Tombstone",
    "descriptor": "Descriptor",
    "key-handover": "Handover",
    "member-list": "MemberList",
}


def _by_type(mapping: dict) -> list:
    """``if type == X then …`` for each X: known types are checked, unknown ones pass (a
    receiver ignores them with a warning)."""
    return [
        {
            "if": {"properties": {"type": {"const": name}}, "required": ["type"]},
            "then": then,
        }
        for name, then in mapping.items()
    ]


def _stream_models():
    """One model per StreamField of the documents' locales, a property per block type:
    {model: (field, [the locale definitions using it])}. Practice models and seminars share
    the definition of a field whose blocks are the same (``body``)."""
    from pydantic import create_model

    from ...pages import PracticeModelPage, SeminarPage
    from .blocks import page_stream_types
    from .common import WireModel
    from .documents import STREAM_FIELDS
    from .seminars import SEMINAR_STREAM_FIELDS

    pages = [
        (PracticeModelPage, STREAM_FIELDS, "LocaleContent"),
        (SeminarPage, SEMINAR_STREAM_FIELDS, "SeminarLocaleContent"),
    ]
    by_name, result = {}, {}
    for page_class, fields, locale_definition in pages:
        for field, types in page_stream_types(page_class).items():
            if field not in fields:
                continue
            name = "".join(part.title() for part in field.split("_")) + "Stream"
            if name in by_name and by_name[name][0] != types:
                name = page_class.__name__.removesuffix("Page") + name
            if name not in by_name:
                model = create_model(
                    name,
                    __base__=WireModel,
                    **{block: (kind, None) for block, kind in types.items()},
                )
                by_name[name] = (types, model)
                result[model] = (field, [])
            result[by_name[name][1]][1].append(locale_definition)
    return result


def _closed_keys(node):
    """pydantic writes a dict with constrained keys as ``patternProperties``; other keys must
    fail as they do in the models."""
    if isinstance(node, dict):
        if "patternProperties" in node:
            node.setdefault("additionalProperties", False)
        for value in node.values():
            _closed_keys(value)
    elif isinstance(node, list):
        for value in node:
            _closed_keys(value)


def build() -> dict:
    streams = _stream_models()
    models = [model for _name, model, _what in TOP_LEVEL] + list(streams)
    _keys, schema = models_json_schema(
        [(model, "validation") for model in models], ref_template="#/$defs/{model}"
    )
    defs = schema["$defs"]
    # A stream field: blocks whose value follows the block type's definition.
    for model, (field, locale_definitions) in streams.items():
        stream = defs.pop(model.__name__)
        values = dict(stream["properties"])
        for prop in values.values():
            prop.pop("default", None)
            prop.pop("title", None)
        defs[model.__name__] = {
            "title": model.__name__,
            "description": f"The blocks of a locale's `{field}`: "
            + ", ".join(f"`{name}`" for name in values)
            + ". Other types are ignored by the receiver (with a warning).",
            "type": "array",
            "maxItems": 200,
            "items": {
                "$ref": "#/$defs/Block",
                "allOf": _by_type({b: {"properties": {"value": v}} for b, v in values.items()}),
            },
        }
        for locale_definition in locale_definitions:
            defs[locale_definition]["properties"][field] = {
                "anyOf": [{"$ref": f"#/$defs/{model.__name__}"}, {"type": "null"}],
                "default": [],
            }
    defs["Envelope"]["properties"]["document"] = {
        "type": "object",
        "description": "The signed object; its `type` says which definition it follows.",
        "allOf": _by_type({t: {"$ref": f"#/$defs/{d}"} for t, d in SIGNED_TYPES.items()}),
    }
    _closed_keys(defs)
    for document in ("PracticeModelDocument", "SeminarDocument"):
        themes = defs[document]["properties"]["themes"]["anyOf"][0]["items"]
        themes["examples"] = list(NETWORK_THEME_KEYS)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": f"Federation protocol {PROTOCOL}",
        "description": (
            "The wire objects of cities_cms federation (docs/federation.md). Generated from "
            "cities_cms.federation.schema; served by every instance at /federation/schema.json. "
            "Objects may carry fields this version does not define: receivers ignore them."
        ),
        "anyOf": [{"$ref": f"#/$defs/{name}"} for name, _model, _what in TOP_LEVEL],
        "$defs": dict(sorted(defs.items())),
        "x-enumerations": {name: list(values) for name, values, _where in ENUMERATIONS},
    }


def dumps(schema: dict) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def published() -> str:
    """The committed schema file's text (what the URL serves)."""
    return SCHEMA_FILE.read_text("utf-8")


def write() -> Path:
    SCHEMA_FILE.write_text(dumps(build()), "utf-8")
    return SCHEMA_FILE
