"""OxiTrack: a local-first coding time tracker."""

__version__ = "0.1.0"
