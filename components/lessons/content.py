"""The lessons: one per idea of the course (generative vs predictive AI, the model life cycle,
embeddings, transformers and self-attention, transfer learning and fine-tuning), each 4-6 steps,
in the order the bar offers them. Each lives in components/lessons/course/, written in English,
Spanish and Simplified Chinese side by side so a missing translation shows in review (and in
tests/test_lessons.py); what a lesson is made of is in components/lessons/steps.py.

A step says one thing, opens the tab that shows it, presses one of that tab's demo buttons (fixed
seeds: the teacher knows what will appear), points at the control that matters, and asks a
question whose answer stays hidden until revealed. The concepts follow
shared/reference/seed-generative-ai.txt; the answers were checked against what the demos show on
the default models. Not here: layout (components/lessons/bar.py) or logic (handlers.py).
"""

from __future__ import annotations

from components.lessons.course.embeddings import EMBEDDINGS
from components.lessons.course.generative_vs_predictive import GENERATIVE_PREDICTIVE
from components.lessons.course.life_cycle import LIFE_CYCLE
from components.lessons.course.transfer_learning import TRANSFER
from components.lessons.course.transformers import TRANSFORMERS
from components.lessons.steps import LANGUAGES, Lesson, Step, Words

LESSONS: tuple[Lesson, ...] = (
    GENERATIVE_PREDICTIVE,
    LIFE_CYCLE,
    EMBEDDINGS,
    TRANSFORMERS,
    TRANSFER,
)

__all__ = ["LANGUAGES", "LESSONS", "Lesson", "Step", "Words"]
