"""``python -m course``: the instructor's commands (grade, release, validate, export, kit).

``kit`` (build the student kit) lives in ``course.kit``; the others in ``course.grade.cli``.
This module only dispatches to them.
"""

import sys

if __name__ == "__main__":
    if sys.argv[1:2] == ["kit"]:
        from course.kit import main as kit

        sys.exit(kit(sys.argv[2:]))
    from course.grade.cli import main

    sys.exit(main())
