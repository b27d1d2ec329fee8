// The CTIProtocol target: see docs/ARCHITECTURE.md.
