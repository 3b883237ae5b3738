"""Tests of pychamber.cli: the command line in-process on a fake console, processes where only a
process will do (exec, signals, ttys, imports of a fresh interpreter)."""
