"""The examples of Hyperion's README (one-parameter sweep, grid, union of products,
composability, tables, expressions, function calls, `with` blocks), written from the language's
semantics, with their expected configs in order."""

from __future__ import annotations

import textwrap

from hyperloom.sweep import expand


def configs(text: str) -> list[list[tuple[str, str]]]:
    return [c.resolved() for c in expand(textwrap.dedent(text))]


def test_one_parameter_sweep():
    assert configs("""
        Trainer.learning_rate: [0.1, 0.01, 0.001]
    """) == [
        [("Trainer.learning_rate", "0.1")],
        [("Trainer.learning_rate", "0.01")],
        [("Trainer.learning_rate", "0.001")],
    ]


def test_grid():
    assert configs("""
        Trainer.learning_rate: [0.1, 0.01]
        Model.num_layers: [2, 4, 8]
    """) == [
        [("Trainer.learning_rate", "0.1"), ("Model.num_layers", "2")],
        [("Trainer.learning_rate", "0.1"), ("Model.num_layers", "4")],
        [("Trainer.learning_rate", "0.1"), ("Model.num_layers", "8")],
        [("Trainer.learning_rate", "0.01"), ("Model.num_layers", "2")],
        [("Trainer.learning_rate", "0.01"), ("Model.num_layers", "4")],
        [("Trainer.learning_rate", "0.01"), ("Model.num_layers", "8")],
    ]


def test_union_of_products():
    assert configs("""
        union:
            product:
                Model.kind = 'cnn'
                CNN.kernel: [3, 5]
            product:
                Model.kind = 'mlp'
                MLP.hidden: [64, 128]
                MLP.dropout: [0.0, 0.5]
    """) == [
        [("Model.kind", "'cnn'"), ("CNN.kernel", "3")],
        [("Model.kind", "'cnn'"), ("CNN.kernel", "5")],
        [("Model.kind", "'mlp'"), ("MLP.hidden", "64"), ("MLP.dropout", "0.0")],
        [("Model.kind", "'mlp'"), ("MLP.hidden", "64"), ("MLP.dropout", "0.5")],
        [("Model.kind", "'mlp'"), ("MLP.hidden", "128"), ("MLP.dropout", "0.0")],
        [("Model.kind", "'mlp'"), ("MLP.hidden", "128"), ("MLP.dropout", "0.5")],
    ]


def test_composability_blocks_nest_freely():
    assert configs("""
        Trainer.seed: [0, 1]
        union:
            Optimizer.name = 'adam'
            product:
                Optimizer.lr: [1e-3, 1e-4]
            product:
                Optimizer.lr = 0.1
                Optimizer.momentum: [0.9]
    """) == [
        [("Trainer.seed", "0"), ("Optimizer.name", "'adam'"), ("Optimizer.lr", "0.001")],
        [("Trainer.seed", "0"), ("Optimizer.name", "'adam'"), ("Optimizer.lr", "0.0001")],
        [("Trainer.seed", "0"), ("Optimizer.name", "'adam'"), ("Optimizer.lr", "0.1"),
         ("Optimizer.momentum", "0.9")],
        [("Trainer.seed", "1"), ("Optimizer.name", "'adam'"), ("Optimizer.lr", "0.001")],
        [("Trainer.seed", "1"), ("Optimizer.name", "'adam'"), ("Optimizer.lr", "0.0001")],
        [("Trainer.seed", "1"), ("Optimizer.name", "'adam'"), ("Optimizer.lr", "0.1"),
         ("Optimizer.momentum", "0.9")],
    ]


def test_tables():
    assert configs("""
        table (Model.num_layers, Model.hidden_size, Trainer.batch_size):
            2, 128, 32
            4, 256, 64
            8, 512, 128
    """) == [
        [("Model.num_layers", "2"), ("Model.hidden_size", "128"), ("Trainer.batch_size", "32")],
        [("Model.num_layers", "4"), ("Model.hidden_size", "256"), ("Trainer.batch_size", "64")],
        [("Model.num_layers", "8"), ("Model.hidden_size", "512"),
         ("Trainer.batch_size", "128")],
    ]


def test_expressions():
    assert configs("""
        d_model: [256, 512]
        Transformer.ffn_size = %d_model * 4
        Transformer.head_dim = %d_model // 8
        Trainer.warmup = 10 ** 3
    """) == [
        [("d_model", "256"), ("Transformer.ffn_size", "1024"),
         ("Transformer.head_dim", "32"), ("Trainer.warmup", "1000")],
        [("d_model", "512"), ("Transformer.ffn_size", "2048"),
         ("Transformer.head_dim", "64"), ("Trainer.warmup", "1000")],
    ]


def test_expressions_over_included_values_are_left_to_gin():
    assert configs("""
        include 'base.gin'
        Transformer.ffn_size = %d_model * 2
    """) == [[("Transformer.ffn_size", "%d_model * 2")]]


def test_function_calls():
    assert configs("""
        lr: [0.1, 0.01]
        Trainer.optimizer = @Adam(learning_rate=%lr, betas=(0.9, 0.999))
        Trainer.schedule = @cosine_decay(steps=1000)
    """) == [
        [("lr", "0.1"), ("Trainer.optimizer", "@Adam(learning_rate=0.1, betas=(0.9, 0.999))"),
         ("Trainer.schedule", "@cosine_decay(steps=1000)")],
        [("lr", "0.01"), ("Trainer.optimizer", "@Adam(learning_rate=0.01, betas=(0.9, 0.999))"),
         ("Trainer.schedule", "@cosine_decay(steps=1000)")],
    ]


def test_with_blocks():
    assert configs("""
        with Model:
            num_layers: [2, 4]
            activation = @relu
            with Attention:
                heads = 8
    """) == [
        [("Model.num_layers", "2"), ("Model.activation", "@relu"),
         ("Model.Attention.heads", "8")],
        [("Model.num_layers", "4"), ("Model.activation", "@relu"),
         ("Model.Attention.heads", "8")],
    ]
