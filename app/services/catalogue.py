"""``GET /api/models``: the trained networks shipped with the server, and pages of their
held-out examples for the page's gallery."""

from __future__ import annotations

import base64

import numpy as np

from ..errors import LimitError, NotFoundError
from ..models import MODEL_NAMES, TrainedModel, get_model
from ..schemas.trained import describe

#: Most held-out examples in one page (784 bytes each for the digits).
MAX_PAGE = 1000
DEFAULT_PAGE = 100


def list_models() -> list[dict[str, object]]:
    """Every shipped model's ``GET /api/models`` entry (blocking: loads each once)."""
    return [describe(get_model(name)) for name in MODEL_NAMES]


def find_model(name: str) -> TrainedModel:
    """The shipped model ``name``.

    Raises
    ------
    NotFoundError
        No such model; the message lists the ones there are.
    """
    if name not in MODEL_NAMES:
        raise NotFoundError(f"no trained model called {name[:60]!r}; the models are "
                            f"{', '.join(MODEL_NAMES)}", field="name", value=name,
                            limit=" | ".join(MODEL_NAMES))
    return get_model(name)


def heldout_page(name: str, *, start: int, count: int) -> dict[str, object]:
    """Held-out examples ``start`` to ``start + count - 1`` (fewer at the end) of ``name``.

    Raises
    ------
    NotFoundError
        No such model.
    LimitError
        ``start`` is past the last example.
    """
    model = find_model(name)
    pixels, labels = model.heldout_pixels, model.heldout_labels
    total = int(labels.shape[0])
    if start >= total:
        raise LimitError(f"start {start} is past the end: {name!r} has {total} held-out "
                         f"examples, 0 to {total - 1}", field="start", value=start,
                         limit=f"< {total}")
    stop = min(start + count, total)
    page = np.ascontiguousarray(pixels[start:stop], dtype=np.uint8)
    return {"name": name, "total": total, "start": start, "count": stop - start,
            "shape": [int(n) for n in pixels.shape[1:]],
            "labels": [int(v) for v in labels[start:stop]],
            "pixels": base64.b64encode(page.tobytes()).decode("ascii")}
