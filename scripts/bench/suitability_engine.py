"""Timing of the suitability engine on a realistic answer set (the bench's "Suitability engine").

Not a test: timings depend on the machine, so nothing here asserts a limit. The goals are
``evaluate()`` under 2 ms and ``what_if()`` under about 30 ms per assessment.
`python -m scripts.bench.suitability_engine` prints the figures as one line of JSON.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable

import yaml

from questionnaires.engine.schema import ML_SUITABILITY_PATH, QUESTIONNAIRES_DIR, questionnaire_from_file
from suitability.engine import evaluate, what_if


def typical_answers() -> dict[str, object]:
    """A support-ticket router: some data, some don't-knows, a fit with caveats (shared with the demo data)."""
    return yaml.safe_load((QUESTIONNAIRES_DIR / "answers" / "typical_answers.yaml").read_text())


def _summary(samples: list[float]) -> tuple[float, float]:
    samples = sorted(samples)
    return round(statistics.fmean(samples), 1), round(samples[min(len(samples) - 1, int(0.95 * len(samples)))], 1)


def _time(name: str, fn: Callable[[], object], runs: int) -> dict[str, float]:
    """Wall-clock time is what a user waits; the thread's CPU time is the engine's own cost, which
    stays put when a busy machine preempts the process mid-call and inflates the wall clock."""
    wall, cpu = [], []
    for _ in range(runs):
        wall_start, cpu_start = time.perf_counter_ns(), time.thread_time_ns()
        fn()
        cpu.append((time.thread_time_ns() - cpu_start) / 1000)
        wall.append((time.perf_counter_ns() - wall_start) / 1000)
    wall_mean, wall_p95 = _summary(wall)
    cpu_mean, cpu_p95 = _summary(cpu)
    return {
        f"{name}_mean_us": wall_mean,
        f"{name}_p95_us": wall_p95,
        f"{name}_cpu_mean_us": cpu_mean,
        f"{name}_cpu_p95_us": cpu_p95,
    }


def bench(runs: int = 200) -> dict[str, float]:
    """Mean and 95th-percentile microseconds of evaluate() and what_if() on typical_answers()."""
    questionnaire = questionnaire_from_file(ML_SUITABILITY_PATH)
    answers = typical_answers()
    what_if(questionnaire, answers)  # warm the per-questionnaire cache, as a running server would be
    return {
        "runs": runs,
        **_time("evaluate", lambda: evaluate(questionnaire, answers), runs),
        **_time("what_if", lambda: what_if(questionnaire, answers), runs),
    }


if __name__ == "__main__":
    print(json.dumps(bench()))
