"""Dialogs: create / edit / delete a dataset (with the artifact-type editor)."""

from app.ui.dialogs.dataset_dialog import DatasetDialog
from app.ui.dialogs.delete_dataset import DeleteDatasetDialog, confirm_delete_dataset
from app.ui.dialogs.type_editor import ArtifactTypeEditor

__all__ = ["ArtifactTypeEditor", "DatasetDialog", "DeleteDatasetDialog",
           "confirm_delete_dataset"]
