"""A page (HTML or a text dump) becomes clean Markdown and metadata."""
