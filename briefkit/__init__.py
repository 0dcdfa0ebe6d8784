"""briefkit: a static site generator for balanced news briefs."""

__version__ = "0.1.0"
