"""``python -m course``: the instructor's commands (grade, release, validate, export).

The commands live in ``course.grade.cli``; this module only dispatches to them.
"""

import sys

from course.grade.cli import main

if __name__ == "__main__":
    sys.exit(main())
