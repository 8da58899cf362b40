"""How a file's channels reach the device's: a mixing matrix and its application.

Rules (file channels S, device channels D, after an optional channel selection):
- S == D: straight through.
- S == 1: the mono signal on every device channel.
- D == 1: the average of all file channels.
- S < D: file channel i to device channel i, the other device channels silent.
- S > D >= 2: file channel i to device channel ``i % D``, each device channel the
  average of the file channels it receives (odd channels left, even right for D == 2).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def mix_matrix(file_channels: int, device_channels: int,
               selection: Sequence[int] | None = None) -> np.ndarray:
    """A (file_channels, device_channels) float32 matrix: ``device = file @ matrix``.

    ``selection`` lists the file channels to listen to (others are muted), e.g. ``[2]``
    to hear only the third channel of a multi-microphone recording.
    """
    if file_channels <= 0 or device_channels <= 0:
        raise ValueError("channel counts must be positive")
    chosen = list(range(file_channels)) if not selection else list(selection)
    for channel in chosen:
        if not 0 <= channel < file_channels:
            raise ValueError(f"channel {channel + 1} does not exist; the file has "
                             f"{file_channels} channel(s)")
    count = len(chosen)
    matrix = np.zeros((file_channels, device_channels), dtype=np.float32)
    if count == 1:
        matrix[chosen[0], :] = 1.0
    elif device_channels == 1:
        matrix[chosen, 0] = 1.0 / count
    elif count <= device_channels:
        for out, channel in enumerate(chosen):
            matrix[channel, out] = 1.0
    else:
        for position, channel in enumerate(chosen):
            matrix[channel, position % device_channels] = 1.0
        matrix /= np.maximum(matrix.sum(axis=0, keepdims=True), 1.0)
    return matrix


class ChannelMixer:
    """Applies a mixing matrix, skipping the multiply for the cheap common cases."""

    def __init__(self, file_channels: int, device_channels: int,
                 selection: Sequence[int] | None = None):
        self.matrix = mix_matrix(file_channels, device_channels, selection)
        self.file_channels = file_channels
        self.device_channels = device_channels
        identity = (file_channels == device_channels
                    and np.array_equal(self.matrix, np.eye(file_channels, dtype=np.float32)))
        self._identity = identity
        # Mono on every device channel: a broadcast copy, exact and cheap.
        self._replicate = (file_channels == 1)
        self._pick_column: int | None = None
        nonzero_rows = np.flatnonzero(self.matrix.any(axis=1))
        if (not identity and len(nonzero_rows) == 1
                and np.all(self.matrix[nonzero_rows[0]] == 1.0)):
            self._pick_column = int(nonzero_rows[0])

    def apply(self, frames: np.ndarray) -> np.ndarray:
        """(n, file_channels) float32 -> (n, device_channels) float32."""
        if self._identity:
            return frames
        if self._replicate or self._pick_column is not None:
            column = frames[:, 0 if self._replicate else self._pick_column]
            return np.repeat(column[:, None], self.device_channels, axis=1)
        if self.device_channels == 1 and np.allclose(self.matrix, self.matrix[0, 0]):
            # An average, summed in float32 like the reference a listener would compute.
            return frames.mean(axis=1, dtype=np.float32, keepdims=True)
        return frames @ self.matrix
