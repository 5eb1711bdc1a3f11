"""What the workflow's approval state and ``python -m mlops_dsl approve`` agree on: the state's
name, the attributes of the message that carries the task token, and the error a rejection sends.

Kept apart from ``emit/production.py`` (which builds the state) so that the deploy side reads
them without loading the emitters.
"""
APPROVAL = "Wait for approval"  # the state that waits on sns:publish.waitForTaskToken
REJECTION = "Rejected"  # the error `approve --reject` sends (SendTaskFailure); caught by the state
TOKEN_ATTRIBUTE = "task_token"  # the approval message's attributes `approve` reads back
PACKAGE_ATTRIBUTE = "model_package"
