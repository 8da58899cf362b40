"""`push` and `remote login/status/logout` as real processes against the stand-in platform:
the JSON report, SIGKILL in the middle then push again, the key never written anywhere."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from app.core.context import AppContext
from app.core.entities import AnnotationDraft
from app.sync.credentials import API_KEY_ENV
from tests.audio_samples import write_tone
from tests.conftest import REPO
from tests.sync.conftest import (
    API_KEY,
    Labeled,
    add_annotations,
    assert_platform_equals_local,
    make_labeled,
)
from tests.sync.keyrings import FILE_ENV
from tests.sync.standin_server import StandinServer

NO_KEYRING = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}


def key_env(key: str = API_KEY) -> dict[str, str]:
    return {**NO_KEYRING, API_KEY_ENV: key}


def file_keyring_env(path: Path) -> dict[str, str]:
    return {"PYTHON_KEYRING_BACKEND": "tests.sync.keyrings.FileKeyring", FILE_ENV: str(path)}


def versions_of(report: dict) -> dict[int, int]:
    return {s["local_version"]: s["remote_version"] for s in report["set_details"]
            if s["remote_version"]}


def wait_until(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def start_cli(home: Path, *args: str, env: dict[str, str]) -> subprocess.Popen:
    full_env = {**{k: v for k, v in os.environ.items() if k != API_KEY_ENV}, **env}
    return subprocess.Popen([sys.executable, str(REPO / "main.py"), "--home", str(home), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=full_env, cwd=REPO)


# -- the report -----------------------------------------------------------------------------------

def test_push_prints_a_json_report_and_a_second_push_sends_nothing(
        cli, ctx: AppContext, server: StandinServer, labeled: Labeled) -> None:
    result = cli("push", "TTS Glitches", "--sets", "all", "--base-url", server.base_url,
                 "--json", env=key_env())
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["ok"] and report["remote_dataset_id"] in server.datasets
    assert report["dataset_created"] is True
    assert sorted(report["audio"]["uploaded"]) == [a.original_filename for a in labeled.audio]
    assert report["audio"]["skipped"] == [] and report["audio"]["failed"] == []
    assert [(s["local_version"], s["remote_version"]) for s in report["sets"]["created"]] == [
        (1, 1), (2, 2)]
    assert [(s["local_version"], s["remote_status"]) for s in report["sets"]["published"]] == [
        (1, "published")]
    assert report["annotations"] == {"created": 48, "updated": 0, "deleted": 0}
    assert report["failures"] == []
    assert_platform_equals_local(server, ctx, labeled.dataset.id, report["remote_dataset_id"],
                                 versions_of(report))

    again = cli("push", "TTS Glitches", "--sets", "all", "--base-url", server.base_url,
                "--json", env=key_env())
    assert again.returncode == 0, again.stderr
    second = json.loads(again.stdout)
    assert second["audio"]["uploaded"] == [] and len(second["audio"]["skipped"]) == 4
    assert second["sets"]["created"] == second["sets"]["updated"] == []
    assert second["annotations"] == {"created": 0, "updated": 0, "deleted": 0}
    assert second["requests"] <= 3

    text = cli("push", "TTS Glitches", "--base-url", server.base_url, env=key_env())
    assert text.returncode == 0
    assert "audio: 0 uploaded, 4 already there, 0 failed" in text.stdout
    assert "set v1 (published) -> remote v1: unchanged" in text.stdout


def test_failures_are_listed_and_the_exit_status_is_1(
        cli, ctx: AppContext, server: StandinServer, labeled: Labeled) -> None:
    victim = ctx.annotations.list(labeled.published.id)[2]
    server.reject_client_ids[victim.id] = ("end_ms", "extends past the audio")
    result = cli("push", "TTS Glitches", "--base-url", server.base_url, "--json",
                 env=key_env())
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert not report["ok"]
    assert report["failures"] == [{
        "kind": "annotation", "local_id": victim.id, "reason": "end_ms: extends past the audio",
        "name": f"v1 / {victim.artifact_type} {victim.start_ms}-{victim.end_ms} ms"}]
    assert (f"error: annotation v1 / {victim.artifact_type} {victim.start_ms}-{victim.end_ms} "
            f"ms: end_ms: extends past the audio") in result.stderr


# -- killed in the middle ------------------------------------------------------------------------

KILLS = {
    # name: (fault path, method, nth, delay s, kill once the fault fired this often,
    #        let the delayed request finish on the server, expire upload URLs before resuming)
    "during uploads": (r"^/storage/upload$", None, 1, 0.4, 3, False, False),
    "during uploads, URLs expired meanwhile": (r"^/storage/upload$", None, 1, 0.4, 2, False,
                                              True),
    "upload-url answer lost": (r"/audio/upload-url$", "POST", 3, 1.0, 1, True, False),
    "dataset create answer lost": (r"^/api/v1/datasets$", "POST", 1, 1.0, 1, True, False),
    "set create answer lost": (r"/annotation-sets$", "POST", 1, 1.0, 1, True, False),
    "bulk batch answer lost": (r"/annotations/bulk$", "POST", 2, 1.0, 1, True, False),
}


@pytest.mark.slow
@pytest.mark.parametrize("scenario", list(KILLS))
def test_sigkill_then_push_again_leaves_no_duplicate(
        scenario: str, home: Path, ctx: AppContext, server: StandinServer, tmp_path: Path) -> None:
    path, method, nth, delay, fired, finish, expire = KILLS[scenario]
    labeled = make_labeled(ctx, tmp_path, files=9, per_file=140)  # 1260 annotations: 3 batches
    fault = server.add_fault("delay", path, method=method, nth=nth, seconds=delay,
                             times=1000 if fired > 1 else 1)
    process = start_cli(home, "push", "TTS Glitches", "--base-url", server.base_url, "--json",
                        env=key_env())
    try:
        wait_until(lambda: fault.fired >= fired or process.poll() is not None)
        assert process.poll() is None, process.communicate()
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.communicate()
    assert process.returncode == -signal.SIGKILL
    if finish:  # the server carries out what it received although nobody hears the answer
        wait_until(lambda: any(r.fault == "delay" and r.status is not None
                               for r in server.api_requests(method, path)))
    server.clear_faults()
    if expire:
        server.expire_uploads()
    resumed = start_cli(home, "push", "TTS Glitches", "--base-url", server.base_url, "--json",
                        env=key_env())
    out, err = resumed.communicate(timeout=120)
    assert resumed.returncode == 0, err
    report = json.loads(out)
    assert_platform_equals_local(server, ctx, labeled.dataset.id, report["remote_dataset_id"],
                                 versions_of(report))
    assert len(server.audio) == 9  # no pending leftovers either
    if expire:
        assert server.api_requests("DELETE", "/audio/")


# -- credentials and addresses -------------------------------------------------------------------

def test_remote_login_status_and_logout_with_a_keyring(
        cli, ctx: AppContext, server: StandinServer, labeled: Labeled, tmp_path: Path) -> None:
    keyring_file = tmp_path / "keyring.json"
    env = file_keyring_env(keyring_file)
    login = cli("remote", "login", "--base-url", server.base_url, input=API_KEY + "\n", env=env)
    assert login.returncode == 0, login.stderr
    assert "is stored in the keyring" in login.stdout
    assert json.loads(keyring_file.read_text()) == {
        f"artifact-annotator|{server.base_url}": API_KEY}
    settings = ctx.paths.config_dir / "remote.json"
    assert json.loads(settings.read_text()) == {"base_url": server.base_url}

    status = cli("remote", "status", "--json", env=env)
    assert status.returncode == 0, status.stderr
    info = json.loads(status.stdout)
    assert (info["base_url"], info["key_stored"], info["key_source"], info["reachable"],
            info["key_accepted"]) == (server.base_url, True, "keyring", True, True)

    pushed = cli("push", "TTS Glitches", "--json", env=env)  # address and key as stored
    assert pushed.returncode == 0, pushed.stderr

    logout = cli("remote", "logout", env=env)
    assert logout.returncode == 0 and "Removed the API key" in logout.stdout
    assert json.loads(keyring_file.read_text()) == {}
    status = cli("remote", "status", env=env)
    assert status.returncode == 1
    assert "API key:    none" in status.stdout and "connection: reachable" in status.stdout
    refused = cli("push", "TTS Glitches", env=env)
    assert refused.returncode == 1
    assert f"No API key for {server.base_url}: store one with 'artifact-annotator remote " \
           f"login'" in refused.stderr


def test_login_with_a_refused_key_stores_nothing(cli, server: StandinServer,
                                                 tmp_path: Path) -> None:
    keyring_file = tmp_path / "keyring.json"
    result = cli("remote", "login", "--base-url", server.base_url, input="rk_wrong_key\n",
                 env=file_keyring_env(keyring_file))
    assert result.returncode == 1
    assert "refused the API key" in result.stderr and "401" in result.stderr
    assert "rk_wrong_key" not in result.stderr + result.stdout
    assert not keyring_file.exists()


def test_without_a_keyring_login_says_so_and_the_environment_variable_works(
        cli, ctx: AppContext, server: StandinServer, labeled: Labeled, home: Path) -> None:
    result = cli("remote", "login", "--base-url", server.base_url, input=API_KEY + "\n",
                 env=NO_KEYRING)
    assert result.returncode == 1
    assert "no keyring backend is available" in result.stderr
    assert f"Set the key in the environment variable {API_KEY_ENV}" in result.stderr
    no_key = cli("push", "TTS Glitches", "--base-url", server.base_url, env=NO_KEYRING)
    assert no_key.returncode == 1 and f"so set the environment variable {API_KEY_ENV}" in \
        no_key.stderr
    assert server.requests == []
    status = cli("remote", "status", "--base-url", server.base_url, env=key_env())
    assert status.returncode == 0 and f"API key:    from {API_KEY_ENV}" in status.stdout
    assert "keyring:    not available" in status.stdout
    assert cli("push", "TTS Glitches", "--base-url", server.base_url,
               env=key_env()).returncode == 0


@pytest.mark.parametrize("command", [("push", "TTS Glitches"), ("remote", "login"),
                                     ("remote", "status")])
def test_plain_http_to_another_host_is_refused(cli, labeled: Labeled,
                                               command: tuple[str, ...]) -> None:
    result = cli(*command, "--base-url", "http://api.relayai.dev", input=API_KEY + "\n",
                 env=key_env())
    assert result.returncode == 1
    assert "uses plain http" in result.stderr and "use https" in result.stderr


def test_unaccepted_audio_is_refused_until_conversion_is_asked_for(
        cli, ctx: AppContext, server: StandinServer, labeled: Labeled, tmp_path: Path) -> None:
    aiff = write_tone(tmp_path / "take.aif", seconds=0.4, format="AIFF", subtype="PCM_24")
    ctx.audio.import_paths(labeled.dataset.id, [aiff])
    refused = cli("push", "TTS Glitches", "--base-url", server.base_url, env=key_env())
    assert refused.returncode == 1
    assert "take.aif: AIFF audio is not accepted by the platform" in refused.stderr
    assert "--convert-flac" in refused.stderr and server.requests == []
    refused = cli("push", "TTS Glitches", "--base-url", server.base_url, "--json", env=key_env())
    assert refused.returncode == 1 and server.requests == []
    report = json.loads(refused.stdout)
    assert report["ok"] is False and report["sent_nothing"] is True
    assert [(f["kind"], f["name"]) for f in report["failures"]] == [("audio", "take.aif")]
    assert "AIFF audio is not accepted" in report["failures"][0]["reason"]
    converted = cli("push", "TTS Glitches", "--base-url", server.base_url, "--convert-flac",
                    "--json", env=key_env())
    assert converted.returncode == 0, converted.stderr
    assert json.loads(converted.stdout)["audio"]["converted_to_flac"] == ["take.aif"]
    assert [a["original_filename"] for a in server.audio.values()].count("take.flac") == 1


# -- the key never written anywhere ------------------------------------------------------------------

def test_the_key_never_appears_in_files_logs_or_output(
        cli, ctx: AppContext, server: StandinServer, labeled: Labeled, home: Path,
        tmp_path: Path) -> None:
    outputs = []
    wrong = "rk_wrong_" + API_KEY[-24:]
    server.echo_key_in_errors = True
    keyring_file = tmp_path / "keyring.json"
    runs = [
        (("remote", "login", "--base-url", server.base_url), file_keyring_env(keyring_file),
         API_KEY + "\n"),
        (("remote", "status", "--json"), file_keyring_env(keyring_file), None),
        (("push", "TTS Glitches", "--sets", "all", "--json"), file_keyring_env(keyring_file),
         None),
        (("push", "TTS Glitches", "--base-url", server.base_url), key_env(wrong), None),
        (("remote", "status", "--base-url", server.base_url), key_env(wrong), None),
        (("remote", "login", "--base-url", server.base_url), file_keyring_env(keyring_file),
         wrong + "\n"),
    ]
    victim = ctx.annotations.list(labeled.draft.id)[0]
    ctx.annotations.create(labeled.draft.id, AnnotationDraft(
        victim.audio_file_id, "glitch", 1, 2))
    server.add_fault("500", r"/annotations/bulk$", nth=1, commit=True)
    for args, env, stdin in runs:
        result = cli(*args, input=stdin, env=env)
        outputs.append(result.stdout + result.stderr)
    assert "refused the API key" in outputs[3] and "***" in outputs[3]
    written = [p for p in home.rglob("*") if p.is_file()]
    assert any(p.suffix == ".log" for p in written)
    assert any(p.name == "annotator.db" for p in written)
    assert any(p.name == "remote.json" for p in written)
    for secret in (API_KEY, wrong):
        needle = secret.encode()
        for path in written:
            assert needle not in path.read_bytes(), f"the key leaked into {path}"
        for output in outputs:
            assert secret not in output
    assert json.loads(keyring_file.read_text()) == {
        f"artifact-annotator|{server.base_url}": API_KEY}  # only the keyring holds it


def test_many_annotations_go_in_batches_of_500(cli, ctx: AppContext, server: StandinServer,
                                               tmp_path: Path) -> None:
    labeled = make_labeled(ctx, tmp_path, files=2, per_file=10)
    add_annotations(ctx, labeled.draft.id, labeled.audio, per_file=600)
    result = cli("push", "TTS Glitches", "--sets", "2", "--base-url", server.base_url,
                 "--json", env=key_env())
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["annotations"]["created"] == 1220
    assert len(server.api_requests("POST", "/bulk$")) == 3
    assert_platform_equals_local(server, ctx, labeled.dataset.id, report["remote_dataset_id"],
                                 versions_of(report))
