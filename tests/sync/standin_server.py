"""A stand-in for the platform (remote-api.md) on 127.0.0.1, for the push tests.

Real HTTP/1.1 with keep-alive (http.server in threads), every endpoint of the API
including the assumed ones, the storage endpoint that plays object storage (it checks
the form fields it handed out, their signature and expiry, that the file comes last and
has the announced size, and refuses expired or forged uploads the way S3 does, with an
XML error), the documented status codes and error shapes, pagination, and fault
injection (see :class:`Fault`). State lives in memory and can be inspected directly.

Run it by hand with ``python -m tests.sync.standin_server --key KEY``.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import itertools
import json
import re
import secrets
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

ACCEPTED_CONTENT_TYPES = {"audio/wav", "audio/mpeg", "audio/mp4", "audio/ogg", "audio/flac",
                          "audio/webm", "audio/aac"}
MAX_FILE_SIZE = 500 * 1024 * 1024
WRITE, READ = "write", "read"


def now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class Fault:
    """Misbehave on matching requests: the ``nth`` match (1-based) and the ``times - 1``
    after it.

    action: "500" (JSON detail), "drop" (close the connection without an answer),
            "delay" (wait ``seconds``, then answer normally), "401", "403", "429", "503"
            (with ``retry_after``), "422".
    commit: carry the request out first, then misbehave instead of answering (the
            answer is lost although the change happened).
    stage:  "after_body" (the whole request was received) or "before_body" (drop while
            the client is still sending).
    """

    action: str
    path: str = ""
    method: str | None = None
    nth: int = 1
    times: int = 1
    commit: bool = False
    seconds: float = 0.0
    retry_after: str | None = None
    stage: str = "after_body"
    seen: int = 0
    fired: int = 0

    def matches(self, method: str, path: str) -> bool:
        return ((self.method is None or self.method == method)
                and re.search(self.path, path) is not None)


@dataclass
class LoggedRequest:
    method: str
    path: str
    status: int | None
    bytes_in: int
    had_api_key: bool
    fault: str | None = None


class _Answer(Exception):
    def __init__(self, status: int, body: Any = None, headers: dict[str, str] | None = None,
                 raw: bytes | None = None, content_type: str = "application/json") -> None:
        super().__init__(status)
        self.status, self.body, self.headers = status, body, headers or {}
        self.raw, self.content_type = raw, content_type


def _detail(status: int, text: str) -> _Answer:
    return _Answer(status, {"detail": text})


def _invalid(*errors: tuple[list[Any], str, str]) -> _Answer:
    return _Answer(422, {"detail": [{"loc": loc, "msg": msg, "type": kind}
                                    for loc, msg, kind in errors]})


def _s3_error(status: int, code: str, message: str) -> _Answer:
    xml = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
           f"<Message>{message}</Message></Error>").encode()
    return _Answer(status, raw=xml, content_type="application/xml")


class StandinServer:
    """The platform's state plus the HTTP server around it."""

    def __init__(self, api_keys: dict[str, str] | None = None, *, page_size_cap: int = 100,
                 upload_ttl: float = 900.0) -> None:
        self.api_keys = dict(api_keys if api_keys is not None else {"test-key": WRITE})
        self.page_size_cap = page_size_cap
        self.upload_ttl = upload_ttl
        self.lock = threading.RLock()
        self.datasets: dict[str, dict[str, Any]] = {}
        self.audio: dict[str, dict[str, Any]] = {}
        self.sets: dict[str, dict[str, Any]] = {}
        self.annotations: dict[str, dict[str, Any]] = {}
        self.faults: list[Fault] = []
        self.requests: list[LoggedRequest] = []
        self.reject_client_ids: dict[str, tuple[str, str]] = {}
        self.storage_saw_api_key = False
        self.echo_key_in_errors = False   # a careless server that repeats the key it got
        self.expire_next_tickets = 0      # hand out this many upload URLs already expired
        self.max_concurrent_uploads = 0
        self._uploads_in_flight = 0
        self._connections: set[socket.socket] = set()
        self._seq = itertools.count()
        self.uploads_expired_before = 0.0
        self._secret = secrets.token_bytes(32)
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- life cycle ---------------------------------------------------------------------------

    def start(self) -> "StandinServer":
        handler = type("Handler", (_Handler,), {"platform": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        # Handler threads are joined on stop (open connections are cut first), so no
        # test leaves a thread behind.
        self._httpd.daemon_threads = False
        self._httpd.block_on_close = True
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        kwargs={"poll_interval": 0.05},
                                        name="standin-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            with self.lock:
                connections = list(self._connections)
            for connection in connections:
                try:
                    connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def __enter__(self) -> "StandinServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._httpd is not None
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    # -- test controls ------------------------------------------------------------------------

    def add_fault(self, action: str, path: str = "", **kwargs: Any) -> Fault:
        fault = Fault(action, path, **kwargs)
        with self.lock:
            self.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self.lock:
            self.faults.clear()

    def expire_uploads(self) -> None:
        """Every upload URL handed out so far is expired from now on."""
        self.uploads_expired_before = time.time() + 0.001

    def api_requests(self, method: str | None = None, path: str = "") -> list[LoggedRequest]:
        with self.lock:
            return [r for r in self.requests if (method is None or r.method == method)
                    and re.search(path, r.path)]

    def reset_log(self) -> None:
        with self.lock:
            self.requests.clear()

    # -- views for assertions -----------------------------------------------------------------

    def datasets_named(self, name: str) -> list[dict[str, Any]]:
        with self.lock:
            return [d for d in self.datasets.values() if d["name"] == name]

    def audio_of(self, dataset_id: str) -> list[dict[str, Any]]:
        with self.lock:
            return [a for a in self.audio.values() if a["dataset_id"] == dataset_id]

    def sets_of(self, dataset_id: str) -> list[dict[str, Any]]:
        with self.lock:
            return sorted((s for s in self.sets.values() if s["dataset_id"] == dataset_id),
                          key=lambda s: s["version"])

    def annotations_of(self, set_id: str) -> list[dict[str, Any]]:
        with self.lock:
            return [a for a in self.annotations.values() if a["annotation_set_id"] == set_id]

    # -- the API ----------------------------------------------------------------------------------

    def handle(self, method: str, path: str, query: dict[str, list[str]],
               body: bytes, headers: Any) -> tuple[int, Any]:
        if path == "/storage/upload" and method == "POST":
            return self._storage_upload(body, headers)
        if not path.startswith("/api/v1/"):
            raise _detail(404, "Not Found")
        key = headers.get("X-API-Key")
        permission = self.api_keys.get(key or "")
        if permission is None:
            if self.echo_key_in_errors and key:
                raise _detail(401, f"Invalid API key '{key}'")
            raise _detail(401, "Invalid or missing API key")
        if method != "GET" and permission != WRITE:
            raise _detail(403, "This API key does not have write permission")
        path_known = False
        for route_method, pattern, name in _ROUTES:
            match = pattern.fullmatch(path)
            path_known = path_known or match is not None
            if match and route_method == method:
                payload = None
                if method in ("POST", "PATCH") and body.strip():
                    try:
                        payload = json.loads(body)
                    except ValueError:
                        raise _detail(400, "Request body is not valid JSON") from None
                with self.lock:
                    return getattr(self, name)(payload, query, **match.groupdict())
        raise _detail(405, "Method Not Allowed") if path_known else _detail(404, "Not Found")

    # datasets

    def _dataset(self, dataset_id: str) -> dict[str, Any]:
        dataset = self.datasets.get(dataset_id)
        if dataset is None:
            raise _detail(404, "Dataset not found")
        return dataset

    def _dataset_out(self, dataset: dict[str, Any], counts: bool = False) -> dict[str, Any]:
        out = {k: dataset[k] for k in ("id", "name", "description", "created_at", "updated_at")}
        out["artifact_types"] = [dict(t) for t in dataset["artifact_types"]]
        if counts:
            out["audio_count"] = sum(1 for a in self.audio.values()
                                     if a["dataset_id"] == dataset["id"])
            out["annotation_set_count"] = sum(1 for s in self.sets.values()
                                              if s["dataset_id"] == dataset["id"])
        return out

    def _check_types(self, types: Any, loc: list[Any]) -> list[dict[str, Any]]:
        if not isinstance(types, list) or not types:
            raise _invalid((loc, "at least one artifact type is required", "value_error"))
        cleaned, seen, errors = [], set(), []
        for index, item in enumerate(types):
            name = item.get("name") if isinstance(item, dict) else None
            if not isinstance(name, str) or not 1 <= len(name) <= 100:
                errors.append((loc + [index, "name"], "ensure this value has 1 to 100 "
                               "characters", "value_error.any_str"))
                continue
            if name in seen:
                errors.append((loc + [index, "name"], f"duplicate artifact type '{name}'",
                               "value_error"))
            seen.add(name)
            color = item.get("color") or "#FF0000"
            if not re.fullmatch(r"#[0-9A-Fa-f]{6}", str(color)):
                errors.append((loc + [index, "color"], "invalid hex color", "value_error"))
            cleaned.append({"name": name, "description": item.get("description"),
                            "color": color})
        if errors:
            raise _invalid(*errors)
        return cleaned

    def list_datasets(self, payload, query):
        items = [self._dataset_out(d, counts=True) for d in self.datasets.values()]
        return 200, self._page(items, query)

    def create_dataset(self, payload, query):
        if not isinstance(payload, dict):
            raise _invalid((["body"], "field required", "value_error.missing"))
        name = payload.get("name")
        if name is None:
            raise _invalid((["body", "name"], "field required", "value_error.missing"))
        if not isinstance(name, str) or not 1 <= len(name) <= 200:
            raise _invalid((["body", "name"], "ensure this value has 1 to 200 characters",
                            "value_error.any_str"))
        types = self._check_types(payload.get("artifact_types"), ["body", "artifact_types"])
        stamp = now_iso()
        dataset = {"id": str(uuid.uuid4()), "name": name,
                   "description": payload.get("description"), "artifact_types": types,
                   "created_at": stamp, "updated_at": stamp}
        self.datasets[dataset["id"]] = dataset
        return 201, self._dataset_out(dataset)

    def get_dataset(self, payload, query, dataset_id):
        return 200, self._dataset_out(self._dataset(dataset_id), counts=True)

    def patch_dataset(self, payload, query, dataset_id):
        dataset = self._dataset(dataset_id)
        payload = payload or {}
        if "name" in payload:
            if not isinstance(payload["name"], str) or not 1 <= len(payload["name"]) <= 200:
                raise _invalid((["body", "name"], "ensure this value has 1 to 200 characters",
                                "value_error.any_str"))
            dataset["name"] = payload["name"]
        if "description" in payload:
            dataset["description"] = payload["description"]
        if "artifact_types" in payload:
            types = self._check_types(payload["artifact_types"], ["body", "artifact_types"])
            used = {a["artifact_type"] for a in self.annotations.values()
                    if self.sets[a["annotation_set_id"]]["dataset_id"] == dataset_id}
            dropped = used - {t["name"] for t in types}
            if dropped:
                raise _detail(400, f"Artifact types in use cannot be removed: "
                                   f"{', '.join(sorted(dropped))}")
            dataset["artifact_types"] = types
        dataset["updated_at"] = now_iso()
        return 200, self._dataset_out(dataset)

    def delete_dataset(self, payload, query, dataset_id):
        self._dataset(dataset_id)
        set_ids = {s["id"] for s in self.sets.values() if s["dataset_id"] == dataset_id}
        self.annotations = {k: v for k, v in self.annotations.items()
                            if v["annotation_set_id"] not in set_ids}
        self.sets = {k: v for k, v in self.sets.items() if k not in set_ids}
        self.audio = {k: v for k, v in self.audio.items() if v["dataset_id"] != dataset_id}
        del self.datasets[dataset_id]
        return 204, None

    # audio

    def upload_url(self, payload, query, dataset_id):
        self._dataset(dataset_id)
        payload = payload if isinstance(payload, dict) else {}
        errors = []
        filename, content_type = payload.get("filename"), payload.get("content_type")
        size = payload.get("file_size")
        if not isinstance(filename, str) or not 1 <= len(filename) <= 500:
            errors.append((["body", "filename"], "ensure this value has 1 to 500 characters",
                           "value_error.any_str"))
        if content_type not in ACCEPTED_CONTENT_TYPES:
            errors.append((["body", "content_type"], f"unsupported content type "
                           f"'{content_type}'", "value_error"))
        if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
            errors.append((["body", "file_size"], "must be a positive integer", "value_error"))
        elif size > MAX_FILE_SIZE:
            errors.append((["body", "file_size"], "file exceeds the 500 MB limit", "value_error"))
        if errors:
            raise _invalid(*errors)
        audio_id = str(uuid.uuid4())
        key = f"uploads/{dataset_id}/{audio_id}/{filename}"
        self.audio[audio_id] = {"id": audio_id, "dataset_id": dataset_id,
                                "original_filename": filename, "content_type": content_type,
                                "file_size": size, "processing_status": "pending",
                                "duration_ms": None, "created_at": now_iso(), "stored": None}
        expires = time.time() + self.upload_ttl
        if self.expire_next_tickets > 0:
            self.expire_next_tickets -= 1
            expires = time.time() - 1
        policy = base64.b64encode(json.dumps({
            "key": key, "audio_id": audio_id, "content_type": content_type, "file_size": size,
            "issued": time.time(), "expires": expires}).encode()).decode()
        signature = hmac.new(self._secret, policy.encode(), hashlib.sha256).hexdigest()
        return 200, {"upload_url": f"{self.base_url}/storage/upload",
                     "fields": {"key": key, "Content-Type": content_type, "policy": policy,
                                "x-signature": signature},
                     "key": key, "expires_in": int(self.upload_ttl), "audio_id": audio_id}

    def confirm(self, payload, query, dataset_id):
        self._dataset(dataset_id)
        audio_id = (payload or {}).get("audio_id") if isinstance(payload, dict) else None
        if not isinstance(audio_id, str):
            raise _invalid((["body", "audio_id"], "field required", "value_error.missing"))
        audio = self.audio.get(audio_id)
        if audio is None or audio["dataset_id"] != dataset_id:
            raise _detail(404, "Audio file not found")
        if audio["stored"] is None:
            raise _detail(400, "The file has not been uploaded yet")
        if audio["processing_status"] == "pending":
            audio["processing_status"] = "ready"
            return 200, {"audio_id": audio_id, "status": "normalizing",
                         "message": "Upload confirmed; processing started"}
        return 200, {"audio_id": audio_id, "status": audio["processing_status"],
                     "message": "Already confirmed"}

    def list_audio(self, payload, query, dataset_id):
        self._dataset(dataset_id)
        items = [{k: a[k] for k in ("id", "original_filename", "duration_ms",
                                    "processing_status", "file_size", "created_at")}
                 for a in self.audio.values() if a["dataset_id"] == dataset_id]
        return 200, self._page(items, query)

    def delete_audio(self, payload, query, dataset_id, audio_id):
        audio = self.audio.get(audio_id)
        if audio is None or audio["dataset_id"] != dataset_id:
            raise _detail(404, "Audio file not found")
        if any(a["audio_file_id"] == audio_id for a in self.annotations.values()):
            raise _detail(400, "Audio file has annotations and cannot be deleted")
        del self.audio[audio_id]
        return 204, None

    def _storage_upload(self, body: bytes, headers: Any) -> tuple[int, Any]:
        if headers.get("X-API-Key"):
            self.storage_saw_api_key = True
        match = re.search(r'boundary="?([^";]+)"?', headers.get("Content-Type", ""))
        if not headers.get("Content-Type", "").startswith("multipart/form-data") or not match:
            raise _s3_error(400, "InvalidRequest", "Expected multipart/form-data")
        parts = _parse_multipart(body, match.group(1).encode())
        if parts is None:
            raise _s3_error(400, "MalformedPOSTRequest", "The body is not well-formed "
                            "multipart/form-data")
        if not parts or parts[-1][0] != "file" or parts[-1][1] is None:
            raise _s3_error(400, "InvalidArgument", "The file must be the last form field")
        fields = {name: value.decode() for name, _fn, value in parts[:-1]}
        data = parts[-1][2]
        for required in ("key", "policy", "x-signature", "Content-Type"):
            if required not in fields:
                raise _s3_error(400, "InvalidArgument", f"Missing form field {required}")
        expected = hmac.new(self._secret, fields["policy"].encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, fields["x-signature"]):
            raise _s3_error(403, "SignatureDoesNotMatch", "The request signature does not "
                            "match the policy")
        policy = json.loads(base64.b64decode(fields["policy"]))
        if fields["key"] != policy["key"] or fields["Content-Type"] != policy["content_type"]:
            raise _s3_error(403, "AccessDenied", "Invalid according to Policy: Policy "
                            "Condition failed")
        if time.time() > policy["expires"] or policy["issued"] < self.uploads_expired_before:
            raise _s3_error(403, "AccessDenied", "Invalid according to Policy: Policy "
                            "expired. Request has expired")
        if len(data) != policy["file_size"]:
            raise _s3_error(400, "EntityTooLarge" if len(data) > policy["file_size"]
                            else "EntityTooSmall",
                            f"Your proposed upload is {len(data)} bytes; the policy allows "
                            f"exactly {policy['file_size']}")
        with self.lock:
            audio = self.audio.get(policy["audio_id"])
            if audio is None:
                raise _s3_error(403, "AccessDenied", "Upload record no longer exists")
            audio["stored"] = {"size": len(data), "sha256": hashlib.sha256(data).hexdigest(),
                               "filename": parts[-1][1]}
        return 204, None

    # annotation sets

    def _set(self, dataset_id: str, set_id: str) -> dict[str, Any]:
        self._dataset(dataset_id)
        found = self.sets.get(set_id)
        if found is None or found["dataset_id"] != dataset_id:
            raise _detail(404, "Annotation set not found")
        return found

    def _set_out(self, found: dict[str, Any], with_annotations: bool = False) -> dict[str, Any]:
        members = [a for a in self.annotations.values() if a["annotation_set_id"] == found["id"]]
        by_type: dict[str, int] = {}
        for a in members:
            by_type[a["artifact_type"]] = by_type.get(a["artifact_type"], 0) + 1
        out = dict(found)
        out.update(total_annotations=len(members), annotations_by_type=by_type,
                   total_positive_duration_ms=sum(a["end_ms"] - a["start_ms"] for a in members))
        if with_annotations:
            out["annotations"] = [dict(a) for a in sorted(members, key=lambda a: a["seq"])]
        return out

    def create_set(self, payload, query, dataset_id):
        self._dataset(dataset_id)
        version = 1 + max((s["version"] for s in self.sets.values()
                           if s["dataset_id"] == dataset_id), default=0)
        created = {"id": str(uuid.uuid4()), "dataset_id": dataset_id, "version": version,
                   "status": "draft", "created_at": now_iso(), "published_at": None}
        self.sets[created["id"]] = created
        return 201, self._set_out(created)

    def list_sets(self, payload, query, dataset_id):
        self._dataset(dataset_id)
        items = [self._set_out(s) for s in sorted(self.sets.values(), key=lambda s: s["version"])
                 if s["dataset_id"] == dataset_id]
        return 200, self._page(items, query)

    def get_set(self, payload, query, dataset_id, set_id):
        return 200, self._set_out(self._set(dataset_id, set_id), with_annotations=True)

    def publish_set(self, payload, query, dataset_id, set_id):
        found = self._set(dataset_id, set_id)
        if found["status"] == "published":
            raise _detail(400, "Annotation set is already published")
        found["status"], found["published_at"] = "published", now_iso()
        return 200, self._set_out(found)

    # annotations

    def _draft(self, dataset_id: str, set_id: str) -> dict[str, Any]:
        found = self._set(dataset_id, set_id)
        if found["status"] == "published":
            raise _detail(400, "Annotation set is published and cannot be modified")
        return found

    def _check_annotation(self, item: Any, loc: list[Any], dataset_id: str,
                          partial: bool = False) -> list[tuple[list[Any], str, str]]:
        if not isinstance(item, dict):
            return [(loc, "value is not a valid dict", "type_error.dict")]
        errors = []
        types = {t["name"] for t in self.datasets[dataset_id]["artifact_types"]}
        required = () if partial else ("audio_file_id", "artifact_type", "start_ms", "end_ms")
        for name in required:
            if name not in item:
                errors.append((loc + [name], "field required", "value_error.missing"))
        if "audio_file_id" in item:
            audio = self.audio.get(str(item["audio_file_id"]))
            if audio is None or audio["dataset_id"] != dataset_id:
                errors.append((loc + ["audio_file_id"], "audio file not found in this dataset",
                               "value_error"))
            elif audio["processing_status"] == "pending":
                errors.append((loc + ["audio_file_id"], "audio file upload is not confirmed",
                               "value_error"))
        if "artifact_type" in item and item["artifact_type"] not in types:
            errors.append((loc + ["artifact_type"], f"'{item['artifact_type']}' is not one of "
                           f"the dataset's artifact types", "value_error"))
        for name in ("start_ms", "end_ms"):
            if name in item and (not isinstance(item[name], int) or isinstance(item[name], bool)
                                 or item[name] < 0):
                errors.append((loc + [name], "ensure this value is an integer >= 0",
                               "value_error"))
        if "confidence" in item:
            value = item["confidence"]
            if not isinstance(value, (int, float)) or isinstance(value, bool) \
                    or not 0.0 <= value <= 1.0:
                errors.append((loc + ["confidence"], "ensure this value is between 0 and 1",
                               "value_error"))
        if "extra_data" in item and not isinstance(item["extra_data"], dict):
            errors.append((loc + ["extra_data"], "value is not a valid dict", "type_error.dict"))
        client_id = (item.get("extra_data") or {}).get("client_id") \
            if isinstance(item.get("extra_data"), dict) else None
        if client_id in self.reject_client_ids:
            field_name, message = self.reject_client_ids[client_id]
            errors.append((loc + [field_name], message, "value_error"))
        return errors

    def _new_annotation(self, set_id: str, item: dict[str, Any]) -> dict[str, Any]:
        created = {"id": str(uuid.uuid4()), "annotation_set_id": set_id,
                   "audio_file_id": str(item["audio_file_id"]),
                   "artifact_type": item["artifact_type"], "start_ms": item["start_ms"],
                   "end_ms": item["end_ms"], "confidence": float(item.get("confidence", 1.0)),
                   "extra_data": dict(item.get("extra_data") or {}), "created_at": now_iso(),
                   "seq": next(self._seq)}
        self.annotations[created["id"]] = created
        return created

    @staticmethod
    def _out(annotation: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in annotation.items() if k != "seq"}

    def _check_order(self, item: dict[str, Any], loc: list[Any]) -> list:
        start, end = item.get("start_ms"), item.get("end_ms")
        if isinstance(start, int) and isinstance(end, int) and end <= start:
            return [(loc + ["end_ms"], "end_ms must be greater than start_ms", "value_error")]
        return []

    def create_annotation(self, payload, query, dataset_id, set_id):
        self._draft(dataset_id, set_id)
        errors = self._check_annotation(payload, ["body"], dataset_id)
        errors += self._check_order(payload or {}, ["body"]) if not errors else []
        if errors:
            raise _invalid(*errors)
        return 201, self._out(self._new_annotation(set_id, payload))

    def bulk_create(self, payload, query, dataset_id, set_id):
        self._draft(dataset_id, set_id)
        items = payload.get("annotations") if isinstance(payload, dict) else None
        if not isinstance(items, list):
            raise _invalid((["body", "annotations"], "field required", "value_error.missing"))
        errors = []
        for index, item in enumerate(items):
            loc = ["body", "annotations", index]
            found = self._check_annotation(item, loc, dataset_id)
            errors += found or self._check_order(item, loc)
        if errors:
            raise _invalid(*errors)
        created = [self._out(self._new_annotation(set_id, item)) for item in items]
        return 201, {"created": len(created), "annotations": created}

    def patch_annotation(self, payload, query, dataset_id, set_id, annotation_id):
        self._draft(dataset_id, set_id)
        annotation = self.annotations.get(annotation_id)
        if annotation is None or annotation["annotation_set_id"] != set_id:
            raise _detail(404, "Annotation not found")
        payload = payload if isinstance(payload, dict) else {}
        errors = self._check_annotation(payload, ["body"], dataset_id, partial=True)
        merged = {**annotation, **payload}
        errors += self._check_order(merged, ["body"]) if not errors else []
        if errors:
            raise _invalid(*errors)
        for key in ("audio_file_id", "artifact_type", "start_ms", "end_ms", "confidence",
                    "extra_data"):
            if key in payload:
                annotation[key] = float(payload[key]) if key == "confidence" else payload[key]
        return 200, self._out(annotation)

    def delete_annotation(self, payload, query, dataset_id, set_id, annotation_id):
        self._draft(dataset_id, set_id)
        annotation = self.annotations.get(annotation_id)
        if annotation is None or annotation["annotation_set_id"] != set_id:
            raise _detail(404, "Annotation not found")
        del self.annotations[annotation_id]
        return 204, None

    # pagination

    def _page(self, items: list[dict[str, Any]], query: dict[str, list[str]]) -> dict[str, Any]:
        try:
            page = int(query.get("page", ["1"])[0])
            size = int(query.get("page_size", ["20"])[0])
        except ValueError:
            raise _invalid((["query", "page"], "value is not a valid integer",
                            "type_error.integer")) from None
        if page < 1:
            raise _invalid((["query", "page"], "ensure this value is greater than or equal "
                            "to 1", "value_error.number.not_ge"))
        if size < 1:
            raise _invalid((["query", "page_size"], "ensure this value is greater than or "
                            "equal to 1", "value_error.number.not_ge"))
        size = min(size, self.page_size_cap)
        start = (page - 1) * size
        return {"items": items[start:start + size], "total": len(items)}


_ID = r"[0-9a-fA-F-]{36}"
_ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    (method, re.compile(pattern.replace("{ID}", _ID).format(
        ds=f"(?P<dataset_id>{_ID})", st=f"(?P<set_id>{_ID})", an=f"(?P<annotation_id>{_ID})",
        au=f"(?P<audio_id>{_ID})")), name)
    for method, pattern, name in [
        ("GET", r"/api/v1/datasets", "list_datasets"),
        ("POST", r"/api/v1/datasets", "create_dataset"),
        ("GET", r"/api/v1/datasets/{ds}", "get_dataset"),
        ("PATCH", r"/api/v1/datasets/{ds}", "patch_dataset"),
        ("DELETE", r"/api/v1/datasets/{ds}", "delete_dataset"),
        ("POST", r"/api/v1/datasets/{ds}/audio/upload-url", "upload_url"),
        ("POST", r"/api/v1/datasets/{ds}/audio/confirm", "confirm"),
        ("GET", r"/api/v1/datasets/{ds}/audio", "list_audio"),
        ("DELETE", r"/api/v1/datasets/{ds}/audio/{au}", "delete_audio"),
        ("POST", r"/api/v1/datasets/{ds}/annotation-sets", "create_set"),
        ("GET", r"/api/v1/datasets/{ds}/annotation-sets", "list_sets"),
        ("GET", r"/api/v1/datasets/{ds}/annotation-sets/{st}", "get_set"),
        ("POST", r"/api/v1/datasets/{ds}/annotation-sets/{st}/publish", "publish_set"),
        ("POST", r"/api/v1/datasets/{ds}/annotation-sets/{st}/annotations", "create_annotation"),
        ("POST", r"/api/v1/datasets/{ds}/annotation-sets/{st}/annotations/bulk", "bulk_create"),
        ("PATCH", r"/api/v1/datasets/{ds}/annotation-sets/{st}/annotations/{an}",
         "patch_annotation"),
        ("DELETE", r"/api/v1/datasets/{ds}/annotation-sets/{st}/annotations/{an}",
         "delete_annotation"),
    ]
]


def _parse_multipart(body: bytes, boundary: bytes) -> list[tuple[str, str | None, bytes]] | None:
    """(name, filename, value) per part, in order; None when malformed."""
    delimiter = b"--" + boundary
    if not body.startswith(delimiter):
        return None
    chunks = body.split(b"\r\n" + delimiter)
    first = chunks[0][len(delimiter):]
    chunks = [first] + chunks[1:]
    parts = []
    for index, chunk in enumerate(chunks):
        if chunk.startswith(b"--"):
            return parts if index == len(chunks) - 1 else None
        if not chunk.startswith(b"\r\n"):
            return None
        head, sep, value = chunk[2:].partition(b"\r\n\r\n")
        if not sep:
            return None
        disposition = next((line for line in head.decode("utf-8", "replace").split("\r\n")
                            if line.lower().startswith("content-disposition:")), "")
        name = re.search(r'\bname="([^"]*)"', disposition)
        filename = re.search(r'\bfilename="([^"]*)"', disposition)
        if not name:
            return None
        parts.append((name.group(1), filename.group(1) if filename else None, value))
    return None  # no closing delimiter


class _CountingReader:
    def __init__(self, raw: Any) -> None:
        self.raw = raw
        self.count = 0

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.count += len(data)
        return data

    def readline(self, size: int = -1) -> bytes:
        data = self.raw.readline(size)
        self.count += len(data)
        return data

    def __getattr__(self, name: str) -> Any:
        return getattr(self.raw, name)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    platform: StandinServer

    def setup(self) -> None:
        super().setup()
        self.rfile = _CountingReader(self.rfile)  # type: ignore[assignment]
        with self.platform.lock:
            self.platform._connections.add(self.connection)

    def finish(self) -> None:
        with self.platform.lock:
            self.platform._connections.discard(self.connection)
        try:
            super().finish()
        except OSError:
            pass

    def handle(self) -> None:
        try:
            super().handle()
        except (ConnectionError, socket.timeout, OSError):
            pass  # the client went away (killed, or a fault dropped it)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PATCH = do_DELETE = do_PUT = do_GET

    def _fault(self, method: str, path: str) -> Fault | None:
        chosen = None
        with self.platform.lock:
            for fault in self.platform.faults:
                if fault.matches(method, path):
                    fault.seen += 1  # every fault counts every request it matches
                    if chosen is None and fault.nth <= fault.seen < fault.nth + fault.times:
                        fault.fired += 1
                        chosen = fault
        return chosen

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(data)
                data += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _serve(self) -> None:
        split = urlsplit(self.path)
        method, path = self.command, split.path
        platform = self.platform
        fault = self._fault(method, path)
        self._entry = LoggedRequest(method, path, None, 0, bool(self.headers.get("X-API-Key")),
                                    fault.action if fault else None)
        self._logged = False
        uploading = path == "/storage/upload"
        if uploading:
            with platform.lock:
                platform._uploads_in_flight += 1
                platform.max_concurrent_uploads = max(platform.max_concurrent_uploads,
                                                      platform._uploads_in_flight)
        try:
            if fault is not None and fault.stage == "before_body" and fault.action == "drop":
                self.rfile.read(min(1024, int(self.headers.get("Content-Length") or 0)))
                self._drop()
                return
            body = self._read_body()
            if fault is not None and fault.action == "delay":
                time.sleep(fault.seconds)
                fault = None
            if fault is not None and not fault.commit:
                self._misbehave(fault)
                return
            try:
                status, payload = platform.handle(method, path, parse_qs(split.query), body,
                                                  self.headers)
                answer = _Answer(status, payload)
            except _Answer as refusal:
                answer = refusal
            if fault is not None:
                self._misbehave(fault)
                return
            self._send(answer)
        finally:
            if uploading:
                with platform.lock:
                    platform._uploads_in_flight -= 1
            self._log(None)

    def _log(self, status: int | None) -> None:
        """Record the request before its answer leaves, so a client that has its answer
        always finds the request in the log."""
        if self._logged:
            return
        self._logged = True
        self._entry.status = status
        self._entry.bytes_in = self.rfile.count  # type: ignore[attr-defined]
        self.rfile.count = 0  # type: ignore[attr-defined]
        with self.platform.lock:
            self.platform.requests.append(self._entry)

    def _misbehave(self, fault: Fault) -> None:
        if fault.action == "drop":
            self._drop()
            return
        status = int(fault.action)
        headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
        texts = {500: "Internal Server Error", 401: "Invalid or missing API key",
                 403: "This API key does not have write permission", 429: "Too Many Requests",
                 503: "Service Unavailable"}
        if status == 422:
            answer = _invalid((["body"], "rejected by the test", "value_error"))
        else:
            answer = _Answer(status, {"detail": texts.get(status, "error")}, headers)
        self._send(answer)

    def _drop(self) -> None:
        self._log(None)
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _send(self, answer: _Answer) -> None:
        self._log(answer.status)
        if answer.raw is not None:
            data = answer.raw
        elif answer.body is None:
            data = b""
        else:
            data = json.dumps(answer.body).encode()
        self.send_response(answer.status)
        if data or answer.status != 204:
            self.send_header("Content-Type", answer.content_type)
        self.send_header("Content-Length", str(len(data)))
        for key, value in answer.headers.items():
            self.send_header(key, value)
        self.end_headers()
        if data:
            self.wfile.write(data)


def main() -> None:  # pragma: no cover - manual use
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--key", default="test-key", help="the API key it accepts")
    args = parser.parse_args()
    server = StandinServer({args.key: WRITE}).start()
    print(server.base_url, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":  # pragma: no cover
    main()
