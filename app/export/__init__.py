"""Exports for slides and handouts: PyTorch source, animated GIFs, PNG maps and ``.npy``.

``pytorch``, ``animation``, ``figures`` and ``colormap`` are pure functions of planned stacks
and arrays (NumPy + Pillow); ``schemas`` and ``service`` connect them to the pyramid request
and the caps; the endpoints live in :mod:`app.routes.export`.
"""

from .pytorch import pytorch_code

__all__ = ["pytorch_code"]
