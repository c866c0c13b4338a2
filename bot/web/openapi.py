"""The API's OpenAPI 3.1 document, served at /api/v1/openapi.json.

The request schema is the request model's own (`bot.web.api.QuoteBody`). The response
schema describes the `yibao quote --format json` contract (README): the keys other tools
rely on, with their types, required; the full breakdown beside them is open to additions
(`additionalProperties`), so a new detail field is not a breaking change. tests/web validate
the answer to every worked case in policies/data/*/*.cases.yaml against it.
"""

from __future__ import annotations

from functools import cache
from typing import Any, Final, get_args

from bot.web.api import QuoteBody
from policies.schema import ContactTopic

_NULLABLE_DATE: Final = {"type": ["string", "null"], "format": "date"}
_SOURCE: Final = {
    "type": "object",
    "required": ["document", "clause_id", "clause_label", "quote", "national"],
    "properties": {
        "document": {"type": "string"},
        "clause_id": {"type": "string"},
        "clause_label": {"type": "string"},
        "quote": {"type": "string"},
        "national": {"type": "boolean"},
    },
}
_SOURCES: Final = {"type": "array", "items": {"$ref": "#/components/schemas/Source"}}
_ITEM_PROPERTIES: Final = {
    "name": {"type": "string"},
    "detail": {"type": ["string", "null"]},
    "audience": {"type": ["string", "null"]},
    "sources": _SOURCES,
}
_ITEMS: Final = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["name", "detail", "sources"],
        "properties": _ITEM_PROPERTIES,
    },
}
_CONTACTS: Final = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["name", "detail", "sources", "concerns", "concerns_this_answer"],
        "properties": {
            **_ITEM_PROPERTIES,
            "concerns": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["topic", "identities", "sources"],
                    "properties": {
                        "topic": {"enum": list(get_args(ContactTopic))},
                        "identities": {"type": "array", "items": {"type": "string"}},
                        "sources": _SOURCES,
                    },
                },
            },
            "concerns_this_answer": {"type": "boolean"},
        },
    },
}
QUOTE_RESPONSE: Final[dict[str, Any]] = {
    "type": "object",
    "required": [
        "status", "region", "policy_year", "amount_due_cny", "deadline", "coverage_start",
        "coverage_end", "waiting_period", "channels", "notes", "sources", "request", "lang",
    ],
    "properties": {
        "status": {"enum": ["ok", "undetermined", "closed", "no_policy"]},
        "region": {"type": "string"},
        "region_name": {"type": ["string", "null"]},
        "policy_year": {"type": ["integer", "null"]},
        "latest_policy_year": {"type": ["integer", "null"]},
        "document": {"type": ["string", "null"]},
        "lang": {"enum": ["zh_Hans", "zh_Hant", "en"]},
        "request": {
            "type": "object",
            "required": ["region", "identities", "payment_date"],
            "properties": {
                "region": {"type": "string"},
                "identities": {"type": "array", "items": {"type": "string"}},
                "payment_date": {"type": "string", "format": "date"},
                "birth_date": _NULLABLE_DATE,
                "lapsed_years": {"type": "integer", "minimum": 0},
                "repaid_years": {"type": "integer", "minimum": 0},
                "tier": {"type": ["integer", "null"]},
            },
        },
        "amount_due_cny": {"type": ["number", "null"], "minimum": 0},
        "breakdown": {"type": ["object", "null"]},
        "deadline": _NULLABLE_DATE,
        "coverage_start": _NULLABLE_DATE,
        "coverage_end": _NULLABLE_DATE,
        "waiting_period": {
            "type": ["object", "null"],
            "properties": {"kind": {"type": "string"}, "sources": _SOURCES},
        },
        "registration": _ITEMS,
        "channels": _ITEMS,
        "contacts": _CONTACTS,
        "refunds": _ITEMS,
        "notes": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["code", "message", "sources"],
                "properties": {
                    "code": {"type": "string"},
                    "params": {"type": "object"},
                    "message": {"type": "string"},
                    "sources": _SOURCES,
                },
            },
        },
        "needs": {"type": "array", "items": {"type": "string"}},
        "sources": _SOURCES,
    },
    "additionalProperties": True,
}
ERROR: Final = {
    "type": "object",
    "required": ["error", "status"],
    "properties": {
        "error": {"type": "string", "description": "why, in the body's lang (zh_Hans when it "
                  "has none or none can be read; 413: the query's ?lang=)"},
        "status": {"type": "integer"},
    },
}
REGIONS: Final = {
    "type": "object",
    "required": ["regions"],
    "properties": {
        "regions": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["slug", "name", "names", "policy_years"],
                "properties": {
                    "slug": {"type": "string"},
                    "name": {"type": "string"},
                    "names": {"type": "array", "items": {"type": "string"}},
                    "policy_years": {"type": "array", "items": {"type": "integer"}},
                },
            },
        }
    },
}


def _json(schema: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}


def _errors(*codes: int) -> dict[str, Any]:
    return {str(code): {"description": "refused", "content": _json("Error")} for code in codes}


@cache
def document() -> dict[str, Any]:
    request = QuoteBody.model_json_schema(ref_template="#/components/schemas/{model}")
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "yibao 居民医保 helpdesk API",
            "version": "1",
            "description": "The `yibao quote --format json` contract over HTTP: same options "
            "(as JSON keys), same answer, same messages.",
        },
        "paths": {
            "/api/v1/quote": {
                "post": {
                    "summary": "answer one payment question",
                    "requestBody": {"required": True, "content": _json("QuoteBody")},
                    "responses": {
                        "200": {"description": "the answer", "content": _json("Quote")},
                        **_errors(400, 413, 415, 422, 429),
                    },
                }
            },
            "/api/v1/regions": {
                "get": {
                    "summary": "the regions on file",
                    "responses": {"200": {"description": "ok", "content": _json("Regions")}},
                }
            },
            "/healthz": {
                "get": {"summary": "liveness", "responses": {"200": {"description": "ok"}}}
            },
        },
        "components": {
            "schemas": {
                "QuoteBody": request,
                "Quote": QUOTE_RESPONSE,
                "Source": _SOURCE,
                "Error": ERROR,
                "Regions": REGIONS,
            }
        },
    }
