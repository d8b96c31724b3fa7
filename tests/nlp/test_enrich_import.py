"""Importing the enrichment stage loads no model library: an incremental run with nothing new
decides that from the store alone, without paying for spaCy's (and torch's) import."""

from __future__ import annotations

import subprocess
import sys


def test_enrich_import_leaves_spacy_and_torch_unloaded() -> None:
    code = "import sys, nlp.enrich; print(sorted({'spacy', 'torch'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
