"""Everything that talks to AWS, and nothing else does.

One module per job: ``session`` (boto3 clients with botocore's retrying configuration), ``faults``
(AWS errors translated into messages that say what happened and what to do), ``stack`` (what is
deployed), ``changeset`` (preview and execute), ``events`` (follow a stack until it settles),
``assets`` (content-addressed uploads), ``image`` (the Docker CLI), ``executions`` (start and
follow a run, through ``mlops_dsl.asl.history``). Comparing two workflow definitions is pure and
lives in ``mlops_dsl.asl.diff``.

Nothing here is imported at module level by the CLI, so ``--help`` stays instant.
"""
