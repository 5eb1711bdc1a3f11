"""``python -m mlops_dsl new DIR``: a new project (blueprint, Glue script, container, data).

Modules, one job each: ``project`` (checks the options and writes the files), ``problems`` (what
each problem type tunes and gates on), ``data`` (made-up sample data), ``glue_script`` (the
project's Glue script, from the sample's), ``shipped`` (where ``container/`` and ``glue/`` are
installed); the file templates are in ``templates/``.
"""
