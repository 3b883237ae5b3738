"""Tests of pychamber.compat: Go, cobra and pflag behaviour emulated."""
