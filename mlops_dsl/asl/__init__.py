"""What we know of the Amazon States Language, in one place. Pure: no AWS client is made here.

One module per fact, each imported on its own (this ``__init__`` imports nothing, so the DSL can
read the operator table without loading the rest):

``transitions``  where a state can go next (``Next``, Choice rules, ``Default``, ``Catch``)
``paths``        the JSONPath grammar: one parser, one evaluator of simple paths
``intrinsics``   ``States.*`` intrinsic functions: their names, what they return, how they parse
``operators``    the Choice comparison operators: ASL name, symbol, operand kind, ``...Path`` twin
``fn_sub``       CloudFormation's ``Fn::Sub`` as the compiled workflow uses it, offline, and escaping
``history``      one follower of an execution's event history (paged), for AWS and the local runner
``graph``        the workflow as a Mermaid or Graphviz diagram
``diff``         how two workflow definitions differ, state by state
"""
