"""Multi-task LoRA fine-tuning of the encoder on CPU: sentiment (3 classes) and the protocol categories at once.

LoRA adapters (peft) on every attention and feed-forward Linear of multilingual-e5-small learn how real posts read;
a sentiment head and one logit per category sit on the mean-pooled, L2-normalised embedding (the same pooling as
``models.encoder.Encoder``). Only what a row is labelled for is in its loss (see ``models.training_data``). The best
state on the dev rows (sentiment macro-F1 plus mean category F1) is kept. What is exported is small: the adapters'
low-rank factors (``B`` already scaled) and the heads, so the product path merges ``W += B @ A`` into the encoder once
and then quantises it to int8 like before.
"""

from __future__ import annotations

import logging
import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from models.encoder import QUERY_PREFIX
from models.heads import CATEGORIES, SENTIMENTS
from models.training_data import Row

log = logging.getLogger(__name__)

Say = Callable[[str], None]
HEAD_SCALE = 20.0  # the heads see 20 x the unit-length embedding: logistic heads on unit vectors learn slowly


@dataclass(frozen=True)
class FinetuneSettings:
    epochs: float = 2.0
    batch_size: int = 32
    max_length: int = 96
    trained_layers: int = 4  # LoRA on the top layers only; the frozen lower layers' output is computed once
    rank: int = 16
    alpha: int = 32
    dropout: float = 0.1
    lr_adapters: float = 4e-4
    lr_heads: float = 3e-3
    weight_decay: float = 0.01
    label_smoothing: float = 0.05
    max_pos_weight: float = 3.0  # rare categories count more, but not so much that school talk itself looks unsafe
    evaluate_every: int = 300  # steps
    seed: int = 13


@dataclass
class Finetuned:
    lora: dict[str, np.ndarray[Any, Any]]  # "<module>.A", "<module>.B" (B scaled)
    sentiment_coef: np.ndarray[Any, Any]
    sentiment_bias: np.ndarray[Any, Any]
    category_coef: np.ndarray[Any, Any]
    category_bias: np.ndarray[Any, Any]
    history: list[dict[str, float]]
    seconds: float


def _seed(seed: int) -> None:
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def _tokenize(tokenizer: Any, rows: Sequence[Row], max_length: int) -> list[list[int]]:
    encoded = tokenizer(
        [QUERY_PREFIX + r.text for r in rows],
        truncation=True,
        max_length=max_length,
        padding=False,
        return_attention_mask=False,
    )["input_ids"]
    return [list(ids) for ids in encoded]


def _targets(rows: Sequence[Row]) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Sentiment index (-1 = none), category targets (n, k) and their mask (1 = labelled)."""
    sentiment = np.array([SENTIMENTS.index(r.sentiment) if r.sentiment else -1 for r in rows], dtype=np.int64)
    target = np.zeros((len(rows), len(CATEGORIES)), dtype=np.float32)
    mask = np.zeros_like(target)
    for i, row in enumerate(rows):
        for name, value in row.categories.items():
            j = CATEGORIES.index(name)
            mask[i, j] = 1.0
            target[i, j] = float(value)
    return sentiment, target, mask


def _batches(lengths: Sequence[int], batch_size: int, rng: random.Random) -> list[list[int]]:
    """Shuffled batches of similar length (little padding), in shuffled order."""
    order = list(range(len(lengths)))
    rng.shuffle(order)
    chunk = batch_size * 50
    batches: list[list[int]] = []
    for start in range(0, len(order), chunk):
        part = sorted(order[start : start + chunk], key=lambda i: lengths[i])
        batches.extend(part[k : k + batch_size] for k in range(0, len(part), batch_size))
    rng.shuffle(batches)
    return batches


class _MultiTask:
    """The peft-wrapped encoder and the two heads (built lazily so torch loads only when training)."""

    def __init__(self, model_dir: Path, settings: FinetuneSettings) -> None:
        import torch
        from peft import LoraConfig, get_peft_model
        from transformers import AutoModel

        base = AutoModel.from_pretrained(model_dir, local_files_only=True, add_pooling_layer=False)
        layers = int(base.config.num_hidden_layers)
        self.first_trained = layers - settings.trained_layers
        config = LoraConfig(
            r=settings.rank,
            lora_alpha=settings.alpha,
            lora_dropout=settings.dropout,
            target_modules=["query", "key", "value", "dense"],
            bias="none",
            layers_to_transform=list(range(self.first_trained, layers)),
            layers_pattern="layer",
        )
        self.encoder = get_peft_model(base, config)
        self.bert = base
        dim = int(base.config.hidden_size)
        self.sentiment = torch.nn.Linear(dim, len(SENTIMENTS))
        self.categories = torch.nn.Linear(dim, len(CATEGORIES))

    def parameters(self) -> tuple[list[Any], list[Any]]:
        adapters = [p for p in self.encoder.parameters() if p.requires_grad]
        return adapters, [*self.sentiment.parameters(), *self.categories.parameters()]

    def train(self, mode: bool) -> None:
        for module in (self.encoder, self.sentiment, self.categories):
            module.train(mode)

    def lower(self, ids: Any, mask: Any) -> Any:
        """The frozen part: embeddings and the layers below the first trained one (no gradients)."""
        import torch

        with torch.inference_mode():
            hidden = self.bert.embeddings(input_ids=ids)
            extended = _additive_mask(mask, hidden.dtype)
            for layer in self.bert.encoder.layer[: self.first_trained]:
                hidden = _layer_output(layer(hidden, extended))
        return hidden

    def forward(self, lower: Any, mask: Any) -> tuple[Any, Any]:
        """Heads' logits from the frozen layers' output ``lower`` through the trained top layers."""
        import torch

        hidden = lower
        extended = _additive_mask(mask, hidden.dtype)
        for layer in self.bert.encoder.layer[self.first_trained :]:
            hidden = _layer_output(layer(hidden, extended))
        weights = mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1.0)
        pooled = torch.nn.functional.normalize(pooled, p=2.0, dim=1) * HEAD_SCALE
        return self.sentiment(pooled), self.categories(pooled)

    def export_lora(self) -> dict[str, np.ndarray[Any, Any]]:
        out: dict[str, np.ndarray[Any, Any]] = {}
        for name, module in self.encoder.named_modules():
            if hasattr(module, "lora_A") and "default" in getattr(module, "lora_A", {}):
                base_name = name.removeprefix("base_model.model.")
                a = module.lora_A["default"].weight.detach().float().numpy()
                b = module.lora_B["default"].weight.detach().float().numpy() * float(module.scaling["default"])
                out[f"{base_name}.A"] = a.astype(np.float32)
                out[f"{base_name}.B"] = b.astype(np.float32)
        return out


def _additive_mask(mask: Any, dtype: Any) -> Any:
    import torch

    return (1.0 - mask[:, None, None, :].to(dtype)) * torch.finfo(dtype).min


def _layer_output(result: Any) -> Any:
    return result[0] if isinstance(result, tuple) else result


def cache_lower(
    model: _MultiTask, tokens: Sequence[list[int]], pad_id: int, say: Say, batch_size: int = 64
) -> list[np.ndarray[Any, Any]]:
    """The frozen layers' output per text (fp16, unpadded), computed once for all epochs."""
    order = sorted(range(len(tokens)), key=lambda i: len(tokens[i]))
    out: list[np.ndarray[Any, Any]] = [np.zeros(0, dtype=np.float16)] * len(tokens)
    model.train(False)
    for start in range(0, len(order), batch_size):
        batch = order[start : start + batch_size]
        ids, mask = _pad([tokens[i] for i in batch], pad_id)
        hidden = model.lower(ids, mask).numpy().astype(np.float16)
        for row, i in enumerate(batch):
            out[i] = hidden[row, : len(tokens[i])]
        if (start // batch_size) % 50 == 0:
            say(f"onderste lagen: {min(start + batch_size, len(order))}/{len(order)} teksten")
    return out


def _pad_hidden(states: Sequence[np.ndarray[Any, Any]]) -> tuple[Any, Any]:
    import torch

    width = max(len(s) for s in states)
    hidden = torch.zeros((len(states), width, states[0].shape[1]), dtype=torch.float32)
    mask = torch.zeros((len(states), width), dtype=torch.long)
    for row, state in enumerate(states):
        hidden[row, : len(state)] = torch.from_numpy(state.astype(np.float32))
        mask[row, : len(state)] = 1
    return hidden, mask


def _pad(token_lists: Sequence[list[int]], pad_id: int) -> tuple[Any, Any]:
    import torch

    width = max(len(t) for t in token_lists)
    ids = torch.full((len(token_lists), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(token_lists), width), dtype=torch.long)
    for row, tokens in enumerate(token_lists):
        ids[row, : len(tokens)] = torch.tensor(tokens, dtype=torch.long)
        mask[row, : len(tokens)] = 1
    return ids, mask


def predict(
    model: _MultiTask, lower: Sequence[np.ndarray[Any, Any]], batch_size: int = 64
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Sentiment logits (n, 3) and category logits (n, k) from the cached frozen layers' output."""
    import torch

    model.train(False)
    tokens = lower
    order = sorted(range(len(tokens)), key=lambda i: len(tokens[i]))
    sentiment = np.zeros((len(tokens), len(SENTIMENTS)), dtype=np.float32)
    categories = np.zeros((len(tokens), len(CATEGORIES)), dtype=np.float32)
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            batch = order[start : start + batch_size]
            s, c = model.forward(*_pad_hidden([tokens[i] for i in batch]))
            sentiment[batch] = s.numpy()
            categories[batch] = c.numpy()
    return sentiment, categories


def dev_score(
    rows: Sequence[Row], sentiment_logits: np.ndarray[Any, Any], category_logits: np.ndarray[Any, Any]
) -> dict[str, float]:
    """Sentiment macro-F1 on rows with a sentiment, mean F1 (at p >= 0.5) over labelled categories, and their mean."""
    from models.evaluate import metrics

    gold_s, target, mask = _targets(rows)
    has = gold_s >= 0
    predicted = sentiment_logits.argmax(axis=1)
    macro = metrics([SENTIMENTS[i] for i in gold_s[has]], [SENTIMENTS[i] for i in predicted[has]])["macro_f1"]
    f1s = []
    for j in range(len(CATEGORIES)):
        labelled = mask[:, j] > 0
        truth = target[labelled, j] > 0
        if truth.sum() < 3:
            continue
        flagged = category_logits[labelled, j] > 0
        tp = float((truth & flagged).sum())
        precision = tp / max(1.0, float(flagged.sum()))
        recall = tp / float(truth.sum())
        f1s.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    category = float(np.mean(f1s)) if f1s else 0.0
    return {
        "sentiment_macro_f1": round(float(macro), 4),
        "category_f1": round(category, 4),
        "score": round((float(macro) + category) / 2, 4),
    }


def finetune(
    model_dir: Path,
    train_rows: Sequence[Row],
    dev_rows: Sequence[Row],
    settings: FinetuneSettings = FinetuneSettings(),
    say: Say | None = None,
) -> Finetuned:
    """Fine-tune and return the best state on ``dev_rows``; progress goes to ``say`` (one line per evaluation)."""
    import torch
    from transformers import AutoTokenizer

    report = say or (lambda message: log.info("%s", message))
    _seed(settings.seed)
    t0 = time.perf_counter()
    tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
    pad_id = int(tokenizer.pad_token_id)
    train_tokens = _tokenize(tokenizer, train_rows, settings.max_length)
    dev_tokens = _tokenize(tokenizer, dev_rows, settings.max_length)
    gold_s, target, mask = (torch.from_numpy(a) for a in _targets(train_rows))
    positives = (target * mask).sum(dim=0)
    negatives = ((1 - target) * mask).sum(dim=0)
    pos_weight = (negatives / positives.clamp(min=1.0)).clamp(min=1.0, max=settings.max_pos_weight)
    # Sentiment classes weighted by inverse frequency: several real sources have no neutral class.
    counts = torch.bincount(gold_s[gold_s >= 0], minlength=len(SENTIMENTS)).float().clamp(min=1.0)
    class_weight = counts.sum() / (len(SENTIMENTS) * counts)

    model = _MultiTask(model_dir, settings)
    train_lower = cache_lower(model, train_tokens, pad_id, report)
    dev_lower = cache_lower(model, dev_tokens, pad_id, report)
    adapters, heads = model.parameters()
    optimizer = torch.optim.AdamW(
        [{"params": adapters, "lr": settings.lr_adapters}, {"params": heads, "lr": settings.lr_heads}],
        weight_decay=settings.weight_decay,
    )
    rng = random.Random(settings.seed)  # noqa: S311  (shuffling, not security)
    lengths = [len(t) for t in train_tokens]
    steps_per_epoch = math.ceil(len(train_rows) / settings.batch_size)
    total = max(1, int(steps_per_epoch * settings.epochs))
    warmup = max(1, total // 20)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min((step + 1) / warmup, max(0.0, (total - step) / max(1, total - warmup)))
    )
    sentiment_loss = torch.nn.CrossEntropyLoss(weight=class_weight, label_smoothing=settings.label_smoothing,
                                               ignore_index=-1)
    best: tuple[float, dict[str, Any]] = (-1.0, {})
    history: list[dict[str, float]] = []
    step = 0
    report(f"fine-tunen: {len(train_rows)} trainingsrijen, {len(dev_rows)} dev-rijen, {total} stappen; "
           f"sentimentgewichten {[round(float(w), 2) for w in class_weight]}")
    while step < total:
        for batch in _batches(lengths, settings.batch_size, rng):
            if step >= total:
                break
            model.train(True)
            s_logits, c_logits = model.forward(*_pad_hidden([train_lower[i] for i in batch]))
            index = torch.tensor(batch)
            loss = sentiment_loss(s_logits, gold_s[index]) if (gold_s[index] >= 0).any() else s_logits.sum() * 0
            m = mask[index]
            if m.sum() > 0:
                bce = torch.nn.functional.binary_cross_entropy_with_logits(
                    c_logits, target[index], pos_weight=pos_weight, reduction="none"
                )
                loss = loss + (bce * m).sum() / m.sum().clamp(min=1.0)
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(adapters + heads, 1.0)
            optimizer.step()
            scheduler.step()
            step += 1
            if step % settings.evaluate_every == 0 or step == total:
                scores = dev_score(dev_rows, *predict(model, dev_lower))
                history.append({"step": step, **scores})
                elapsed = time.perf_counter() - t0
                report(
                    f"stap {step}/{total} ({elapsed / 60:.1f} min): verlies {float(loss.detach()):.3f}, dev {scores}"
                )
                if scores["score"] > best[0]:
                    best = (scores["score"], _snapshot(model))
    state = best[1] or _snapshot(model)
    return Finetuned(history=history, seconds=round(time.perf_counter() - t0, 1), **state)


def _snapshot(model: _MultiTask) -> dict[str, Any]:
    return {
        "lora": model.export_lora(),
        "sentiment_coef": model.sentiment.weight.detach().numpy().copy() * HEAD_SCALE,
        "sentiment_bias": model.sentiment.bias.detach().numpy().copy(),
        "category_coef": model.categories.weight.detach().numpy().copy() * HEAD_SCALE,
        "category_bias": model.categories.bias.detach().numpy().copy(),
    }
