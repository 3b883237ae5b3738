"""Tests of pychamber.formats: export renderers and import parsers."""
