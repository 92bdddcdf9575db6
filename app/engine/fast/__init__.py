"""The engine's fast strategies: the same numbers as :mod:`app.engine.reference`, faster.

* :mod:`~app.engine.fast.choose`: which strategy runs a layer, and why (one function);
* :mod:`~app.engine.fast.rows`: one small sgemm per output row, for layers of few maps;
* :mod:`~app.engine.fast.blocks`: im2col in cache-sized blocks, one sgemm per block, with
  :mod:`~app.engine.fast.phases` (stride phases read at unit stride);
* :mod:`~app.engine.fast.columns`: strided columns copied as float pairs.

Each takes validated float32 arrays and resolved geometry (:func:`app.engine.conv.conv2d`
does the checking). Why each trick, and what it was measured to gain: docs/perf.md.
"""

from .choose import STRATEGIES, Strategy, choose_strategy, direct_sgemm

__all__ = ["STRATEGIES", "Strategy", "choose_strategy", "direct_sgemm"]
