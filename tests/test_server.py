"""POST /beat through the real app (in-process), and the one error shape for everything else."""

from __future__ import annotations

import gzip
import json
import logging
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from oxitrack.store import Store
from tests.asgi_post import asgi_post
from tests.conftest import NOW, FakeClock

JSON = {"content-type": "application/json"}


def beat(client: TestClient, body: object, **headers: str):
    return client.post("/beat", content=json.dumps(body), headers={**JSON, **headers})


def test_beat_answers_seed_shape_and_stores_session(client: TestClient, store: Store):
    first = beat(client, {"project_path": "/code/x", "timestamp": NOW - 847})
    second = beat(client, {"project_path": "/code/x", "timestamp": NOW})
    assert first.status_code == second.status_code == 200
    assert second.json() == {
        "session_id": first.json()["session_id"],
        "project_path": "/code/x",
        "duration_seconds": 847,
    }
    assert second.headers["content-type"] == "application/json"
    assert int(second.headers["content-length"]) == len(second.content)
    [session] = store.sessions()
    assert (session.start_time, session.last_heartbeat) == (NOW - 847, NOW)


def test_a_beat_answer_keeps_a_path_as_it_is_not_escaped(client: TestClient):
    """UTF-8 in the answer, as JSON between systems is: a folder named in any script comes back
    as its characters, as every other answer gives them."""
    answer = beat(client, {"project_path": "/code/Übung ✓", "timestamp": NOW})
    assert answer.json()["project_path"] == "/code/Übung ✓"
    assert "/code/Übung ✓".encode() in answer.content


def test_beat_without_timestamp_uses_the_server_clock(client: TestClient, clock: FakeClock):
    clock.now = NOW + 0.9
    assert beat(client, {"project_path": "/code/x"}).status_code == 200
    clock.now = NOW + 60
    assert beat(client, {"project_path": "/code/x"}).json()["duration_seconds"] == 60


def test_project_path_is_canonicalized(client: TestClient, tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    answer = beat(client, {"project_path": f"{tmp_path}/link/../link/", "timestamp": NOW})
    assert answer.json()["project_path"] == str(real)


def test_the_beat_log_line_stays_one_line_whatever_the_folder_is_named(
    client: TestClient, caplog: pytest.LogCaptureFixture
):
    """A newline in a folder's name forged a second line in the --verbose log."""
    caplog.set_level(logging.INFO, logger="oxitrack")
    beat(client, {"project_path": "/tmp/a\n12:00 forged line\x1b[2J", "timestamp": NOW})
    [line] = [r.getMessage() for r in caplog.records if r.getMessage().startswith("beat ")]
    assert line.startswith("beat /tmp/a\\n12:00 forged line\\x1b[2J at ")
    assert "\n" not in line and "\x1b" not in line


def test_missing_remote_path_is_normalized_not_refused(client: TestClient):
    answer = beat(client, {"project_path": "/remote//ws/./a/../b/", "timestamp": NOW})
    assert answer.status_code == 200
    assert answer.json()["project_path"] == "/remote/ws/b"


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("C:\\Users\\me\\app\\", "C:\\Users\\me\\app"),
        ("\\\\fileserver\\projects\\app", "\\\\fileserver\\projects\\app"),
        ("\\\\wsl.localhost\\Ubuntu\\home\\me\\app\\", "\\\\wsl.localhost\\Ubuntu\\home\\me\\app"),
    ],
    ids=["drive", "network-share", "wsl-share"],
)
def test_a_windows_editors_folder_is_stored(client: TestClient, sent: str, stored: str):
    """VS Code on Windows sends a folder opened from a share as ``\\\\server\\share\\…``: it was
    refused as not absolute, and the editor dropped every beat of it."""
    answer = beat(client, {"project_path": sent, "timestamp": NOW})
    assert (answer.status_code, answer.json()["project_path"]) == (200, stored)


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"timestamp": NOW}, "project_path", "required"),
        ({"project_path": ""}, "project_path", "empty"),
        ({"project_path": 42}, "project_path", "string"),
        ({"project_path": "code/x"}, "project_path", "absolute"),
        ({"project_path": "/code/\u0000x"}, "project_path", "NUL"),
        ({"project_path": "/" + "a" * 4096}, "project_path", "4096"),
        ({"project_path": "/code/x", "timestamp": "1735219200"}, "timestamp", "number"),
        ({"project_path": "/code/x", "timestamp": True}, "timestamp", "number"),
        ({"project_path": "/code/x", "timestamp": 946684799}, "timestamp", "2000-01-01"),
        ({"project_path": "/code/x", "timestamp": NOW + 601}, "timestamp", "future"),
        ([1, 2], "body", "object"),
        ({"project_path": "/code/x", "language": 3}, "language", "string or null"),
        ({"project_path": "/code/x", "language": "Py\u0000"}, "language", "NUL"),
        ({"project_path": "/code/x", "editor": ["vscode"]}, "editor", "not an array"),
        ({"project_path": "/code/x", "editor": "v" * 4097}, "editor", "at most 4096"),
        ({"project_path": "/code/x", "category": {"a": 1}}, "category", "string or null"),
    ],
    ids=[
        "missing-path",
        "empty-path",
        "number-path",
        "relative-path",
        "nul-byte",
        "path-over-4096-bytes",
        "string-timestamp",
        "boolean-timestamp",
        "before-2000",
        "over-10-minutes-ahead",
        "array-body",
        "number-language",
        "nul-language",
        "array-editor",
        "editor-over-4096-characters",
        "object-category",
    ],
)
def test_bad_beat_gets_422_naming_the_field_and_stores_nothing(
    client: TestClient, store: Store, body: object, field: str, words: str
):
    answer = beat(client, body)
    assert answer.status_code == 422
    error = answer.json()
    assert error["error"] == "invalid_field"
    assert error["field"] == field
    assert words in error["message"]
    assert store.sessions() == []
    assert heartbeat_rows(store) == []


def heartbeat_rows(store: Store) -> list[tuple]:
    return store.read(
        lambda conn: conn.execute(
            "SELECT project_path, time, entity_type, category, language, branch, is_write,"
            " project_name, editor, plugin, project_source FROM beat_details ORDER BY time"
        ).fetchall()
    )


def test_a_beat_naming_its_language_and_editor_keeps_them_beside_the_session(
    client: TestClient, store: Store
):
    """The same answer as ever; the labels go where WakaTime heartbeats' do, for reports."""
    labels = {"language": "Python", "editor": "vscode"}
    first = beat(client, {"project_path": "/code/x", "timestamp": NOW - 60, **labels})
    again = beat(client, {"project_path": "/code/x", "timestamp": NOW - 60, **labels})
    plain = beat(client, {"project_path": "/code/x", "timestamp": NOW, "language": None})
    assert [answer.status_code for answer in (first, again, plain)] == [200, 200, 200]
    assert plain.json() == {
        "session_id": first.json()["session_id"],
        "project_path": "/code/x",
        "duration_seconds": 60,
    }
    assert heartbeat_rows(store) == [
        ("/code/x", NOW - 60, "file", None, "Python", None, None, None, "vscode", None, "beat")
    ]


def test_a_beat_naming_its_category_is_split_as_a_heartbeat_of_it(client: TestClient):
    """The VS Code extension names ``debugging`` while a debug session runs: the time is
    Debugging in ``report --by category`` and in WakaTime plugins' status bars."""
    beats = [(NOW - 1200, None), (NOW - 600, "debugging"), (NOW - 300, "debugging"), (NOW, None)]
    for at, category in beats:
        labels = {"language": "Python", "editor": "vscode", "category": category}
        assert (
            beat(client, {"project_path": "/code/x", "timestamp": at, **labels}).status_code == 200
        )
    split = client.get("/api/breakdown", params={"by": "category", "days": "1", "tz": "UTC"})
    rows = [(row["name"], row["duration_seconds"]) for row in split.json()["rows"]]
    assert rows == [("coding", 600), ("debugging", 600)]
    statusbar = client.get("/api/v1/users/current/statusbar/today", headers={"Timezone": "UTC"})
    shown = [(c["name"], c["text"]) for c in statusbar.json()["data"]["categories"]]
    assert shown == [("Coding", "10 mins"), ("Debugging", "10 mins")]


@pytest.mark.parametrize(
    ("content", "headers", "status", "code", "field", "words"),
    [
        (b"{not json", JSON, 400, "invalid_json", "body", "not valid JSON"),
        (b"", JSON, 400, "invalid_json", "body", "not valid JSON"),
        (b"\xff\xfe", JSON, 400, "invalid_json", "body", "not UTF-8"),
        (
            b'{"project_path": "/x"}',
            {"content-type": "text/plain"},
            415,
            "unsupported_media_type",
            "Content-Type",
            "Content-Type: application/json",
        ),
        (
            b'{"project_path": "/x"}',
            {},
            415,
            "unsupported_media_type",
            "Content-Type",
            "Content-Type: application/json",
        ),
        (b"[" * 100_000, JSON, 413, "body_too_large", "body", "larger than 65536 bytes"),
        (b"[" * 30_000 + b"]" * 30_000, JSON, 400, "invalid_json", "body", "nests too deeply"),
    ],
    ids=[
        "invalid-json",
        "empty-body",
        "not-utf8",
        "text-plain",
        "no-content-type",
        "over-64-KiB",
        "nested-too-deep",
    ],
)
def test_malformed_requests_get_clear_4xx(
    client, store, content, headers, status, code, field, words
):
    answer = client.post("/beat", content=content, headers=headers)
    assert answer.status_code == status
    error = answer.json()
    assert (error["error"], error["field"]) == (code, field)
    assert words in error["message"]
    assert store.sessions() == []


PATH_BEAT = '{"project_path": "/code/encoded"}'


@pytest.mark.parametrize(
    ("content", "headers", "status", "field"),
    [
        (gzip.compress(PATH_BEAT.encode()), {"content-encoding": "gzip"}, 415, "Content-Encoding"),
        (PATH_BEAT.encode(), {"content-encoding": "br"}, 415, "Content-Encoding"),
        (
            PATH_BEAT.encode("utf-16"),
            {"content-type": "application/json; charset=utf-16"},
            415,
            "Content-Type",
        ),
        (
            PATH_BEAT.encode(),
            {"content-type": "application/json; charset=iso-8859-1"},
            415,
            "Content-Type",
        ),
        (
            PATH_BEAT.encode(),
            {"content-type": "application/json; CHARSET=ISO-8859-1"},  # names are caseless
            415,
            "Content-Type",
        ),
        (PATH_BEAT.encode("utf-16"), {}, 400, "body"),
        (PATH_BEAT.encode("utf-32-le"), {}, 400, "body"),
    ],
    ids=[
        "gzip",
        "brotli-said",
        "utf-16-said",
        "latin-1-said",
        "latin-1-said-in-capitals",
        "utf-16-bom",
        "utf-32-unsaid",
    ],
)
def test_a_body_that_is_not_plain_utf8_json_is_refused_naming_why(
    client: TestClient, store: Store, content: bytes, headers: dict, status: int, field: str
):
    """JSON between systems is UTF-8 (RFC 8259 8.1), and the daemon decodes no compression.
    A gzip body was answered "not UTF-8 text", a declared charset was ignored (latin-1 bytes
    read as UTF-8), and UTF-16 or UTF-32 was guessed from the bytes, unlike what the docs say."""
    answer = client.post("/beat", content=content, headers={**JSON, **headers})
    assert answer.status_code == status, answer.text
    assert answer.json()["field"] == field
    assert store.sessions() == []
    if status == 415:
        assert answer.json()["error"] == "unsupported_media_type"
    if field == "Content-Encoding":
        assert answer.headers["accept-encoding"] == "identity"


@pytest.mark.parametrize(
    ("content", "headers"),
    [
        (b"\xef\xbb\xbf" + PATH_BEAT.encode(), {}),
        (PATH_BEAT.encode(), {"content-type": 'application/json; charset="UTF-8"'}),
        (PATH_BEAT.encode(), {"content-type": "application/json;charset=utf8"}),
        (PATH_BEAT.encode(), {"content-type": "application/json ; charset=utf-8 ; profile=beat"}),
        (PATH_BEAT.encode(), {"content-type": "application/json; profile=beat"}),
        (PATH_BEAT.encode(), {"content-encoding": "identity"}),
        (PATH_BEAT.encode(), {"content-encoding": "Identity"}),  # RFC 9110 8.4.1: any case
    ],
    ids=[
        "utf-8-bom",
        "charset-utf-8-quoted",
        "charset-utf8-alias",
        "spaces-before-semicolons",
        "other-parameter",
        "identity-coding",
        "identity-coding-capitalised",
    ],
)
def test_plain_utf8_json_is_taken_however_it_is_labelled(
    client: TestClient, content: bytes, headers: dict
):
    """RFC 8259 lets a parser ignore a byte order mark; "identity" is no coding at all; a
    parameter other than charset says nothing of the bytes."""
    answer = client.post("/beat", content=content, headers={**JSON, **headers})
    assert answer.status_code == 200, answer.text
    assert answer.json()["project_path"] == "/code/encoded"


def test_body_over_64_KiB_without_content_length_is_refused(client: TestClient, store: Store):
    chunks = (b" " * 8192 for _ in range(9))  # chunked upload: no Content-Length to trust
    answer = client.post("/beat", content=chunks, headers=JSON)
    assert answer.status_code == 413
    assert answer.json()["error"] == "body_too_large"


def test_body_of_exactly_64_KiB_is_read_and_one_byte_more_is_refused(client: TestClient):
    beat = json.dumps({"project_path": "/code/x"}).encode()
    exact = beat + b" " * (64 * 1024 - len(beat))
    assert client.post("/beat", content=exact, headers=JSON).status_code == 200
    answer = client.post("/beat", content=exact + b" ", headers=JSON)
    assert answer.status_code == 413
    assert answer.json()["error"] == "body_too_large"


def test_a_chunked_body_of_exactly_64_KiB_is_read_and_one_byte_more_is_refused(
    client: TestClient,
):
    """Without a Content-Length only the bytes as they arrive are counted."""
    beat = json.dumps({"project_path": "/code/x"}).encode()
    exact = beat + b" " * (64 * 1024 - len(beat))
    assert client.post("/beat", content=iter([exact]), headers=JSON).status_code == 200
    answer = client.post("/beat", content=iter([exact, b" "]), headers=JSON)
    assert answer.status_code == 413
    assert answer.json()["error"] == "body_too_large"


@pytest.mark.parametrize(
    "declared",
    ["65537", "1" + "0" * 25, "9" * 5000],
    ids=["one-byte-over", "26-digits", "5000-digits"],
)
def test_a_body_declared_over_64_KiB_is_refused_before_it_is_read(
    client: TestClient, store: Store, declared: str
):
    """The Content-Length alone decides: a client waiting for ``100 Continue`` need not send a
    body that will be refused, and a number of any length is no 500."""
    content = json.dumps({"project_path": "/code/x", "timestamp": NOW}).encode()
    answer = client.post("/beat", content=content, headers={**JSON, "content-length": declared})
    assert answer.status_code == 413
    assert answer.json()["error"] == "body_too_large"
    assert answer.json()["field"] == "body"
    assert store.sessions() == []


def post_through_asgi(app, headers: list[tuple[bytes, bytes]], body: bytes, *, is_whole: bool):
    """POST /beat with a Host and JSON's type, then ``headers``, straight through ASGI."""
    base = [(b"host", b"127.0.0.1:3000"), (b"content-type", b"application/json")]
    return asgi_post(app, [*base, *headers], body, is_whole=is_whole)


@pytest.mark.parametrize(
    "declared",
    [b"0" * 30 + b"%d", b"abc", b"\xb2"],
    ids=["leading-zeros", "not-a-number", "superscript-two"],
)
def test_a_content_length_is_read_as_a_plain_decimal_number_or_not_trusted(app, declared: bytes):
    """Leading zeros change no number; a value that is no decimal number is left to the body
    as it arrives ("²" is a digit to Python's ``isdigit`` but not to ``int``)."""
    content = json.dumps({"project_path": "/code/x", "timestamp": NOW}).encode()
    length = declared % len(content) if b"%d" in declared else declared
    status, answer = post_through_asgi(app, [(b"content-length", length)], content, is_whole=True)
    assert status == 200, answer


def test_a_body_cut_short_by_a_client_hanging_up_is_not_stored(app, store: Store):
    """What came before the client left is here a whole beat: it is not taken for the body."""
    content = json.dumps({"project_path": "/code/x", "timestamp": NOW}).encode()
    status, error = post_through_asgi(app, [], content, is_whole=False)
    assert store.sessions() == []
    assert status == 400
    assert (error["error"], error["field"]) == ("invalid_json", "body")
    assert "ended early" in error["message"]


def test_unknown_route_and_wrong_method_use_the_error_shape(client: TestClient):
    missing = client.get("/nope")
    assert missing.status_code == 404
    assert missing.json()["error"] == "not_found"
    wrong = client.get("/beat")
    assert wrong.status_code == 405
    assert wrong.json()["error"] == "method_not_allowed"


def test_no_cors_headers_are_ever_sent(client: TestClient):
    answer = beat(client, {"project_path": "/code/x", "timestamp": NOW})
    preflight = client.options("/beat", headers={"Origin": "http://127.0.0.1:3000"})
    for response in (answer, preflight):
        assert not any(h.lower().startswith("access-control-") for h in response.headers)


# Reading routes that touch no database: the page and its files, and /health.
NO_SQL_READS = {"/", "/health"}


def test_every_reading_route_runs_in_a_worker_thread():
    """A report reads many sessions: as an async handler it would hold up every beat on the
    event loop meanwhile. Plain ``def`` handlers run in Starlette's thread pool."""
    import inspect

    from starlette.routing import Route

    from oxitrack.server import routes

    reading = [
        route
        for route in routes
        if isinstance(route, Route)
        and "GET" in (route.methods or ())
        and route.path not in NO_SQL_READS
    ]
    assert len(reading) >= 5  # statusbar, today, days, sessions, projects
    # The handler itself, inside the route apps that watch the client or import it when asked.
    handlers = {r.path: getattr(r.endpoint, "handler", r.endpoint) for r in reading}
    assert all(inspect.isfunction(handler) for handler in handlers.values()), handlers
    assert [
        path for path, handler in handlers.items() if inspect.iscoroutinefunction(handler)
    ] == []


@pytest.mark.parametrize(
    ("method", "path", "headers"),
    [
        ("GET", "/today", {}),
        ("GET", "/today", {"accept": "application/json"}),
        ("GET", "/api/days", {}),
        ("GET", "/api/sessions", {}),
        ("GET", "/api/projects", {}),
        ("GET", "/health", {}),
        ("GET", "/api/v1/users/current/statusbar/today", {}),
        ("HEAD", "/today", {}),
        ("GET", "/nope", {}),
        ("GET", "/beat", {}),
        ("GET", "/today", {"origin": "http://evil.example"}),
    ],
    ids=lambda value: value if isinstance(value, str) else ",".join(value) or "-",
)
def test_data_and_errors_are_never_stored_by_a_browser(
    client: TestClient, method: str, path: str, headers: dict
):
    """Reports and /health carry project folders and the database path, and change with every
    beat; /today is text or JSON by Accept. Without a directive a browser may keep them on disk
    and show an old one (404 and 405 are cacheable by default, RFC 9110 15.1)."""
    content = json.dumps({"project_path": "/code/x", "timestamp": NOW})
    answer = client.request(method, path, content=content, headers={**JSON, **headers})
    assert answer.headers["cache-control"] == "no-store"


def test_answers_to_a_post_say_nothing_of_caching(client: TestClient):
    """No browser stores an answer to a POST without an explicit freshness, and beats, by far
    the most frequent requests, skip the layer that would say so."""
    content = json.dumps({"project_path": "/code/x", "timestamp": NOW})
    assert "cache-control" not in client.post("/beat", content=content, headers=JSON).headers


@pytest.mark.parametrize("path", ["/", "/static/app.js"])
def test_the_dashboard_files_stay_cacheable_with_validators(client: TestClient, path: str):
    answer = client.get(path)
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-cache"  # kept, but checked before each use
    assert answer.headers["etag"]


def test_a_dashboard_file_not_modified_is_still_checked_each_time(client: TestClient):
    """After an upgrade the next use must ask again: the 304 repeats ``no-cache``."""
    etag = client.get("/static/app.js").headers["etag"]
    again = client.get("/static/app.js", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.headers["cache-control"] == "no-cache"
    assert again.headers["x-frame-options"] == "DENY"


@pytest.fixture
def js_as_text() -> Iterator[None]:
    """Python's type guesses made as a Windows registry may make them: ``.js``, ``.css`` and
    ``.html`` as ``text/plain`` (guesses are global: put back after the test)."""
    import mimetypes

    mimetypes.init()
    before = {extension: mimetypes.types_map[extension] for extension in (".js", ".css", ".html")}
    for extension in before:
        mimetypes.add_type("text/plain", extension)
    try:
        yield
    finally:
        for extension, media_type in before.items():
            mimetypes.add_type(media_type, extension)


@pytest.mark.usefixtures("js_as_text")
def test_the_dashboards_files_say_their_own_types_whatever_the_system_guesses(
    client: TestClient,
):
    """On Windows, Python guesses types from the registry, where another program may have made
    ``.js`` ``text/plain``: browsers then refuse to run the page's module script (and, under
    ``nosniff``, the chart library), and the dashboard came up blank."""
    import mimetypes

    assert mimetypes.guess_type("app.js")[0] == "text/plain"  # what such a system guesses
    for path, media_type in (
        ("/static/app.js", "text/javascript"),
        ("/static/vendor/chart-4.6.1.min.js", "text/javascript"),
        ("/static/style.css", "text/css"),
        ("/", "text/html"),
        ("/static/index.html", "text/html"),
    ):
        answer = client.get(path)
        assert answer.status_code == 200
        assert answer.headers["content-type"].split(";")[0] == media_type, path
