"""glassnet's benchmark suite (issue 4): ``python -m bench``; see bench/README.md.

Not part of the installed package and not a test: timings are never asserted anywhere.
"""
