"""Help text from Google, NumPy and Sphinx docstrings, and schema descriptions."""

from __future__ import annotations

import graftlab as gl
from graftlab.symbolic.docstrings import argument_help, summary

GOOGLE = """Makes a convolution.

    More details that are not part of the summary.

    Args:
      features: number of output channels,
        continued on the next line.
      kernel (tuple[int, int]): the window.
      *args: extra positional values.
      **kwargs: passed to the base.

    Returns:
      A layer.
    """

NUMPY = """Numpy style summary.

Parameters
----------
features : int
    Number of output channels.
rate : float
    Dropout rate,
    between 0 and 1.

Returns
-------
Layer
"""

SPHINX = """Sphinx style.

:param features: number of
    output channels.
:param int rate: dropout rate.
:returns: a layer.
"""


def test_summary() -> None:
    assert summary(GOOGLE) == "Makes a convolution."
    assert summary("First line\n  continues here.\n\nSecond para.") == "First line continues here."
    assert summary(None) == ""
    assert summary("") == ""


def test_google() -> None:
    h = argument_help(GOOGLE)
    assert h["features"] == "number of output channels, continued on the next line."
    assert h["kernel"] == "the window."
    assert h["args"] == "extra positional values."
    assert h["kwargs"] == "passed to the base."
    assert "A layer." not in h.values()
    assert "Returns" not in h


def test_numpy() -> None:
    h = argument_help(NUMPY)
    assert h["features"] == "Number of output channels."
    assert h["rate"] == "Dropout rate, between 0 and 1."
    assert "Layer" not in h


def test_sphinx() -> None:
    h = argument_help(SPHINX)
    assert h["features"] == "number of output channels."
    assert h["rate"] == "dropout rate."
    assert "returns" not in h


def test_no_docstring() -> None:
    assert argument_help(None) == {}
    assert argument_help("Just a summary.") == {}


def test_schema_uses_class_and_init_docstrings() -> None:
    @gl.symbolize
    class Conv:
        """A convolution.

        Args:
          features: output channels.
        """

        def __init__(self, features: int, kernel: int = 3) -> None:
            """Build it.

            Args:
              kernel: window size.
              features: ignored, the class docstring wins.
            """
            self.features = features

    schema = gl.schema_of(Conv)
    assert schema.description == "A convolution."
    assert schema.fields["features"].help == "output channels."
    assert schema.fields["kernel"].help == "window size."
    assert schema.name.endswith("Conv")


def test_function_docstring_help() -> None:
    @gl.symbolize
    def adam(lr: float, b1: float = 0.9) -> None:
        """Adam.

        Args:
          lr: learning rate.
          b1: first moment decay.
        """

    schema = gl.schema_of(adam)
    assert schema.description == "Adam."
    assert schema.fields["lr"].help == "learning rate."
    assert schema.fields["b1"].help == "first moment decay."
