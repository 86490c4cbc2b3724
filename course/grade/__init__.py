"""Grading a whole class: ``python -m course grade ASSIGNMENT``.

- ``sandbox``: the limits a student's kernel runs under, and killing what it leaves behind;
- ``kernel``: the small cell executor that runs inside the sandbox;
- ``runner``: which cells run (locked cells restored from the source) and how they fared;
- ``gradebook``: one JSON row per student, written atomically, assembled into a CSV;
- ``feedback``: HTML feedback without hidden-test source;
- ``cli``: the commands (grade, release, validate, export).

This package is imported by the sandbox launcher, so it stays free of heavy imports.
"""
