"""The PyGlove paper's figures as graftlab rules (namespace ``paper``)."""

from paper_rules.automl import scaling_space
from paper_rules.rules import change_dataset, lamda_like, scale_depth, scale_width, swap_conv

__all__ = [
    "change_dataset",
    "lamda_like",
    "scale_depth",
    "scale_width",
    "scaling_space",
    "swap_conv",
]
