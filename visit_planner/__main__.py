"""``python -m visit_planner`` runs the CLI."""

from visit_planner.cli import main

main()
