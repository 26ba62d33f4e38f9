"""`python -m lib ...` runs the seecat command line."""

from .cli import main

raise SystemExit(main())
