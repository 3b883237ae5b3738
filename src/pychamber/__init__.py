"""pychamber: a drop-in compatible Python rewrite of segmentio/chamber."""

__version__ = "0.1.0"
