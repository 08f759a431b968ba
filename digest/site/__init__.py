"""The site stage: listing pages and feeds before the MkDocs build, then the build.

Public API::

    generate(config, archive) -> GenerateReport   # write content/{index.md,tags,...}
    build(config, archive, strict=False) -> Path  # generate, mkdocs build, pagefind
"""

from digest.site.build import build
from digest.site.generate import GenerateReport, generate
from digest.site.overrides import sync_overrides

__all__ = ["GenerateReport", "build", "generate", "sync_overrides"]
