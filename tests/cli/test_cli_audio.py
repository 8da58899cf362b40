"""`audio import` / `audio list` through the real program."""

from __future__ import annotations

from pathlib import Path

from app.core.context import AppContext
from tests.audio_samples import write_random_bytes, write_tone, write_truncated_wav
from tests.cli.conftest import check_audio, ok_json, refused
from tests.core.dbstate import db_state, library_files


def test_a_folder_mixing_good_and_bad_files(cli, ctx: AppContext, dataset, home: Path,
                                            tmp_path: Path) -> None:
    folder = tmp_path / "mixed batch"
    write_tone(folder / "good one.wav", seconds=0.5, freq=300)
    write_tone(folder / "sub dir" / "Grüße – café 02.flac", seconds=0.75, freq=500)
    noise = write_random_bytes(folder / "noise.wav")  # junk that upsets the MP3 sniffer
    empty = folder / "empty.wav"
    empty.write_bytes(b"")
    truncated = write_truncated_wav(folder / "sub dir" / "cut short.wav")
    missing = tmp_path / "not there.wav"

    result = cli("audio", "import", "TTS Glitches", str(folder), str(missing))
    assert result.returncode == 1
    assert "imported  good one.wav  0:00:00.500  16000 Hz  1 ch" in result.stdout
    assert "imported  Grüße – café 02.flac  0:00:00.750" in result.stdout
    assert result.stdout.strip().endswith("2 imported, 0 duplicates, 4 failed.")
    assert "Traceback" not in result.stderr
    assert sorted(result.stderr.strip().splitlines()) == sorted([
        f"error: {missing}: no such file or folder",
        f"error: {noise}: not a readable audio file (Format not recognised.)",
        f"error: {empty}: the file is empty (0 bytes)",
        f"error: {truncated}: the file is truncated: its header declares 32000 bytes of audio "
        f"but only 15978 are present",
    ])
    rows, files = db_state(home)
    assert sorted(r[2] for r in rows["audio_files"]) == ["Grüße – café 02.flac", "good one.wav"]
    assert len(files) == 2 and not [f for f in files if ".import-" in f]


def test_import_json_reports_imported_duplicates_and_formats(cli, ctx: AppContext, dataset,
                                                             audio, tmp_path: Path) -> None:
    stereo = write_tone(tmp_path / "stereo 44k.wav", seconds=1.5, rate=44100, channels=2)
    flac = write_tone(tmp_path / "speech.flac", seconds=1.0, rate=22050, freq=300)
    ogg = write_tone(tmp_path / "vorbis.ogg", seconds=1.0, rate=44100, channels=2, freq=500)
    mp3 = write_tone(tmp_path / "layer3.mp3", seconds=1.0, rate=44100, freq=700)
    copy = tmp_path / "clip01 copy.wav"
    copy.write_bytes((tmp_path / "clip01.wav").read_bytes())

    report = ok_json(cli("audio", "import", dataset.id, str(stereo), str(flac), str(ogg),
                         str(mp3), str(copy), "--json"))
    assert sorted(report) == ["cancelled", "duplicates", "failed", "imported"]
    assert report["failed"] == [] and report["cancelled"] is False
    assert report["duplicates"] == [{"path": str(copy), "existing_audio_id": audio.id,
                                     "existing_filename": "clip01.wav"}]
    facts = {}
    for item in report["imported"]:
        check_audio(item)
        facts[item["original_filename"]] = (item["format"], item["sample_rate"], item["channels"],
                                            item["frames"], item["duration_ms"])
    assert facts == {"stereo 44k.wav": ("WAV", 44100, 2, 66150, 1500),
                     "speech.flac": ("FLAC", 22050, 1, 22050, 1000),
                     "vorbis.ogg": ("OGG", 44100, 2, 44100, 1000),
                     "layer3.mp3": ("MP3", 44100, 1, 44100, 1000)}
    # Stored by content: the originals can go away.
    for path in (stereo, flac, ogg, mp3):
        path.unlink()
    listed = ok_json(cli("audio", "list", "TTS Glitches", "--json"))
    assert isinstance(listed, list)
    assert [a["original_filename"] for a in listed] == [
        "clip01.wav", "layer3.mp3", "speech.flac", "stereo 44k.wav", "vorbis.ogg"]
    for item in listed:
        check_audio(item)
        assert ctx.audio.path_of(ctx.audio.get(item["id"])).exists()


def test_human_readable_list(cli, audio) -> None:
    result = cli("audio", "list", "TTS Glitches")
    assert result.returncode == 0
    assert "clip01.wav" in result.stdout and "0:00:02.000" in result.stdout
    assert "WAV/PCM_16" in result.stdout and audio.id in result.stdout


def test_import_into_a_missing_dataset_changes_nothing(cli, home: Path, ctx: AppContext,
                                                       tmp_path: Path) -> None:
    clip = write_tone(tmp_path / "a.wav")
    before = db_state(home)
    refused(cli("audio", "import", "Nope", str(clip)), "No dataset with id or name 'Nope'")
    assert db_state(home) == before and library_files(home / "library") == []


def test_list_of_a_missing_dataset_is_refused(cli, ctx: AppContext) -> None:
    refused(cli("audio", "list", "Nope", "--json"), "No dataset with id or name 'Nope'")


def test_an_empty_folder_imports_nothing_and_says_so(cli, dataset, tmp_path: Path) -> None:
    empty = tmp_path / "nothing here"
    empty.mkdir()
    result = cli("audio", "import", "TTS Glitches", str(empty))
    assert result.returncode == 0
    assert "0 imported, 0 duplicates, 0 failed." in result.stdout
    assert result.stderr.strip() == f"warning: no files found in {empty}; nothing was imported."
