"""Helpers shared by the tests of several areas (toy git repositories, the graft command)."""
