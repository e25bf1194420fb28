"""Search spaces: hyper values in experiments, their decisions, and search algorithms."""

from graftlab.hyper.decisions import dumps_decisions, format_decisions, parse_decisions
from graftlab.hyper.errors import DecisionError, HyperError
from graftlab.hyper.materialize import check_decisions, materialize
from graftlab.hyper.primitives import floatv, intv, manyof, oneof, uri
from graftlab.hyper.space import Decision, Space
from graftlab.symbolic.placeholder import is_template

__all__ = [
    "Decision",
    "DecisionError",
    "HyperError",
    "Space",
    "check_decisions",
    "dumps_decisions",
    "floatv",
    "format_decisions",
    "intv",
    "is_template",
    "manyof",
    "materialize",
    "oneof",
    "parse_decisions",
    "uri",
]
