"""Everything Qt: windows, widgets, item models, undo commands."""
