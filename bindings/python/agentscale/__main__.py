"""``python -m agentscale``: the agentscale command line (agentscale.cli)."""

from agentscale.cli import main

raise SystemExit(main())
