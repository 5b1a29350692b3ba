"""Fuzzing the in-process app: nothing a client sends gets a 500, and refusals store nothing.

Hypothesis throws arbitrary JSON values, raw bytes, headers, methods and paths at the real app
(guard, routing, body reader, validation, store). Every answer must be below 500; every refusal
must use the one error shape and leave the sessions and heartbeats exactly as they were.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import string
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from oxitrack.config import Settings
from oxitrack.fields import LINE_BREAK_OR_CONTROL, MAX_LABEL_CHARS
from oxitrack.server import create_app
from oxitrack.store import Store
from tests.conftest import NOW, FakeClock
from tests.sessions_model import stored_sessions

JSON = {"content-type": "application/json"}
# One app per test, shared by its examples on purpose: each request is checked against the
# table as it was just before, so state carried between examples only widens the search.
FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


class Target:
    """One app on one database for a whole fuzz run (fixtures do not reset between examples)."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        self.store = Store(db_path)
        app = create_app(self.store, settings=Settings(db=db_path), clock=FakeClock())
        self.client = TestClient(
            app, base_url="http://127.0.0.1:3000", raise_server_exceptions=False
        )

    def send(self, method: str, path: str, content: bytes, headers: dict[str, str]):
        before = self.stored()
        answer = self.client.request(method, path, content=content, headers=headers)
        assert answer.status_code < 500, (answer.status_code, answer.text)
        if answer.status_code >= 400:
            if method != "HEAD":  # a HEAD answer has no body to check
                assert_error_shape(answer)
            assert self.stored() == before, "a refused request changed data"
        return answer

    def stored(self) -> tuple[list, list]:
        """The sessions and the heartbeats (a beat's labels are one), read with plain sqlite3."""
        with contextlib.closing(sqlite3.connect(self.db_path)) as conn:
            rows = conn.execute("SELECT * FROM beat_details").fetchall()
        # Ordered by their text: rows alike up to a column NULL in one of them (a beat naming
        # only its editor beside one naming only its language) do not compare as tuples.
        heartbeats = sorted(rows, key=repr)
        return stored_sessions(self.db_path), heartbeats


def assert_error_shape(answer) -> None:
    body = answer.json()
    assert isinstance(body, dict)
    assert {"error", "message"} <= body.keys() <= {"error", "message", "field"}
    assert all(isinstance(value, str) and value for value in body.values())


@pytest.fixture
def target(tmp_path: Path) -> Iterator[Target]:
    fuzzed = Target(tmp_path / "fuzz.db")
    with fuzzed.client:
        yield fuzzed
    fuzzed.store.close()


# Text no UTF-8 encoder takes (lone surrogates), NUL, line separators, digits int() refuses,
# names too long for a file system: each once reached a 500 from some field.
tricky_text = st.sampled_from(
    ["\ud800", "a\udfffb", "/x\udc80", "\x00", "a\u2028b", "\u200b", "\u00b2", "a" * 300]
) | st.text(st.characters(exclude_categories=()), max_size=20)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.integers(min_value=10**300, max_value=10**400)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
    | tricky_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner),
    max_leaves=12,
)
path_values = (
    json_values
    | st.text(max_size=60)
    | st.text(max_size=60).map(lambda text: "/" + text)
    | st.text(alphabet="/.\\:C \x00", max_size=20)
    | tricky_text.map(lambda text: "/tmp/" + text)
)
time_values = (
    json_values
    | st.integers(min_value=NOW - 10**9, max_value=NOW + 10**4)
    | st.floats(min_value=NOW - 10**9, max_value=NOW + 10**4)
)
label_values = (
    json_values
    | st.sampled_from(["Python", "TypeScript", "vscode", "", " "])
    | st.integers(min_value=4090, max_value=4100).map(lambda size: "x" * size)
)
beat_bodies = st.fixed_dictionaries(
    {},
    optional={
        "project_path": path_values,
        "timestamp": time_values,
        "language": label_values,
        "editor": label_values,
        "extra": json_values,
    },
)


def test_json_with_a_huge_integer_names_the_field_not_500(target: Target):
    """CPython refuses to parse ints of over 4300 digits with a bare ValueError: read as
    infinite, as too large a float is, the field that holds one is named."""
    body = b'{"project_path": "/x", "timestamp": ' + b"9" * 5000 + b"}"
    answer = target.send("POST", "/beat", body, JSON)
    assert (answer.status_code, answer.json()) == (
        422,
        {
            "error": "invalid_field",
            "message": "timestamp: the number is out of range; send Unix seconds",
            "field": "timestamp",
        },
    )
    answer = target.send("POST", "/beat", b"1" * 5000, JSON)
    assert (answer.status_code, answer.json()["field"]) == (422, "body")


@FUZZ
@given(body=beat_bodies | json_values)
def test_any_json_value_on_post_beat_is_answered_below_500(target: Target, body):
    answer = target.send("POST", "/beat", json.dumps(body).encode(), JSON)
    assert answer.status_code in {200, 400, 422}


@FUZZ
@given(content=st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_any_bytes_on_post_beat_are_answered_below_500(target: Target, content: bytes):
    target.send("POST", "/beat", content, JSON)


reference_values = (
    json_values
    | st.integers(min_value=0, max_value=10**30)
    | st.integers(min_value=0, max_value=10**30).map(str)
    | st.sampled_from(["1", "2", "api", "/code/api", "path:/code/web"])
)
merge_bodies = st.fixed_dictionaries(
    {"source": reference_values, "target": reference_values}, optional={"extra": json_values}
)
rename_bodies = st.fixed_dictionaries(
    {"project": reference_values}, optional={"name": json_values | st.none()}
)


@FUZZ
@given(
    request=st.tuples(st.just("/api/projects/merge"), merge_bodies | json_values)
    | st.tuples(st.just("/api/projects/rename"), rename_bodies | json_values)
    | st.tuples(st.just("/api/projects/delete"), rename_bodies | json_values)
)
@example(request=("/api/projects/merge", {"source": 2**63, "target": "api"}))
def test_any_json_value_on_the_projects_api_is_answered_below_500(target: Target, request):
    path, body = request
    for project_path in ("/code/api", "/code/web"):  # something for references to find
        target.send("POST", "/beat", json.dumps({"project_path": project_path}).encode(), JSON)
    answer = target.send("POST", path, json.dumps(body).encode(), JSON)
    assert answer.status_code in {200, 404, 422}


header_names = st.text(alphabet=string.ascii_letters + string.digits + "-", min_size=1, max_size=20)
header_values = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=40)
headers = st.dictionaries(
    header_names
    | st.sampled_from(
        ["content-type", "origin", "sec-fetch-site", "authorization", "host", "content-length"]
    ),
    header_values
    | st.sampled_from(["application/json", "application/json; charset=utf-8", "text/plain"]),
    max_size=5,
)
methods = st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"]) | st.text(
    alphabet=string.ascii_uppercase, min_size=1, max_size=10
)
paths = st.sampled_from(["/beat", "/", "/beat/", "//beat", "/static/x"]) | st.text(max_size=40).map(
    lambda text: "/" + quote(text, safe="/")
)


@FUZZ
@given(method=methods, path=paths, headers=headers, body=beat_bodies)
def test_any_method_path_and_headers_are_answered_below_500(
    target: Target, method, path, headers, body
):
    target.send(method, path, json.dumps(body).encode(), headers)


text_or_json = tricky_text | json_values
heartbeat_bodies = st.fixed_dictionaries(
    {},
    optional={
        "entity": path_values,
        "type": st.sampled_from(["file", "app", "domain"]) | json_values,
        "time": time_values,
        "project": text_or_json,
        "category": text_or_json,
        "language": text_or_json,
        "branch": text_or_json,
        "user_agent": text_or_json,
        "project_root_count": st.integers(min_value=-2, max_value=60) | json_values,
        "is_write": json_values,
    },
)
HEARTBEATS = "/api/v1/users/current/heartbeats"


@FUZZ
@given(
    request=st.tuples(st.just(HEARTBEATS), heartbeat_bodies | json_values)
    | st.tuples(st.just(HEARTBEATS + ".bulk"), st.lists(heartbeat_bodies | json_values, max_size=4))
)
def test_any_heartbeat_on_the_wakatime_api_is_answered_below_500(target: Target, request):
    path, body = request
    answer = target.send("POST", path, json.dumps(body).encode(), JSON)
    assert answer.status_code in {201, 400, 422}


# What wakatime-cli names the machine and the system by: any bytes a header can carry.
client_headers = st.fixed_dictionaries(
    {},
    optional={
        "x-machine-name": st.binary(max_size=300)
        | st.sampled_from(["devbox", "laptop-\u00fc"]).map(str.encode),
        "user-agent": st.binary(max_size=60)
        | st.sampled_from(
            ["wakatime/v1 (", "wakatime/v1 (\x1b-1)", "wakatime/v1 (linux-6) go"]
        ).map(str.encode),
    },
)


@FUZZ
@given(headers=client_headers, bulk=st.booleans())
def test_any_machine_and_user_agent_headers_store_a_clean_one_line_label(
    target: Target, headers: dict[str, bytes], bulk: bool
):
    heartbeat = {"entity": "Slack", "type": "app", "time": NOW, "project": "chat"}
    path, body = (HEARTBEATS + ".bulk", [heartbeat]) if bulk else (HEARTBEATS, heartbeat)
    answer = target.send("POST", path, json.dumps(body).encode(), {**JSON, **headers})
    assert answer.status_code == 201, answer.text
    with contextlib.closing(sqlite3.connect(target.db_path)) as conn:
        labels = conn.execute("SELECT machine, operating_system FROM beat_contexts").fetchall()
    for label in (value for row in labels for value in row if value is not None):
        assert label == label.strip() and 0 < len(label) <= MAX_LABEL_CHARS, label
        assert not LINE_BREAK_OR_CONTROL.search(label), label
        label.encode()  # valid UTF-8 text


query_values = tricky_text | st.text(max_size=12) | st.sampled_from(["7", "2025-01-31", "9" * 5000])
queries = st.dictionaries(
    st.sampled_from(
        # the reports' parameters, then WakaTime's summaries'
        "days from to limit tz format project by start end range timezone".split()
    ),
    query_values,
    max_size=4,
)
report_paths = st.sampled_from(
    [
        "/today",
        "/api/days",
        "/api/sessions",
        "/api/projects",
        "/health",
        "/",
        "/static/app.js",
        "/api/breakdown",
        "/api/v1/users/current/statusbar/today",
        "/api/v1/users/current/summaries",
    ]
)


@FUZZ
@given(path=report_paths, query=queries)
def test_any_query_on_the_read_api_is_answered_below_500(target: Target, path, query):
    # surrogatepass: a client can send bytes that are not UTF-8 at all
    url = path + "?" + urlencode(query, errors="surrogatepass")
    answer = target.send("GET", url, b"", {})
    assert answer.status_code in {200, 422}


# What a security review sent by hand, each of which once got a 500 (and one was stored first).
REVIEW_FINDINGS = [
    ("/beat", {"project_path": "/tmp/" + "a" * 300}, 200),  # too long a name to look at
    ("/beat", {"project_path": "/a", "timestamp": 10**400}, 422),  # past float's range
    (HEARTBEATS, {"entity": "x", "type": "app", "time": NOW, "project": "a" * 250}, 201),
    # Lone surrogates (a name that is not UTF-8, from the pure-Python WakaTime client): U+FFFD.
    (HEARTBEATS, {"entity": "/a/b.py", "time": NOW, "project": "x\ud800"}, 201),
    (HEARTBEATS, {"entity": "\ud800", "type": "app", "time": NOW, "project": "p"}, 201),
    (
        HEARTBEATS,
        {"entity": "x", "type": "app", "time": NOW, "project": "p", "branch": "\udfff"},
        201,
    ),
    ("/api/projects/merge", {"source": "/a\ud800", "target": "api"}, 422),
    ("/api/projects/rename", {"project": 1, "name": "x\ud800"}, 422),
    ("/api/projects/rename", {"project": "git:\ud800", "name": "x"}, 422),
    ("/api/projects/rename", {"project": 1, "name": "\u200b"}, 422),
    ("/api/projects/rename", {"project": 1, "name": "a\u2028b"}, 422),
]


@pytest.mark.parametrize(("path", "body", "status"), REVIEW_FINDINGS)
def test_inputs_that_once_got_a_500(target: Target, path: str, body: object, status: int):
    target.send("POST", "/beat", b'{"project_path": "/code/api"}', JSON)  # project 1
    before = stored_sessions(target.db_path)
    answer = target.send("POST", path, json.dumps(body).encode(), JSON)
    assert answer.status_code == status, answer.text
    if status >= 400:
        assert stored_sessions(target.db_path) == before


def test_a_bulk_heartbeat_with_lone_surrogates_is_stored_with_u_fffd(target: Target):
    """Nothing SQLite or the answer's UTF-8 cannot encode gets past the parsing: the text is
    stored (and echoed) with U+FFFD where the surrogates were."""
    bulk = [
        {"entity": "ok.py", "type": "app", "time": NOW, "project": "surr"},
        {"entity": "\ud800", "type": "app", "time": NOW + 1, "project": "s\udcffrr"},
    ]
    answer = target.send("POST", HEARTBEATS + ".bulk", json.dumps(bulk).encode(), JSON)
    assert answer.status_code == 201
    assert [status for _, status in answer.json()["responses"]] == [201, 201]
    assert answer.json()["responses"][1][0]["data"]["entity"] == "\ufffd"
    assert stored_sessions(target.db_path) == [
        ("wakatime:surr", NOW, NOW),
        ("wakatime:s\ufffdrr", NOW + 1, NOW + 1),
    ]


@pytest.mark.parametrize("query", ["days=%C2%B2", "limit=%C2%B2", "days=" + "9" * 5000])
def test_digits_int_refuses_are_a_422(target: Target, query: str):
    path = "/api/sessions" if query.startswith("limit") else "/api/days"
    answer = target.send("GET", f"{path}?{query}", b"", {})
    assert answer.status_code == 422
    assert answer.json()["field"] == query.partition("=")[0]


@pytest.mark.parametrize("byte_range", ["bytes=5-1", "items=0-1", "bytes=99999999-", "bytes=0-3"])
def test_the_dashboard_files_are_sent_whole_whatever_the_range(target: Target, byte_range: str):
    whole = target.send("GET", "/static/app.js", b"", {})
    answer = target.send("GET", "/static/app.js", b"", {"Range": byte_range})
    assert answer.status_code == 200
    assert answer.content == whole.content and len(whole.content) > 1000
    assert answer.headers["accept-ranges"] == "none"
    page = target.send("GET", "/", b"", {"Range": byte_range})
    assert page.status_code == 200 and b"<html" in page.content


def test_the_fuzz_harness_lets_a_valid_beat_through(target: Target):
    """The refusals above come from the app, not from the harness: a valid beat sent the same
    way (same client, headers and checks) is stored."""
    answer = target.send("POST", "/beat", b'{"project_path": "/code/x"}', JSON)
    assert answer.status_code == 200
    assert stored_sessions(target.db_path) == [("/code/x", NOW, NOW)]
