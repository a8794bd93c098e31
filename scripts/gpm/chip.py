"""The chip a recording was made on, from its file name: the one rule the trainer, compare-heldout.py and
../capture/where-recorded.py share. ingest.sh names a capture by meta.json's GPU (nvsmi-h100-gpm-bq.jsonlines.gz);
the shared recording (nvsmi-h200-gpm-train.jsonlines.gz) follows the same pattern. Plain Python, no XGBoost, so the
capture tools can import it in a second."""
import os
import re

_NAME = re.compile(r"nvsmi-(h\d+)-gpm-(.+)\.jsonlines(?:\.gz)?$")


def recording(path):
    """(short name, chip) of a recording: ('bq', 'H100'), ('train', 'H200'); (file name, None) for another name."""
    base = os.path.basename(path)
    m = _NAME.match(base)
    return (m.group(2), m.group(1).upper()) if m else (base, None)


def is_h100(path):
    """Whether a recording was made on an H100 (any other name counts as the H200s' it started on)."""
    return recording(path)[1] == "H100"
