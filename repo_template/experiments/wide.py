"""The baseline with every convolution twice as wide."""

from graftlab import Derived

experiment = Derived(base="baseline", patches=["scale_width?factor=2"])
