"""The JSON API is `yibao quote --format json` over HTTP: for every worked case in
policies/data/*/*.cases.yaml the same question gets byte-for-byte the command's output,
every answer validates against the published schema, and refusals carry the command's
messages with a 4xx status."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
from starlette.testclient import TestClient

from bot.cli import main
from bot.web import openapi
from tests.policies.test_cases import ALL_CASES, Case, CaseFile

LANGS = ("zh_Hans", "zh_Hant", "en")


def cli(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def request_of(region: str, case: Case, lang: str) -> tuple[dict[str, Any], list[str]]:
    """The case's question as an API body and as the command's arguments."""
    given = case.given
    body: dict[str, Any] = {"region": region, "identities": list(given.identities),
                            "date": given.date.isoformat(), "lang": lang}
    argv = ["quote", "--region", region, "--date", given.date.isoformat(), "--lang", lang,
            "--format", "json"]
    for identity in given.identities:
        argv += ["--identity", identity]
    if given.birth_date is not None:
        body["birth_date"] = given.birth_date.isoformat()
        argv += ["--birth-date", given.birth_date.isoformat()]
    if given.lapsed_years:
        body["lapsed_years"] = given.lapsed_years
        argv += ["--lapsed-years", str(given.lapsed_years)]
    if given.repaid_years:
        body["repaid_years"] = given.repaid_years
        argv += ["--repaid-years", str(given.repaid_years)]
    if given.tier is not None:
        body["tier"] = given.tier
        argv += ["--tier", str(given.tier)]
    return body, argv


def validator(name: str) -> jsonschema.Draft202012Validator:
    """One of the published schemas (OpenAPI 3.1 schemas are JSON Schema 2020-12)."""
    document = openapi.document()
    schema = {"$ref": f"#/components/schemas/{name}", "components": document["components"]}
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


QUOTE = validator("Quote")
ERROR = validator("Error")


@pytest.mark.parametrize(("case_file", "case"), ALL_CASES)
def test_every_worked_case_gets_the_commands_json(
    client: TestClient, capsys: pytest.CaptureFixture[str], case_file: CaseFile, case: Case
) -> None:
    lang = LANGS[len(case.name) % len(LANGS)]  # every language, spread over the cases
    body, argv = request_of(case_file.region, case, lang)
    code, out, err = cli(capsys, argv)
    assert code == 0, err
    response = client.post("/api/v1/quote", json=body)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.text == out  # same bytes: one contract
    answer = response.json()
    QUOTE.validate(answer)
    assert answer["status"] == case.expect.status or case.expect.status is None


def test_request_schema_is_the_request_model(client: TestClient) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    jsonschema.Draft202012Validator.check_schema(schema["components"]["schemas"]["Quote"])
    body = schema["components"]["schemas"]["QuoteBody"]
    assert set(body["properties"]) == {
        "region", "identities", "date", "birth_date", "lapsed_years", "repaid_years", "tier",
        "insurance_year", "lang",
    }
    assert body["required"] == ["region", "date"]
    assert schema["paths"]["/api/v1/quote"]["post"]["responses"]["200"]


@pytest.mark.parametrize(
    ("body", "argv"),
    [
        ({"region": "火星", "date": "2025-03-10"}, ["--region", "火星", "--date", "2025-03-10"]),
        ({"region": "昌图", "identities": ["皇帝"], "date": "2025-03-10"},
         ["--region", "昌图", "--identity", "皇帝", "--date", "2025-03-10"]),
        ({"region": "昌图", "date": "2025-3-10"}, ["--region", "昌图", "--date", "2025-3-10"]),
        ({"region": "昌图", "date": "2025-03-10", "birth_date": "2025-04-01",
          "identities": ["newborn"]},
         ["--region", "昌图", "--date", "2025-03-10", "--birth-date", "2025-04-01",
          "--identity", "newborn"]),
        ({"region": "昌图", "date": "2025-03-10", "lang": "en"},
         ["--region", "昌图", "--date", "2025-03-10", "--lang", "en"]),
        # the insurance year asked for, accepted or refused as the command does
        ({"region": "丰都", "date": "2025-10-15", "insurance_year": 2026},
         ["--region", "丰都", "--date", "2025-10-15", "--insurance-year", "2026"]),
        ({"region": "丰都", "date": "2025-10-15", "insurance_year": 2025},
         ["--region", "丰都", "--date", "2025-10-15", "--insurance-year", "2025"]),
        ({"region": "昌图", "date": "2025-03-10", "insurance_year": 2031},
         ["--region", "昌图", "--date", "2025-03-10", "--insurance-year", "2031"]),
    ],
)
def test_refusals_carry_the_commands_message(
    client: TestClient, capsys: pytest.CaptureFixture[str], body: dict[str, Any],
    argv: list[str],
) -> None:
    code, out, err = cli(capsys, ["quote", *argv, "--format", "json"])
    response = client.post("/api/v1/quote", json=body)
    if code == 0:  # the control: an accepted question is accepted by both
        assert response.status_code == 200 and response.text == out
        return
    assert code == 2
    assert response.status_code == 422
    ERROR.validate(response.json())
    assert response.json()["error"] == err.rstrip("\n")


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        # in the command's language: its --lang, else zh_Hans (bot/cli/language.py)
        ({"region": "昌图", "date": "2025-03-10", "lapsed_years": 99}, "必须在 0 到 80 之间"),
        ({"region": "昌图", "date": "2025-03-10", "lapsed_years": 99, "lang": "en"},
         "between 0 and 80"),
        ({"region": "昌图", "date": "2025-03-10", "tier": 3}, "无效的选项：3"),
        ({"region": "昌图", "date": "2025-03-10", "tier": 3, "lang": "zh_Hant"}, "無效的選項：3"),
        ({"region": "昌图", "date": "2025-03-10", "lang": "fr"}, "无效的选项：'fr'"),
    ],
)
def test_the_commands_own_checks_apply(
    client: TestClient, capsys: pytest.CaptureFixture[str], body: dict[str, Any], fragment: str
) -> None:
    response = client.post("/api/v1/quote", json=body)
    assert response.status_code == 422
    assert fragment in response.json()["error"]
    # the command says the same (after argparse's usage line)
    argv = ["quote", "--region", "昌图", "--date", "2025-03-10", "--format", "json"]
    extra = {k: v for k, v in body.items() if k not in ("region", "date")}
    for key, value in extra.items():
        argv += ["--" + key.replace("_", "-"), str(value)]
    code, _, err = cli(capsys, argv)
    assert code == 2 and response.json()["error"] in err


@pytest.mark.parametrize(
    ("content", "content_type", "status", "fragment"),
    [
        # (no lang in the body: zh_Hans, as the command's; tests/bot/test_runtime_language.py
        # reads each refusal in every language)
        (b"{not json", "application/json", 400, "JSON"),
        (b"[1, 2]", "application/json", 400, "JSON"),
        (b'{"region": "changtu"}', "application/json", 422, "date"),
        (b'{"region": 5, "date": "2025-03-10"}', "application/json", 422, "region"),
        (b'{"region": "changtu", "date": "2025-03-10", "identities": "dibao"}',
         "application/json", 422, "identities"),
        (b'{"region": "changtu", "date": "2025-03-10", "who": "me"}', "application/json", 422,
         "`who`"),
        (b'{"region": "changtu", "date": "2025-03-10", "lapsed_years": "3"}',
         "application/json", 422, "lapsed_years"),
        (b"region=changtu", "application/x-www-form-urlencoded", 415, "application/json"),
    ],
)
def test_malformed_requests_are_4xx_json(
    client: TestClient, content: bytes, content_type: str, status: int, fragment: str
) -> None:
    response = client.post("/api/v1/quote", content=content,
                           headers={"content-type": content_type})
    assert response.status_code == status
    ERROR.validate(response.json())
    assert fragment in response.json()["error"]


def test_size_limits(client: TestClient) -> None:
    huge = json.dumps({"region": "昌图" * 10_000, "date": "2025-03-10"})
    assert client.post("/api/v1/quote", content=huge,
                       headers={"content-type": "application/json"}).status_code == 413
    long_name = {"region": "昌" * 101, "date": "2025-03-10"}
    assert client.post("/api/v1/quote", json=long_name).status_code == 422
    many = {"region": "昌图", "date": "2025-03-10", "identities": ["dibao"] * 21}
    assert client.post("/api/v1/quote", json=many).status_code == 422


def test_regions_and_health(client: TestClient) -> None:
    regions = client.get("/api/v1/regions").json()["regions"]
    validator("Regions").validate({"regions": regions})
    by_slug = {r["slug"]: r for r in regions}
    assert by_slug["changtu"]["name"] == "昌图县"
    assert 2025 in by_slug["changtu"]["policy_years"]
    # every name a region answers to in the API is one the quote accepts
    for region in regions:
        for name in region["names"]:
            response = client.post("/api/v1/quote", json={"region": name, "date": "2025-03-10"})
            assert response.status_code == 200, (name, response.text)
            assert response.json()["region"] == region["slug"]
    assert client.get("/healthz").json() == {"status": "ok"}
