"""The Lambda handlers of the compiled workflow; shipped in the package as mlops_dsl.handlers."""
