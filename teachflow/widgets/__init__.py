"""``teachflow.widgets``: notebook widgets and animations. The logic lives in plain classes
(testable without a browser: ``Race``, ``EventIndex``); the views render frames with matplotlib
(``RaceView``, ``Flowchart``), and the widgets are thin (``RaceWidget``, ``Player``)."""
from .canvas import FrameCanvas, figure_png
from .export import gif_bytes, save_html, to_animation, to_gif, to_html
from .flowchart import Flowchart
from .frames import Activity, EventIndex, Flow, StrategyFrame
from .player import Player
from .race import STRATEGIES, Race, RaceConfig, RaceFrame, verdict
from .race_view import RaceView, RaceWidget

__all__ = [
    "Race", "RaceConfig", "RaceFrame", "RaceView", "RaceWidget", "STRATEGIES", "verdict",
    "Flowchart", "EventIndex", "StrategyFrame", "Activity", "Flow", "Player",
    "to_gif", "gif_bytes", "to_html", "save_html", "to_animation", "FrameCanvas", "figure_png",
]
