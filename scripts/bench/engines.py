"""The engines on their own, each timed in a process of its own: no database, no server."""

from __future__ import annotations

import json

from .common import BenchContext, Row, Section, ms, run_probe

ENGINE_GOAL_MS = 2.0
# The figures the goal applies to: one evaluation's p95, by the wall clock and by CPU time (which
# stays meaningful on a busy machine).
ENGINE_GOAL_KEYS = ("evaluate_p95_us", "evaluate_cpu_p95_us")
TRADEOFFS_GOAL_MS = 50.0


def suitability_section(ctx: BenchContext) -> Section:
    """scripts/bench/suitability_engine.py: evaluate() and what_if() on the typical answers."""
    data = run_probe(ctx.env, "scripts.bench.suitability_engine", timeout=180)
    print(f"suitability engine: bench() returned {data}", flush=True)
    goal = f"< {ENGINE_GOAL_MS:g} ms"
    rows = [
        Row(
            f"suitability engine: one assessment ({key})",
            f"{data[key] / 1000:.3f} ms",
            goal,
            data[key] / 1000 < ENGINE_GOAL_MS,
        )
        for key in ENGINE_GOAL_KEYS
    ]
    rows.append(Row("suitability engine: runs", str(data["runs"])))
    rows += [
        Row(f"suitability engine: {key}", f"{value / 1000:.3f} ms")
        for key, value in data.items()
        if key.endswith("_us") and key not in ENGINE_GOAL_KEYS
    ]
    return Section(
        title="Suitability engine",
        rows=rows,
        notes=[f"`scripts.bench.suitability_engine.bench()` returned: `{json.dumps(data)}`"],
    )


def tradeoffs_section(ctx: BenchContext) -> Section:
    data = run_probe(ctx.env, "scripts.bench.tradeoffs_engine")
    print(f"trade-off engine: {data}", flush=True)
    goal = f"< {TRADEOFFS_GOAL_MS:g} ms"
    return Section(
        title="Trade-off engine",
        rows=[
            Row("20 stakeholders x 8 approaches x 2,000 samples: mean (wall)", ms(data["mean_ms"])),
            Row("... p95 (wall)", ms(data["p95_ms"]), goal, data["p95_ms"] < TRADEOFFS_GOAL_MS),
            Row("... mean (CPU)", ms(data["cpu_mean_ms"]), goal, data["cpu_mean_ms"] < TRADEOFFS_GOAL_MS),
        ],
        notes=["`scripts.bench.tradeoffs_engine.tradeoffs_bench(runs=20)`, in a process of its own."],
    )
