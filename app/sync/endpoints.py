"""Every path of the platform's API in one place (remote-api.md).

Paths marked ASSUMED are our reading of gaps in the platform's documentation; if the
platform turns out to use other paths, this module is the only one to change.
"""

from __future__ import annotations

from urllib.parse import quote

API_PREFIX = "/api/v1"

# Documented.
DATASETS = API_PREFIX + "/datasets"
DATASET = DATASETS + "/{dataset_id}"
AUDIO_UPLOAD_URL = DATASET + "/audio/upload-url"
AUDIO_CONFIRM = DATASET + "/audio/confirm"
AUDIO_LIST = DATASET + "/audio"
ANNOTATION_SETS = DATASET + "/annotation-sets"
ANNOTATION_SET = ANNOTATION_SETS + "/{set_id}"
ANNOTATIONS = ANNOTATION_SET + "/annotations"
ANNOTATIONS_BULK = ANNOTATIONS + "/bulk"

# ASSUMED: not in the platform's documentation.
ANNOTATION_SET_PUBLISH = ANNOTATION_SET + "/publish"
ANNOTATION = ANNOTATIONS + "/{annotation_id}"          # PATCH (partial) and DELETE
# Used only to clean up a pending record whose upload was abandoned (an expired upload
# URL, or a request whose answer was lost); a 404/405 answer is accepted silently.
AUDIO_ITEM = AUDIO_LIST + "/{audio_id}"

# Assumed: pagination starts at page 1; the largest page size we ask for.
FIRST_PAGE = 1
PAGE_SIZE = 100
# Documented: no limit given; we send at most this many annotations per bulk request.
BULK_BATCH = 500


def path(template: str, **ids: str) -> str:
    """Fill a template; ids are quoted so that a strange id can never change the path."""
    return template.format(**{key: quote(str(value), safe="") for key, value in ids.items()})
