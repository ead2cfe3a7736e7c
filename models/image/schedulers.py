"""The samplers (schedulers) a user can pick, built fresh for every call from a model's config.

A diffusers scheduler keeps per-call state (step index, solver history), so every generation gets
its own; our model's cosine schedule needs two settings for DPM-Solver++ to stay stable.
"""

from __future__ import annotations

from typing import Any

from models.errors import InvalidInputError

SCHEDULER_NAMES = ("DDPM", "DDIM", "Euler", "DPM-Solver++")


def scheduler_name(value: Any) -> str:
    if not isinstance(value, str) or value not in SCHEDULER_NAMES:
        raise InvalidInputError(
            f"Unknown scheduler '{value}'; pick one of: {', '.join(SCHEDULER_NAMES)}."
        )
    return value


# -- schedulers --------------------------------------------------------------------------------
def make_scheduler(name: str, config: dict[str, Any]) -> Any:
    """A fresh scheduler of kind ``name`` built from a model's scheduler config (one per call)."""
    from diffusers import (
        DDIMScheduler,
        DDPMScheduler,
        DPMSolverMultistepScheduler,
        EulerDiscreteScheduler,
    )

    name = scheduler_name(name)
    # Our cosine noise schedule ends at almost zero signal (alpha_bar(999) ~ 1e-9), where turning a
    # noise prediction into a clean-image prediction divides by ~1e-4: DDPM and DDIM clip that
    # prediction to [-1, 1] (clip_sample); DPM-Solver++ gets the clipping diffusers documents for
    # cosine schedules, and Euler starts from sigma 40 instead of ~30000.
    if name == "DDPM":
        return DDPMScheduler.from_config(config)
    if name == "DDIM":
        return DDIMScheduler.from_config(config, timestep_spacing="trailing")
    if name == "Euler":
        stable = {"use_karras_sigmas": True, "sigma_max": 40.0} if _cosine(config) else {}
        return EulerDiscreteScheduler.from_config(config, timestep_spacing="trailing", **stable)
    stable = {"lambda_min_clipped": -5.1, "thresholding": True} if _cosine(config) else {}
    return DPMSolverMultistepScheduler.from_config(
        config, algorithm_type="dpmsolver++", solver_order=2, timestep_spacing="trailing", **stable
    )


def _cosine(config: dict[str, Any]) -> bool:
    return config.get("beta_schedule") == "squaredcos_cap_v2"
