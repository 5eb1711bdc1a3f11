"""Where things live in the stores: the object keys and prefixes every part of the pipeline shares.

The Glue script, the workflow, the IAM policies, the local runner and the docs all agree on these;
this is the one place they are written.
"""
from __future__ import annotations

TRAIN_PREFIX = "data/train/"  # feature store: a new object here starts a run
SCORE_PREFIX = "data/score/"  # feature store: the data a batch transform scores
EXTRACTS_TRAIN_PREFIX = "train/"  # extracts store: the Glue job's training extract
EXTRACTS_SCORE_KEY = "score/score.csv"  # extracts store: the Glue job's scoring extract
MODEL_PREFIX = "models/"  # model store: <training job>/output/model.tar.gz
CHECKPOINT_PREFIX = "checkpoints/"  # model store: <tuning job>/ with managed spot training
TRANSFORM_PREFIX = "transform/"  # output store: raw batch transform output, one folder per run
PREDICTIONS_PREFIX = "predictions/"  # output store: <run>/out.csv, crawled for Athena
METADATA_PREFIX = "tuning-runs/"  # metadata store: <run>.json
DRIFT_PREFIX = "drift/"  # metadata store: <run>.json, the drift check's report
DRIFT_SCRIPT = "drift.py"  # the drift check's job script, in the shipped glue/ folder
ASSETS_PREFIX = "assets/"  # source repository: assets/<sha256[:16]>/<file name>
MAX_TRAINING_RUNTIME_SECONDS = 24 * 60 * 60  # seed: 24 h max runtime per training job
