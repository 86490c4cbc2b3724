"""``python -m course``: the instructor's commands (grade, release, validate, export, kit,
roster, gradebook).

``kit`` (build the student kit) lives in ``course.kit``; ``roster`` and ``gradebook``
(due dates, final grades) in ``course.grade.finalgrades``; the others in ``course.grade.cli``.
This module only dispatches to them.
"""

import sys

if __name__ == "__main__":
    if sys.argv[1:2] == ["kit"]:
        from course.kit import main as kit

        sys.exit(kit(sys.argv[2:]))
    if sys.argv[1:2] in (["roster"], ["gradebook"]):
        from course.grade.finalgrades import main as final

        sys.exit(final(sys.argv[1:]))
    from course.grade.cli import main

    sys.exit(main())
