"""The baseline with a higher learning rate, trained half as long (a rule of this repository)."""

from graftlab import Derived

experiment = Derived(
    base="baseline",
    patches=["change_lr?0.01", "{{slug}}/longer_training?factor=0.5"],
)
