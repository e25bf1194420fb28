"""Baseline: a small CNN on scikit-learn's digits (8x8 images, 10 classes)."""

from graftlab.ml import (
    Adam,
    BatchNorm,
    CNN,
    Conv,
    ConvBlock,
    Dense,
    Digits,
    Experiment,
    MaxPool,
    ReLU,
    Trainer,
)

experiment = Experiment(
    model=CNN(
        layers=[
            ConvBlock(conv=Conv(features=16), norm=BatchNorm(), activation=ReLU()),
            MaxPool(),
            ConvBlock(conv=Conv(features=32), norm=BatchNorm(), activation=ReLU()),
        ],
        head=Dense(features=10),
    ),
    dataset=Digits(),
    optimizer=Adam(learning_rate=0.003),
    trainer=Trainer(steps=300),
)
