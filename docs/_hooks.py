"""MkDocs hook: keep the site buildable while a page another change provides is not merged yet.

``docs/sklearn-differences.md`` is written with the scikit-learn estimators' work; until it is
present, a one-paragraph page that says so takes its place, so ``mkdocs build --strict`` does
not fail on the navigation entry and the links to it. Once the file exists this hook does
nothing.
"""

from __future__ import annotations

from typing import Any

from mkdocs.structure.files import File, Files

OPTIONAL_PAGES = {
    "sklearn-differences.md": (
        "# Differences from scikit-learn\n\n"
        "This page is `docs/sklearn-differences.md`, which comes with the scikit-learn "
        "estimators' documentation and is not part of this checkout yet. Until then, "
        "[Use glassnet with scikit-learn](how-to/scikit-learn.md) lists what the estimators "
        "take and how closely they match `MLPClassifier` and `MLPRegressor`.\n"
    ),
}


def on_files(files: Files, config: Any) -> Files:
    for uri, text in OPTIONAL_PAGES.items():
        if files.get_file_from_path(uri) is None:
            files.append(File.generated(config, uri, content=text))
    return files
