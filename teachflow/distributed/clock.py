"""The virtual clock: a heap of timed wake-ups. Simulated time jumps from one event to the next;
nothing ever sleeps. Ties are broken by the order events were scheduled, so a run replays exactly."""
import heapq


class EventQueue:
    """A priority queue of ``(time, payload)``: ``push`` schedules, ``pop`` returns the earliest.

    >>> q = EventQueue()
    >>> q.push(2.0, "b"); q.push(1.0, "a"); q.push(1.0, "a2")
    >>> [q.pop() for _ in range(3)]
    [(1.0, 'a'), (1.0, 'a2'), (2.0, 'b')]
    """

    __slots__ = ("_heap", "_seq", "now")

    def __init__(self):
        self._heap = []
        self._seq = 0      # tie-breaker: first scheduled, first served
        self.now = 0.0     # time of the last event popped

    def push(self, time, payload):
        if time < self.now:
            raise ValueError(f"cannot schedule an event in the past: time={time} < now={self.now}")
        self._seq += 1
        heapq.heappush(self._heap, (time, self._seq, payload))

    def pop(self):
        time, _, payload = heapq.heappop(self._heap)
        self.now = time
        return time, payload

    def __len__(self):
        return len(self._heap)

    def __bool__(self):
        return bool(self._heap)
