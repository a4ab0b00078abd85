"""Distillery's GPU side: train, evaluate and run student models from a job file.

Run as ``python -m distillery_gpu <train|eval|infer|bench|doctor> --job JOB.json --out DIR``. The caller (the
node agent, or the CLI for local runs) speaks to it only through the job file, JSON lines on stdout and
``result.json`` in the output folder. See python/README.md.
"""

__version__ = "0.1.0"
