"""One item that draws every annotation region, the time selection and drag previews.

Only the annotations overlapping the window are looked at (``AnnotationIndex.visible``).
When more than a few hundred are visible they are merged into a per-pixel color strip
(one image row stretched over the lanes), so 5,000 regions cost no more than 50.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QLineF, QRect, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFontMetricsF, QImage, QPainter, QPen, QStaticText
from PySide6.QtWidgets import QGraphicsItem

from app.core.entities import DEFAULT_TYPE_COLOR
from app.ui.waveform import theme
from app.ui.waveform.annotation_index import AnnotationIndex
from app.ui.waveform.timescale import TimeWindow

DENSE_ABOVE = 250       # visible regions beyond which they are merged into a strip
MIN_LABEL_PX = 16


@dataclass
class TypeStyle:
    color: QColor
    fill: QColor
    selected_fill: QColor
    edge: QColor
    chip: QColor
    text: QColor
    label: QStaticText
    label_width: float


@dataclass
class Preview:
    """A region drawn somewhere else than stored: a move/resize in progress or a new one."""

    start: float
    end: float
    type_name: str
    annotation_id: str | None = None     # None: an annotation being created


class AnnotationLayer(QGraphicsItem):
    def __init__(self, window: TimeWindow, index: AnnotationIndex,
                 parent: QGraphicsItem | None = None) -> None:
        super().__init__(parent)
        self._window = window
        self._index = index
        self._size = (0, 0)
        self._colors: dict[str, str] = {}
        self._styles: dict[str, TypeStyle] = {}
        self._font = theme.label_font()
        self._metrics = QFontMetricsF(self._font)
        self.selected: list[str] = []
        self.active_edge = "start"
        self.preview: Preview | None = None
        self.time_selection: tuple[float, float] | None = None
        self.dense_last_paint = False
        self._row: QImage | None = None

    # --- state --------------------------------------------------------------------------

    def set_size(self, width: int, height: int) -> None:
        if (width, height) != self._size:
            self.prepareGeometryChange()
            self._size = (width, height)

    def boundingRect(self) -> QRectF:
        return QRectF(0, 0, self._size[0], self._size[1])

    def set_colors(self, colors: dict[str, str]) -> None:
        self._colors = dict(colors)
        self._styles.clear()
        self.update()

    def style(self, type_name: str) -> TypeStyle:
        style = self._styles.get(type_name)
        if style is None:
            color = QColor(self._colors.get(type_name) or DEFAULT_TYPE_COLOR)
            if not color.isValid():
                color = QColor(DEFAULT_TYPE_COLOR)

            def alpha(a: int) -> QColor:
                c = QColor(color)
                c.setAlpha(a)
                return c

            chip = QColor(color).darker(135) if color.lightnessF() > 0.6 else QColor(color)
            chip.setAlpha(225)
            label = QStaticText(type_name)
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.prepare(font=self._font)
            style = TypeStyle(color, alpha(theme.REGION_FILL_ALPHA),
                              alpha(theme.REGION_SELECTED_FILL_ALPHA),
                              alpha(theme.REGION_EDGE_ALPHA), chip,
                              theme.readable_text_on(chip), label,
                              self._metrics.horizontalAdvance(type_name))
            self._styles[type_name] = style
        return style

    def chip_rect(self, x0: float, x1: float, row: int) -> QRectF | None:
        """Where a region's type label goes (None when the region is too narrow)."""
        width = x1 - x0
        if width < MIN_LABEL_PX:
            return None
        top = 2 + row * theme.LABEL_ROW_HEIGHT
        return QRectF(math.floor(x0) + 2, top, min(width - 3, 9999), theme.LABEL_ROW_HEIGHT - 2)

    # --- painting -----------------------------------------------------------------------

    def paint(self, painter: QPainter, option, widget=None) -> None:
        width, height = self._size
        window, index = self._window, self._index
        if width <= 0 or window.span <= 0:
            return
        painter.setFont(self._font)
        hidden = {self.preview.annotation_id} if self.preview and self.preview.annotation_id else set()
        selected = [s for s in self.selected if s in index and s not in hidden]
        skip = hidden | set(selected)
        visible = index.visible(window.start, window.end)
        self.dense_last_paint = len(visible) > DENSE_ABOVE
        if skip and len(visible):
            skipped = [index.position[i] for i in skip if i in index]
            visible = visible[~np.isin(visible, skipped)]
        if self.dense_last_paint:
            self._paint_strip(painter, visible, width, height)
        else:
            self._paint_regions(painter, index.paint_order(visible), width, height)
        for annotation_id in selected:
            i = index.position[annotation_id]
            self._paint_region(painter, index.starts[i], index.ends[i],
                               index.type_names[index.types[i]], int(index.rows[i]),
                               width, height, selected=True)
        if self.preview is not None:
            row = 0
            if self.preview.annotation_id in index:
                row = int(index.rows[index.position[self.preview.annotation_id]])
            self._paint_region(painter, self.preview.start, self.preview.end,
                               self.preview.type_name, row, width, height,
                               selected=self.preview.annotation_id is not None,
                               creating=self.preview.annotation_id is None)
        if self.time_selection is not None:
            self._paint_time_selection(painter, width, height)

    def _paint_regions(self, painter: QPainter, order: np.ndarray, width: int,
                       height: int) -> None:
        """Unselected regions, composed into one pixel row and stretched over the lanes.

        Bodies and edges are the same in every row, so they are painted once into a
        ``width x 1`` image (cheap fills) and blended over the waveform in one call;
        a translucent full-height fill per region costs ~50x more in the raster engine.
        """
        if len(order) == 0:
            return
        index, window = self._index, self._window
        scale = width / window.span
        x0 = (index.starts[order] - window.start) * scale
        x1 = (index.ends[order] - window.start) * scale
        left = np.floor(np.clip(x0, -2, width + 2)).astype(int)
        right = np.maximum(np.floor(np.clip(x1, -2, width + 2)).astype(int), left + 1)
        types = index.types[order]
        styles = [self.style(name) for name in index.type_names]
        if self._row is None or self._row.width() != width:
            self._row = QImage(width, 1, QImage.Format.Format_ARGB32_Premultiplied)
        self._row.fill(0)
        row = QPainter(self._row)
        for a, b, t in zip(left.tolist(), right.tolist(), types.tolist()):
            row.fillRect(QRect(a, 0, b - a, 1), styles[t].fill)
        for a, b, t in zip(left.tolist(), right.tolist(), types.tolist()):
            edge = styles[t].edge
            row.fillRect(QRect(a, 0, 1, 1), edge)
            row.fillRect(QRect(b, 0, 1, 1), edge)
        row.end()
        painter.drawImage(QRectF(0, 0, width, height), self._row)
        wide = np.flatnonzero(np.minimum(x1, width) - np.maximum(x0, 0) >= MIN_LABEL_PX)
        for k in wide.tolist():
            self._paint_label(painter, max(x0[k], 0.0), min(x1[k], float(width)),
                              int(index.rows[order[k]]), styles[types[k]])

    def _paint_label(self, painter: QPainter, x0: float, x1: float, row: int,
                     style: TypeStyle, selected: bool = False) -> None:
        chip = self.chip_rect(x0, x1, row)
        if chip is None:
            return
        chip.setWidth(min(chip.width(), style.label_width + 8))
        painter.fillRect(chip, style.chip)
        painter.setPen(style.text)
        if style.label_width + 8 > chip.width():
            text = self._metrics.elidedText(style.label.text(), Qt.TextElideMode.ElideRight,
                                            chip.width() - 6)
            painter.drawText(chip.adjusted(4, 0, -2, 0),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)
        else:
            painter.drawStaticText(chip.left() + 4, chip.top() + 1, style.label)
        if selected:
            painter.setPen(QPen(theme.SELECTED_EDGE, 1))
            painter.drawRect(chip.adjusted(-0.5, -0.5, 0.5, 0.5))

    def _paint_region(self, painter: QPainter, start: float, end: float, type_name: str,
                      row: int, width: int, height: int, *, selected: bool,
                      creating: bool = False) -> None:
        window = self._window
        x0 = window.x_of(start, width)
        x1 = window.x_of(end, width)
        if x1 < -4 or x0 > width + 4:
            return
        style = self.style(type_name)
        left, right = max(x0, -4.0), min(x1, width + 4.0)
        body = QRectF(left, 0, max(right - left, 1.0), height)
        painter.fillRect(body, style.selected_fill if selected or creating else style.fill)

        edge_pen = QPen(style.edge, 0)
        if creating:
            edge_pen = QPen(style.color, 1, Qt.PenStyle.DashLine)
        painter.setPen(edge_pen)
        for x in (x0, x1):
            if -1 <= x <= width + 1:
                px = math.floor(x) + 0.5
                painter.drawLine(QLineF(px, 0, px, height))

        self._paint_label(painter, max(x0, 0.0), min(x1, float(width)), row, style, selected)

        if selected:
            self._paint_handles(painter, x0, x1, height, width)

    def _paint_handles(self, painter: QPainter, x0: float, x1: float, height: int,
                       width: int) -> None:
        for edge, x in (("start", x0), ("end", x1)):
            if not -6 <= x <= width + 6:
                continue
            color = theme.ACTIVE_EDGE if edge == self.active_edge else theme.SELECTED_EDGE
            px = math.floor(x)
            painter.fillRect(QRectF(px - 1, 0, 2, height), color)
            grip = QRectF(px - 4, height / 2 - 14, 8, 28)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            painter.setPen(QPen(QColor(0, 0, 0, 200), 1))
            painter.setBrush(QBrush(color))
            painter.drawRoundedRect(grip, 2.5, 2.5)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)

    def _paint_time_selection(self, painter: QPainter, width: int, height: int) -> None:
        start, end = self.time_selection
        x0 = self._window.x_of(start, width)
        x1 = self._window.x_of(end, width)
        if x1 < 0 or x0 > width:
            return
        left, right = max(x0, -2.0), min(x1, width + 2.0)
        painter.fillRect(QRectF(left, 0, max(right - left, 1.0), height), theme.SELECTION_FILL)
        painter.setPen(QPen(theme.SELECTION_EDGE, 0))
        for x in (x0, x1):
            if 0 <= x <= width:
                px = math.floor(x) + 0.5
                painter.drawLine(QLineF(px, 0, px, height))

    def _paint_strip(self, painter: QPainter, visible: np.ndarray, width: int,
                     height: int) -> None:
        """Zoomed far out: per pixel column, the color of the type covering it most."""
        index, window = self._index, self._window
        scale = width / window.span
        x0 = (index.starts[visible] - window.start) * scale
        x1 = (index.ends[visible] - window.start) * scale
        p0 = np.clip(np.floor(x0), 0, width - 1).astype(np.int64)
        p1 = np.clip(np.maximum(np.ceil(x1), p0 + 1), 1, width).astype(np.int64)
        types = index.types[visible].astype(np.int64)
        ntypes = len(index.type_names)
        stride = width + 1
        counts = (np.bincount(types * stride + p0, minlength=ntypes * stride)
                  - np.bincount(types * stride + p1, minlength=ntypes * stride))
        cover = np.cumsum(counts.reshape(ntypes, stride), axis=1)[:, :width]
        covered = cover.max(axis=0) > 0
        winner = cover.argmax(axis=0)
        palette = np.zeros((ntypes, 4), dtype=np.uint8)
        for t, name in enumerate(index.type_names):
            c = self.style(name).color
            palette[t] = (c.red(), c.green(), c.blue(), 255)
        row = np.zeros((width, 4), dtype=np.uint8)
        row[covered] = palette[winner[covered]]
        band = row.copy()
        row[:, 3] = np.where(covered, theme.STRIP_ALPHA, 0)
        band[:, 3] = np.where(covered, 235, 0)
        for data, rect in ((row, QRectF(0, 0, width, height)), (band, QRectF(0, 0, width, 5))):
            image = QImage(data.data, width, 1, width * 4, QImage.Format.Format_RGBA8888)
            painter.drawImage(rect, image)
