"""The README's API example runs as written."""

from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_api_example_runs(tmp_path, monkeypatch):
    text = README.read_text()
    start = text.index("```python\nimport numpy as np")
    code = text[start + len("```python\n") : text.index("```\n", start + 10)]
    monkeypatch.chdir(tmp_path)  # it saves model.npz
    namespace: dict = {}
    exec(compile(code, str(README), "exec"), namespace)
    assert namespace["hist"].loss.shape == (1000, 1000)
    assert (tmp_path / "model.npz").exists()


def test_readme_run_example_continues_exactly(tmp_path, monkeypatch):
    """The "training run is a value" block: its resumed fit is one 300-epoch fit, bit for bit
    (checked against a fresh network trained 300 epochs by plain keywords), and its file holds
    the whole run."""
    import numpy as np

    import glassnet as gn

    text = README.read_text()
    start = text.index('```python\nimport glassnet as gn\n\nX, y = gn.datasets.load("xor")')
    code = text[start + len("```python\n") : text.index("```\n", start + 10)]
    # the last line continues on the compiled backend; stop before it to compare NumPy's state
    before_jax, jax_line = code.rsplit("again.fit(", 1)
    monkeypatch.chdir(tmp_path)
    ns: dict = {}
    exec(compile(before_jax, str(README), "exec"), ns)
    X, y = gn.datasets.load("xor")
    one = gn.Network([2, 4, 1], activation="tanh", seed=0)
    one.fit(X, y, loss="bce", optimizer="adam", lr=0.05, batch_size=2, epochs=300)
    for got, want in zip(ns["net"].params, one.params, strict=True):
        assert np.array_equal(got["W"], want["W"]) and np.array_equal(got["b"], want["b"])
    assert ns["again"].train_state.epoch == 300
    assert ns["again"].train_state.history.loss.shape == (300,)
    exec(compile("again.fit(" + jax_line, str(README), "exec"), ns)
    assert ns["again"].train_state.epoch == 400
