"""The OpenAPI document: public, valid JSON, and describing exactly the routes the app serves under /api/v1."""

import re

import pytest
from openapi_spec_validator import OpenAPIV30SpecValidator

PREFIX = "/api/v1"
IGNORED_METHODS = {"HEAD", "OPTIONS"}
SAMPLE_ARGS = {"code": "XY-GA-001"}


def api_rules(app):
    return [r for r in app.url_map.iter_rules() if r.rule.startswith(PREFIX + "/")]


def openapi_path(rule: str) -> str:
    """Flask's /applications/<int(max=…):app_id> is OpenAPI's /applications/{app_id}."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule[len(PREFIX) :])


@pytest.fixture
def document(client):
    response = client.get(f"{PREFIX}/openapi.json")  # no token
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.get_json()


def test_the_document_is_public_openapi_3_0_3_with_bearer_auth_and_the_error_shape(document):
    assert document["openapi"] == "3.0.3" and document["info"]["title"]
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": document["components"]["securitySchemes"]["bearerAuth"]["description"],
    }
    assert document["security"] == [{"bearerAuth": []}]
    error = document["components"]["schemas"]["Error"]
    assert set(error["properties"]) == {"code", "message", "details", "fields"} and error["required"] == [
        "code",
        "message",
    ]
    assert {"400", "401", "403", "404", "409", "422"} <= {
        code for path in document["paths"].values() for op in path.values() for code in op["responses"]
    }


def test_it_describes_every_api_route_and_method_and_nothing_else(app, document):
    served = {(openapi_path(r.rule), m.lower()) for r in api_rules(app) for m in r.methods - IGNORED_METHODS}
    described = {(path, method) for path, ops in document["paths"].items() for method in ops}
    assert served == described


def test_every_operation_declares_its_path_parameters_responses_and_token(document):
    for path, ops in document["paths"].items():
        for method, op in ops.items():
            declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
            assert declared == set(re.findall(r"{(\w+)}", path)), (path, method)
            assert any(code.startswith("2") for code in op["responses"]), (path, method)
            public = op.get("security") == []
            assert ("401" in op["responses"]) is not public, (path, method)
            if method == "post":
                assert {"400", "422"} <= set(op["responses"]) and "requestBody" in op, (path, method)
    assert document["paths"]["/openapi.json"]["get"]["security"] == []
    assert "409" in document["paths"]["/tasks/{task_id}/complete"]["post"]["responses"]
    assert document["paths"]["/applications"]["post"]["responses"]["201"]


def test_every_reference_resolves(document):
    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "$ref":
                    yield value
                else:
                    yield from walk(value)
        elif isinstance(node, list):
            for value in node:
                yield from walk(value)

    refs = set(walk(document))
    assert refs
    for ref in refs:
        target = document
        for part in ref.removeprefix("#/").split("/"):
            target = target[part]
        assert isinstance(target, dict), ref


def test_the_document_passes_the_openapi_3_0_validator_with_no_error(document):
    assert document["openapi"].startswith("3.0.")
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in OpenAPIV30SpecValidator(document).iter_errors()
    ]
    assert errors == []


def test_every_endpoint_except_the_document_answers_401_without_a_token(app, client, sessions):
    rules = api_rules(app)
    assert len(rules) >= 10
    for rule in rules:
        path = rule.build({name: SAMPLE_ARGS.get(name, 1) for name in rule.arguments}, append_unknown=False)[1]
        for method in rule.methods - IGNORED_METHODS:
            response = client.open(path, method=method, json={} if method == "POST" else None)
            expected = 200 if rule.endpoint == "api.openapi" else 401
            assert response.status_code == expected, (method, path)
            if expected == 401:
                assert response.get_json()["code"] == "unauthorized"


def test_lists_are_documented_as_the_arrays_the_api_returns(document):
    schemas = document["components"]["schemas"]
    assert schemas["Interface"]["properties"]["business_scenarios"]["type"] == "array"
    assert schemas["ResourceDetail"]["allOf"][1]["properties"]["related_codes"]["type"] == "array"


def test_every_operation_names_its_security_and_the_422_of_the_input_guard(document):
    for path, ops in document["paths"].items():
        for method, op in ops.items():
            assert op["security"] == ([] if path == "/openapi.json" else [{"bearerAuth": []}]), (path, method)
            assert op["responses"]["422"] == {"$ref": "#/components/responses/Unprocessable"}, (path, method)
