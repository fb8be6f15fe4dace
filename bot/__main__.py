"""`python -m bot` runs the iuc-bot command line."""

from bot.cli import main

raise SystemExit(main())
