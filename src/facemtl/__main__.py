"""``python -m facemtl`` runs the CLI."""

from facemtl.cli.main import main

raise SystemExit(main())
