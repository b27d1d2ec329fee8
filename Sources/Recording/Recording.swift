// The Recording target: see docs/ARCHITECTURE.md.
