"""The store config (``/_chamber/store-config``, chamber v3.1.0+): its JSON with Go's
encoding/json semantics, shared by every backend that keeps it (SSM, local)."""

from __future__ import annotations

from pychamber.compat import gojson
from pychamber.model import StoreConfig


def dump_store_config(config: StoreConfig) -> str:
    """Go's ``json.Marshal(StoreConfig)``: ``{"version":"1","requiredTags":[...]}``,
    ``requiredTags`` omitted when empty."""
    text = '{"version":' + gojson.json_string(config.version)
    if config.required_tags:
        text += ',"requiredTags":[' + ",".join(gojson.json_string(t) for t in config.required_tags) + "]"
    return text + "}"


def parse_store_config(text: str) -> StoreConfig:
    """Go's ``json.Unmarshal`` into ``StoreConfig``: field names match case-insensitively,
    unknown fields are ignored, ``null`` leaves a field unset, type mismatches are errors.
    Raises ValueError with a Go-like message."""
    data = gojson.loads(text)
    config = StoreConfig(version="", required_tags=[])
    if data is None:
        return config
    if not isinstance(data, gojson.Object):
        raise ValueError(
            f"json: cannot unmarshal {gojson.kind(data)} into Go value of type store.StoreConfig")
    for key, value in data:
        field = key.lower()
        if field == "version":
            if value is None:
                continue
            if not gojson.is_string(value):
                raise gojson.type_error(value, "StoreConfig.version", "string")
            config.version = value
        elif field == "requiredtags":
            if value is None:
                config.required_tags = []
                continue
            if not gojson.is_array(value):
                raise gojson.type_error(value, "StoreConfig.requiredTags", "[]string")
            tags = []
            for item in value:
                if item is None:
                    tags.append("")
                elif gojson.is_string(item):
                    tags.append(item)
                else:
                    raise gojson.type_error(item, "StoreConfig.requiredTags", "string")
            config.required_tags = tags
    return config
