"""The platform client against the stand-in server over real HTTP: every endpoint, error
messages, retries and backoff, pagination, the presigned upload, plain-http refusal."""

from __future__ import annotations

import socket
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

import pytest

from app.sync.client import RelayClient
from app.sync.credentials import ApiKey
from app.sync.errors import (
    AuthenticationError,
    NetworkError,
    PermissionDeniedError,
    RateLimitedError,
    RemoteConfigError,
    RemoteNotFoundError,
    RemoteRejectedError,
    RemoteValidationError,
    ServerError,
    UploadRejectedError,
)
from app.sync.retry import RetryPolicy, parse_retry_after
from app.sync.settings import normalize_base_url
from tests.audio_samples import write_tone
from tests.sync.conftest import API_KEY, FAST, READ_ONLY_KEY, make_client
from tests.sync.standin_server import StandinServer

TYPES = [{"name": "glitch"}, {"name": "long_pause", "color": "#4444FF"}]


def _dataset(client: RelayClient, name: str = "Voice Agent Issues") -> dict:
    return client.create_dataset(name, "guidelines", TYPES)


def _upload(client: RelayClient, dataset_id: str, path: Path) -> str:
    ticket = client.request_upload(dataset_id, path.name, "audio/wav", path.stat().st_size)
    client.upload_file(ticket, path, path.name, "audio/wav")
    answer = client.confirm_upload(dataset_id, ticket.audio_id)
    assert answer["audio_id"] == ticket.audio_id
    return ticket.audio_id


# -- every endpoint -----------------------------------------------------------------------------

def test_every_endpoint_round_trips(client: RelayClient, server: StandinServer,
                                    tmp_path: Path) -> None:
    created = _dataset(client)
    dataset_id = created["id"]
    assert [t["name"] for t in created["artifact_types"]] == ["glitch", "long_pause"]
    assert client.get_dataset(dataset_id)["description"] == "guidelines"
    patched = client.update_dataset(dataset_id, artifact_types=TYPES + [{"name": "echo"}])
    assert [t["name"] for t in patched["artifact_types"]] == ["glitch", "long_pause", "echo"]
    assert [d["id"] for d in client.list_datasets()] == [dataset_id]

    clip = write_tone(tmp_path / "call 01.wav", seconds=0.3)
    audio_id = _upload(client, dataset_id, clip)
    stored = server.audio[audio_id]["stored"]
    assert stored["size"] == clip.stat().st_size and stored["filename"] == "call 01.wav"
    listed = client.list_audio(dataset_id)
    assert [(a["id"], a["original_filename"]) for a in listed] == [(audio_id, "call 01.wav")]
    assert not server.storage_saw_api_key

    draft = client.create_annotation_set(dataset_id)
    assert (draft["version"], draft["status"]) == (1, "draft")
    one = client.create_annotation(dataset_id, draft["id"], {
        "audio_file_id": audio_id, "artifact_type": "glitch", "start_ms": 10, "end_ms": 20})
    assert one["confidence"] == 1.0
    bulk = client.bulk_create_annotations(dataset_id, draft["id"], [
        {"audio_file_id": audio_id, "artifact_type": "echo", "start_ms": i, "end_ms": i + 5,
         "confidence": 0.5, "extra_data": {"client_id": f"c{i}"}} for i in range(3)])
    assert bulk["created"] == 3
    changed = client.update_annotation(dataset_id, draft["id"], one["id"], end_ms=40)
    assert changed["end_ms"] == 40
    client.delete_annotation(dataset_id, draft["id"], bulk["annotations"][0]["id"])
    full = client.get_annotation_set(dataset_id, draft["id"])
    assert full["total_annotations"] == 3 and len(full["annotations"]) == 3
    published = client.publish_annotation_set(dataset_id, draft["id"])
    assert published["status"] == "published" and published["published_at"]
    assert [s["status"] for s in client.list_annotation_sets(dataset_id)] == ["published"]
    with pytest.raises(RemoteRejectedError, match="published and cannot be modified"):
        client.delete_annotation(dataset_id, draft["id"], one["id"])

    second = write_tone(tmp_path / "b.wav", seconds=0.2)
    ticket = client.request_upload(dataset_id, "b.wav", "audio/wav", second.stat().st_size)
    assert client.delete_audio(dataset_id, ticket.audio_id)
    client.delete_dataset(dataset_id)
    assert server.datasets == {}
    with pytest.raises(RemoteNotFoundError, match="Dataset not found"):
        client.get_dataset(dataset_id)


# -- error messages -------------------------------------------------------------------------------

def test_401_says_the_key_was_refused_with_the_servers_detail(server: StandinServer) -> None:
    with make_client(server, key="rk_wrong_" + "x" * 20) as client:
        with pytest.raises(AuthenticationError) as caught:
            client.list_datasets()
    message = str(caught.value)
    assert "401" in message and "Invalid or missing API key" in message
    assert "remote login" in message and "RELAY_API_KEY" in message
    assert "rk_wrong_" not in message


def test_403_says_the_key_may_not_do_this(server: StandinServer) -> None:
    with make_client(server, key=READ_ONLY_KEY) as client:
        assert client.list_datasets() == []
        with pytest.raises(PermissionDeniedError) as caught:
            _dataset(client)
    assert "403" in str(caught.value) and "does not have write permission" in str(caught.value)
    assert server.datasets == {}


def test_422_lists_every_field_and_message(client: RelayClient) -> None:
    with pytest.raises(RemoteValidationError) as caught:
        client.create_dataset("", None, [{"name": ""}, {"name": "glitch", "color": "red"}])
    assert "name: ensure this value has 1 to 200 characters" in str(caught.value)
    dataset_id = _dataset(client)["id"]
    draft = client.create_annotation_set(dataset_id)
    with pytest.raises(RemoteValidationError) as caught:
        client.bulk_create_annotations(dataset_id, draft["id"], [
            {"audio_file_id": "nope", "artifact_type": "glitch", "start_ms": 0, "end_ms": 5},
            {"artifact_type": "pop", "start_ms": -1, "end_ms": 5, "confidence": 2}])
    message = str(caught.value)
    for expected in ("annotations[0].audio_file_id: audio file not found in this dataset",
                     "annotations[1].audio_file_id: field required",
                     "annotations[1].artifact_type: 'pop' is not one of",
                     "annotations[1].start_ms: ensure this value is an integer >= 0",
                     "annotations[1].confidence: ensure this value is between 0 and 1"):
        assert expected in message
    assert [e.index for e in caught.value.errors] == [0, 1, 1, 1, 1]


def test_400_and_404_show_the_detail(client: RelayClient) -> None:
    with pytest.raises(RemoteNotFoundError, match="404: Dataset not found"):
        client.get_dataset("00000000-0000-4000-8000-000000000000")
    dataset_id = _dataset(client)["id"]
    draft = client.create_annotation_set(dataset_id)
    client.publish_annotation_set(dataset_id, draft["id"])
    with pytest.raises(RemoteRejectedError, match="400: Annotation set is already published"):
        client.publish_annotation_set(dataset_id, draft["id"])


# -- retries ------------------------------------------------------------------------------------------

def test_5xx_and_dropped_connections_on_reads_are_retried(client: RelayClient,
                                                          server: StandinServer) -> None:
    server.add_fault("500", r"^/api/v1/datasets$", method="GET")
    server.add_fault("drop", r"^/api/v1/datasets$", method="GET", nth=2)
    assert client.list_datasets() == []
    assert [r.status for r in server.api_requests("GET")] == [500, None, 200]
    assert client.stats.retries == 2


@pytest.mark.parametrize("status", ["429", "503"])
def test_busy_answers_wait_for_retry_after(server: StandinServer, status: str) -> None:
    server.add_fault(status, r"^/api/v1/datasets$", retry_after="1")
    with make_client(server) as client:
        started = time.monotonic()
        created = _dataset(client)  # a create is repeated: the server did not carry it out
        waited = time.monotonic() - started
    assert waited >= 0.95
    assert len(server.datasets) == 1 and created["id"] in server.datasets


def test_retry_after_as_an_http_date() -> None:
    moment = datetime(2030, 1, 1, 12, 0, 0, tzinfo=timezone.utc)
    later = format_datetime(moment + timedelta(seconds=7), usegmt=True)
    assert parse_retry_after(later, now=moment) == pytest.approx(7)
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("soon") is None
    policy = RetryPolicy(base_delay=1.0, max_delay=8.0, max_retry_after=30)
    assert policy.delay(1, "120") == 30
    assert 0.5 <= policy.delay(1) <= 1.0 and 4.0 <= policy.delay(5) <= 8.0


def test_persistent_busy_gives_up_with_a_clear_message(server: StandinServer) -> None:
    server.add_fault("503", r"^/api/v1/datasets$", times=10, retry_after="0")
    with make_client(server) as client, pytest.raises(RateLimitedError, match="busy"):
        client.list_datasets()
    assert len(server.api_requests("GET")) == FAST.attempts


def test_a_create_whose_answer_may_be_lost_is_not_repeated(client: RelayClient,
                                                           server: StandinServer) -> None:
    server.add_fault("500", r"^/api/v1/datasets$", method="POST", commit=True)
    with pytest.raises(ServerError) as caught:
        _dataset(client)
    assert caught.value.maybe_processed
    assert len(server.api_requests("POST")) == 1 and len(server.datasets) == 1
    server.add_fault("drop", r"^/api/v1/datasets$", method="POST", commit=True)
    with pytest.raises(NetworkError) as caught:
        _dataset(client, "Second")
    assert caught.value.maybe_processed and "connection was lost" in str(caught.value)
    assert len(server.datasets) == 2


def test_a_slow_answer_times_out_and_a_read_is_retried(server: StandinServer) -> None:
    slow = server.add_fault("delay", r"^/api/v1/datasets$", seconds=1.5)
    with make_client(server, timeout=0.5) as client:
        assert client.list_datasets() == []
        assert client.stats.requests == 2 and client.stats.retries == 1
    assert slow.fired == 1 and slow.seen == 2


def test_an_unreachable_platform_is_named() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = RelayClient(f"http://127.0.0.1:{port}", ApiKey(API_KEY, "test"), policy=FAST)
    with client, pytest.raises(NetworkError) as caught:
        client.list_datasets()
    assert f"cannot reach http://127.0.0.1:{port}" in str(caught.value)
    assert not caught.value.maybe_processed


# -- pagination ------------------------------------------------------------------------------------

@pytest.mark.parametrize("cap", [100, 7])
def test_lists_fetch_every_page(cap: int) -> None:
    with StandinServer({API_KEY: "write"}, page_size_cap=cap) as server:
        with make_client(server) as client:
            for i in range(23):
                client.create_dataset(f"d{i:02d}", None, TYPES)
            server.reset_log()
            names = [d["name"] for d in client.list_datasets()]
        pages = server.api_requests("GET", "^/api/v1/datasets$")
    assert names == [f"d{i:02d}" for i in range(23)]
    assert len(pages) == -(-23 // min(cap, 100))


# -- the storage upload ---------------------------------------------------------------------------

def test_an_expired_upload_url_is_refused_by_storage(client: RelayClient, server: StandinServer,
                                                     tmp_path: Path) -> None:
    dataset_id = _dataset(client)["id"]
    clip = write_tone(tmp_path / "a.wav", seconds=0.2)
    server.expire_next_tickets = 1
    ticket = client.request_upload(dataset_id, "a.wav", "audio/wav", clip.stat().st_size)
    with pytest.raises(UploadRejectedError) as caught:
        client.upload_file(ticket, clip, "a.wav", "audio/wav")
    assert caught.value.expired and "Request has expired" in str(caught.value)
    assert server.audio[ticket.audio_id]["stored"] is None


def test_forged_or_wrong_uploads_are_refused(client: RelayClient, server: StandinServer,
                                             tmp_path: Path) -> None:
    dataset_id = _dataset(client)["id"]
    clip = write_tone(tmp_path / "a.wav", seconds=0.2)
    size = clip.stat().st_size
    ticket = client.request_upload(dataset_id, "a.wav", "audio/wav", size)
    forged = type(ticket)(ticket.audio_id, ticket.upload_url,
                          {**ticket.fields, "key": "uploads/elsewhere/a.wav"}, ticket.key,
                          ticket.expires_at)
    with pytest.raises(UploadRejectedError, match="Policy Condition failed"):
        client.upload_file(forged, clip, "a.wav", "audio/wav")
    tampered = type(ticket)(ticket.audio_id, ticket.upload_url,
                            {**ticket.fields, "x-signature": "0" * 64}, ticket.key,
                            ticket.expires_at)
    with pytest.raises(UploadRejectedError, match="SignatureDoesNotMatch"):
        client.upload_file(tampered, clip, "a.wav", "audio/wav")
    other = write_tone(tmp_path / "longer.wav", seconds=0.4)
    with pytest.raises(UploadRejectedError, match="EntityTooLarge"):
        client.upload_file(ticket, other, "a.wav", "audio/wav")
    with pytest.raises(RemoteRejectedError, match="has not been uploaded"):
        client.confirm_upload(dataset_id, ticket.audio_id)
    client.upload_file(ticket, clip, "a.wav", "audio/wav")
    assert client.confirm_upload(dataset_id, ticket.audio_id)["status"] == "normalizing"


def test_upload_progress_counts_the_file_bytes_and_restarts_on_retry(
        client: RelayClient, server: StandinServer, tmp_path: Path) -> None:
    dataset_id = _dataset(client)["id"]
    clip = write_tone(tmp_path / "a.wav", seconds=3.0)  # several chunks
    ticket = client.request_upload(dataset_id, "a.wav", "audio/wav", clip.stat().st_size)
    server.add_fault("500", "^/storage/upload$")
    deltas: list[int] = []
    client.upload_file(ticket, clip, "a.wav", "audio/wav", progress=deltas.append)
    assert sum(deltas) == clip.stat().st_size
    assert any(d < 0 for d in deltas)  # the retry started over
    assert server.audio[ticket.audio_id]["stored"]["size"] == clip.stat().st_size


# -- addresses -------------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["http://api.relayai.dev", "http://10.0.0.5:8000",
                                 "http://example.com/api/v1"])
def test_plain_http_is_refused_except_for_loopback(url: str) -> None:
    with pytest.raises(RemoteConfigError, match="plain http"):
        normalize_base_url(url)
    with pytest.raises(RemoteConfigError):
        RelayClient(url, ApiKey(API_KEY, "test"))


@pytest.mark.parametrize("url, expected", [
    ("https://api.relayai.dev/", "https://api.relayai.dev"),
    ("https://API.relayai.dev/api/v1/", "https://api.relayai.dev"),
    ("http://127.0.0.1:8123", "http://127.0.0.1:8123"),
    ("http://localhost:9/prefix/", "http://localhost:9/prefix"),
    ("http://[::1]:8080", "http://[::1]:8080"),
])
def test_addresses_are_normalized(url: str, expected: str) -> None:
    assert normalize_base_url(url) == expected


@pytest.mark.parametrize("url", ["", "api.relayai.dev", "ftp://api.relayai.dev",
                                 "https://user:secret@api.relayai.dev", "https://h/?a=1"])
def test_unusable_addresses_are_refused(url: str) -> None:
    with pytest.raises(RemoteConfigError) as caught:
        normalize_base_url(url)
    assert "secret" not in str(caught.value)


def test_an_upload_url_over_plain_http_to_another_host_is_refused(
        client: RelayClient, tmp_path: Path) -> None:
    dataset_id = _dataset(client)["id"]
    clip = write_tone(tmp_path / "a.wav", seconds=0.2)
    ticket = client.request_upload(dataset_id, "a.wav", "audio/wav", clip.stat().st_size)
    elsewhere = type(ticket)(ticket.audio_id, "http://storage.example.com/upload", ticket.fields,
                             ticket.key, ticket.expires_at)
    with pytest.raises(RemoteConfigError, match="upload URL"):
        client.upload_file(elsewhere, clip, "a.wav", "audio/wav")


def test_the_key_hides_itself(client: RelayClient, server: StandinServer) -> None:
    key = ApiKey(API_KEY, "keyring")
    assert API_KEY not in repr(key) and API_KEY not in str(key) and API_KEY not in f"{key}"
    assert key.reveal() == API_KEY
    # Not in the client's state either (it is added to each request as it goes out).
    assert API_KEY not in repr(vars(client)) and API_KEY not in repr(client._api.headers)
    client.list_datasets()
    assert server.requests[-1].had_api_key
    with pytest.raises(TypeError):
        import pickle

        pickle.dumps(key)


def test_a_server_echoing_the_key_is_redacted(server: StandinServer) -> None:
    wrong = "rk_wrong_" + "y" * 24
    server.echo_key_in_errors = True
    with make_client(server, key=wrong) as client, pytest.raises(AuthenticationError) as caught:
        client.list_datasets()
    assert wrong not in str(caught.value) and "Invalid API key '***'" in str(caught.value)
