"""digest: news feeds and pages into a clean, tagged Markdown archive and a searchable site."""

__version__ = "0.1.0"
