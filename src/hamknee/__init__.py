"""hamknee: a command-line study reference on how hamstring problems cause knee pain."""

__version__ = "0.1.0"
