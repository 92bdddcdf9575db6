"""Exports for slides and handouts: PyTorch source, animated GIFs, PNG maps and ``.npy``.

Pure functions of planned stacks and arrays (NumPy + Pillow); the HTTP layer lives in
:mod:`app.routes.export`.
"""

from .pytorch import pytorch_code

__all__ = ["pytorch_code"]
