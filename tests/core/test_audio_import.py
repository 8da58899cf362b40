"""AudioService / AudioLibrary: content-addressed import, probing, refusals, duplicates."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from app.core.audio_library import AudioLibrary, AudioProbeError, probe_audio
from app.core.context import AppContext
from app.core.entities import AnnotationDraft
from app.core.errors import NotFoundError, StorageError
from tests.audio_samples import write_random_bytes, write_tone, write_truncated_wav
from tests.core.dbstate import db_state, library_files


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _no_temp_files(ctx: AppContext) -> bool:
    return not [name for name in library_files(ctx.paths.library_dir) if ".import-" in name]


# -- the content-addressed copy -------------------------------------------------------------


def test_import_copies_into_the_library_by_sha256(ctx: AppContext, dataset, tmp_path: Path) -> None:
    source = write_tone(tmp_path / "clip01.wav", seconds=2.0, rate=16000)
    sha = _sha(source)
    report = ctx.audio.import_paths(dataset.id, [source])
    assert report.ok and not report.duplicates and len(report.imported) == 1
    audio = report.imported[0]
    assert audio.sha256 == sha and audio.size_bytes == source.stat().st_size
    stored = ctx.paths.library_dir / sha[:2] / f"{sha}.wav"
    assert ctx.audio.path_of(audio) == stored
    assert stored.read_bytes() == source.read_bytes()
    assert library_files(ctx.paths.library_dir) == [f"{sha[:2]}/{sha}.wav"]


def test_the_original_can_be_deleted_after_import(ctx: AppContext, dataset, tmp_path: Path) -> None:
    source = write_tone(tmp_path / "gone.wav", seconds=1.0, rate=16000, freq=330)
    samples, _ = sf.read(str(source), dtype="int16")
    audio = ctx.audio.import_paths(dataset.id, [source]).imported[0]
    source.unlink()
    assert ctx.audio.get(audio.id).original_filename == "gone.wav"
    data, rate = sf.read(str(ctx.audio.path_of(audio)), dtype="int16")
    assert rate == 16000 and np.array_equal(data, samples)
    draft = ctx.sets.create(dataset.id)
    ctx.annotations.create(draft.id, AnnotationDraft(audio.id, "glitch", 100, 200))


def test_same_content_twice_in_one_dataset_is_a_duplicate(ctx: AppContext, dataset,
                                                          tmp_path: Path) -> None:
    first = write_tone(tmp_path / "first.wav", seconds=1.0)
    again = tmp_path / "copy of first.wav"
    again.write_bytes(first.read_bytes())
    original = ctx.audio.import_paths(dataset.id, [first]).imported[0]
    report = ctx.audio.import_paths(dataset.id, [again, first])
    assert report.ok and report.imported == []
    assert [(d.path, d.existing.id) for d in report.duplicates] == [
        (str(again), original.id), (str(first), original.id)]
    assert report.to_json()["duplicates"][0] == {
        "path": str(again), "existing_audio_id": original.id, "existing_filename": "first.wav"}
    assert [a.id for a in ctx.audio.list(dataset.id)] == [original.id]
    assert len(library_files(ctx.paths.library_dir)) == 1


def test_duplicates_within_one_import_are_reported(ctx: AppContext, dataset, tmp_path: Path) -> None:
    one = write_tone(tmp_path / "folder" / "one.wav", seconds=0.5)
    (tmp_path / "folder" / "two.wav").write_bytes(one.read_bytes())
    report = ctx.audio.import_paths(dataset.id, [tmp_path / "folder"])
    assert [a.original_filename for a in report.imported] == ["one.wav"]
    assert [Path(d.path).name for d in report.duplicates] == ["two.wav"]


def test_same_content_in_two_datasets_is_stored_once(ctx: AppContext, dataset, tmp_path: Path) -> None:
    source = write_tone(tmp_path / "shared.wav", seconds=1.0)
    other = ctx.datasets.create("Other")
    in_first = ctx.audio.import_paths(dataset.id, [source]).imported[0]
    in_other = ctx.audio.import_paths(other.id, [source]).imported[0]
    assert in_first.id != in_other.id
    assert ctx.audio.path_of(in_first) == ctx.audio.path_of(in_other)
    assert len(library_files(ctx.paths.library_dir)) == 1


# -- formats ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name, rate, channels, seconds, fmt, subtype", [
    ("stereo.wav", 44100, 2, 1.5, "WAV", "PCM_16"),
    ("float.wav", 48000, 1, 0.75, "WAV", "FLOAT"),
    ("speech.flac", 22050, 1, 2.0, "FLAC", "PCM_16"),
    ("stereo.flac", 44100, 2, 1.0, "FLAC", "PCM_24"),
    ("vorbis.ogg", 44100, 2, 1.0, "OGG", "VORBIS"),
    ("layer3.mp3", 44100, 1, 1.0, "MP3", "MPEG_LAYER_III"),
    ("tone.aiff", 16000, 1, 0.5, "AIFF", "PCM_16"),
])
def test_formats_are_probed_with_rate_channels_frames_and_duration(
        ctx: AppContext, dataset, tmp_path: Path, name, rate, channels, seconds, fmt, subtype) -> None:
    source = write_tone(tmp_path / name, seconds=seconds, rate=rate, channels=channels,
                        subtype=subtype)
    audio = ctx.audio.import_paths(dataset.id, [source]).imported[0]
    frames = int(round(seconds * rate))
    assert (audio.format, audio.subtype) == (fmt, subtype)
    assert (audio.sample_rate, audio.channels, audio.frames) == (rate, channels, frames)
    assert audio.duration_ms == int(round(seconds * 1000))
    assert ctx.audio.path_of(audio).suffix == f".{fmt.lower()}"
    assert ctx.audio.path_of(audio).exists()


def test_duration_is_rounded_to_the_nearest_millisecond(ctx: AppContext, dataset,
                                                        tmp_path: Path) -> None:
    source = tmp_path / "odd.wav"
    sf.write(str(source), np.zeros(16007, dtype=np.float32), 16000)  # 1000.4375 ms
    audio = ctx.audio.import_paths(dataset.id, [source]).imported[0]
    assert (audio.frames, audio.duration_ms) == (16007, 1000)


def test_unicode_and_space_laden_names_are_kept(ctx: AppContext, dataset, tmp_path: Path) -> None:
    names = ["Grüße – café 01.wav", "  leading and trailing  .wav", "日本語 クリップ.flac",
             "emoji 🎙 take 2.wav"]
    for index, name in enumerate(names):
        write_tone(tmp_path / "in" / name, seconds=0.3, freq=200 + 50 * index)
    report = ctx.audio.import_paths(dataset.id, [tmp_path / "in"])
    assert report.ok and sorted(a.original_filename for a in report.imported) == sorted(names)
    for name in names:
        assert ctx.audio.resolve(dataset.id, name).original_filename == name


# -- refusals: nothing half-written ------------------------------------------------------------


def _refused(ctx: AppContext, dataset, path: Path) -> str:
    before = db_state(ctx)
    report = ctx.audio.import_paths(dataset.id, [path])
    assert not report.ok and report.imported == [] and report.duplicates == []
    assert [f.path for f in report.failed] == [str(path)]
    assert db_state(ctx) == before
    assert _no_temp_files(ctx)
    return report.failed[0].reason


def test_random_bytes_named_wav_are_refused(ctx: AppContext, dataset, tmp_path: Path) -> None:
    for seed in (1, 2):
        reason = _refused(ctx, dataset, write_random_bytes(tmp_path / f"noise{seed}.wav", seed=seed))
        assert reason.startswith("not a readable audio file")
        # libsndfile says "File does not exist" for some junk; the file does exist.
        assert "does not exist" not in reason and "format not recognised" in reason.lower()


def test_an_empty_file_is_refused(ctx: AppContext, dataset, tmp_path: Path) -> None:
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    assert _refused(ctx, dataset, empty) == "the file is empty (0 bytes)"


def test_a_truncated_wav_is_refused(ctx: AppContext, dataset, tmp_path: Path) -> None:
    reason = _refused(ctx, dataset, write_truncated_wav(tmp_path / "cut.wav"))
    assert reason.startswith("the file is truncated: its header declares 32000 bytes")


def test_a_wav_header_without_frames_is_refused(ctx: AppContext, dataset, tmp_path: Path) -> None:
    source = tmp_path / "header_only.wav"
    sf.write(str(source), np.zeros(0, dtype=np.float32), 16000)
    assert _refused(ctx, dataset, source) == "the file contains no audio frames"


def test_audio_shorter_than_a_millisecond_is_refused(ctx: AppContext, dataset,
                                                     tmp_path: Path) -> None:
    blip = tmp_path / "blip.wav"
    sf.write(str(blip), np.zeros(20, dtype=np.float32), 48000)  # 0.42 ms
    assert _refused(ctx, dataset, blip) == ("the audio is shorter than a millisecond (20 frames "
                                            "at 48000 Hz); there is nothing to label")
    sf.write(str(tmp_path / "one_ms.wav"), np.zeros(25, dtype=np.float32), 48000)  # 0.52 ms
    assert ctx.audio.import_paths(dataset.id, [tmp_path / "one_ms.wav"]).imported[0].duration_ms == 1


def test_a_text_file_named_flac_is_refused(ctx: AppContext, dataset, tmp_path: Path) -> None:
    text = tmp_path / "notes.flac"
    text.write_text("these are my notes, not audio\n" * 20)
    assert "not a readable audio file" in _refused(ctx, dataset, text)


def test_a_missing_path_is_reported(ctx: AppContext, dataset, tmp_path: Path) -> None:
    assert _refused(ctx, dataset, tmp_path / "nowhere.wav") == "no such file or folder"


def test_an_unreadable_file_is_refused_with_the_os_reason(ctx: AppContext, dataset,
                                                           tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads every file")
    source = write_tone(tmp_path / "locked.wav")
    source.chmod(0)
    try:
        assert "cannot read the file (Permission denied)" in _refused(ctx, dataset, source)
    finally:
        source.chmod(0o644)


def test_a_folder_mixing_good_and_bad_files(ctx: AppContext, dataset, tmp_path: Path) -> None:
    folder = tmp_path / "batch"
    write_tone(folder / "good_1.wav", seconds=0.5, freq=300)
    write_tone(folder / "nested" / "good 2.flac", seconds=0.5, freq=500)
    write_random_bytes(folder / "noise.wav")
    (folder / "empty.wav").write_bytes(b"")
    write_truncated_wav(folder / "nested" / "cut.wav")
    (folder / "readme.txt").write_text("not picked up: not an audio extension")
    write_tone(folder / ".hidden" / "skipped.wav", seconds=0.5, freq=700)
    report = ctx.audio.import_paths(dataset.id, [folder])
    assert sorted(a.original_filename for a in report.imported) == ["good 2.flac", "good_1.wav"]
    assert sorted(Path(f.path).name for f in report.failed) == ["cut.wav", "empty.wav", "noise.wav"]
    assert not report.ok
    assert sorted(a.original_filename for a in ctx.audio.list(dataset.id)) == [
        "good 2.flac", "good_1.wav"]
    assert len(library_files(ctx.paths.library_dir)) == 2 and _no_temp_files(ctx)
    payload = report.to_json()
    assert sorted(payload) == ["cancelled", "duplicates", "failed", "imported"]
    assert {f["path"] for f in payload["failed"]} == {str(folder / "noise.wav"),
                                                       str(folder / "empty.wav"),
                                                       str(folder / "nested" / "cut.wav")}


def test_import_into_a_missing_dataset_is_refused(ctx: AppContext, tmp_path: Path) -> None:
    source = write_tone(tmp_path / "a.wav")
    with pytest.raises(NotFoundError, match="No dataset with id 'missing'"):
        ctx.audio.import_paths("missing", [source])
    assert library_files(ctx.paths.library_dir) == []


def test_a_failed_database_write_removes_the_new_library_file(ctx: AppContext, dataset,
                                                              tmp_path: Path, monkeypatch) -> None:
    source = write_tone(tmp_path / "a.wav")
    real_write = ctx.db.write

    def failing_write():
        raise StorageError("The database is locked by another program.")

    monkeypatch.setattr(ctx.db, "write", failing_write)
    with pytest.raises(StorageError):
        ctx.audio.import_paths(dataset.id, [source])
    monkeypatch.setattr(ctx.db, "write", real_write)
    assert library_files(ctx.paths.library_dir) == []
    assert ctx.audio.list(dataset.id) == []


# -- progress, cancel, list, resolve -------------------------------------------------------------


def test_progress_is_reported_and_cancel_keeps_what_was_imported(ctx: AppContext, dataset,
                                                                 tmp_path: Path) -> None:
    files = [write_tone(tmp_path / f"c{i}.wav", seconds=0.2, freq=200 + 40 * i) for i in range(4)]
    seen: list[tuple[int, int, str]] = []
    report = ctx.audio.import_paths(dataset.id, files,
                                    progress=lambda done, total, path: seen.append(
                                        (done, total, path.name)),
                                    cancelled=lambda: len(seen) >= 2)
    assert report.cancelled
    assert [a.original_filename for a in report.imported] == ["c0.wav", "c1.wav"]
    assert seen == [(0, 4, "c0.wav"), (1, 4, "c1.wav")]
    assert len(ctx.audio.list(dataset.id)) == 2

    seen.clear()
    ctx.audio.import_paths(dataset.id, files[2:], progress=lambda d, t, p: seen.append((d, t, p.name)))
    assert seen == [(0, 2, "c2.wav"), (1, 2, "c3.wav"), (2, 2, "c3.wav")]


def test_list_is_sorted_by_filename(ctx: AppContext, dataset, tmp_path: Path) -> None:
    for index, name in enumerate(["b.wav", "A.wav", "c.wav"]):
        write_tone(tmp_path / name, seconds=0.2, freq=300 + 100 * index)
    ctx.audio.import_paths(dataset.id, [tmp_path / n for n in ("b.wav", "A.wav", "c.wav")])
    assert [a.original_filename for a in ctx.audio.list(dataset.id)] == ["A.wav", "b.wav", "c.wav"]
    with pytest.raises(NotFoundError):
        ctx.audio.list("missing")


def test_resolve_by_id_or_filename_within_the_dataset(ctx: AppContext, dataset, audio,
                                                      tmp_path: Path) -> None:
    assert ctx.audio.resolve(dataset.id, audio.id) == audio
    assert ctx.audio.resolve(dataset.id, "clip01.wav") == audio
    other = ctx.datasets.create("Other")
    with pytest.raises(NotFoundError) as info:
        ctx.audio.resolve(other.id, audio.id)
    assert f"'{audio.id}'" in str(info.value) and "'Other'" in str(info.value)
    with pytest.raises(NotFoundError, match="No audio file with id 'nope'"):
        ctx.audio.get("nope")


def test_resolving_an_ambiguous_filename_asks_for_the_id(ctx: AppContext, dataset,
                                                        tmp_path: Path) -> None:
    write_tone(tmp_path / "x" / "take.wav", freq=300)
    write_tone(tmp_path / "y" / "take.wav", freq=400)
    report = ctx.audio.import_paths(dataset.id, [tmp_path / "x", tmp_path / "y"])
    assert len(report.imported) == 2
    with pytest.raises(NotFoundError, match="Several audio files are named 'take.wav'"):
        ctx.audio.resolve(dataset.id, "take.wav")


# -- the library on its own ---------------------------------------------------------------------


def test_probe_refuses_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(AudioProbeError, match="cannot read the file"):
        probe_audio(tmp_path / "missing.wav")


def test_library_store_leaves_no_temp_file_on_refusal(tmp_path: Path) -> None:
    library = AudioLibrary(tmp_path / "library")
    with pytest.raises(AudioProbeError):
        library.store(write_random_bytes(tmp_path / "junk.wav", seed=3))
    assert library_files(library.root) == []


def test_library_store_twice_reuses_the_file(tmp_path: Path) -> None:
    library = AudioLibrary(tmp_path / "library")
    source = write_tone(tmp_path / "a.wav")
    first, second = library.store(source), library.store(source)
    assert first.newly_stored and not second.newly_stored
    assert first.path == second.path and library_files(library.root) == [
        f"{first.sha256[:2]}/{first.sha256}.wav"]
    assert library.remove(first.sha256, "WAV") and not library.remove(first.sha256, "WAV")
    assert not (library.root / first.sha256[:2]).exists()
