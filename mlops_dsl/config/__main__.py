"""``python -m mlops_dsl.config [--write]``: print the generated config schema, or rewrite the
committed schema and the README's config table."""
from .schema import main

raise SystemExit(main())
