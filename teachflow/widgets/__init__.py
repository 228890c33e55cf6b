"""``teachflow.widgets``: notebook widgets and animations. Logic lives in plain classes that
tests drive without a browser; views render frames with matplotlib; widgets only wire them up.

Sync vs async: ``Race`` / ``RaceWidget`` (the race), ``Flowchart`` (the two flowcharts in
motion), ``to_gif`` / ``to_html`` (exports for slides).
Step-through: ``StepThrough(trace)`` (one training step, node by node) and ``GradCheckPanel``.
"""
from .canvas import FrameCanvas, figure_png
from .export import gif_bytes, save_html, to_animation, to_gif, to_html
from .flowchart import Flowchart
from .frames import Activity, EventIndex, Flow, StrategyFrame
from .gradcheck import GradCheck, GradCheckPanel, GradCheckResult
from .player import Player
from .race import STRATEGIES, Race, RaceConfig, RaceFrame, verdict
from .race_view import RaceView, RaceWidget
from .stepthrough import StepDetails, StepPicture, StepThrough

__all__ = [
    "Race", "RaceConfig", "RaceFrame", "RaceView", "RaceWidget", "STRATEGIES", "verdict",
    "Flowchart", "EventIndex", "StrategyFrame", "Activity", "Flow", "Player",
    "to_gif", "gif_bytes", "to_html", "save_html", "to_animation", "FrameCanvas", "figure_png",
    "StepThrough", "StepPicture", "StepDetails", "GradCheck", "GradCheckPanel", "GradCheckResult",
]
