"""The passes in order: the graph passes (plan.py), then the program's (program_plan.py).

>>> [p.__name__ for p in PIPELINE]
['eliminate_dead_values', 'plan_memory', 'fuse', 'schedule_loops', 'plan_program']
"""
from __future__ import annotations

from .plan import GRAPH_PASSES
from .records import Plan
from .program_plan import plan_program

PIPELINE = GRAPH_PASSES + (plan_program,)


def run_pipeline(plan: Plan) -> Plan:
    for p in PIPELINE:
        plan = p(plan)
    return plan
