"""The training sources: which repository at which commit, which files, and the converter of each output file."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from models.sources import harassment, offensive, real_nl, sentiment
from models.sources.base import Clone, Record
from models.sources.finish import CAP

Converter = Callable[[Clone], Iterable[Record]]


@dataclass(frozen=True)
class Source:
    name: str  # output file <name>.jsonl
    repo: str  # owner/name on GitHub
    commit: str
    paths: tuple[str, ...]
    convert: Converter
    cap: int | None = CAP  # None: the source is kept whole
    dedupe: bool = True

    @property
    def url(self) -> str:
        return f"https://github.com/{self.repo}"

    @property
    def folder(self) -> str:
        """The clone's folder name under the clones directory: ``owner+name``."""
        return self.repo.replace("/", "+")


XLMT = ("cardiffnlp/xlm-t", "874214d64d96599eb869a033c22ec2cc57d19256")
PATTERN = ("clips/pattern", "d25511f9ca7ed9356b801d8663b8b5168464e68f")
XED = ("Helsinki-NLP/XED", "76666d251f147cf518071bef4f8415dab6b96115")
TWEETEVAL = ("cardiffnlp/tweeteval", "4fbd22cd78421f05b1ecdb4fc5725bc7a7bd8f66")
GERMEVAL18 = ("uds-lsv/GermEval-2018-Data", "9877472d39523effd54cd079b4c61157ed141508")
DKHATE = ("AndersGiovanni/worker_vs_gpt", "7af9edea6a10afc5a9ad59e8cebb24060b16bbef")
JAK = ("shaoncsecu/JAK-OffensEval", "3ec8cc38dc930184cd7177afc5c041d28984cd48")
ETHOS = ("intelligence-csd-auth-gr/Ethos-Hate-Speech-Dataset", "705258e118ce9611ebbd5ab2a4841b0066547293")
VIO = ("Communication-Forensics-Lab/harmful-content-detection", "807e1bf29ac5dce5eb2c70b12621b3f664abb5ab")
EDOS = ("rewire-online/edos", "b1f1fbcca9d42de0395432ada8fcfb5c35f68c77")
# The Formspring file was deleted later in this repository's history; this commit still has it.
FORMSPRING = ("tanyagarg2509/Virago_MLProject", "c562dc914642b1fd43126455e1905337d34f28b2")

SOURCES: tuple[Source, ...] = (
    Source("xlm-t", *XLMT, ("data/sentiment/*/{train,val,test}_{text,labels}.txt",), sentiment.xlmt,
           cap=None, dedupe=False),
    Source("pattern_bol_nl", *PATTERN, ("test/corpora/polarity-nl-bol.com.csv",), sentiment.pattern_bol),
    Source("xed_nl", *XED, ("Projections/nl-projections.tsv",), sentiment.xed_nl),
    Source("xed_en", *XED, ("AnnotatedData/en-annotated.tsv", "AnnotatedData/neu_en.txt",
                            "subtitle-retrieval/students/pairs-nl.txt"), sentiment.xed_en),
    Source("tweeteval_offensive", *TWEETEVAL, ("datasets/offensive/{train,val,test}_{text,labels}.txt",),
           offensive.tweeteval_offensive),
    Source("tweeteval_hate", *TWEETEVAL, ("datasets/hate/{train,val,test}_{text,labels}.txt",),
           offensive.tweeteval_hate),
    Source("germeval2018", *GERMEVAL18, ("germeval2018.training.txt", "germeval2018.test.txt"),
           offensive.germeval2018),
    Source("offenseval2020_da", *DKHATE, ("data/hate-speech/oe20da_data/offenseval-da-{training,test}-v1.tsv",),
           offensive.offenseval_da),
    Source("offenseval2020_tr", *JAK, ("data/turkish/full.tsv",), offensive.offenseval_tr),
    Source("offenseval2020_el", *JAK, ("data/greek/full.tsv",), offensive.offenseval_el),
    Source("offenseval2020_ar", *JAK, ("data/arabic/full.tsv",), offensive.offenseval_ar),
    Source("ethos", *ETHOS, ("ethos/ethos_data/Ethos_Dataset_Multi_Label.csv",), offensive.ethos),
    Source("germeval2026_vio", *VIO, ("GermEval2026/data/vio/vio_train_26.csv",), harassment.germeval2026_vio),
    Source("edos", *EDOS, ("data/edos_labelled_aggregated.csv",), harassment.edos),
    Source("formspring", *FORMSPRING, ("DataSet_CyberBullying_Formspring/formspring_data.csv",),
           harassment.formspring),
    # Real Dutch social media, hand-labelled by us (models/corpus/real_nl/train.labels.csv); the held-out rows of the
    # same sources are in another file and are never converted here.
    *(Source(f"{s.name.replace('-', '_')}_hand", s.repo, s.commit, (s.path,), real_nl.training_converter(s.name))
      for s in real_nl.SOURCES),
)
