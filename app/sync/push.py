"""Push a dataset to the platform: incremental, resumable, without duplicates.

Order: the dataset and its types, then every audio file not uploaded yet (a few at a
time), then the chosen annotation sets in version order. Each step is recorded in the
database (``app.core.sync_state``) as soon as the platform has answered it, so a second
push sends nothing new and an interrupted one resumes where it stopped.

Requests that create something are not idempotent. Before one of them is sent again
after a lost answer, the push looks at what the platform has: a dataset of that name
(only if we had started creating it), pending audio records of that file name (deleted,
then requested afresh), drafts nobody claims, and for annotations the ``client_id`` we
put in ``extra_data``: whatever already arrived is skipped.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from app.core.context import AppContext
from app.core.entities import PUBLISHED, Annotation, AnnotationSet, AudioFile, Dataset
from app.core.errors import DomainError, NotFoundError
from app.core.sync_state import (
    CONFIRMED,
    REQUESTED,
    REQUESTING,
    UPLOADED,
    AnnotationLink,
    AudioLink,
    SetLink,
    SyncStateService,
)
from app.sync.audio_formats import (
    MAX_UPLOAD_BYTES,
    AudioProblem,
    check_audio,
    content_type_for,
    convert_to_flac,
    flac_filename,
)
from app.sync.cancel import CancelSource, CancelToken
from app.sync.client import RelayClient, UploadTicket
from app.sync.endpoints import BULK_BATCH
from app.sync.errors import (
    AuthenticationError,
    CredentialsError,
    NetworkError,
    PermissionDeniedError,
    PushCancelled,
    RateLimitedError,
    RemoteError,
    RemoteNotFoundError,
    RemoteRejectedError,
    RemoteValidationError,
    UploadRejectedError,
)
from app.sync.report import (
    ANNOTATIONS,
    AUDIO,
    CHECKING,
    CONVERTING,
    DATASET,
    DONE,
    ProgressCallback,
    PushProgress,
    PushReport,
    SetResult,
)

log = logging.getLogger(__name__)

PUBLISHED_SETS, ALL_SETS = "published", "all"
TICKET_MARGIN_S = 60          # do not start an upload on a URL about to expire
CONFIDENCE_TOLERANCE = 1e-9


class AudioNotAcceptedError(DomainError):
    """Audio the platform would refuse; nothing was sent. ``problems`` lists each file."""

    def __init__(self, dataset_name: str, problems: list[AudioProblem]) -> None:
        lines = [f"  {p.filename}: {p.reason}" for p in problems]
        convertible = [p for p in problems if p.convertible]
        hint = ""
        if convertible:
            hint = (f"\n{len(convertible)} of them can be converted to FLAC (lossless) on "
                    f"push: push again with --convert-flac.")
        super().__init__(f"Nothing was pushed: {len(problems)} audio files of '{dataset_name}' "
                         f"are not accepted by the platform:\n" + "\n".join(lines) + hint)
        self.problems = problems


@dataclass(frozen=True)
class PushOptions:
    """``sets``: "published" (default), "all", or a tuple of local version numbers."""

    sets: str | tuple[int, ...] = PUBLISHED_SETS
    convert_flac: bool = False
    parallel_uploads: int = 3
    batch_size: int = BULK_BATCH
    max_batch_attempts: int = 4


def parse_set_selection(text: str | None) -> str | tuple[int, ...]:
    """``published`` | ``all`` | ``1,3`` (or ``v1,v3``)."""
    value = (text or PUBLISHED_SETS).strip().lower()
    if value in (PUBLISHED_SETS, ALL_SETS):
        return value
    versions = []
    for part in value.split(","):
        part = part.strip().lstrip("v")
        if not part.isdigit() or int(part) < 1:
            raise DomainError(f"--sets takes 'published', 'all' or version numbers like 1,3; "
                              f"'{text}' is none of these.")
        versions.append(int(part))
    return tuple(sorted(set(versions)))


@dataclass(frozen=True)
class _Source:
    """The bytes to upload for one audio file (the library file, or its FLAC copy)."""

    audio: AudioFile
    filename: str
    content_type: str
    convert: bool


class _Progress:
    """Counts and the caller's callback, safe to use from the upload threads."""

    def __init__(self, callback: ProgressCallback | None) -> None:
        self._callback = callback
        self._lock = threading.Lock()
        self.state = PushProgress(CHECKING)

    def update(self, **changes: Any) -> None:
        with self._lock:
            self.state = replace(self.state, **changes)
            self._emit()

    def add(self, **deltas: int) -> None:
        with self._lock:
            self.state = replace(self.state, **{k: getattr(self.state, k) + v
                                                for k, v in deltas.items()})
            self._emit()

    def _emit(self) -> None:
        if self._callback is not None:
            self._callback(self.state)


def _is_fatal(error: Exception) -> bool:
    """Errors that will not go away for the next item: stop the whole push. That includes
    429/503 still answered after every retry (the platform is busy or in maintenance:
    going on file after file would only wait out the same back-off again and again)."""
    return isinstance(error, (AuthenticationError, PermissionDeniedError, PushCancelled,
                              CredentialsError, RateLimitedError)) or (
        isinstance(error, NetworkError) and not error.maybe_processed)


class Pusher:
    """Pushes one dataset to the platform the client talks to.

    ``preflight`` lists the audio the platform would refuse (no request is made);
    ``run`` does the push and returns a :class:`PushReport`; ``progress`` gets a
    :class:`PushProgress` after every step (from worker threads too, one call at a time);
    ``cancel`` (a ``threading.Event`` or a callable) stops it at the next step.
    """

    def __init__(self, ctx: AppContext, client: RelayClient,
                 options: PushOptions | None = None) -> None:
        self.ctx = ctx
        self.client = client
        self.options = options or PushOptions()
        self.remote = client.base_url
        self.state = SyncStateService(ctx.db)

    # -- public ---------------------------------------------------------------------------

    def preflight(self, dataset_id: str) -> list[AudioProblem]:
        return [p for p in (check_audio(a) for a in self.ctx.audio.list(dataset_id)) if p]

    def selected_sets(self, dataset_id: str) -> list[AnnotationSet]:
        sets = self.ctx.sets.list(dataset_id)
        choice = self.options.sets
        if choice == ALL_SETS:
            return sets
        if choice == PUBLISHED_SETS:
            return [s for s in sets if s.is_published]
        by_version = {s.version: s for s in sets}
        missing = [v for v in choice if v not in by_version]
        if missing:
            known = ", ".join(f"v{v}" for v in sorted(by_version)) or "none"
            raise DomainError(f"No annotation set version {', '.join(map(str, missing))} in "
                              f"this dataset; its versions are: {known}.")
        return [by_version[v] for v in sorted(choice)]

    def run(self, dataset_id: str, progress: ProgressCallback | None = None,
            cancel: CancelSource | CancelToken = None) -> PushReport:
        started = time.monotonic()
        dataset = self.ctx.datasets.get(dataset_id)
        report = PushReport(dataset.id, dataset.name, self.remote)
        self._report = report
        self._warnings_lock = threading.Lock()
        user_cancel = CancelToken(cancel)
        self._abort = threading.Event()
        self._fatal: Exception | None = None
        self._token = CancelToken(lambda: user_cancel.is_set() or self._abort.is_set())
        self.client.cancel = self._token
        self._progress = _Progress(progress)
        requests_before = self.client.stats.requests
        bytes_before = self.client.stats.bytes_sent
        reached_platform = False
        try:
            problems = self.preflight(dataset_id)
            blocking = [p for p in problems if not (self.options.convert_flac and p.convertible)]
            if blocking:
                raise AudioNotAcceptedError(dataset.name, blocking)
            sets = self.selected_sets(dataset_id)
            self._token.raise_if_set()
            reached_platform = True
            self._progress.update(phase=DATASET, current=dataset.name)
            remote_id, created = self._sync_dataset(dataset, report)
            report.remote_dataset_id = remote_id
            audio_ids = self._sync_audio(dataset, remote_id, created, report)
            self._sync_sets(dataset, remote_id, sets, audio_ids, report)
        except PushCancelled:
            report.cancelled = True
        except RemoteError as error:  # one that stops the whole push (401, network down ...)
            report.fail("dataset", dataset.name, str(error), dataset.id)
        except NotFoundError as error:  # a set or file deleted here while the push ran
            report.fail("dataset", dataset.name, f"{error} It was deleted while the push ran; "
                        f"push again to bring the platform in line.", dataset.id)
        finally:
            report.requests = self.client.stats.requests - requests_before
            report.bytes_sent = self.client.stats.bytes_sent - bytes_before
            report.seconds = time.monotonic() - started
            self._progress.update(phase=DONE, current="")
        if reached_platform and not report.cancelled:
            summary = None if report.ok else "; ".join(f.reason for f in report.failures[:3])
            self.state.record_dataset_error(dataset.id, self.remote, summary)
        log.info("push of %s to %s: %d requests, %d failures%s", dataset.id, self.remote,
                 report.requests, len(report.failures), ", cancelled" if report.cancelled else "")
        return report

    # -- dataset --------------------------------------------------------------------------

    def _sync_dataset(self, dataset: Dataset, report: PushReport) -> tuple[str, bool]:
        link = self.state.dataset_link(dataset.id, self.remote)
        types = [{"name": t.name, "description": t.description, "color": t.color}
                 for t in dataset.artifact_types]
        if link is not None and link.remote_id:
            try:
                remote = self.client.get_dataset(link.remote_id)
            except RemoteNotFoundError:
                report.warnings.append(f"The platform no longer has dataset {link.remote_id}; "
                                       f"pushing everything again.")
                self.state.forget_dataset(dataset.id, self.remote)
                link = None
            else:
                if not _same_dataset(remote, dataset):
                    self.client.update_dataset(link.remote_id, name=dataset.name,
                                               description=dataset.description,
                                               artifact_types=types)
                    report.dataset_updated = True
                if report.dataset_updated or (link.pushed_types != dataset.artifact_types
                                              or link.pushed_name != dataset.name
                                              or link.pushed_description != dataset.description):
                    self.state.record_dataset(dataset.id, self.remote, link.remote_id,
                                              dataset.name, dataset.description,
                                              dataset.artifact_types)
                return link.remote_id, False
        remote_id = self._create_dataset(dataset, link is not None and
                                         link.creating_since is not None, types)
        report.dataset_created = True
        self.state.record_dataset(dataset.id, self.remote, remote_id, dataset.name,
                                  dataset.description, dataset.artifact_types)
        return remote_id, True

    def _create_dataset(self, dataset: Dataset, was_creating: bool,
                        types: list[dict[str, Any]]) -> str:
        namesakes = self._remote_datasets_named(dataset.name)
        if namesakes:
            if was_creating:
                return namesakes[-1]["id"]   # our earlier create did arrive
            raise RemoteRejectedError(
                f"The platform already has a dataset named '{dataset.name}' (id "
                f"{namesakes[-1]['id']}) that was not pushed from this database. Rename the "
                f"local dataset (dataset update --name) or remove the remote one, then push "
                f"again.")
        self.state.begin_dataset_create(dataset.id, self.remote)
        for attempt in range(3):
            try:
                return str(self.client.create_dataset(dataset.name, dataset.description,
                                                      types)["id"])
            except RemoteError as error:
                if not error.maybe_processed or attempt == 2:
                    raise
                namesakes = self._remote_datasets_named(dataset.name)
                if namesakes:
                    return namesakes[-1]["id"]
        raise AssertionError("unreachable")

    def _remote_datasets_named(self, name: str) -> list[dict[str, Any]]:
        found = [d for d in self.client.list_datasets() if d.get("name") == name]
        return sorted(found, key=lambda d: str(d.get("created_at") or ""))

    # -- audio ----------------------------------------------------------------------------

    def _sync_audio(self, dataset: Dataset, remote_id: str, fresh: bool,
                    report: PushReport) -> dict[str, str]:
        """Upload what is missing; returns local audio id -> remote audio id (confirmed)."""
        files = self.ctx.audio.list(dataset.id)
        links = self.state.audio_links(dataset.id, self.remote)
        remote_items = {} if fresh else {str(a["id"]): a for a in
                                         self.client.list_audio(remote_id)}
        known_remote_ids = {link.remote_audio_id for link in links.values() if link.remote_audio_id}
        work: list[tuple[_Source, AudioLink | None]] = []
        new_statuses: dict[str, str] = {}
        for audio in files:
            source = self._source(audio)
            link = links.get(audio.id)
            remote = remote_items.get(link.remote_audio_id or "") if link else None
            if link is not None and link.remote_audio_id and not fresh and remote is None \
                    and link.stage in (CONFIRMED, UPLOADED, REQUESTED):
                if link.stage == CONFIRMED:
                    report.warnings.append(f"'{audio.original_filename}' is no longer on the "
                                           f"platform; uploading it again.")
                self.state.forget_audio(audio.id, self.remote)
                link = None
            if link is not None and link.stage != CONFIRMED and remote is not None \
                    and remote.get("processing_status") not in (None, "pending"):
                self.state.record_audio_confirmed(audio.id, self.remote,
                                                  remote.get("processing_status"))
                link = self.state.audio_links(dataset.id, self.remote)[audio.id]
            if link is not None and link.stage == CONFIRMED:
                status = remote.get("processing_status") if remote else None
                if status and status != link.remote_status:
                    new_statuses[audio.id] = status
                if status == "failed":
                    report.warnings.append(f"The platform could not process "
                                           f"'{audio.original_filename}' (processing_status "
                                           f"failed).")
                report.audio_skipped.append(audio.original_filename)
                continue
            if link is not None and link.stage == REQUESTING and not fresh:
                self._delete_orphans(remote_id, source.filename, remote_items.values(),
                                     known_remote_ids)
            work.append((source, link))
        self.state.record_audio_remote_statuses(self.remote, new_statuses)
        if not work:
            return self._confirmed_ids(dataset.id)
        work = self._convert(work, report)
        sizes = {s.audio.id: self._upload_path(s).stat().st_size for s, _ in work}
        self._progress.update(phase=AUDIO, files_done=0, files_total=len(work), bytes_sent=0,
                              bytes_total=sum(sizes.values()))
        self._run_uploads(remote_id, work, sizes, report)
        return self._confirmed_ids(dataset.id)

    def _confirmed_ids(self, dataset_id: str) -> dict[str, str]:
        return {audio_id: link.remote_audio_id
                for audio_id, link in self.state.audio_links(dataset_id, self.remote).items()
                if link.stage == CONFIRMED and link.remote_audio_id}

    def _source(self, audio: AudioFile) -> _Source:
        content_type = content_type_for(audio)
        problem = check_audio(audio)
        if problem is None and content_type is not None:
            return _Source(audio, audio.original_filename, content_type, convert=False)
        return _Source(audio, flac_filename(audio.original_filename), "audio/flac", convert=True)

    def _upload_path(self, source: _Source) -> Path:
        if source.convert:
            return self.ctx.paths.cache_dir / "flac" / f"{source.audio.sha256}.flac"
        return self.ctx.audio.path_of(source.audio)

    def _convert(self, work: list[tuple[_Source, AudioLink | None]],
                 report: PushReport) -> list[tuple[_Source, AudioLink | None]]:
        kept = []
        converting = sum(1 for source, _ in work if source.convert)
        converted = 0
        for source, link in work:
            audio = source.audio
            library_file = self.ctx.audio.path_of(audio)
            if not library_file.exists():
                self._fail_audio(report, audio, f"the library copy {library_file} is missing; "
                                 f"import the file again")
                continue
            if source.convert:
                self._progress.update(phase=CONVERTING, current=audio.original_filename,
                                      files_done=converted, files_total=converting)
                converted += 1
                try:
                    target = convert_to_flac(library_file, self._upload_path(source),
                                             audio.subtype, self._token)
                except (RuntimeError, OSError) as error:
                    self._fail_audio(report, audio, f"conversion to FLAC failed ({error})")
                    continue
                if target.stat().st_size > MAX_UPLOAD_BYTES:
                    self._fail_audio(report, audio, f"even as FLAC it is "
                                     f"{target.stat().st_size / 1e6:.0f} MB; the platform takes "
                                     f"at most {MAX_UPLOAD_BYTES // 1_000_000} MB per file")
                    continue
                report.audio_converted.append(audio.original_filename)
            kept.append((source, link))
        return kept

    def _run_uploads(self, remote_id: str, work: list[tuple[_Source, AudioLink | None]],
                     sizes: dict[str, int], report: PushReport) -> None:
        lock = threading.Lock()

        def one(item: tuple[_Source, AudioLink | None]) -> None:
            source, link = item
            if self._token.is_set():
                return
            self._progress.update(current=source.audio.original_filename)
            try:
                self._upload_one(remote_id, source, link)
            except Exception as error:  # noqa: BLE001 - sorted below; never lost
                if _is_fatal(error) or not isinstance(error, (RemoteError, DomainError, OSError)):
                    with lock:
                        if self._fatal is None and not isinstance(error, PushCancelled):
                            self._fatal = error
                    self._abort.set()
                    raise
                with lock:
                    self._fail_audio(report, source.audio, str(error))
                return
            with lock:
                report.audio_uploaded.append(source.audio.original_filename)
                report.audio_bytes_sent += sizes[source.audio.id]
            self._progress.add(files_done=1)

        workers = max(1, self.options.parallel_uploads)
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="push-upload") as pool:
            futures = [pool.submit(one, item) for item in work]
            done, _ = wait(futures, return_when=FIRST_EXCEPTION)
            if any(f.exception() for f in done if f.done()):
                self._abort.set()
                for future in futures:
                    future.cancel()
            wait(futures)
        if self._fatal is not None:
            raise self._fatal
        self._token.raise_if_set()

    def _upload_one(self, remote_id: str, source: _Source, link: AudioLink | None) -> None:
        """The three steps, resuming from the recorded stage; one fresh start at most when
        the upload URL expired or the storage lost the file."""
        audio = source.audio
        path = self._upload_path(source)
        size = path.stat().st_size
        ticket: UploadTicket | None = None
        stage = link.stage if link is not None else None
        if link is not None and link.stage == REQUESTED:
            stored = UploadTicket.from_json(link.ticket) if link.ticket else None
            if stored is not None and stored.valid_for(TICKET_MARGIN_S):
                ticket = stored
            else:
                self._drop_pending(remote_id, audio, link.remote_audio_id)
                stage = None
        restarts = 0
        while True:
            if stage in (None, REQUESTING):
                ticket = self._request_ticket(remote_id, source, size)
                stage = REQUESTED
            if stage == REQUESTED:
                assert ticket is not None
                try:
                    self.client.upload_file(ticket, path, source.filename, source.content_type,
                                            progress=lambda n: self._progress.add(bytes_sent=n))
                except UploadRejectedError:
                    if restarts >= 1:
                        raise
                    restarts += 1
                    self._drop_pending(remote_id, audio, ticket.audio_id)
                    stage = None
                    continue
                self.state.record_audio_uploaded(audio.id, self.remote)
                stage = UPLOADED
            remote_audio_id = ticket.audio_id if ticket is not None else (
                link.remote_audio_id if link is not None else None)
            assert remote_audio_id is not None
            try:
                answer = self.client.confirm_upload(remote_id, remote_audio_id)
            except (RemoteRejectedError, RemoteNotFoundError):
                # The storage does not have the file after all (or the record is gone).
                if restarts >= 1:
                    raise
                restarts += 1
                self._drop_pending(remote_id, audio, remote_audio_id)
                stage = None
                continue
            self.state.record_audio_confirmed(audio.id, self.remote,
                                              str(answer.get("status") or "") or None)
            return

    def _request_ticket(self, remote_id: str, source: _Source, size: int) -> UploadTicket:
        audio = source.audio
        for attempt in range(3):
            self.state.begin_audio_request(audio.id, audio.dataset_id, self.remote)
            try:
                ticket = self.client.request_upload(remote_id, source.filename,
                                                    source.content_type, size)
            except RemoteError as error:
                if not error.maybe_processed or attempt == 2:
                    raise
                # The server may have created a pending record whose id we never saw.
                linked = {link.remote_audio_id for link in
                          self.state.audio_links(audio.dataset_id, self.remote).values()
                          if link.remote_audio_id}
                self._delete_orphans(remote_id, source.filename,
                                     self.client.list_audio(remote_id), linked)
                continue
            self.state.record_upload_ticket(audio.id, self.remote, ticket.audio_id,
                                            source.filename, source.content_type, size,
                                            ticket.to_json(), ticket.expires_at)
            return ticket
        raise AssertionError("unreachable")

    def _delete_orphans(self, remote_id: str, filename: str, items: Iterable[dict[str, Any]],
                        linked: set[str | None]) -> None:
        for item in list(items):
            if (item.get("original_filename") == filename
                    and item.get("processing_status") in (None, "pending")
                    and str(item.get("id")) not in linked):
                self._delete_pending_record(remote_id, filename, str(item["id"]))

    def _drop_pending(self, remote_id: str, audio: AudioFile, remote_audio_id: str | None) -> None:
        """Abandon a pending remote record (expired URL, lost file) before asking anew."""
        if remote_audio_id:
            self._delete_pending_record(remote_id, audio.original_filename, remote_audio_id)
        self.state.forget_audio(audio.id, self.remote)

    def _delete_pending_record(self, remote_id: str, filename: str, remote_audio_id: str) -> None:
        """Deleting audio is an assumed endpoint: where the platform refuses it, say in the
        report that a pending record was left behind rather than stay silent."""
        if not self.client.delete_audio(remote_id, remote_audio_id):
            with self._warnings_lock:
                self._report.warnings.append(
                    f"The platform kept an abandoned pending upload record of '{filename}' "
                    f"(id {remote_audio_id}; it refused the delete). It holds no audio and may "
                    f"show there as a pending duplicate until the platform discards it.")

    def _fail_audio(self, report: PushReport, audio: AudioFile, reason: str) -> None:
        report.fail("audio", audio.original_filename, reason, audio.id)
        self.state.record_audio_error(audio.id, audio.dataset_id, self.remote, reason)

    # -- annotation sets ------------------------------------------------------------------

    def _sync_sets(self, dataset: Dataset, remote_id: str, sets: list[AnnotationSet],
                   audio_ids: dict[str, str], report: PushReport) -> None:
        set_links = self.state.set_links(dataset.id, self.remote)
        unsynced = self.state.unsynced_counts([s.id for s in sets], self.remote)
        plans = []
        total = 0
        for local_set in sets:
            link = set_links.get(local_set.id)
            if (link is not None and link.remote_set_id and not unsynced.get(local_set.id)
                    and (local_set.status != PUBLISHED or link.remote_status == PUBLISHED)
                    and not link.last_error):
                # In line since the last push: nothing to load, nothing to send.
                report.sets.append(SetResult(local_set.id, local_set.version, local_set.status,
                                             link.remote_set_id, link.remote_version,
                                             link.remote_status))
                continue
            annotations = self.ctx.annotations.list(local_set.id)
            links = self.state.annotation_links(local_set.id, self.remote)
            estimate = _estimate(annotations, links)
            total += estimate
            plans.append((local_set, annotations, links, estimate))
        self._progress.update(phase=ANNOTATIONS, annotations_done=0, annotations_total=total)
        for local_set, annotations, links, estimate in plans:
            self._token.raise_if_set()
            self._progress.update(current=f"v{local_set.version}")
            result = SetResult(local_set.id, local_set.version, local_set.status)
            report.sets.append(result)
            try:
                job = _SetJob(self, dataset, remote_id, local_set, annotations, links,
                              set_links.get(local_set.id), audio_ids, report, result, estimate)
                job.run()
            except Exception as error:
                if _is_fatal(error) or not isinstance(error, RemoteError):
                    raise
                report.fail("set", f"v{local_set.version}", str(error), local_set.id)
                self.state.record_set_error(local_set.id, dataset.id, self.remote, str(error))
            else:
                if job.failed:
                    self.state.record_set_error(local_set.id, dataset.id, self.remote,
                                                f"{job.failed} annotations were not accepted")
                else:
                    self.state.record_set_error(local_set.id, dataset.id, self.remote, None)
        report.sets.sort(key=lambda result: result.local_version)


def _same_dataset(remote: dict[str, Any], dataset: Dataset) -> bool:
    def norm(types: Iterable[dict[str, Any]]) -> list[tuple]:
        # By name: a platform that lists the types in another order holds the same ones.
        return sorted((str(t.get("name")), t.get("description") or "", (t.get("color") or "").upper())
                      for t in types)
    local_types = [{"name": t.name, "description": t.description, "color": t.color}
                   for t in dataset.artifact_types]
    return (remote.get("name") == dataset.name
            and (remote.get("description") or None) == (dataset.description or None)
            and norm(remote.get("artifact_types") or []) == norm(local_types))


def _estimate(annotations: list[Annotation], links: dict[str, AnnotationLink]) -> int:
    local_ids = {a.id for a in annotations}
    changed = sum(1 for a in annotations if a.id not in links or not links[a.id].matches(a))
    return changed + sum(1 for annotation_id in links if annotation_id not in local_ids)


def _client_id(remote: dict[str, Any]) -> str | None:
    extra = remote.get("extra_data")
    if isinstance(extra, dict) and isinstance(extra.get("client_id"), str):
        return extra["client_id"]
    return None


class _SetJob:
    """Brings one remote set in line with one local set (create / update / delete, then
    publish when the local set is published)."""

    def __init__(self, pusher: Pusher, dataset: Dataset, remote_dataset_id: str,
                 local_set: AnnotationSet, annotations: list[Annotation],
                 links: dict[str, AnnotationLink], set_link: SetLink | None,
                 audio_ids: dict[str, str], report: PushReport, result: SetResult,
                 estimate: int) -> None:
        self.p = pusher
        self.client = pusher.client
        self.state = pusher.state
        self.remote = pusher.remote
        self.dataset = dataset
        self.remote_dataset_id = remote_dataset_id
        self.local_set = local_set
        self.annotations = annotations
        self.links = links
        self.set_link = set_link
        self.audio_ids = audio_ids
        self.local_audio_of = {v: k for k, v in audio_ids.items()}
        self.report = report
        self.result = result
        self.estimate = estimate
        self.failed = 0
        self.remote_set_id: str | None = None

    # The annotations that can go: those whose audio is on the platform.
    def _sendable(self) -> list[Annotation]:
        missing: dict[str, int] = {}
        sendable = []
        for annotation in self.annotations:
            if annotation.audio_file_id in self.audio_ids:
                sendable.append(annotation)
            else:
                missing[annotation.audio_file_id] = missing.get(annotation.audio_file_id, 0) + 1
        if missing:
            names = {a.id: a.original_filename for a in self.p.ctx.audio.list(self.dataset.id)}
            for audio_id, count in missing.items():
                self.failed += count
                self.report.fail("annotation", f"v{self.local_set.version} / "
                                 f"{names.get(audio_id, audio_id)}",
                                 f"{count} annotations not sent: their audio file is not on "
                                 f"the platform (see its failure above)")
        return sendable

    def _in_line(self) -> bool:
        if len(self.links) != len(self.annotations):
            return False
        return all(a.id in self.links and self.links[a.id].matches(a) for a in self.annotations)

    def run(self) -> None:
        link, result = self.set_link, self.result
        local_published = self.local_set.status == PUBLISHED
        remote: dict[str, Any] | None = None
        if link is not None and link.remote_set_id:
            self.remote_set_id = link.remote_set_id
            result.remote_id, result.remote_version = link.remote_set_id, link.remote_version
            result.remote_status = link.remote_status
            in_line = self._in_line()
            wants_publish = local_published and link.remote_status != PUBLISHED
            if in_line and not wants_publish:
                return
            try:
                remote = self.client.get_annotation_set(self.remote_dataset_id, link.remote_set_id)
            except RemoteNotFoundError:
                self.report.warnings.append(f"The platform no longer has remote set "
                                            f"v{link.remote_version}; pushing v"
                                            f"{self.local_set.version} as a new set.")
                self.state.forget_set(self.local_set.id, self.remote)
                self.links = {}
                remote = None
            else:
                if remote.get("status") == PUBLISHED:
                    self._record_set(remote)
                    if not self._matches_exactly(remote.get("annotations") or []):
                        raise RemoteRejectedError(
                            f"Remote v{remote.get('version')} is published on the platform and "
                            f"can no longer change, but local v{self.local_set.version} differs "
                            f"from it. Create a new local version to push the changes.")
                    return
        if remote is None:
            remote = self._create_set(link)
        sendable = self._sendable()
        self._converge(sendable, remote.get("annotations") or [])
        if local_published and not self.failed:
            self._publish(sendable)

    # -- creating the remote set ----------------------------------------------------------

    def _create_set(self, link: SetLink | None) -> dict[str, Any]:
        if link is not None and link.creating_since is not None:
            adopted = self._unclaimed_draft()
            if adopted is not None:
                self._record_set(adopted)
                self.result.created = True
                return self.client.get_annotation_set(self.remote_dataset_id, adopted["id"])
        self.state.begin_set_create(self.local_set.id, self.dataset.id, self.remote)
        for attempt in range(3):
            try:
                created = self.client.create_annotation_set(self.remote_dataset_id)
            except RemoteError as error:
                if not error.maybe_processed or attempt == 2:
                    raise
                adopted = self._unclaimed_draft()
                if adopted is None:
                    continue
                created = self.client.get_annotation_set(self.remote_dataset_id, adopted["id"])
            self._record_set(created)
            self.result.created = True
            created.setdefault("annotations", [])
            return created
        raise AssertionError("unreachable")

    def _unclaimed_draft(self) -> dict[str, Any] | None:
        """The newest remote draft no local set is linked to, if it holds nothing foreign
        (a set whose create answer was lost)."""
        claimed = {link.remote_set_id for link in
                   self.state.set_links(self.dataset.id, self.remote).values()}
        local_ids = {a.id for a in self.annotations}
        candidates = [s for s in self.client.list_annotation_sets(self.remote_dataset_id)
                      if s.get("status") != PUBLISHED and s.get("id") not in claimed]
        for candidate in sorted(candidates, key=lambda s: int(s.get("version") or 0),
                                reverse=True):
            if not candidate.get("total_annotations"):
                return candidate
            full = self.client.get_annotation_set(self.remote_dataset_id, candidate["id"])
            if all(_client_id(a) in local_ids for a in full.get("annotations") or []):
                return candidate
        return None

    def _record_set(self, remote: dict[str, Any]) -> None:
        self.remote_set_id = str(remote["id"])
        version = remote.get("version")
        status = str(remote.get("status") or "draft")
        self.state.record_set(self.local_set.id, self.dataset.id, self.remote, self.remote_set_id,
                              int(version) if version is not None else None, status)
        self.result.remote_id = self.remote_set_id
        self.result.remote_version = int(version) if version is not None else None
        self.result.remote_status = status

    # -- bringing the annotations in line -------------------------------------------------

    def _payload(self, annotation: Annotation) -> dict[str, Any]:
        extra: dict[str, Any] = {"client_id": annotation.id}
        if annotation.note:
            extra["note"] = annotation.note
        return {"audio_file_id": self.audio_ids[annotation.audio_file_id],
                "artifact_type": annotation.artifact_type, "start_ms": annotation.start_ms,
                "end_ms": annotation.end_ms, "confidence": annotation.confidence,
                "extra_data": extra}

    def _changes(self, annotation: Annotation, remote: dict[str, Any]) -> dict[str, Any]:
        wanted = self._payload(annotation)
        changes = {}
        for key in ("audio_file_id", "artifact_type", "start_ms", "end_ms"):
            if remote.get(key) != wanted[key]:
                changes[key] = wanted[key]
        confidence = remote.get("confidence")
        if not isinstance(confidence, (int, float)) or abs(
                float(confidence) - annotation.confidence) > CONFIDENCE_TOLERANCE:
            changes["confidence"] = wanted["confidence"]
        remote_extra = remote.get("extra_data") if isinstance(remote.get("extra_data"), dict) else {}
        if (remote_extra.get("note") or None) != (annotation.note or None):
            changes["extra_data"] = {**remote_extra, **wanted["extra_data"]}
            if not annotation.note:
                changes["extra_data"].pop("note", None)
        return changes

    def _matches_exactly(self, remote_annotations: list[dict[str, Any]]) -> bool:
        _, extras, creates, updates = self._converge_plan(remote_annotations)
        return not (extras or creates or updates)

    def _converge_plan(self, remote_annotations: list[dict[str, Any]]):
        """(matched remote by client id, remote extras to delete, local to create,
        (local, remote, changed fields) to update)."""
        local = {a.id: a for a in self._sendable_quiet()}
        matched: dict[str, dict[str, Any]] = {}
        extras = []
        for item in remote_annotations:
            client_id = _client_id(item)
            if client_id in local and client_id not in matched:
                matched[client_id] = item
            else:
                extras.append(item)
        creates = [a for a in local.values() if a.id not in matched]
        updates = [(a, matched[a.id], self._changes(a, matched[a.id]))
                   for a in local.values() if a.id in matched]
        return matched, extras, creates, [u for u in updates if u[2]]

    def _sendable_quiet(self) -> list[Annotation]:
        return [a for a in self.annotations if a.audio_file_id in self.audio_ids]

    def _converge(self, sendable: list[Annotation], remote_annotations: list[dict[str, Any]]) -> None:
        matched, extras, creates, updates = self._converge_plan(remote_annotations)
        planned = len(extras) + len(creates) + len(updates)
        self.p._progress.add(annotations_total=planned - self.estimate)
        self.estimate = planned
        assert self.remote_set_id is not None
        updating = {u[0].id for u in updates}
        in_line = [AnnotationLink.of(a, str(matched[a.id]["id"])) for a in sendable
                   if a.id in matched and a.id not in updating]
        # Links of annotations deleted locally or missing remotely no longer hold.
        stale = [annotation_id for annotation_id in
                 self.state.annotation_links(self.local_set.id, self.remote)
                 if annotation_id not in matched]
        self.state.forget_annotations(self.local_set.id, self.remote, stale)
        self.state.record_annotations(self.local_set.id, self.remote, in_line)
        for item in extras:
            self.p._token.raise_if_set()
            try:
                self.client.delete_annotation(self.remote_dataset_id, self.remote_set_id,
                                              str(item["id"]))
            except RemoteNotFoundError:
                pass
            self.result.annotations_deleted += 1
            self.p._progress.add(annotations_done=1)
        if extras:
            self.result.updated = not self.result.created
        for annotation, remote, changes in updates:
            self.p._token.raise_if_set()
            try:
                self.client.update_annotation(self.remote_dataset_id, self.remote_set_id,
                                              str(remote["id"]), **changes)
            except RemoteNotFoundError:
                creates.append(annotation)
                continue
            except RemoteValidationError as error:
                self._fail_annotation(annotation, str(error))
                continue
            self.state.record_annotations(self.local_set.id, self.remote,
                                          [AnnotationLink.of(annotation, str(remote["id"]))])
            self.result.annotations_updated += 1
            self.result.updated = not self.result.created
            self.p._progress.add(annotations_done=1)
        size = max(1, self.p.options.batch_size)
        for start in range(0, len(creates), size):
            self._create_batch(creates[start:start + size], attempts_left=
                               self.p.options.max_batch_attempts)
        if creates and not self.result.created:
            self.result.updated = True

    def _create_batch(self, batch: list[Annotation], attempts_left: int) -> None:
        if not batch:
            return
        self.p._token.raise_if_set()
        assert self.remote_set_id is not None
        try:
            answer = self.client.bulk_create_annotations(
                self.remote_dataset_id, self.remote_set_id, [self._payload(a) for a in batch])
        except RemoteValidationError as error:
            bad = {e.index for e in error.errors if e.index is not None and e.index < len(batch)}
            if bad:
                for index in sorted(bad):
                    reasons = "; ".join(f"{e.leaf}: {e.msg}" for e in error.errors
                                        if e.index == index)
                    self._fail_annotation(batch[index], reasons)
                self._create_batch([a for i, a in enumerate(batch) if i not in bad], attempts_left)
            elif len(batch) == 1:
                self._fail_annotation(batch[0], "; ".join(str(e) for e in error.errors)
                                      or str(error))
            else:
                half = len(batch) // 2
                self._create_batch(batch[:half], attempts_left)
                self._create_batch(batch[half:], attempts_left)
            return
        except RemoteError as error:
            if not error.maybe_processed or attempts_left <= 1:
                raise
            log.info("bulk create answer lost (%s); reading the set back", error)
            arrived = self._read_back({a.id for a in batch})
            self._record_created(batch, arrived)
            rest = [a for a in batch if a.id not in arrived]
            self._create_batch(rest, attempts_left - 1)
            return
        created = answer.get("annotations") if isinstance(answer, dict) else None
        by_client = {}
        for position, item in enumerate(created or []):
            client_id = _client_id(item) or (batch[position].id if position < len(batch) else None)
            if client_id is not None:
                by_client[client_id] = str(item["id"])
        if len(by_client) < len(batch):
            by_client.update(self._read_back({a.id for a in batch if a.id not in by_client}))
        self._record_created(batch, by_client)

    def _read_back(self, wanted: set[str]) -> dict[str, str]:
        assert self.remote_set_id is not None
        remote = self.client.get_annotation_set(self.remote_dataset_id, self.remote_set_id)
        return {cid: str(item["id"]) for item in remote.get("annotations") or []
                if (cid := _client_id(item)) in wanted}

    def _record_created(self, batch: list[Annotation], remote_ids: dict[str, str]) -> None:
        links = [AnnotationLink.of(a, remote_ids[a.id]) for a in batch if a.id in remote_ids]
        self.state.record_annotations(self.local_set.id, self.remote, links)
        self.result.annotations_created += len(links)
        self.p._progress.add(annotations_done=len(links))

    def _fail_annotation(self, annotation: Annotation, reason: str) -> None:
        self.failed += 1
        self.report.fail("annotation", f"v{self.local_set.version} / {annotation.artifact_type} "
                         f"{annotation.start_ms}-{annotation.end_ms} ms", reason, annotation.id)
        self.p._progress.add(annotations_done=1)

    # -- publishing -----------------------------------------------------------------------

    def _publish(self, sendable: list[Annotation]) -> None:
        """Only a set whose remote annotations are exactly the local ones is published."""
        assert self.remote_set_id is not None
        for _ in range(2):
            remote = self.client.get_annotation_set(self.remote_dataset_id, self.remote_set_id)
            if self._matches_exactly(remote.get("annotations") or []):
                break
            self._converge(sendable, remote.get("annotations") or [])
            if self.failed:
                return
        else:
            raise RemoteRejectedError(f"Remote set v{self.result.remote_version} does not hold "
                                      f"the same annotations as local v{self.local_set.version}; "
                                      f"it was left as a draft.")
        self.p._progress.update(current=f"publishing v{self.local_set.version}")
        for attempt in range(2):
            try:
                answer = self.client.publish_annotation_set(self.remote_dataset_id,
                                                            self.remote_set_id)
                break
            except RemoteError as error:
                if not (error.maybe_processed or isinstance(error, RemoteRejectedError)):
                    raise
                # Lost answer, or "already published": look before trying again.
                answer = self.client.get_annotation_set(self.remote_dataset_id,
                                                        self.remote_set_id)
                if answer.get("status") == PUBLISHED:
                    break
                if attempt == 1 or not error.maybe_processed:
                    raise
        self._record_set(answer)
        self.result.published = True


def push_dataset(ctx: AppContext, client: RelayClient, dataset_ref: str,
                 options: PushOptions | None = None, progress: ProgressCallback | None = None,
                 cancel: CancelSource = None) -> PushReport:
    """Resolve the dataset (id or name) and push it; see :class:`Pusher`."""
    dataset = ctx.datasets.resolve(dataset_ref)
    return Pusher(ctx, client, options).run(dataset.id, progress=progress, cancel=cancel)


__all__ = ["Pusher", "PushOptions", "AudioNotAcceptedError", "parse_set_selection",
           "push_dataset", "PUBLISHED_SETS", "ALL_SETS"]
