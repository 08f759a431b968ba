"""The site stage: listing pages and feeds before the MkDocs build, then the build.

Public API::

    generate(config, archive) -> GenerateReport   # write content/{index.md,tags,...}
    build(config, archive, strict=False) -> Path  # generate, mkdocs build, pagefind
    serve(config, dev_addr="127.0.0.1:8000")      # build once, then serve and follow edits
"""

from digest.site.build import build
from digest.site.generate import GenerateReport, generate
from digest.site.overrides import sync_overrides
from digest.site.serve import serve

__all__ = ["GenerateReport", "build", "generate", "serve", "sync_overrides"]
