"""The language features, one module each, as pure functions of (index, text, position).

No LSP in them: ``graftlab_lsp.handlers`` translates their plain results to the protocol.
"""
