"""Status codes and bodies of the main /api/v1 routes."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.api.conftest import USER
from tests.api.support import Server, assert_error, files_body, seg

FILES = {"model.bin": b"weights"}


def seeded(server: Server, versions: int = 1) -> Server:
    for i in range(versions):
        response = server.create_version("Fraud", {"model.bin": f"weights-{i}".encode()})
        assert response.status_code == 201, response.text
    return server


def test_post_models_returns_201_with_model(server: Server) -> None:
    response = server.http.post("/api/v1/models", json={"name": "Fraud", "tags": {"team": "risk"}})

    assert response.status_code == 201
    body = response.json()
    assert (body["name"], body["tags"], body["created_by"]) == ("Fraud", {"team": "risk"}, USER)


def test_post_models_case_twin_returns_409_already_exists(server: Server) -> None:
    server.http.post("/api/v1/models", json={"name": "Fraud"})

    assert_error(server.http.post("/api/v1/models", json={"name": "FRAUD"}), 409, "ALREADY_EXISTS")


def test_post_models_invalid_name_returns_400(server: Server) -> None:
    assert_error(server.http.post("/api/v1/models", json={"name": "a b"}), 400, "INVALID_ARGUMENT")


def test_post_models_unknown_field_returns_400(server: Server) -> None:
    response = server.http.post("/api/v1/models", json={"name": "Fraud", "owner": "me"})

    assert_error(response, 400, "INVALID_ARGUMENT")


def test_get_model_returns_200(server: Server) -> None:
    seeded(server)

    response = server.http.get("/api/v1/models/Fraud")

    assert response.status_code == 200
    assert response.json()["latest_version"] == 1


def test_get_missing_model_returns_404_resource_not_found(server: Server) -> None:
    assert_error(server.http.get("/api/v1/models/Ghost"), 404, "RESOURCE_NOT_FOUND")


def test_list_models_returns_200_with_page(server: Server) -> None:
    for name in ("a", "b", "c"):
        server.http.post("/api/v1/models", json={"name": name})

    first = server.http.get("/api/v1/models", params={"max_results": 2}).json()
    second = server.http.get(
        "/api/v1/models", params={"max_results": 2, "page_token": first["next_page_token"]}
    ).json()

    assert [m["name"] for m in first["models"] + second["models"]] == ["a", "b", "c"]
    assert second["next_page_token"] is None


def test_patch_model_returns_200_and_renames(server: Server) -> None:
    seeded(server)

    response = server.http.patch(
        "/api/v1/models/Fraud", json={"name": "FraudV2", "description": "d"}
    )

    assert response.status_code == 200
    assert (response.json()["name"], response.json()["description"]) == ("FraudV2", "d")
    assert server.http.get("/api/v1/models/FraudV2/versions/1").status_code == 200


def test_delete_model_returns_204_then_404(server: Server) -> None:
    seeded(server)

    response = server.http.delete("/api/v1/models/Fraud")

    assert (response.status_code, response.content) == (204, b"")
    assert_error(server.http.get("/api/v1/models/Fraud"), 404, "RESOURCE_NOT_FOUND")
    assert_error(server.http.delete("/api/v1/models/Fraud"), 404, "RESOURCE_NOT_FOUND")


def test_post_version_returns_201_with_number(server: Server) -> None:
    response = server.create_version("Fraud", FILES)

    assert response.status_code == 201
    assert (response.json()["version"], response.json()["created_by"]) == (1, USER)


def test_get_version_by_each_reference_returns_200(server: Server) -> None:
    seeded(server, 3)
    server.http.put("/api/v1/models/Fraud/aliases/champion", json={"version": 2})
    server.http.post("/api/v1/models/Fraud/versions/1/transition", json={"stage": "Production"})

    got = {
        ref: server.http.get(f"/api/v1/models/Fraud/versions/{seg(ref)}").json()["version"]
        for ref in ("3", "latest", "Production", "@champion")
    }

    assert got == {"3": 3, "latest": 3, "Production": 1, "@champion": 2}


def test_get_missing_version_returns_404(server: Server) -> None:
    seeded(server)

    assert_error(server.http.get("/api/v1/models/Fraud/versions/9"), 404, "RESOURCE_NOT_FOUND")


def test_get_manifest_returns_files(server: Server) -> None:
    seeded(server)

    response = server.http.get("/api/v1/models/Fraud/versions/1/manifest")

    assert response.status_code == 200
    assert response.json() == files_body({"model.bin": b"weights-0"})["files"]


def test_list_versions_of_model_returns_newest_first(server: Server) -> None:
    seeded(server, 3)

    response = server.http.get("/api/v1/models/Fraud/versions")

    assert [v["version"] for v in response.json()["versions"]] == [3, 2, 1]


def test_search_versions_with_filter_returns_matches(server: Server) -> None:
    seeded(server, 2)
    server.http.put("/api/v1/models/Fraud/versions/2/tags/owner", json={"value": "alice"})

    response = server.http.get("/api/v1/versions", params={"filter": "tags.owner = 'alice'"})

    assert [v["version"] for v in response.json()["versions"]] == [2]


def test_search_versions_malformed_filter_returns_400(server: Server) -> None:
    response = server.http.get("/api/v1/versions", params={"filter": "name =="})

    assert_error(response, 400, "INVALID_ARGUMENT")


def test_patch_version_returns_200_with_description(server: Server) -> None:
    seeded(server)

    response = server.http.patch("/api/v1/models/Fraud/versions/1", json={"description": "d"})

    assert (response.status_code, response.json()["description"]) == (200, "d")


def test_delete_version_returns_204_and_number_not_reused(server: Server) -> None:
    seeded(server, 2)

    assert server.http.delete("/api/v1/models/Fraud/versions/2").status_code == 204
    assert server.create_version("Fraud", {"x": b"new"}).json()["version"] == 3


def test_transition_returns_200_and_archives_previous(server: Server) -> None:
    seeded(server, 2)
    url = "/api/v1/models/Fraud/versions/{}/transition"
    server.http.post(url.format(1), json={"stage": "Production"})

    response = server.http.post(url.format(2), json={"stage": "Production", "comment": "go"})

    assert (response.status_code, response.json()["stage"]) == (200, "Production")
    assert server.http.get("/api/v1/models/Fraud/versions/1").json()["stage"] == "Archived"


def test_transition_unknown_stage_returns_400(server: Server) -> None:
    seeded(server)

    response = server.http.post(
        "/api/v1/models/Fraud/versions/1/transition", json={"stage": "Prod"}
    )

    assert_error(response, 400, "INVALID_ARGUMENT")


def test_rollback_returns_200_with_restored_version(server: Server) -> None:
    seeded(server, 2)
    for n in (1, 2):
        server.http.post(
            f"/api/v1/models/Fraud/versions/{n}/transition", json={"stage": "Production"}
        )

    response = server.http.post("/api/v1/models/Fraud/rollback", json={"comment": "bad"})

    assert (response.status_code, response.json()["version"]) == (200, 1)
    history = server.http.get("/api/v1/models/Fraud/history").json()["changes"]
    assert {(c["version"], c["to_stage"]) for c in history[-2:]} == {
        (1, "Production"),
        (2, "Archived"),
    }


def test_rollback_without_previous_returns_409_conflict(server: Server) -> None:
    seeded(server)

    assert_error(server.http.post("/api/v1/models/Fraud/rollback", json={}), 409, "CONFLICT")


def test_put_alias_returns_200_and_delete_answers_the_model(server: Server) -> None:
    seeded(server)

    put = server.http.put("/api/v1/models/Fraud/aliases/champion", json={"version": "1"})
    delete = server.http.delete("/api/v1/models/Fraud/aliases/champion")

    assert (put.status_code, put.json()["aliases"]) == (200, ["champion"])
    assert (delete.status_code, delete.json()["aliases"]) == (200, {})
    assert_error(
        server.http.delete("/api/v1/models/Fraud/aliases/champion"), 404, "RESOURCE_NOT_FOUND"
    )


def test_put_alias_reserved_name_returns_400(server: Server) -> None:
    seeded(server)

    for alias in ("1", "Production", "latest"):
        response = server.http.put(f"/api/v1/models/Fraud/aliases/{alias}", json={"version": 1})
        assert_error(response, 400, "INVALID_ARGUMENT")


def test_put_and_delete_tags_answer_the_object_as_it_now_is(server: Server) -> None:
    seeded(server)

    put = server.http.put("/api/v1/models/Fraud/tags/team", json={"value": "risk"})
    assert (put.status_code, put.json()["tags"]) == (200, {"team": "risk"})
    put = server.http.put("/api/v1/models/Fraud/versions/1/tags/owner", json={"value": "alice"})
    assert (put.status_code, put.json()["version"], put.json()["tags"]) == (
        200,
        1,
        {"owner": "alice"},
    )
    gone = server.http.delete("/api/v1/models/Fraud/tags/team")
    assert (gone.status_code, gone.json()["tags"]) == (200, {})
    gone = server.http.delete("/api/v1/models/Fraud/versions/1/tags/owner")
    assert (gone.status_code, gone.json()["tags"]) == (200, {})
    assert_error(server.http.delete("/api/v1/models/Fraud/tags/team"), 404, "RESOURCE_NOT_FOUND")


def test_put_version_tag_by_alias_answers_the_version_it_resolved(server: Server) -> None:
    seeded(server)
    server.http.put("/api/v1/models/Fraud/aliases/champion", json={"version": 1})

    put = server.http.put(
        "/api/v1/models/Fraud/versions/@champion/tags/owner", json={"value": "alice"}
    )

    assert (put.status_code, put.json()["version"], put.json()["tags"]) == (
        200,
        1,
        {"owner": "alice"},
    )


def test_runs_lifecycle_returns_201_200_then_409_when_ended(server: Server) -> None:
    created = server.http.post("/api/v1/runs", json={"params": {"a": "1"}})
    rid = created.json()["id"]
    metric = {"key": "loss", "value": 0.5, "step": 1, "timestamp": datetime.now(UTC).isoformat()}

    logged = server.http.patch(f"/api/v1/runs/{rid}", json={"metrics": [metric]})
    ended = server.http.patch(f"/api/v1/runs/{rid}", json={"status": "FINISHED"})
    late = server.http.patch(f"/api/v1/runs/{rid}", json={"params": {"b": "2"}})

    assert created.status_code == 201 and created.json()["user"] == USER
    assert logged.status_code == 200 and logged.json()["metrics"][0]["step"] == 1
    assert ended.status_code == 200 and ended.json()["status"] == "FINISHED"
    assert_error(late, 409, "CONFLICT")


def test_get_missing_run_returns_404_and_malformed_id_400(server: Server) -> None:
    assert_error(server.http.get(f"/api/v1/runs/{'0' * 32}"), 404, "RESOURCE_NOT_FOUND")
    assert_error(server.http.get("/api/v1/runs/nothex"), 400, "INVALID_ARGUMENT")


def test_audit_returns_events_with_actor(server: Server) -> None:
    seeded(server)

    response = server.http.get("/api/v1/audit", params={"model": "Fraud"})

    events = response.json()["events"]
    assert [e["action"] for e in events] == ["model.create", "version.create"]
    assert {e["actor"] for e in events} == {USER}


def test_unknown_route_returns_404_error_body(server: Server) -> None:
    assert_error(server.http.get("/api/v1/nothing-here"), 404, "RESOURCE_NOT_FOUND")


def test_wrong_method_returns_405_error_body(server: Server) -> None:
    assert_error(server.http.put("/api/v1/models"), 405, "METHOD_NOT_ALLOWED")


def test_invalid_user_header_returns_400(server: Server) -> None:
    response = server.http.get("/api/v1/models", headers={"X-Modelyard-User": "bad user\n"})

    assert_error(response, 400, "INVALID_ARGUMENT")
