"""voice-skill: an offline voice assistant skill about hip and buttock pain."""

__version__ = "0.1.0"
