"""RFC 8639/8650 client written against a running `fixlog serve --demo`, with httpx and
httpx-sse. Every event, RPC reply and the streams document are validated with yangson
against the YANG modules the server serves (downloaded from /yang/, listed by its
ietf-yang-library)."""

import json
import os
import pathlib
import queue
import re
import subprocess
import tempfile
import threading
import time

import httpx
import pytest
from httpx_sse import connect_sse
from yangson import DataModel
from yangson.enumerations import ContentType, ValidationScope

ROOT = pathlib.Path(__file__).resolve().parents[2]
BINARY = os.environ.get("FIXLOG_BIN") or str(
    pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "debug" / "fixlog")
SN = "ietf-subscribed-notifications"
JSON = {"Content-Type": "application/yang-data+json", "Accept": "application/yang-data+json"}


@pytest.fixture(scope="module")
def server():
    directory = tempfile.TemporaryDirectory()
    db = f"sqlite://{directory.name}/fixlog.db"
    process = subprocess.Popen(
        [BINARY, "serve", "--demo", "--db", db, "--listen", "127.0.0.1:0"],
        stdout=subprocess.PIPE, text=True,
        env={**os.environ, "FIXLOG_RESTCONF_KEEPALIVE_SECS": "1"})
    line = process.stdout.readline()
    match = re.match(r"listening on (http://\S+)", line)
    assert match, f"no readiness line: {line!r}"

    def token(role):
        out = subprocess.run([BINARY, "token", "create", "--db", db, "--role", role],
                             check=True, capture_output=True, text=True)
        return out.stdout.strip()

    yield {"base": match.group(1), "admin": token("admin"), "editor": token("editor")}
    process.terminate()
    process.wait(timeout=10)
    directory.cleanup()


@pytest.fixture(scope="module")
def model(server):
    """A yangson data model of exactly the modules the server serves."""
    base = server["base"]
    state = httpx.get(f"{base}/restconf/data/ietf-yang-library:modules-state").json()
    folder = tempfile.mkdtemp()
    for module in state["ietf-yang-library:modules-state"]["module"]:
        assert module["schema"].startswith(base + "/yang/")
        text = httpx.get(module["schema"]).text
        pathlib.Path(folder, f"{module['name']}@{module['revision']}.yang").write_text(text)
    library = pathlib.Path(folder, "library.json")
    library.write_text(json.dumps(state))
    return DataModel.from_file(str(library), [folder])


def validate(model, raw, subschema=None):
    instance = model.from_raw(raw, subschema) if subschema else model.from_raw(raw)
    instance.validate(ValidationScope.all, ContentType.all)


def validate_event(model, event):
    envelope = event["ietf-restconf:notification"]
    assert set(envelope) - {"eventTime"} and len(envelope) == 2
    (name, body), = [(k, v) for k, v in envelope.items() if k != "eventTime"]
    validate(model, body, name)
    return envelope["eventTime"], name, body


def establish(base, members):
    response = httpx.post(f"{base}/restconf/operations/{SN}:establish-subscription",
                          headers=JSON, json={f"{SN}:input": members})
    return response


class Reader(threading.Thread):
    """Reads one subscription's SSE stream into a queue (None when it closes)."""

    def __init__(self, uri):
        super().__init__(daemon=True)
        self.uri = uri
        self.events = queue.Queue()
        self.data_lines = 0

    def run(self):
        with httpx.Client(timeout=None) as client:
            with connect_sse(client, "GET", self.uri) as source:
                assert source.response.headers["content-type"].startswith("text/event-stream")
                for sse in source.iter_sse():
                    assert "\n" not in sse.data, "one data line per event"
                    self.events.put(json.loads(sse.data))
        self.events.put(None)

    def next(self, timeout=10):
        return self.events.get(timeout=timeout)


def test_streams_document_validates(server, model):
    streams = httpx.get(f"{server['base']}/restconf/data/{SN}:streams").json()
    library = httpx.get(f"{server['base']}/restconf/data/ietf-yang-library:yang-library").json()
    # One operational datastore: the YANG library is mandatory in it.
    validate(model, {**streams, **library})
    names = {s["name"]: s for s in streams[f"{SN}:streams"]["stream"]}
    assert names["fwsec-log"]["replay-support"] == [None]


def test_replay_everything_then_live_then_delete(server, model):
    base = server["base"]
    size = httpx.get(f"{base}/healthz").json()["size"]
    response = establish(base, {"stream": "fwsec-log", "replay-start-time": "1970-01-01T00:00:00Z"})
    assert response.status_code == 200, response.text
    output = response.json()
    validate(model, {"output": output[f"{SN}:output"]}, f"{SN}:establish-subscription")
    sub_id = output[f"{SN}:output"]["id"]
    reader = Reader(output[f"{SN}:output"]["ietf-restconf-subscribed-notifications:uri"])
    reader.start()
    previous = ""
    for seq in range(1, size + 1):
        event_time, name, body = validate_event(model, reader.next())
        assert name == "fwsec-log:firmware-security-update"
        assert body["sequence-number"] == seq
        assert event_time == body["published"] and event_time > previous
        previous = event_time
    _, name, body = validate_event(model, reader.next())
    assert name == f"{SN}:replay-completed" and body["id"] == sub_id

    started = time.monotonic()
    product = httpx.post(f"{base}/api/v1/products", headers={"Authorization": f"Bearer {server['editor']}"},
                         json={"id": "plc-python", "name": "Python PLC", "device_class": "plc",
                               "version_scheme": "semver", "lifecycle": "active"})
    assert product.is_success, product.text
    _, name, body = validate_event(model, reader.next())
    elapsed = time.monotonic() - started
    assert name == "fwsec-log:firmware-security-update"
    assert body["sequence-number"] == size + 1 and body["product"] == "plc-python"
    assert elapsed < 1.0, f"live entry after {elapsed:.3f} s"

    deleted = httpx.post(f"{base}/restconf/operations/{SN}:delete-subscription",
                         headers=JSON, json={f"{SN}:input": {"id": sub_id}})
    assert deleted.status_code == 204
    assert reader.next() is None, "the stream closes after delete-subscription"
    reader.join(5)


def test_killed_subscription_receives_subscription_terminated(server, model):
    base = server["base"]
    output = establish(base, {"stream": "fwsec-log"}).json()[f"{SN}:output"]
    reader = Reader(output["ietf-restconf-subscribed-notifications:uri"])
    reader.start()
    time.sleep(0.3)  # let the GET become live before the kill
    denied = httpx.post(f"{base}/restconf/operations/{SN}:kill-subscription", headers=JSON,
                        json={f"{SN}:input": {"id": output["id"]}})
    assert denied.status_code == 401
    killed = httpx.post(f"{base}/restconf/operations/{SN}:kill-subscription",
                        headers={**JSON, "Authorization": f"Bearer {server['admin']}"},
                        json={f"{SN}:input": {"id": output["id"]}})
    assert killed.status_code == 204, killed.text
    _, name, body = validate_event(model, reader.next())
    assert name == f"{SN}:subscription-terminated"
    assert body == {"id": output["id"], "reason": "no-such-subscription"}
    assert reader.next() is None
