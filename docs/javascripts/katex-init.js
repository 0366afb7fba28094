// Render the formulas that pymdownx.arithmatex (generic mode) wraps in \( \) and \[ \], and the
// $ / $$ of the notebooks' Markdown cells, with the bundled KaTeX: no network needed.
function glassnetRenderMath(root) {
  renderMathInElement(root, {
    delimiters: [
      { left: "$$", right: "$$", display: true },
      { left: "\\[", right: "\\]", display: true },
      { left: "$", right: "$", display: false },
      { left: "\\(", right: "\\)", display: false },
    ],
    ignoredClasses: ["highlight", "language-python"],
    throwOnError: false,
  });
}
if (typeof document$ !== "undefined") {
  document$.subscribe(({ body }) => glassnetRenderMath(body));
} else {
  document.addEventListener("DOMContentLoaded", () => glassnetRenderMath(document.body));
}
