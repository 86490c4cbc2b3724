"""Grading a whole class: ``python -m course grade ASSIGNMENT``.

- ``intake``: finding and reading submissions safely (no links, FIFOs, huge or deep files);
- ``sandbox``: the limits a student's kernel runs under, and killing what it leaves behind;
- ``cgroup``: a control group per kernel, for memory and processes of the whole submission;
- ``kernel``: the small cell executor that runs inside the sandbox;
- ``drive``: driving one kernel through a plan, with deadlines counted in effective time;
- ``runner``: which cells run (locked cells restored from the source) and how they fared;
- ``judge``: a graded cell's points, from what its checks reported, judged outside the sandbox;
- ``reference``: the expected reports (the source notebook run the same way) and the hidden
  data set, kept in the grader's private folder;
- ``forgeries``: a forging student's cells (the demo and the tests);
- ``gradebook``: one JSON row per student, written atomically, assembled into a CSV;
- ``feedback``: HTML feedback without hidden-test source;
- ``cli``: the commands (grade, release, validate, export).

This package is imported by the sandbox launcher, so it stays free of heavy imports.
"""
