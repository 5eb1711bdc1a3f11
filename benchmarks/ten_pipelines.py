"""Ten pipelines in one module (one per business unit), for the compile benchmark."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "blueprints"))

from attrition import attrition  # noqa: E402

unit_0 = attrition.with_(name="unit_0", name_prefix="unit-0", job_name="unit-0")
unit_1 = attrition.with_(name="unit_1", name_prefix="unit-1", job_name="unit-1")
unit_2 = attrition.with_(name="unit_2", name_prefix="unit-2", job_name="unit-2")
unit_3 = attrition.with_(name="unit_3", name_prefix="unit-3", job_name="unit-3")
unit_4 = attrition.with_(name="unit_4", name_prefix="unit-4", job_name="unit-4")
unit_5 = attrition.with_(name="unit_5", name_prefix="unit-5", job_name="unit-5")
unit_6 = attrition.with_(name="unit_6", name_prefix="unit-6", job_name="unit-6")
unit_7 = attrition.with_(name="unit_7", name_prefix="unit-7", job_name="unit-7")
unit_8 = attrition.with_(name="unit_8", name_prefix="unit-8", job_name="unit-8")
unit_9 = attrition.with_(name="unit_9", name_prefix="unit-9", job_name="unit-9")
