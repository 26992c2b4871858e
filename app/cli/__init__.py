"""Command-line groups for the ``flask`` command."""
