"""The roles graftlab's own components play (the standard vocabulary, see ``docs/roles.md``).

Declared here, in one table, rather than on each class, so that rules written against roles
(``conv.features``) treat graftlab's components exactly like a team's annotated classes.
"""

from __future__ import annotations

from graftlab.ml import activations, attention, blocks, datasets, experiment, layers, models, optim
from graftlab.symbolic.roles import declare_roles

_HEAD = {"classifier_head": {"num_classes": "head.features"}}

DECLARATIONS: dict[type, dict[str, dict[str, str | None]]] = {
    layers.Conv: {"conv": {}},
    layers.SeparableConv: {"conv": {}},
    layers.DepthwiseConv: {"conv": {"features": None}},
    layers.Dense: {"dense": {}},
    layers.BatchNorm: {"norm": {}},
    layers.LayerNorm: {"norm": {}},
    layers.RMSNorm: {"norm": {}},
    activations._Activation: {"activation": {}},
    attention.MultiHeadAttention: {"attention": {"head_dim": None}},
    attention.TransformerBlock: {"block": {}},
    blocks.ConvBlock: {"block": {}},
    blocks.DenseBlock: {"block": {}},
    blocks.Residual: {"block": {}, "residual": {}},
    models.MLP: _HEAD,
    models.CNN: _HEAD,
    models.ResNet: _HEAD,
    optim.Optimizer: {"optimizer": {}},
    datasets.Dataset: {"dataset": {}},
    experiment.Trainer: {"trainer": {}},
}

for _cls, _roles in DECLARATIONS.items():
    declare_roles(_cls, _roles, source=f"graftlab.ml.roles ({_cls.__qualname__})")
