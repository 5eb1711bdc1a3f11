"""One module per CLI command. Each defines ``HELP``, ``add_arguments(parser)`` and ``run(args)``.

Command modules import nothing heavy at module level (the compiler, troposphere, boto3, the SDK
are imported inside ``run``), so ``--help`` and ``--version`` stay instant. To add a command, add
its module name to ``COMMANDS``.
"""

COMMANDS = ("new", "compile", "validate", "graph", "diff", "deploy", "push-image", "run",
            "approve", "migrate")


def add_blueprint(parser) -> None:
    """The BLUEPRINT argument and ``--name``, as every command that reads a blueprint takes them."""
    parser.add_argument("blueprint", metavar="BLUEPRINT", help="a .py module or a .json config")
    parser.add_argument("--name", help="which blueprint, when the module defines several")
