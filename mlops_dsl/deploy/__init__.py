"""Everything that talks to AWS, and nothing else does.

One module per job: ``session`` (boto3 clients with botocore's retrying configuration), ``faults``
(AWS errors translated into messages that say what happened and what to do), ``stack`` (what is
deployed), ``changeset`` (preview and execute), ``events`` (follow a stack until it settles),
``assets`` (content-addressed uploads), ``image`` (the Docker CLI), ``executions`` (start and
follow a run). ``workflow_diff`` is pure: it compares two workflow definitions.

Nothing here is imported at module level by the CLI, so ``--help`` stays instant.
"""
