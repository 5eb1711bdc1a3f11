"""The local-run benchmark runs and reports every stage, with and without the fork server (the
figures themselves go in the README; speed is measured there, not asserted here)."""
from __future__ import annotations

import os
import subprocess
import sys

from local_helpers import ROOT


def test_the_local_run_benchmark_reports_each_stage_both_ways():
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "local_run.py"), "--jobs",
                           "1", "--repeat", "1", "--compare"], capture_output=True, text=True,
                          env=dict(os.environ, AWS_EC2_METADATA_DISABLED="true"), timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("local run of attrition.py: 1 training jobs, 1 at a time")
    assert lines[1].split() == ["stage", "fork", "server", "fresh", "interpreters"]
    stages = {line[:26].strip(): line[26:].split() for line in lines[2:]}
    assert list(stages) == ["interpreter start", "Glue script", "training job 1",
                            "tuning state (all jobs)", "batch transform", "compile", "other",
                            "total"]
    for cells in stages.values():
        assert len(cells) == 4  # median (fastest) for each of the two columns
        assert all(float(cell.strip("()")) >= 0 for cell in cells)
