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
