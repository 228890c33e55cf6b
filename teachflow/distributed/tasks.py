"""The pipeline simulator's unit of work: a ``Task`` on one device or link, after its dependencies.

``pipeline.py`` schedules tasks; ``graph_tasks.py`` (a placed graph) and ``Pipeline.from_stages``
(a chain of stages) make them. Kept apart so neither imports the other's private parts.
"""


class Task:
    """``duration`` seconds on ``row`` (a device index, or a link name ``"gpu:0->gpu:1"``);
    among ready tasks of a row the smallest ``priority`` runs first. ``succ``: the tasks waiting
    for this one; ``ndeps``: how many tasks this one waits for."""

    __slots__ = ("row", "duration", "succ", "ndeps", "priority", "label", "kind")

    def __init__(self, row, duration, priority, label, kind="compute"):
        self.row, self.duration, self.priority = row, float(duration), priority
        self.label, self.kind = label, kind
        self.succ, self.ndeps = [], 0


def after(task, *deps):
    """``task`` starts only once every task in ``deps`` has finished."""
    for d in deps:
        d.succ.append(task)
        task.ndeps += 1
