"""Pushing a dataset to the stand-in platform over real HTTP, with faults injected.

Every test ends by comparing the platform's state with the database (dataset, types,
audio names and sizes, sets, every annotation's type / start / end / confidence / note,
keyed by the client_id each one carries) and by checking that nothing is duplicated.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from app.core.annotations import AnnotationChange
from app.core.context import AppContext
from app.core.entities import AnnotationDraft
from app.core.sync_state import SyncStateService, SyncStatus
from app.sync.client import RelayClient
from app.sync.push import AudioNotAcceptedError, Pusher, PushOptions
from app.sync.report import PushProgress, PushReport
from tests.audio_samples import write_tone
from tests.sync.conftest import (
    API_KEY,
    FAST,
    READ_ONLY_KEY,
    Labeled,
    assert_platform_equals_local,
    import_clips,
    make_client,
)
from tests.sync.standin_server import StandinServer


def push(ctx: AppContext, client: RelayClient, dataset_id: str, **options) -> PushReport:
    return Pusher(ctx, client, PushOptions(**options)).run(dataset_id)


def versions(report: PushReport) -> dict[int, int]:
    return {s.local_version: s.remote_version for s in report.sets if s.remote_version}


def assert_in_line(server: StandinServer, ctx: AppContext, labeled: Labeled,
                   report: PushReport, local_versions: set[int]) -> None:
    mapping = versions(report)
    assert set(mapping) == local_versions, mapping
    assert_platform_equals_local(server, ctx, labeled.dataset.id, report.remote_dataset_id,
                                 mapping)


def snapshot(ctx: AppContext, dataset_id: str) -> tuple:
    return (ctx.datasets.get(dataset_id),
            ctx.audio.list(dataset_id),
            [(s.id, s.version, s.status, s.stats) for s in ctx.sets.list(dataset_id)],
            [ctx.annotations.list(s.id) for s in ctx.sets.list(dataset_id)])


def overview(ctx: AppContext, client: RelayClient, dataset_id: str):
    return SyncStateService(ctx.db).overview(dataset_id, client.base_url)


# -- a fresh push and a second one ---------------------------------------------------------------

def test_a_fresh_push_makes_the_platform_equal_the_local_state(
        ctx: AppContext, client: RelayClient, server: StandinServer, labeled: Labeled) -> None:
    server.add_fault("delay", "^/storage/upload$", times=100, seconds=0.2)  # uploads overlap
    events: list[PushProgress] = []
    report = Pusher(ctx, client, PushOptions(sets="all")).run(labeled.dataset.id,
                                                             progress=events.append)
    assert report.ok, report.failures
    assert report.dataset_created and report.remote_dataset_id in server.datasets
    assert sorted(report.audio_uploaded) == [a.original_filename for a in labeled.audio]
    assert [(s.local_version, s.created, s.published) for s in report.sets] == [
        (1, True, True), (2, True, False)]
    assert report.annotations_created == 2 * 24
    assert_in_line(server, ctx, labeled, report, {1, 2})
    remote_v1 = server.sets_of(report.remote_dataset_id)[0]
    assert remote_v1["status"] == "published"
    assert len(server.annotations_of(remote_v1["id"])) == 24
    assert server.max_concurrent_uploads > 1
    assert not server.storage_saw_api_key
    last = events[-2]  # the very last one says "done"
    assert (last.files_done, last.bytes_sent, last.annotations_done) == (
        last.files_total, last.bytes_total, last.annotations_total)
    assert last.bytes_total == sum(a.size_bytes for a in labeled.audio)
    assert events[-1].phase == "done"
    state = overview(ctx, client, labeled.dataset.id)
    assert state.dataset.status is SyncStatus.PUSHED
    assert {s.status for s in state.audio.values()} == {SyncStatus.PUSHED}
    assert {s.status for s in state.sets.values()} == {SyncStatus.PUSHED}


def test_a_second_push_creates_nothing(ctx: AppContext, client: RelayClient,
                                       server: StandinServer, labeled: Labeled) -> None:
    first = push(ctx, client, labeled.dataset.id, sets="all")
    assert first.ok
    server.reset_log()
    second = push(ctx, client, labeled.dataset.id, sets="all")
    assert second.ok and not second.dataset_created and not second.dataset_updated
    assert second.audio_uploaded == [] and len(second.audio_skipped) == 4
    assert not any(s.created or s.updated or s.published for s in second.sets)
    assert second.annotations_created == second.annotations_updated == 0
    assert {r.method for r in server.requests} == {"GET"}
    assert len(server.requests) == second.requests <= 3
    assert_in_line(server, ctx, labeled, second, {1, 2})
    # a platform that lists the types in another order holds the same dataset
    remote = server.datasets[second.remote_dataset_id]
    remote["artifact_types"] = list(reversed(remote["artifact_types"]))
    server.reset_log()
    third = push(ctx, client, labeled.dataset.id, sets="all")
    assert third.ok and not third.dataset_updated
    assert {r.method for r in server.requests} == {"GET"}


def test_only_published_sets_by_default(ctx: AppContext, client: RelayClient,
                                        server: StandinServer, labeled: Labeled) -> None:
    report = push(ctx, client, labeled.dataset.id)
    assert [s.local_version for s in report.sets] == [1]
    assert_in_line(server, ctx, labeled, report, {1})
    state = overview(ctx, client, labeled.dataset.id)
    assert state.sets[labeled.draft.id].status is SyncStatus.NEVER_PUSHED
    assert state.dataset.status is SyncStatus.PUSHED  # a draft never pushed is not "changed"


# -- faults ---------------------------------------------------------------------------------------

TARGETED = [
    # (action, path, method, nth, commit)
    ("500", r"^/api/v1/datasets$", "POST", 1, True),
    ("drop", r"^/api/v1/datasets$", "POST", 1, True),
    ("drop", r"^/api/v1/datasets$", "POST", 1, False),
    ("500", r"/audio/upload-url$", "POST", 2, True),
    ("drop", r"/audio/upload-url$", "POST", 3, True),
    ("drop", r"/audio/upload-url$", "POST", 1, False),
    ("500", r"^/storage/upload$", None, 2, False),
    ("drop", r"^/storage/upload$", None, 1, True),
    ("500", r"/audio/confirm$", "POST", 1, True),
    ("drop", r"/audio/confirm$", "POST", 4, False),
    ("500", r"/annotation-sets$", "POST", 1, True),
    ("drop", r"/annotation-sets$", "POST", 2, True),
    ("500", r"/annotations/bulk$", "POST", 1, False),
    ("500", r"/annotations/bulk$", "POST", 2, True),
    ("drop", r"/annotations/bulk$", "POST", 3, True),
    ("500", r"/publish$", "POST", 1, True),
    ("drop", r"/publish$", "POST", 1, False),
    ("500", r"/annotation-sets/[^/]+$", "GET", 1, False),
]


@pytest.mark.parametrize("action, path, method, nth, commit", TARGETED,
                         ids=[f"{a}-{p.strip('^$').split('/')[-1]}-{m}-{n}-"
                              f"{'committed' if c else 'not-committed'}"
                              for a, p, m, n, c in TARGETED])
def test_a_fault_at_each_step_leaves_no_duplicate(
        ctx: AppContext, client: RelayClient, server: StandinServer, labeled: Labeled,
        action: str, path: str, method: str | None, nth: int, commit: bool) -> None:
    fault = server.add_fault(action, path, method=method, nth=nth, commit=commit)
    report = push(ctx, client, labeled.dataset.id, sets="all", batch_size=10)
    assert fault.fired == 1
    if not report.ok:  # the fault may end a push; the next one finishes the job
        report = push(ctx, client, labeled.dataset.id, sets="all", batch_size=10)
    assert report.ok, report.failures
    assert_in_line(server, ctx, labeled, report, {1, 2})


# A fresh push here is 24 requests: list + create dataset, 4 x 3 upload steps, then per
# set: create, 3 bulk batches (+ read-back and publish for v1).
@pytest.mark.parametrize("nth", [1, 2, 4, 11, 15, 17, 19, 20, 24])
@pytest.mark.parametrize("action, commit", [("500", True), ("500", False), ("drop", True)])
def test_a_fault_on_the_nth_request_leaves_no_duplicate(
        ctx: AppContext, client: RelayClient, server: StandinServer, labeled: Labeled,
        nth: int, action: str, commit: bool) -> None:
    fault = server.add_fault(action, "", nth=nth, commit=commit)
    report = push(ctx, client, labeled.dataset.id, sets="all", batch_size=10)
    assert fault.fired == 1
    for _ in range(2):
        if report.ok:
            break
        report = push(ctx, client, labeled.dataset.id, sets="all", batch_size=10)
    assert report.ok, report.failures
    assert_in_line(server, ctx, labeled, report, {1, 2})


def test_a_committed_bulk_batch_whose_answer_was_lost_is_read_back_not_resent(
        ctx: AppContext, client: RelayClient, server: StandinServer, labeled: Labeled) -> None:
    fault = server.add_fault("drop", r"/annotations/bulk$", nth=2, commit=True)
    report = push(ctx, client, labeled.dataset.id, batch_size=10)
    assert report.ok and fault.fired == 1
    calls = [(r.method, r.path.rsplit("/", 1)[-1]) for r in server.requests
             if "/annotation-sets/" in r.path]
    bulk_and_reads = [c for c in calls if c[1] == "bulk" or c[0] == "GET"]
    # batch 1, batch 2 (committed, answer lost), the read-back, batch 3, the check before
    # publishing: batch 2 is never sent again.
    assert [c[0] if c[0] == "GET" else "bulk" for c in bulk_and_reads] == [
        "bulk", "bulk", "GET", "bulk", "GET"]
    assert_in_line(server, ctx, labeled, report, {1})


def test_a_push_that_keeps_failing_reports_why_and_the_next_one_completes(
        ctx: AppContext, client: RelayClient, server: StandinServer, labeled: Labeled) -> None:
    server.add_fault("500", r"^/storage/upload$", times=100)
    report = push(ctx, client, labeled.dataset.id)
    assert not report.ok
    assert {f.kind for f in report.failures} == {"audio", "annotation"}
    assert all("500" in f.reason for f in report.failures if f.kind == "audio")
    state = overview(ctx, client, labeled.dataset.id)
    assert state.dataset.status is SyncStatus.FAILED
    assert {s.status for s in state.audio.values()} == {SyncStatus.FAILED}
    assert state.sets[labeled.published.id].status is SyncStatus.FAILED
    remote_v1 = server.sets_of(report.remote_dataset_id)[0]
    assert remote_v1["status"] == "draft"  # never published incomplete
    server.clear_faults()
    report = push(ctx, client, labeled.dataset.id)
    assert report.ok
    assert_in_line(server, ctx, labeled, report, {1})


# -- upload URLs that expire -----------------------------------------------------------------------

def test_an_expired_upload_url_is_replaced(ctx: AppContext, client: RelayClient,
                                           server: StandinServer, labeled: Labeled) -> None:
    server.expire_next_tickets = 1
    report = push(ctx, client, labeled.dataset.id)
    assert report.ok, report.failures
    assert len(server.api_requests("DELETE", "/audio/")) == 1  # the abandoned pending record
    assert len(server.api_requests("POST", "/upload-url$")) == 5
    assert_in_line(server, ctx, labeled, report, {1})


def test_a_stored_upload_url_is_reused_or_replaced_when_expired(
        ctx: AppContext, client: RelayClient, server: StandinServer, labeled: Labeled) -> None:
    server.add_fault("drop", r"^/storage/upload$", times=100)
    first = push(ctx, client, labeled.dataset.id)
    assert len(first.audio_failed) == 4
    server.clear_faults()
    server.expire_uploads()
    report = push(ctx, client, labeled.dataset.id)
    assert report.ok, report.failures
    assert len(server.api_requests("DELETE", "/audio/")) == 4
    assert_in_line(server, ctx, labeled, report, {1})


def test_a_platform_that_refuses_to_delete_audio_is_said_in_the_report(
        ctx: AppContext, client: RelayClient, server: StandinServer, labeled: Labeled) -> None:
    server.expire_next_tickets = 1
    server.add_fault("405", r"/audio/[0-9a-f-]+$", method="DELETE", times=10)
    report = push(ctx, client, labeled.dataset.id)
    assert report.ok, report.failures
    assert len(report.warnings) == 1
    assert "kept an abandoned pending upload record of 'clip0" in report.warnings[0]
    assert len(server.api_requests("DELETE", "/audio/")) == 1


def test_a_platform_busy_after_every_retry_stops_the_push(
        ctx: AppContext, client: RelayClient, server: StandinServer, labeled: Labeled) -> None:
    server.add_fault("503", r"/upload-url$", times=1000, retry_after="0")
    report = push(ctx, client, labeled.dataset.id)
    assert not report.ok and report.sets == []
    assert [f.kind for f in report.failures] == ["dataset"]
    assert "Service Unavailable" in report.failures[0].reason
    # stopped at the first file that ran out of retries, not file after file
    assert len(server.api_requests("POST", "/upload-url$")) < 4 * FAST.attempts
    server.clear_faults()
    report = push(ctx, client, labeled.dataset.id)
    assert report.ok and len(report.audio_uploaded) == 4


# -- refused keys ----------------------------------------------------------------------------------

@pytest.mark.parametrize("key, status, words", [
    ("rk_wrong_" + "z" * 30, "401", "refused the API key"),
    (READ_ONLY_KEY, "403", "not allowed to do this"),
])
def test_a_refused_key_stops_with_a_clear_message_and_touches_nothing(
        ctx: AppContext, server: StandinServer, labeled: Labeled, key: str, status: str,
        words: str) -> None:
    before = snapshot(ctx, labeled.dataset.id)
    with make_client(server, key=key) as client:
        report = push(ctx, client, labeled.dataset.id)
    assert not report.ok and len(report.failures) == 1
    reason = report.failures[0].reason
    assert words in reason and status in reason and key not in reason
    assert server.datasets == {} and server.audio == {}
    assert snapshot(ctx, labeled.dataset.id) == before
    state = overview(ctx, client, labeled.dataset.id)
    assert state.dataset.status is SyncStatus.FAILED and words in state.dataset.error
    assert {s.status for s in state.audio.values()} == {SyncStatus.NEVER_PUSHED}


def test_a_key_revoked_during_the_push_stops_it_and_a_later_push_completes(
        ctx: AppContext, client: RelayClient, server: StandinServer, labeled: Labeled) -> None:
    server.add_fault("401", r"/audio/confirm$", nth=2, times=100)
    report = push(ctx, client, labeled.dataset.id)
    assert not report.ok and "refused the API key" in report.failures[0].reason
    assert len(report.failures) == 1 and not report.sets
    server.clear_faults()
    report = push(ctx, client, labeled.dataset.id)
    assert report.ok
    assert_in_line(server, ctx, labeled, report, {1})


# -- one item refused --------------------------------------------------------------------------------

def test_a_422_on_one_annotation_names_it_and_the_rest_arrives(
        ctx: AppContext, client: RelayClient, server: StandinServer, labeled: Labeled) -> None:
    victim = ctx.annotations.list(labeled.published.id)[7]
    server.reject_client_ids[victim.id] = ("start_ms", "overlaps a protected region")
    report = push(ctx, client, labeled.dataset.id, batch_size=10)
    assert not report.ok
    assert [(f.kind, f.local_id) for f in report.failures] == [("annotation", victim.id)]
    failure = report.failures[0]
    assert failure.reason == "start_ms: overlaps a protected region"
    assert failure.name == (f"v1 / {victim.artifact_type} {victim.start_ms}-{victim.end_ms} ms")
    remote_v1 = server.sets_of(report.remote_dataset_id)[0]
    assert remote_v1["status"] == "draft"  # not published without all its annotations
    arrived = {a["extra_data"]["client_id"] for a in server.annotations_of(remote_v1["id"])}
    assert arrived == {a.id for a in ctx.annotations.list(labeled.published.id)} - {victim.id}
    assert overview(ctx, client, labeled.dataset.id).sets[
        labeled.published.id].status is SyncStatus.FAILED
    server.reject_client_ids.clear()
    report = push(ctx, client, labeled.dataset.id)
    assert report.ok and report.sets[0].published
    assert report.annotations_created == 1
    assert_in_line(server, ctx, labeled, report, {1})


def test_a_422_on_one_audio_file_names_it(ctx: AppContext, client: RelayClient,
                                          server: StandinServer, labeled: Labeled) -> None:
    server.add_fault("422", r"/audio/upload-url$", nth=2)
    report = push(ctx, client, labeled.dataset.id)
    kinds = [f.kind for f in report.failures]
    assert kinds == ["audio", "annotation"]
    audio_failure = report.failures[0]
    assert "422" in audio_failure.reason and "rejected by the test" in audio_failure.reason
    assert f"/ {audio_failure.name}" in report.failures[1].name
    assert "6 annotations not sent" in report.failures[1].reason
    report = push(ctx, client, labeled.dataset.id)
    assert report.ok
    assert_in_line(server, ctx, labeled, report, {1})


# -- local edits after a push ------------------------------------------------------------------------

def test_draft_edits_after_a_push_are_brought_in_line(
        ctx: AppContext, client: RelayClient, server: StandinServer, labeled: Labeled) -> None:
    assert push(ctx, client, labeled.dataset.id, sets="all").ok
    current = ctx.annotations.list(labeled.draft.id)
    clip = labeled.audio[0]
    ctx.annotations.create_many(labeled.draft.id, [
        AnnotationDraft(clip.id, "glitch", 11, 29, 0.3, note="new"),
        AnnotationDraft(clip.id, "hallucination", 40, 90)])
    ctx.annotations.update_many({
        current[0].id: AnnotationChange(artifact_type="long_pause" if current[0].artifact_type
                                        != "long_pause" else "glitch"),
        current[1].id: AnnotationChange(start_ms=current[1].start_ms + 1,
                                        end_ms=current[1].end_ms + 2),
        current[2].id: AnnotationChange(confidence=0.25, note="re-checked")})
    ctx.annotations.delete_many([current[3].id, current[4].id])
    state = overview(ctx, client, labeled.dataset.id)
    assert state.sets[labeled.draft.id].status is SyncStatus.CHANGED
    assert "7 annotations changed" in state.sets[labeled.draft.id].detail
    assert state.sets[labeled.published.id].status is SyncStatus.PUSHED
    assert state.dataset.status is SyncStatus.CHANGED
    server.reset_log()
    report = push(ctx, client, labeled.dataset.id, sets="all")
    assert report.ok, report.failures
    v2 = report.sets[1]
    assert (v2.created, v2.updated) == (False, True)
    assert (v2.annotations_created, v2.annotations_updated, v2.annotations_deleted) == (2, 3, 2)
    assert len(server.api_requests("PATCH", "/annotations/")) == 3
    assert len(server.api_requests("DELETE", "/annotations/")) == 2
    assert len(server.api_requests("POST", "/bulk$")) == 1
    assert_in_line(server, ctx, labeled, report, {1, 2})
    state = overview(ctx, client, labeled.dataset.id)
    assert {s.status for s in state.sets.values()} == {SyncStatus.PUSHED}
    assert state.dataset.status is SyncStatus.PUSHED


def test_a_draft_published_after_a_push_arrives_published_with_exactly_its_annotations(
        ctx: AppContext, client: RelayClient, server: StandinServer, labeled: Labeled) -> None:
    assert push(ctx, client, labeled.dataset.id, sets="all").ok
    victim = ctx.annotations.list(labeled.draft.id)[0]
    ctx.annotations.delete(victim.id)
    ctx.sets.publish(labeled.draft.id)
    assert overview(ctx, client, labeled.dataset.id).sets[
        labeled.draft.id].status is SyncStatus.CHANGED
    report = push(ctx, client, labeled.dataset.id)
    assert report.ok and report.sets[1].published and report.sets[1].annotations_deleted == 1
    remote_v2 = server.sets_of(report.remote_dataset_id)[1]
    assert remote_v2["status"] == "published"
    assert_in_line(server, ctx, labeled, report, {1, 2})


def test_dataset_changes_and_new_audio_are_pushed(ctx: AppContext, client: RelayClient,
                                                  server: StandinServer, labeled: Labeled,
                                                  tmp_path: Path) -> None:
    assert push(ctx, client, labeled.dataset.id).ok
    ctx.datasets.update(labeled.dataset.id, name="TTS Glitches 2", description="v2 rules")
    ctx.datasets.add_types(labeled.dataset.id, [type(labeled.dataset.artifact_types[0])("echo")])
    new = import_clips(ctx, labeled.dataset.id, tmp_path / "more", 1, first=4)[0]
    state = overview(ctx, client, labeled.dataset.id)
    assert state.dataset.status is SyncStatus.CHANGED
    assert state.audio[new.id].status is SyncStatus.NEVER_PUSHED
    report = push(ctx, client, labeled.dataset.id)
    assert report.ok and report.dataset_updated and report.audio_uploaded == [new.original_filename]
    labeled.dataset = ctx.datasets.get(labeled.dataset.id)
    assert_in_line(server, ctx, labeled, report, {1})
    assert overview(ctx, client, labeled.dataset.id).dataset.status is SyncStatus.PUSHED


# -- audio the platform does not take ------------------------------------------------------------------

def test_unaccepted_audio_is_refused_before_any_request_then_converted_to_flac(
        ctx: AppContext, client: RelayClient, server: StandinServer, labeled: Labeled,
        tmp_path: Path) -> None:
    aiff = write_tone(tmp_path / "studio take.aiff", seconds=0.7, rate=22050, freq=330,
                      channels=2, subtype="PCM_16", format="AIFF")
    imported = ctx.audio.import_paths(labeled.dataset.id, [aiff]).imported[0]
    with pytest.raises(AudioNotAcceptedError) as caught:
        push(ctx, client, labeled.dataset.id)
    message = str(caught.value)
    assert "studio take.aiff: AIFF audio is not accepted" in message
    assert "--convert-flac" in message and caught.value.problems[0].convertible
    assert server.requests == []
    assert Pusher(ctx, client).preflight(labeled.dataset.id) == caught.value.problems
    report = push(ctx, client, labeled.dataset.id, convert_flac=True)
    assert report.ok and report.audio_converted == ["studio take.aiff"]
    remote = [a for a in server.audio.values() if a["original_filename"] == "studio take.flac"]
    assert len(remote) == 1 and remote[0]["content_type"] == "audio/flac"
    converted = ctx.paths.cache_dir / "flac" / f"{imported.sha256}.flac"
    assert remote[0]["stored"]["size"] == converted.stat().st_size
    original, _ = sf.read(str(aiff), dtype="int16")
    flac, rate = sf.read(str(converted), dtype="int16")
    assert rate == 22050 and np.array_equal(original, flac)  # lossless


def test_audio_over_500_mb_is_refused_with_the_reason(ctx: AppContext, client: RelayClient,
                                                      server: StandinServer,
                                                      labeled: Labeled) -> None:
    con = sqlite3.connect(ctx.paths.sqlite_file)
    con.execute("UPDATE audio_files SET size_bytes = 612000000 WHERE id = ?",
                (labeled.audio[1].id,))
    con.commit()
    con.close()
    with pytest.raises(AudioNotAcceptedError) as caught:
        push(ctx, client, labeled.dataset.id)
    assert (f"{labeled.audio[1].original_filename}: the file is 612 MB; the platform takes at "
            f"most 500 MB per file") in str(caught.value)
    assert server.requests == []


# -- cancel, resume, and the platform changing under us ----------------------------------------------

def test_cancel_during_uploads_then_resume(ctx: AppContext, client: RelayClient,
                                           server: StandinServer, labeled: Labeled) -> None:
    server.add_fault("delay", "^/storage/upload$", times=100, seconds=0.15)
    stop = threading.Event()

    def progress(state: PushProgress) -> None:
        if state.files_done >= 1:
            stop.set()

    report = Pusher(ctx, client, PushOptions(parallel_uploads=1)).run(
        labeled.dataset.id, progress=progress, cancel=stop)
    assert report.cancelled and not report.ok and report.failures == []
    assert 1 <= len(report.audio_uploaded) < 4 and report.sets == []
    report = push(ctx, client, labeled.dataset.id)
    assert report.ok
    assert_in_line(server, ctx, labeled, report, {1})


def test_a_callable_cancels_too(ctx: AppContext, client: RelayClient, server: StandinServer,
                                labeled: Labeled) -> None:
    report = Pusher(ctx, client).run(labeled.dataset.id, cancel=lambda: True)
    assert report.cancelled and server.requests == []


def test_a_dataset_deleted_on_the_platform_is_pushed_again(
        ctx: AppContext, client: RelayClient, server: StandinServer, labeled: Labeled) -> None:
    first = push(ctx, client, labeled.dataset.id)
    client.delete_dataset(first.remote_dataset_id)
    report = push(ctx, client, labeled.dataset.id)
    assert report.ok and report.dataset_created and "no longer has dataset" in report.warnings[0]
    assert_in_line(server, ctx, labeled, report, {1})


def test_a_namesake_not_pushed_from_here_is_not_taken_over(
        ctx: AppContext, client: RelayClient, server: StandinServer, labeled: Labeled) -> None:
    client.create_dataset(labeled.dataset.name, None, [{"name": "x"}])
    report = push(ctx, client, labeled.dataset.id)
    assert not report.ok and "already has a dataset named 'TTS Glitches'" in \
        report.failures[0].reason
    assert len(server.datasets) == 1 and server.audio == {}


def test_an_unreachable_platform_is_reported(ctx: AppContext, labeled: Labeled) -> None:
    platform = StandinServer({API_KEY: "write"}).start()
    client = make_client(platform)
    platform.stop()
    with client:
        report = push(ctx, client, labeled.dataset.id)
    assert not report.ok and "cannot reach" in report.failures[0].reason
