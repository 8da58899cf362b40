"""The format names the command line accepts, importable without loading the parsers."""

IMPORT_FORMAT_NAMES = ("relay-json", "relay-detections", "csv", "audacity", "textgrid", "eaf")
EXPORT_FORMAT_NAMES = ("relay-json", "csv", "audacity", "textgrid", "eaf")
PER_AUDIO_FILE_FORMATS = ("audacity", "textgrid", "eaf")
