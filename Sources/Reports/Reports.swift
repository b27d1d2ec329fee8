// The Reports target: see docs/ARCHITECTURE.md.
