"""Preferences: playback (output device, volume, pre/post-roll, play on select) and
editing (create on drag, follow playhead). Saved in the settings file; applied at once."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.audio.devices import DeviceNotFound, PlaybackUnavailable
from app.ui.playback_controller import PlaybackController


class PreferencesDialog(QDialog):
    def __init__(self, settings: QSettings, playback: PlaybackController,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("preferencesDialog")
        self.setWindowTitle("Preferences")
        self.settings = settings
        self.playback = playback
        engine = playback.engine

        playback_box = QGroupBox("Playback")
        form = QFormLayout(playback_box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.device_combo = QComboBox()
        self.device_combo.setObjectName("deviceCombo")
        self.refresh_button = QPushButton("Rescan")
        self.refresh_button.setToolTip("Look for output devices again (after plugging one in)")
        self.refresh_button.clicked.connect(self._rescan)
        device_row = QHBoxLayout()
        device_row.addWidget(self.device_combo, 1)
        device_row.addWidget(self.refresh_button)
        form.addRow("Output device", device_row)
        self.sound_note = QLabel()
        self.sound_note.setWordWrap(True)
        self.sound_note.setObjectName("soundNote")
        form.addRow("", self.sound_note)
        self.volume_slider = QSlider(Qt.Orientation.Horizontal)
        self.volume_slider.setObjectName("volumeSlider")
        self.volume_slider.setRange(0, 100)
        self.volume_slider.setValue(int(round(engine.volume * 100)))
        self.volume_label = QLabel()
        self.volume_label.setMinimumWidth(40)
        self.volume_slider.valueChanged.connect(lambda v: self.volume_label.setText(f"{v} %"))
        self.volume_label.setText(f"{self.volume_slider.value()} %")
        volume_row = QHBoxLayout()
        volume_row.addWidget(self.volume_slider, 1)
        volume_row.addWidget(self.volume_label)
        form.addRow("Volume", volume_row)
        self.preroll_spin = self._ms_spin(engine.preroll_ms, "preRollSpin")
        self.postroll_spin = self._ms_spin(engine.postroll_ms, "postRollSpin")
        form.addRow("Pre-roll (selection playback)", self.preroll_spin)
        form.addRow("Post-roll", self.postroll_spin)
        self.play_on_select = QCheckBox("Play an annotation when Tab / Shift+Tab selects it")
        self.play_on_select.setChecked(settings.value("playback/play_on_select", False, bool))
        form.addRow("", self.play_on_select)
        speed_note = QLabel("Speed ([ and ]) keeps the pitch (WSOLA time stretching).")
        speed_note.setObjectName("emptyHint")
        form.addRow("", speed_note)

        editing_box = QGroupBox("Editing and view")
        editing = QVBoxLayout(editing_box)
        self.create_on_drag = QCheckBox("Dragging on empty waveform creates an annotation of the "
                                        "current type (else it makes a time selection)")
        self.create_on_drag.setChecked(settings.value("edit/create_on_drag", False, bool))
        self.follow = QCheckBox("Follow the playhead (the view pages forward while playing)")
        self.follow.setChecked(settings.value("view/follow_playhead", True, bool))
        editing.addWidget(self.create_on_drag)
        editing.addWidget(self.follow)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(playback_box)
        layout.addWidget(editing_box)
        layout.addWidget(buttons)
        self._fill_devices()
        self.resize(560, self.sizeHint().height())

    @staticmethod
    def _ms_spin(value: float, name: str) -> QSpinBox:
        spin = QSpinBox()
        spin.setObjectName(name)
        spin.setRange(0, 5000)
        spin.setSingleStep(50)
        spin.setSuffix(" ms")
        spin.setValue(int(round(value)))
        return spin

    def _fill_devices(self) -> None:
        engine = self.playback.engine
        self.device_combo.clear()
        self.device_combo.addItem("System default", None)
        current = engine.device
        for device in engine.list_devices() if engine.available else []:
            label = device.label + ("  (default)" if device.is_default else "")
            self.device_combo.addItem(label, device.name)
        chosen = self.settings.value("playback/device") or None
        index = self.device_combo.findData(chosen) if chosen else 0
        self.device_combo.setCurrentIndex(max(0, index))
        available = engine.available
        self.device_combo.setEnabled(available)
        self.volume_slider.setEnabled(True)
        if available:
            using = current.label if current is not None else "the system default"
            self.sound_note.setText(f"Playing through {using}.")
        else:
            self.sound_note.setText(engine.unavailable_reason or "Playback is unavailable.")

    def _rescan(self) -> None:
        self.playback.engine.refresh_devices()
        self._fill_devices()

    def apply(self) -> str | None:
        """Save and apply; returns a message when the device could not be used."""
        engine = self.playback.engine
        problem = None
        device = self.device_combo.currentData()
        if engine.available:
            try:
                engine.set_device(device)
                self.settings.setValue("playback/device", device or "")
            except (DeviceNotFound, PlaybackUnavailable) as error:
                problem = str(error)
        volume = self.volume_slider.value() / 100
        engine.set_volume(volume)
        engine.preroll_ms = float(self.preroll_spin.value())
        engine.postroll_ms = float(self.postroll_spin.value())
        self.settings.setValue("playback/volume", volume)
        self.settings.setValue("playback/preroll_ms", self.preroll_spin.value())
        self.settings.setValue("playback/postroll_ms", self.postroll_spin.value())
        self.settings.setValue("playback/play_on_select", self.play_on_select.isChecked())
        self.settings.setValue("edit/create_on_drag", self.create_on_drag.isChecked())
        self.settings.setValue("view/follow_playhead", self.follow.isChecked())
        self.settings.sync()
        return problem
