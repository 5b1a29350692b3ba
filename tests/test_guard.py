"""The guard, through the in-process app: who may talk to the daemon, header by header."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from oxitrack.config import Settings, resolve
from oxitrack.server import create_app
from oxitrack.store import Store
from tests.asgi_post import asgi_post
from tests.conftest import FakeClock

BEAT = json.dumps({"project_path": "/code/x"}).encode()
JSON = {"content-type": "application/json"}
KEY = "s3cret-key"


def make_client(store: Store, db_path: Path, **settings) -> TestClient:
    app = create_app(store, settings=Settings(db=db_path, **settings), clock=FakeClock())
    return TestClient(app, base_url="http://127.0.0.1:3000")


@pytest.fixture
def keyed(store: Store, db_path: Path) -> Iterator[TestClient]:
    with make_client(store, db_path, api_key=KEY) as client:
        yield client


def post(client: TestClient, **headers: str):
    return client.post("/beat", content=BEAT, headers={**JSON, **headers})


def assert_refused(answer, status: int, code: str, store: Store) -> None:
    assert answer.status_code == status, answer.text
    assert answer.json()["error"] == code
    assert answer.json()["message"]
    assert answer.headers["content-type"] == "application/json"
    assert answer.headers["content-length"] == str(len(answer.content))
    assert store.sessions() == []


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1:3000",
        "127.0.0.1",
        "127.8.9.10:3000",
        "localhost:3000",
        "LOCALHOST",
        "app.localhost:3000",
        "[::1]:3000",
        "[::1]",
        "localhost",
        "localhost:",  # an empty port is the default port (RFC 3986 section 6.2.3)
    ],
)
def test_loopback_host_is_accepted(client: TestClient, host: str):
    assert post(client, host=host).status_code == 200


@pytest.mark.parametrize(
    "host",
    [
        "evil.example",
        "evil.example:3000",
        "localhost.evil.example",
        "127.0.0.1.evil.example",
        "192.168.1.10:3000",
        "0.0.0.0:3000",
        "[::]:3000",
        "[fe80::1]:3000",
        "",
    ],
)
def test_foreign_host_is_refused_403(client: TestClient, store: Store, host: str):
    """DNS rebinding: a page on evil.example re-resolved to 127.0.0.1 still sends its own Host."""
    assert_refused(post(client, host=host), 403, "forbidden_host", store)


@pytest.mark.parametrize(
    "host",
    [
        "localhost:evil.example",
        "[::1]evil.example",
        "[::1]:evil.example",
        "[::1",
        "::1",  # an IPv6 address needs its brackets
        "[localhost]",
        "localhost:3000:3000",
        "localhost:123456",
        "localhost:-1",
        "localhost:\u00b2".encode("latin-1"),  # a digit to str.isdigit(), not to a URL
        "evil.example/.localhost",
        "localhost@evil.example",
        "local host",
    ],
)
def test_host_that_is_not_host_and_port_is_refused_400(client: TestClient, store: Store, host):
    """RFC 9112 section 3.2: an invalid Host field value is a 400, whatever name it starts with."""
    assert_refused(post(client, host=host), 400, "bad_request", store)


@pytest.mark.parametrize("allowed", ["tracker.lan", "Tracker.LAN"], ids=["as-sent", "capitals"])
def test_allowed_host_setting_lets_that_name_in(store: Store, db_path: Path, allowed: str):
    """Browsers send the Host in lower case, whatever case the setting was written in."""
    with make_client(store, db_path, allow_hosts=(allowed,)) as client:
        assert post(client, host="tracker.lan:3000").status_code == 200
        assert post(client, host="other.lan:3000").status_code == 403


def test_dashboard_behind_an_https_proxy_may_post_from_its_own_origin(store: Store, db_path: Path):
    """A reverse proxy that ends TLS passes the Host on; the page's origin is then https."""
    with make_client(store, db_path, allow_hosts=("tracker.lan",)) as client:
        headers = {"origin": "https://tracker.lan", "sec-fetch-site": "same-origin"}
        assert post(client, host="tracker.lan", **headers).status_code == 200


@pytest.mark.parametrize(
    "origin",
    [
        "http://evil.example",
        "https://evil.example",
        "http://127.0.0.1:8080",  # another port on localhost: same-site, not same-origin
        "http://localhost:3000",  # same daemon, other name: still not this request's origin
        "null",  # sandboxed iframes, file:// pages
        "http://127.0.0.1:3000.evil.example",
        "ftp://127.0.0.1:3000",  # this request's host and port, but not a web origin
    ],
)
def test_foreign_origin_is_refused_403(client: TestClient, store: Store, origin: str):
    assert_refused(post(client, origin=origin), 403, "forbidden_origin", store)


@pytest.mark.parametrize(
    ("host", "origin"),
    [("127.0.0.1:3000", "http://127.0.0.1:3000"), ("LocalHost:3000", "HTTP://localhost:3000/")],
    ids=["as-browsers-send-it", "other-case-and-final-slash"],
)
def test_own_origin_is_accepted(client: TestClient, host: str, origin: str):
    answer = post(client, host=host, origin=origin, **{"sec-fetch-site": "same-origin"})
    assert answer.status_code == 200


@pytest.mark.parametrize(
    ("allowed", "sent"),
    [
        ("http://localhost:5173", "http://localhost:5173"),
        ("http://LOCALHOST:5173/", "http://localhost:5173"),
        ("http://localhost:5173", "HTTP://LOCALHOST:5173/"),
    ],
    ids=["as-sent", "written-loosely", "sent-loosely"],
)
def test_allowed_origin_setting_lets_that_page_in(
    store: Store, db_path: Path, allowed: str, sent: str
):
    with make_client(store, db_path, allow_origins=(allowed,)) as client:
        headers = {"origin": sent, "sec-fetch-site": "same-site"}
        assert post(client, **headers).status_code == 200


@pytest.mark.parametrize("site", ["cross-site", "same-site", "weird"])
def test_cross_site_fetch_metadata_is_refused_403_even_without_origin(
    client: TestClient, store: Store, site: str
):
    assert_refused(post(client, **{"sec-fetch-site": site}), 403, "forbidden_origin", store)


def test_cross_site_fetch_metadata_is_refused_403_even_with_this_requests_origin(
    client: TestClient, store: Store
):
    answer = post(client, origin="http://127.0.0.1:3000", **{"sec-fetch-site": "cross-site"})
    assert_refused(answer, 403, "forbidden_origin", store)


@pytest.mark.parametrize("site", ["same-origin", "none"])
def test_same_origin_or_user_typed_fetch_metadata_is_accepted(client: TestClient, site: str):
    assert post(client, **{"sec-fetch-site": site}).status_code == 200


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",  # the three types a page may POST cross-site without a preflight
        "text/plain;charset=UTF-8",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/jsonp",
        "",
    ],
)
def test_post_without_json_content_type_is_refused_415(
    client: TestClient, store: Store, content_type: str
):
    answer = client.post("/beat", content=BEAT, headers={"content-type": content_type})
    assert_refused(answer, 415, "unsupported_media_type", store)


def test_json_content_type_with_charset_and_case_is_accepted(client: TestClient):
    answer = client.post(
        "/beat", content=BEAT, headers={"content-type": "Application/JSON; charset=utf-8"}
    )
    assert answer.status_code == 200


@pytest.mark.parametrize(
    ("method", "headers"),
    [
        ("POST", {"origin": "http://evil.example"}),
        ("OPTIONS", {"origin": "http://evil.example", "access-control-request-method": "POST"}),
        ("OPTIONS", {"origin": "http://127.0.0.1:3000", "access-control-request-method": "POST"}),
        ("POST", {}),
        ("GET", {}),
        ("GET", {"host": "evil.example"}),
    ],
    ids=["foreign-post", "foreign-preflight", "own-preflight", "post", "get", "foreign-host"],
)
def test_no_cors_headers_on_any_answer(client: TestClient, method: str, headers: dict):
    answer = client.request(method, "/beat", content=BEAT, headers={**JSON, **headers})
    assert not [name for name in answer.headers if name.lower().startswith("access-control-")]


# -- headers that must come once ---------------------------------------------------------------
# The guard used to keep the last copy of a header while Starlette reads the first, so a second
# copy could carry a value past the guard that the app then used (Host into a redirect).


def post_with(client: TestClient, headers: list[tuple[str, str]]):
    return client.post("/beat", content=BEAT, headers=[*JSON.items(), *headers])


def both_orders(name: str, first: str, second: str) -> list:
    return [
        pytest.param([(name, first), (name, second)], id=f"{first}-then-{second}"),
        pytest.param([(name, second), (name, first)], id=f"{second}-then-{first}"),
    ]


@pytest.mark.parametrize(
    "headers",
    [
        *both_orders("host", "evil.example", "127.0.0.1:3000"),
        *both_orders("host", "localhost:evil.example", "localhost:3000"),
        pytest.param([("host", "127.0.0.1:3000")] * 2, id="same-host-twice"),
    ],
)
def test_repeated_host_is_refused_400(client: TestClient, store: Store, headers):
    """RFC 9112 section 3.2: more than one Host line gets a 400, even two equal ones."""
    assert_refused(post_with(client, headers), 400, "bad_request", store)


def test_repeated_host_cannot_steer_a_redirect(client: TestClient):
    headers = [("host", "evil.example"), ("host", "localhost:3000")]
    answer = client.get("/health/", headers=headers, follow_redirects=False)
    assert answer.status_code == 400
    assert answer.json()["error"] == "bad_request"
    assert "location" not in answer.headers


@pytest.mark.parametrize(
    "headers",
    [
        *both_orders("origin", "http://evil.example", "http://127.0.0.1:3000"),
        pytest.param([("origin", "http://127.0.0.1:3000")] * 2, id="own-origin-twice"),
        *both_orders("sec-fetch-site", "cross-site", "same-origin"),
        *both_orders("sec-fetch-site", "same-site", "none"),
    ],
)
def test_repeated_origin_or_fetch_site_is_refused_403(client: TestClient, store: Store, headers):
    assert_refused(post_with(client, headers), 403, "forbidden_origin", store)


@pytest.mark.parametrize("headers", both_orders("authorization", f"Bearer {KEY}", "Bearer wrong"))
def test_repeated_authorization_is_refused_400(keyed: TestClient, store: Store, headers):
    assert_refused(post_with(keyed, headers), 400, "bad_request", store)


def test_repeated_authorization_is_refused_even_without_a_key(client: TestClient, store: Store):
    headers = [("authorization", "Bearer a"), ("authorization", "Bearer b")]
    assert_refused(post_with(client, headers), 400, "bad_request", store)


def test_other_repeated_headers_still_pass(client: TestClient):
    headers = [("accept", "text/plain"), ("accept", "application/json"), ("x-tag", "a")] * 2
    answer = post_with(client, [*headers, ("origin", "http://127.0.0.1:3000")])
    assert answer.status_code == 200


def test_other_repeated_headers_do_not_skip_the_checks(client: TestClient, store: Store):
    headers = [("accept", "text/plain"), ("accept", "application/json")]
    answer = post_with(client, [*headers, ("origin", "http://evil.example")])
    assert_refused(answer, 403, "forbidden_origin", store)


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ([("host", "127.0.0.1:3000")] * 2, "more than one Host header"),
        ([("origin", "http://127.0.0.1:3000")] * 2, "more than one Origin header"),
        ([("sec-fetch-site", "none")] * 2, "more than one Sec-Fetch-Site header"),
        ([("authorization", "Bearer a")] * 2, "more than one Authorization header"),
    ],
    ids=["host", "origin", "sec-fetch-site", "authorization"],
)
def test_repeated_header_refusal_names_the_header(client: TestClient, headers, message: str):
    assert post_with(client, headers).json()["message"] == message


def send_scope(
    app, headers: list[tuple[bytes, bytes]], http_version: str | None = "1.1"
) -> tuple[int, dict]:
    """POST /beat straight through ASGI: TestClient always sends a Host and says HTTP/1.1."""
    return asgi_post(
        app, [(b"content-type", b"application/json"), *headers], BEAT, http_version=http_version
    )


@pytest.mark.parametrize("http_version", ["1.1", None], ids=["1.1", "unsaid"])
def test_http_1_1_without_host_is_refused_400(app, store: Store, http_version: str | None):
    status, body = send_scope(app, [], http_version)
    assert (status, body["error"]) == (400, "bad_request")
    assert "needs a Host header" in body["message"]
    assert store.sessions() == []


def test_http_1_0_without_host_is_accepted(app, store: Store):
    status, body = send_scope(app, [], "1.0")
    assert status == 200, body
    assert [session.project_path for session in store.sessions()] == ["/code/x"]


def test_http_1_0_without_host_still_checks_origin(app, store: Store):
    status, body = send_scope(app, [(b"origin", b"http://127.0.0.1:3000")], "1.0")
    assert (status, body["error"]) == (403, "forbidden_origin")
    assert store.sessions() == []


# -- API key ----------------------------------------------------------------------------------


def basic(text: str) -> str:
    return "Basic " + base64.b64encode(text.encode()).decode()


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Bearer wrong",
        f"Bearer {KEY}x",
        f"Token {KEY}",
        basic("wrong"),
        "Basic !!",
        # The key's base64 with characters outside base64 mixed in: a lenient decoder skips
        # them and finds the key; only the key's own encoding is the key.
        basic(KEY)[:10] + "!*" + basic(KEY)[10:],
    ],
    ids=[
        "none",
        "empty",
        "bearer-no-key",
        "wrong",
        "longer",
        "other-scheme",
        "basic-wrong",
        "b64",
        "basic-key-with-junk",
    ],
)
def test_with_an_api_key_a_missing_or_wrong_key_is_refused_401(
    keyed: TestClient, store: Store, authorization: str | None
):
    headers = {} if authorization is None else {"authorization": authorization}
    answer = post(keyed, **headers)
    assert_refused(answer, 401, "unauthorized", store)
    assert "API key" in answer.json()["message"]
    assert answer.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "authorization",
    [f"Bearer {KEY}", f"bearer   {KEY}", basic(KEY), basic(f"{KEY}:"), basic(f"user:{KEY}")],
    ids=["bearer", "bearer-lowercase-spaces", "basic-key", "basic-key-colon", "basic-user-key"],
)
def test_with_an_api_key_the_right_key_is_accepted(keyed: TestClient, authorization: str):
    assert post(keyed, authorization=authorization).status_code == 200


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/"), ("HEAD", "/"), ("GET", "/favicon.ico"), ("GET", "/static/app.js")],
)
def test_with_an_api_key_the_page_and_its_files_need_no_key(
    keyed: TestClient, method: str, path: str
):
    assert keyed.request(method, path).status_code != 401


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/"), ("POST", "/static/app.js"), ("GET", "/today"), ("GET", "/static")],
)
def test_with_an_api_key_everything_else_needs_it(
    keyed: TestClient, store: Store, method: str, path: str
):
    answer = keyed.request(method, path)
    assert_refused(answer, 401, "unauthorized", store)


SUMMARIES = "/api/v1/users/current/summaries?range=today"
STATUSBAR = "/api/v1/users/current/statusbar/today"


def test_wakatimes_reads_take_the_key_in_the_address_as_wakatime_does(keyed: TestClient):
    """A prompt configured with WakaTime's URL form (oh-my-posh:
    ``…/summaries?start=today&end=today&api_key=KEY``) reads a daemon that has a key."""
    assert keyed.get(f"{SUMMARIES}&api_key={KEY}").status_code == 200
    assert keyed.get(f"{STATUSBAR}?api_key={KEY}").status_code == 200
    assert keyed.head(f"{STATUSBAR}?api_key={KEY}").status_code == 200
    status_bar = STATUSBAR.replace("statusbar", "status_bar")  # WakaTime's documented spelling
    assert keyed.get(f"{status_bar}?api_key={KEY}").status_code == 200
    assert keyed.get(f"/api/v1/users/someone/summaries?range=today&api_key={KEY}").is_success


@pytest.mark.parametrize(
    ("method", "address"),
    [
        ("GET", f"{SUMMARIES}&api_key=wrong"),
        ("GET", f"{SUMMARIES}&api_key={KEY}x"),
        ("GET", f"{SUMMARIES}&API_KEY={KEY}"),
        ("GET", f"/today?api_key={KEY}"),
        ("GET", f"/api/days?api_key={KEY}"),
        ("GET", f"{STATUSBAR}/more?api_key={KEY}"),
        ("POST", f"/beat?api_key={KEY}"),
        ("POST", f"/api/v1/users/current/heartbeats.bulk?api_key={KEY}"),
        ("POST", f"{SUMMARIES}&api_key={KEY}"),
    ],
    ids=[
        "wrong",
        "longer",
        "other-case",
        "today",
        "days",
        "below-the-status-bar",
        "beat",
        "heartbeats",
        "post-to-summaries",
    ],
)
def test_a_key_in_the_address_opens_nothing_else(
    keyed: TestClient, store: Store, method: str, address: str
):
    """Only WakaTime's two reads take it: a key in an address ends up in shell histories and
    logs, so writes and OxiTrack's own routes keep to the header."""
    answer = keyed.request(method, address, content=BEAT, headers=JSON)
    assert_refused(answer, 401, "unauthorized", store)


def test_only_a_401_asks_for_credentials(client: TestClient, store: Store):
    answer = post(client, origin="http://evil.example")
    assert_refused(answer, 403, "forbidden_origin", store)
    assert "www-authenticate" not in answer.headers


def test_api_key_does_not_excuse_a_foreign_origin(keyed: TestClient, store: Store):
    answer = post(keyed, authorization=f"Bearer {KEY}", origin="http://evil.example")
    assert_refused(answer, 403, "forbidden_origin", store)


def test_without_an_api_key_no_authorization_is_needed(client: TestClient):
    assert post(client).status_code == 200


@pytest.mark.parametrize("source", ["env", "flag"])
def test_an_empty_api_key_means_no_key(store: Store, db_path: Path, source: str):
    """OXITRACK_API_KEY= (empty) must not make the guard demand an empty Bearer token."""
    if source == "env":
        settings = resolve({"db": str(db_path)}, environ={"OXITRACK_API_KEY": ""})
    else:
        settings = resolve({"db": str(db_path), "api_key": ""}, environ={})
    assert settings.api_key is None
    with TestClient(create_app(store, settings=settings), base_url="http://127.0.0.1:3000") as c:
        assert post(c).status_code == 200


def test_a_wrong_key_through_the_app_is_logged(keyed: TestClient, caplog: pytest.LogCaptureFixture):
    with caplog.at_level(logging.WARNING, logger="oxitrack.guard"):
        assert post(keyed, authorization="Bearer wrong").status_code == 401
        assert post(keyed, authorization=f"Bearer {KEY}").status_code == 200
    [record] = caplog.records
    assert record.getMessage().startswith("refused 1 request without the right API key (401)")
