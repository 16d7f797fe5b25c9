"""Benchmark: scoring 2,000 Dutch posts, the product's path against a plain transformers pipeline, same run.

    .venv/bin/python bench/classify.py [--posts 2000] [--cache DIR]

product   BuiltinClassifier as `monitor classify` runs it: int8 dynamic quantisation, length-sorted batches with
          dynamic padding, the numpy heads, patterns and language detection included.
pipeline  `transformers.pipeline("text-classification")` over the same encoder and sentiment head (fp32, the
          pipeline's own batching and padding), sentiment only.
Each variant runs in its own process, so peak memory (max RSS) is its own. Prints posts/s, peak MB and the ratio.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import resource
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def corpus_texts(n: int) -> list[str]:
    texts: list[str] = []
    for path in sorted((ROOT / "models" / "corpus" / "raw").glob("*.jsonl")):
        texts += [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line]
    return (texts * (n // len(texts) + 1))[:n]


def run_product(cache: Path, texts: list[str], out: Any) -> None:
    from models.classifier import BuiltinClassifier, PostInput
    from monitor.config import ModelConfig

    classifier = BuiltinClassifier(cache, ModelConfig())
    classifier.classify([PostInput(t) for t in texts[:32]])  # load and warm up outside the timing
    start = time.perf_counter()
    labels = classifier.classify([PostInput(t) for t in texts])
    seconds = time.perf_counter() - start
    out.put(_result("product (int8, length-sorted)", len(labels), seconds))


def run_pipeline(cache: Path, texts: list[str], out: Any) -> None:
    import torch
    from transformers import AutoModel, AutoTokenizer, BertConfig, PreTrainedModel, pipeline
    from transformers.modeling_outputs import SequenceClassifierOutput
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()  # the pipeline warns that a custom model class is not in its list

    from models.encoder import QUERY_PREFIX, ensure_encoder, merge_lora
    from models.heads import SENTIMENTS, load_heads

    folder = ensure_encoder(cache)
    heads = load_heads()

    class E5Sentiment(PreTrainedModel):  # mean pooling + the shipped sentiment head, as one HF model
        config_class = BertConfig

        def __init__(self, config: BertConfig) -> None:
            super().__init__(config)
            self.bert = AutoModel.from_pretrained(folder, local_files_only=True, add_pooling_layer=False)
            lora = heads.load_adapter()
            if lora:  # the same fine-tuned encoder as the product path
                merge_lora(self.bert, lora)
            self.head = torch.nn.Linear(config.hidden_size, len(SENTIMENTS))
            with torch.no_grad():
                self.head.weight.copy_(torch.from_numpy(heads.sentiment.coef))
                self.head.bias.copy_(torch.from_numpy(heads.sentiment.intercept))

        def forward(self, input_ids: Any, attention_mask: Any, **_: Any) -> SequenceClassifierOutput:
            hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0), dim=1)
            return SequenceClassifierOutput(logits=self.head(pooled))

    config = BertConfig.from_pretrained(folder, local_files_only=True)
    config.id2label = dict(enumerate(SENTIMENTS))
    config.label2id = {v: k for k, v in config.id2label.items()}
    torch.set_num_threads(2)
    classify = pipeline(
        "text-classification",
        model=E5Sentiment(config).eval(),
        tokenizer=AutoTokenizer.from_pretrained(folder, local_files_only=True),
        device="cpu",
    )
    prefixed = [QUERY_PREFIX + t for t in texts]
    classify(prefixed[:32], batch_size=32, truncation=True, max_length=128)
    start = time.perf_counter()
    labels = classify(prefixed, batch_size=32, truncation=True, max_length=128)
    seconds = time.perf_counter() - start
    out.put(_result("plain transformers pipeline (fp32)", len(labels), seconds))


def _result(name: str, n: int, seconds: float) -> dict[str, Any]:
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"variant": name, "posts": n, "seconds": seconds, "posts_per_s": n / seconds, "peak_mb": peak_mb}


def measure(target: Any, cache: Path, texts: list[str]) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    process = ctx.Process(target=target, args=(cache, texts, queue))
    process.start()
    result: dict[str, Any] = queue.get(timeout=3600)
    process.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--cache", type=Path, default=ROOT / "monitor-data" / "cache" / "models")
    args = parser.parse_args()
    from models.encoder import ensure_encoder

    ensure_encoder(args.cache)
    texts = corpus_texts(args.posts)
    print(f"scoring {len(texts)} Dutch posts from the project corpus on {mp.cpu_count()} cores")
    results = [measure(run_pipeline, args.cache, texts), measure(run_product, args.cache, texts)]
    print(f"\n{'variant':<38}{'posts/s':>10}{'seconds':>10}{'peak MB':>10}")
    for r in results:
        print(f"{r['variant']:<38}{r['posts_per_s']:>10.1f}{r['seconds']:>10.1f}{r['peak_mb']:>10.0f}")
    baseline, product = results
    print(f"\nproduct/pipeline: {product['posts_per_s'] / baseline['posts_per_s']:.2f}x posts/s, "
          f"peak memory ratio {product['peak_mb'] / baseline['peak_mb']:.2f}")


if __name__ == "__main__":
    main()
