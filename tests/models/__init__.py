"""Tests of the trained networks shipped with the app (app/models)."""
