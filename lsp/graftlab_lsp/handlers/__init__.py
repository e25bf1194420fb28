"""The protocol wiring, one module per feature: each registers its handlers on
``graftlab_lsp.app.server`` when imported (``graftlab_lsp.server`` imports them all)."""
