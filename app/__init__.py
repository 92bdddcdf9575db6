"""Convscope: an interactive visualizer of convolutions."""

__version__ = "0.1.0"
