"""The lessons, one file per idea of the course."""
