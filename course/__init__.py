"""The course: chapter notebooks, their nbgrader sources, and the grading command.

The notebooks live in ``course/source/``; ``exercises/`` and ``solutions/`` at the
top of the repository are generated from them.
"""
