"""Image generation: diffusion models turning noise into pictures, and views of how they do it."""
