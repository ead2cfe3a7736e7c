"""Lessons: guided walkthroughs of the course's ideas in a bar above the tabs (bar.py)."""

from components.lessons.bar import LessonBar, build

__all__ = ["LessonBar", "build"]
