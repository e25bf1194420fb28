"""Completion items in the protocol's terms: an item without a text edit is made once and
reused by later requests (it does not depend on the cursor), one with a text edit is made
for its position."""

from __future__ import annotations

from graftlab_lsp.convert import PositionsMixin
from graftlab_lsp.document import FastPositionCodec
from graftlab_lsp.model import Item


class _Workspace:
    position_codec = FastPositionCodec()


class _Server(PositionsMixin):
    workspace = _Workspace()


def test_an_item_without_a_text_edit_is_reused_and_follows_the_import_line() -> None:
    ls = _Server()
    lines = ["from a import B\n", "\n", "x = C(\n"]
    item = Item("C", "class", detail="a.C(size)", import_line="from a import C", sort_text="1C")
    first = ls.item_out(Item(**vars(item)), lines, 2, 6, 1)
    assert ls.item_out(Item(**vars(item)), lines, 2, 6, 1) is first
    assert first.additional_text_edits[0].range.start.line == 1
    assert first.additional_text_edits[0].new_text == "from a import C\n"
    # the import goes elsewhere: a different item
    moved = ls.item_out(Item(**vars(item)), lines, 2, 6, 2)
    assert moved is not first and moved.additional_text_edits[0].range.start.line == 2
    # anything the item is made from changes it
    other = ls.item_out(Item(**{**vars(item), "sort_text": "2C"}), lines, 2, 6, 1)
    assert other is not first and other.sort_text == "2C"


def test_an_item_with_a_text_edit_is_made_for_its_position() -> None:
    ls = _Server()
    lines = ['x = f("ab\n', 'y = f("abc\n']
    item = Item("abc", "value", replace_from=7)
    a = ls.item_out(item, lines, 0, 9)
    b = ls.item_out(item, lines, 1, 10)
    assert (a.text_edit.range.start.line, a.text_edit.range.end.character) == (0, 9)
    assert (b.text_edit.range.start.line, b.text_edit.range.end.character) == (1, 10)
