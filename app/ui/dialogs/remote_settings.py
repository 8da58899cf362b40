"""Edit > Platform Settings: the platform's address, the API key (stored in the OS keyring,
never anywhere else) and a connection test.

Every request runs in the background; the dialog says inline what each step found. The
key typed here is checked against the platform before it is stored, and the field is
cleared once it is; it is never shown again, logged or written to a file.
"""

from __future__ import annotations

import logging
import os

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.context import AppContext
from app.core.errors import DomainError
from app.sync.credentials import (
    API_KEY_ENV,
    keyring_status,
    no_keyring_message,
    stored_in_keyring,
)
from app.sync.settings import DEFAULT_BASE_URL, RemoteSettings, normalize_base_url
from app.ui.dialogs.annotation_import import SUCCESS, Message, NoteLabel
from app.ui.dialogs.inline_message import ERROR, NOTE, WARNING
from app.ui.tasks import Task, TaskRunner

log = logging.getLogger(__name__)


def backend_label(backend: str) -> str:
    """"SecretService" for keyring.backends.SecretService.Keyring, the class otherwise."""
    parts = backend.split(".")
    return parts[-2] if parts[-1] == "Keyring" and len(parts) > 1 else parts[-1]


def key_state(base_url: str) -> tuple[str, bool]:
    """Where the key for ``base_url`` comes from, in one sentence, and whether one is stored
    in the keyring (one keyring read: it may be a D-Bus round trip)."""
    status = keyring_status()
    stored = stored_in_keyring(base_url)
    from_environment = bool(os.environ.get(API_KEY_ENV, "").strip())
    if from_environment:
        also = " (a key is also stored in the keyring; the variable wins)" if stored else ""
        return f"From the environment variable {API_KEY_ENV}{also}.", stored
    if stored:
        return f"Stored in the keyring ({backend_label(status.backend)}).", True
    if not status.available:
        return f"None. {no_keyring_message(status)}", False
    return "None stored for this address.", False


class RemoteSettingsDialog(QDialog):
    """Address, key and connection test. ``saved`` carries the address after OK."""

    saved = Signal(str)

    def __init__(self, ctx: AppContext, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("remoteSettingsDialog")
        self.setWindowTitle("Platform Settings")
        self.ctx = ctx
        self.tasks = tasks
        self._task: Task | None = None
        self._key_stored = False
        self._key_url: str | None = None
        self._closed = False
        settings = RemoteSettings.load(ctx.paths.config_dir)

        intro = NoteLabel()
        intro.setText("Datasets are pushed to this platform. The API key is kept in the "
                      "system keyring (or read from the environment variable "
                      f"{API_KEY_ENV}); it is never written to a file.")
        self.url_edit = QLineEdit(settings.base_url)
        self.url_edit.setObjectName("baseUrlEdit")
        self.url_edit.setPlaceholderText(DEFAULT_BASE_URL)
        self.url_edit.setClearButtonEnabled(True)
        self.url_message = Message()
        self.url_message.setObjectName("baseUrlMessage")

        self.key_state = QLabel()
        self.key_state.setObjectName("keyState")
        self.key_state.setWordWrap(True)
        self.key_state.setTextFormat(Qt.TextFormat.PlainText)
        self.key_edit = QLineEdit()
        self.key_edit.setObjectName("apiKeyEdit")
        self.key_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_edit.setPlaceholderText("Paste a key from the platform's dashboard")
        self.store_button = QPushButton("Check and Store Key")
        self.store_button.setObjectName("storeKeyButton")
        self.store_button.setAutoDefault(False)
        self.remove_button = QPushButton("Remove Stored Key")
        self.remove_button.setObjectName("removeKeyButton")
        self.remove_button.setAutoDefault(False)
        key_row = QHBoxLayout()
        key_row.addWidget(self.key_edit, 1)
        key_row.addWidget(self.store_button)
        self.test_button = QPushButton("Test Connection")
        self.test_button.setObjectName("testConnectionButton")
        self.test_button.setAutoDefault(False)
        actions = QHBoxLayout()
        actions.addWidget(self.test_button)
        actions.addWidget(self.remove_button)
        actions.addStretch(1)
        self.message = Message()
        self.message.setObjectName("remoteMessage")

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Platform &address:", self.url_edit)
        form.addRow("", self.url_message)
        form.addRow("API key:", self.key_state)
        key_label = QLabel("&New key:")
        key_label.setBuddy(self.key_edit)
        form.addRow(key_label, key_row)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addLayout(actions)
        layout.addWidget(self.message)
        layout.addStretch(1)
        layout.addWidget(self.buttons)

        self.url_edit.textChanged.connect(self._url_changed)
        self.key_edit.textChanged.connect(self._refresh_buttons)
        self.store_button.clicked.connect(self.store_key)
        self.remove_button.clicked.connect(self.remove_key)
        self.test_button.clicked.connect(self.test_connection)
        self._url_changed()
        self.resize(620, self.sizeHint().height())

    # -- state ------------------------------------------------------------------------------

    def base_url(self) -> str | None:
        """The address typed, normalized; None (with the reason shown) when unusable."""
        try:
            url = normalize_base_url(self.url_edit.text())
        except DomainError as error:
            self.url_message.show_message(ERROR, str(error))
            return None
        self.url_message.clear()
        return url

    def _url_changed(self) -> None:
        self.message.clear()
        self._read_key_state()

    def _read_key_state(self, again: bool = False) -> None:
        """Ask the keyring once per address typed (it may be a D-Bus round trip), and again
        after the key was stored or removed."""
        url = self.base_url()
        if url is None:
            self._key_url, self._key_stored = None, False
            self.key_state.setText("-")
        elif again or url != self._key_url:
            text, self._key_stored = key_state(url)
            self._key_url = url
            self.key_state.setText(text)
        self._refresh_buttons()

    @property
    def busy(self) -> bool:
        return self._task is not None

    def _refresh_buttons(self) -> None:
        usable = self.url_message.kind is None and not self.busy
        self.test_button.setEnabled(usable)
        self.store_button.setEnabled(usable and bool(self.key_edit.text().strip()))
        self.remove_button.setEnabled(usable and self._key_stored)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(usable)
        self.url_edit.setReadOnly(self.busy)
        self.key_edit.setReadOnly(self.busy)

    def _run(self, fn, on_result, what: str) -> None:
        """``fn(cancelled)`` in the background; its result shown here, unless the dialog
        was closed meanwhile (Cancel also stops a key check before the key is stored)."""
        self.message.show_message(NOTE, what)

        def finished(result) -> None:
            self._task = None
            if self._closed:
                return
            on_result(result)
            self._read_key_state(again=True)

        def failed(error: BaseException) -> None:
            self._task = None
            if self._closed:
                return
            text = str(error) if isinstance(error, DomainError) else \
                f"Unexpected error ({type(error).__name__}); see the log."
            self.message.show_message(ERROR, text)
            self._read_key_state(again=True)

        self._task = self.tasks.start(lambda _report, cancelled: fn(cancelled),
                                      name="remote settings", on_result=finished,
                                      on_error=failed)
        self._refresh_buttons()

    # -- actions ----------------------------------------------------------------------------

    def test_connection(self) -> None:
        from app.sync.connect import check_connection

        url = self.base_url()
        if url is None or self.busy:
            return

        def shown(check) -> None:
            if check.ok:
                self.message.show_message(SUCCESS, f"Connected to {check.base_url}; the API key "
                                                   f"is accepted.")
            elif check.reachable and check.key_accepted is None:
                self.message.show_message(WARNING, f"{check.base_url} answers, but there is no "
                                                   f"API key to check: store one above.")
            elif check.reachable:
                self.message.show_message(ERROR, check.message)
            else:
                self.message.show_message(ERROR, f"Cannot reach {check.base_url}: {check.message}")

        self._run(lambda _cancelled: check_connection(url), shown, f"Connecting to {url}…")

    def store_key(self) -> None:
        from app.sync.client import RelayClient
        from app.sync.credentials import ApiKey, store_api_key
        from app.sync.retry import RetryPolicy

        url = self.base_url()
        key = self.key_edit.text().strip()
        if url is None or not key or self.busy:
            return
        status = keyring_status()
        if not status.available:
            self.message.show_message(ERROR, no_keyring_message(status))
            return

        def check_and_store(cancelled) -> str | None:
            with RelayClient(url, ApiKey(key, "dialog"), policy=RetryPolicy(attempts=2)) as client:
                client.check_access()
            if cancelled():
                return None      # the dialog was cancelled meanwhile: store nothing
            store_api_key(url, key)
            RemoteSettings(url).save(self.ctx.paths.config_dir)
            return url

        def stored(address: str | None) -> None:
            if address is None:
                return
            self.key_edit.clear()
            self.message.show_message(SUCCESS, f"The key works with {address} and is stored in "
                                               f"the keyring.")
            self.saved.emit(address)

        self._run(check_and_store, stored, f"Checking the key with {url}…")

    def remove_key(self) -> None:
        from app.sync.credentials import delete_api_key

        url = self.base_url()
        if url is None or self.busy:
            return
        try:
            removed = delete_api_key(url)
        except DomainError as error:
            self.message.show_message(ERROR, str(error))
            return
        self.message.show_message(NOTE, f"Removed the key for {url} from the keyring." if removed
                                  else f"No key for {url} was stored in the keyring.")
        self._read_key_state(again=True)

    def accept(self) -> None:
        url = self.base_url()
        if url is None or self.busy:
            return
        try:
            RemoteSettings(url).save(self.ctx.paths.config_dir)
        except OSError as error:
            self.message.show_message(ERROR, f"Could not save the settings in "
                                             f"{RemoteSettings.file(self.ctx.paths.config_dir)}: "
                                             f"{error.strerror or error}.")
            return
        self.saved.emit(url)
        self._closed = True
        super().accept()

    def reject(self) -> None:
        if self._task is not None:
            self._task.cancel()
        self._closed = True
        super().reject()
