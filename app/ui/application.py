"""Start of the desktop app (the window arrives with the desktop-app issue)."""

from __future__ import annotations

import argparse

from app.cli import paths_from_args
from app.core.context import AppContext
from app.core.demo import seed_demo, should_seed
from app.core.timefmt import format_ms
from app.resources import resource


def run_gui(args: argparse.Namespace) -> int:
    ctx = AppContext.open(paths_from_args(args))
    try:
        if should_seed(ctx):
            seed_demo(ctx, resource("demo"))
        for dataset in ctx.datasets.list():
            print(f"{dataset.name}: {dataset.audio_count} audio files "
                  f"({format_ms(dataset.total_duration_ms)}), "
                  f"{dataset.annotation_set_count} annotation sets, types: "
                  f"{', '.join(dataset.type_names())}")
        return 0
    finally:
        ctx.close()
