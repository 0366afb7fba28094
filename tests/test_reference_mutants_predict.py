"""glassnet predict (glassnet/cli/predict.py) against independent references: the mutants
of its mutation run (tests/mutation/survivors.md) that the command's own tests let through."""
