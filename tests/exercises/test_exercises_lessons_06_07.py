"""Checkers of lessons 6 and 7: right answers pass, typical mistakes get a hint without the
answer, predictions are judged by the lesson's own experiment."""
import pytest

from teachflow.exercises import check
from teachflow.exercises import lesson06, lesson07


def test_unanswered_items_show_the_hint():
    for key in ("l06.balanced_race", "l06.large_steps", "l06.step_16", "l06.straggler_step",
                "l06.n_sweep", "l07.bubble", "l07.nbytes", "l07.fastest_cut"):
        r = check(key, None)
        assert not r.ok and "Hint:" in r.message


def test_step_16_is_m_times_h_n():
    assert check("l06.step_16", 0.5 * sum(1 / k for k in range(1, 17))).ok
    assert check("l06.step_16", 1.70).ok                  # within 2 %
    wrong = check("l06.step_16", 0.5)
    assert not wrong.ok and "one device" in wrong.message and "1.69" not in wrong.message
    assert not check("l06.step_16", 8.0).ok


def test_straggler_step_uses_the_complement():
    assert check("l06.straggler_step", 1 - 0.95 ** 32).ok
    r = check("l06.straggler_step", 32 * 0.05)
    assert not r.ok and "complement" in r.message and "0.8" not in r.message
    assert not check("l06.straggler_step", 0.5).ok


@pytest.mark.parametrize("key,table", [("l06.balanced_race", lambda: lesson06.race_table("balanced")),
                                       ("l06.large_steps", lambda: lesson06.race_table("balanced", "large"))])
def test_race_predictions_are_judged_by_the_experiment(key, table):
    t = table()
    winner = t.winner()
    assert winner in ("sync", "async")
    loser = "async" if winner == "sync" else "sync"
    assert check(key, winner).ok
    assert check(key, {"sync": "Synchronous", "async": "asynchronous "}[winner]).ok
    r = check(key, loser)
    assert not r.ok and "Hint:" in r.message
    bad = check(key, "both")
    assert not bad.ok and "ValueError" in bad.message


def test_the_lesson_races_differ_with_the_step_size():
    # the experiment behind the two predictions: a different answer for each (else the items
    # would teach nothing)
    assert lesson06.race_table("balanced").winner() != lesson06.race_table("balanced", "large").winner()


def test_n_sweep_prediction_matches_the_measured_trend():
    ratios = lesson06.sweep_ratios()
    assert len(ratios) == len(lesson06.SWEEP_N)
    truth = "grows" if ratios[-1] > ratios[0] else "shrinks"
    assert check("l06.n_sweep", truth).ok
    assert not check("l06.n_sweep", "shrinks" if truth == "grows" else "grows").ok


def test_bubble_and_bytes():
    assert check("l07.bubble", 0.25).ok
    r = check("l07.bubble", 1 / 7)
    assert not r.ok and "2 stages" in r.message
    assert check("l07.nbytes", 51200).ok
    one_way = check("l07.nbytes", 25600)
    assert not one_way.ok and "one direction" in one_way.message and "51200" not in one_way.message
    assert not check("l07.nbytes", "a lot").ok


def test_fastest_cut_is_judged_by_the_simulated_pipeline():
    times = lesson07.makespans(2e7)
    fastest = min(times, key=times.get)
    assert check("l07.fastest_cut", fastest).ok
    for other in {1, 2, 3} - {fastest}:
        assert not check("l07.fastest_cut", other).ok
    assert "ValueError" in check("l07.fastest_cut", 4).message
