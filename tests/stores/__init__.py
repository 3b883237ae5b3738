"""Tests of pychamber.stores: every backend behind the one interface."""
