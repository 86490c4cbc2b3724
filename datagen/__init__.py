"""datagen: the course's data set, generated from a seed, and a stream replayer.
"""
from datagen.pipeline import generate

__all__ = ["generate"]
