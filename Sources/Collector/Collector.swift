// The Collector target: see docs/ARCHITECTURE.md.
